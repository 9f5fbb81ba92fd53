"""Clients and integration plans: managers of the client's municipality and admins only.

Every page that shows a client (or the client's plan) writes a ``client.viewed`` audit event.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portal.auth.models import Role
from portal.consultations import bookings
from portal.consultations.forms import HomeVisitForm
from portal.consultations.queries import visits_of
from portal.core.errors import DomainError, ValidationFailed
from portal.core.forms import ActionForm, PortalForm, attach_error, submit
from portal.core.http import safe_next_url
from portal.core.pagination import first_items, paginate
from portal.core.time import today_local
from portal.extensions import db
from portal.needs.queries import needs_of_step_ids
from portal.plans import clients as client_records
from portal.plans import services
from portal.plans.forms import (
    ClientForm,
    CloseClientForm,
    GoalForm,
    PlanForm,
    StepForm,
)
from portal.plans.models import Client, ClientStatus, Goal, Step
from portal.security import managed_municipality_ids, may_see_client, require, roles_required

bp = Blueprint("plans", __name__)

MANAGERS = (Role.MANAGER, Role.ADMIN)
START_LIST_LIMIT = 20


def _client_or_404(client_id: int) -> Client:
    client = db.get_or_404(Client, client_id)
    require(may_see_client(current_user, client))
    return client


def _goal_or_404(goal_id: int) -> Goal:
    goal = db.get_or_404(Goal, goal_id)
    require(may_see_client(current_user, goal.plan.client))
    return goal


def _step_or_404(step_id: int) -> Step:
    step = db.get_or_404(Step, step_id)
    require(may_see_client(current_user, step.goal.plan.client))
    return step


# --- start page ------------------------------------------------------------------------------


@bp.get("/")
@roles_required(*MANAGERS)
def start() -> str:
    reviews_stmt = services.plans_due_for_review(current_user)
    steps_stmt = services.overdue_steps(current_user)
    reviews = first_items(reviews_stmt, START_LIST_LIMIT)
    steps = first_items(steps_stmt, START_LIST_LIMIT)
    return render_template(
        "plans/start.html",
        reviews=reviews,
        reviews_total=services.count_of(reviews_stmt),
        steps=steps,
        steps_total=services.count_of(steps_stmt),
        counted=services.COUNTED,
        today=today_local(),
    )


# --- clients ---------------------------------------------------------------------------------


def _client_form(client: Client | None = None) -> ClientForm:
    if client is not None and request.method == "GET":
        form = ClientForm(
            obj=client,
            adults=client.household.get("adults", 0),
            children=list(client.household.get("children", [])),
        )
    else:
        form = ClientForm()
    form.municipality_id.offer(managed_municipality_ids(current_user))
    form.manager_id.choices = [SelectChoice("", _("– niemand –"))] + [
        SelectChoice(uid, name) for uid, name in client_records.managers_for(current_user)
    ]
    if client is None and request.method == "GET" and Role.MANAGER in current_user.roles:
        form.manager_id.data = current_user.id
    return form


def _client_input(form: ClientForm) -> client_records.ClientInput:
    return client_records.ClientInput(
        name=form.name.data or "",
        contact=form.contact.data or "",
        municipality_id=form.municipality_id.data,
        languages=list(form.languages.data or []),
        adults=form.adults.data or 0,
        children=list(form.children.data or []),
        manager_id=form.manager_id.data,
    )


@bp.get("/clients")
@roles_required(*MANAGERS)
def clients() -> str:
    status = request.args.get("status", ClientStatus.ACTIVE)
    status = status if status == "" or ClientStatus.has(status) else ClientStatus.ACTIVE
    q = (request.args.get("q") or "").strip()[:100]
    page = paginate(client_records.clients_query(current_user, status=status or None, q=q or None))
    return render_template("plans/clients.html", page=page, status=status, q=q)


@bp.route("/clients/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def create_client() -> ResponseReturnValue:
    form = _client_form()
    return submit(
        form,
        lambda: client_records.create_client(current_user, _client_input(form)),
        done=lambda client: _("Klientin oder Klient %(ref)s angelegt.", ref=client.reference),
        target=lambda client: url_for("plans.plan", client_id=client.id),
        page=lambda: render_template("plans/client_form.html", form=form, client=None),
    )


@bp.get("/clients/<int:client_id>")
@roles_required(*MANAGERS)
def client_detail(client_id: int) -> str:
    client = _client_or_404(client_id)
    client_records.record_client_view(current_user, client, page="client")
    return render_template(
        "plans/client_detail.html",
        client=client,
        plan=services.load_plan(client),
        close_form=CloseClientForm(closed_on=today_local()),
        progress=services.goal_progress,
        visits=visits_of(client.id),
    )


@bp.route("/clients/<int:client_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_client(client_id: int) -> ResponseReturnValue:
    client = _client_or_404(client_id)
    if request.method == "GET":
        client_records.record_client_view(current_user, client, page="edit")
    form = _client_form(client)
    return submit(
        form,
        lambda: client_records.update_client(current_user, client, _client_input(form)),
        done=_("Gespeichert."),
        target=url_for("plans.client_detail", client_id=client.id),
        page=lambda: render_template("plans/client_form.html", form=form, client=client),
    )


@bp.post("/clients/<int:client_id>/close")
@roles_required(*MANAGERS)
def close_client(client_id: int) -> ResponseReturnValue:
    client = _client_or_404(client_id)
    form = CloseClientForm()
    if form.validate_on_submit():
        try:
            client_records.close_client(current_user, client, form.closed_on.data)
        except ValidationFailed as exc:
            attach_error(form, exc)
        else:
            flash(_("Der Fall ist abgeschlossen."), "success")
            return redirect(url_for("plans.client_detail", client_id=client.id))
    return render_template("plans/close_client.html", form=form, client=client), 400


@bp.post("/clients/<int:client_id>/reopen")
@roles_required(*MANAGERS)
def reopen_client(client_id: int) -> Response:
    client = _client_or_404(client_id)
    if not PortalForm().validate_on_submit():
        abort(400)
    client_records.reopen_client(current_user, client)
    flash(_("Der Fall ist wieder aktiv."), "success")
    return redirect(url_for("plans.client_detail", client_id=client.id))


# --- plan, goals, steps ----------------------------------------------------------------------


@bp.get("/clients/<int:client_id>/plan")
@roles_required(*MANAGERS)
def plan(client_id: int) -> str:
    client = _client_or_404(client_id)
    client_records.record_client_view(current_user, client, page="plan")
    plan = services.load_plan(client)
    step_ids = [s.id for g in plan.goals for s in g.steps]
    return render_template(
        "plans/plan.html",
        client=client,
        plan=plan,
        progress=services.goal_progress,
        offers_achievement=services.offers_achievement,
        action_form=ActionForm(),
        is_overdue=services.is_overdue,
        needs_by_step=needs_of_step_ids(step_ids),
        today=today_local(),
    )


@bp.route("/clients/<int:client_id>/plan/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_plan(client_id: int) -> ResponseReturnValue:
    client = _client_or_404(client_id)
    plan = services.plan_of(client)
    form = PlanForm(obj=plan)
    return submit(
        form,
        lambda: services.update_plan(
            current_user, client, form.agreed_on.data, form.next_review_on.data
        ),
        done=_("Gespeichert."),
        target=url_for("plans.plan", client_id=client.id),
        page=lambda: render_template("plans/plan_form.html", form=form, client=client),
    )


@bp.route("/clients/<int:client_id>/goals/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def create_goal(client_id: int) -> ResponseReturnValue:
    client = _client_or_404(client_id)
    form = GoalForm()
    return submit(
        form,
        lambda: services.add_goal(
            current_user, client, form.area.data, form.text.data, form.status.data
        ),
        done=_("Ziel angelegt."),
        target=url_for("plans.plan", client_id=client.id),
        page=lambda: render_template("plans/goal_form.html", form=form, client=client, goal=None),
    )


@bp.route("/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_goal(goal_id: int) -> ResponseReturnValue:
    goal = _goal_or_404(goal_id)
    client = goal.plan.client
    form = GoalForm(obj=goal)
    return submit(
        form,
        lambda: services.update_goal(
            current_user, goal, form.area.data, form.text.data, form.status.data
        ),
        done=_("Gespeichert."),
        target=url_for("plans.plan", client_id=client.id),
        page=lambda: render_template("plans/goal_form.html", form=form, client=client, goal=goal),
    )


@bp.post("/goals/<int:goal_id>/achieve")
@roles_required(*MANAGERS)
def achieve_goal(goal_id: int) -> Response:
    """Offered where all of a goal's steps are done (the plan, a completed need's page)."""
    goal = _goal_or_404(goal_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.achieve_goal(current_user, goal)
    except DomainError as exc:
        flash(exc.message, "warning")
    else:
        flash(_("Das Ziel ist als erreicht markiert."), "success")
    back = safe_next_url(form.next.data)
    return redirect(back or url_for("plans.plan", client_id=goal.plan.client_id))


def _step_input(form: StepForm) -> services.StepInput:
    return services.StepInput(
        text=form.text.data or "",
        due_on=form.due_on.data,
        status=form.status.data,
        actor=form.actor.data,
        partner=form.partner.data or "",
    )


@bp.route("/goals/<int:goal_id>/steps/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def create_step(goal_id: int) -> ResponseReturnValue:
    goal = _goal_or_404(goal_id)
    client = goal.plan.client
    form = StepForm()
    return submit(
        form,
        lambda: services.add_step(current_user, goal, _step_input(form)),
        done=_("Schritt angelegt."),
        target=url_for("plans.plan", client_id=client.id),
        page=lambda: render_template(
            "plans/step_form.html", form=form, client=client, goal=goal, step=None
        ),
    )


@bp.route("/steps/<int:step_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_step(step_id: int) -> ResponseReturnValue:
    step = _step_or_404(step_id)
    goal = step.goal
    client = goal.plan.client
    form = StepForm(obj=step)
    return submit(
        form,
        lambda: services.update_step(current_user, step, _step_input(form)),
        done=_("Gespeichert."),
        target=url_for("plans.plan", client_id=client.id),
        page=lambda: render_template(
            "plans/step_form.html", form=form, client=client, goal=goal, step=step
        ),
    )


# --- home visits -----------------------------------------------------------------------------


@bp.route("/clients/<int:client_id>/visits/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def record_visit(client_id: int) -> ResponseReturnValue:
    """A home visit or a visit at an accommodation, on the client's record."""
    client = _client_or_404(client_id)
    form = HomeVisitForm()
    if request.method == "GET":
        form.visited_on.data = today_local()
    return submit(
        form,
        lambda: bookings.record_home_visit(current_user, client, form.to_input()),
        done=_("Hausbesuch eingetragen."),
        target=url_for("plans.client_detail", client_id=client.id),
        page=lambda: render_template("consultations/visit_form.html", form=form, client=client),
        refused=(DomainError,),
    )
