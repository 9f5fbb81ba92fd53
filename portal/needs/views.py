"""The managers' side of support needs: list, publish, edit, cancel, duplicate, complete, and
the claims and reports on them (release a claim, acknowledge a report, the reports list).

Volunteers see needs on the task board (``board`` blueprint), never these pages: they show
private notes and the plan step a need came from.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.models import Role
from portal.conversations.queries import unread_by_need
from portal.core.errors import DomainError, ValidationFailed
from portal.core.forms import ActionForm, attach_error, form_status, submit
from portal.core.http import safe_next_url
from portal.core.inputs import parse_id
from portal.core.pagination import paginate
from portal.extensions import db
from portal.needs import claims, queries, services, validation
from portal.needs import reports as reporting
from portal.needs.forms import (
    CancelNeedForm,
    CompleteNeedForm,
    NeedFilterForm,
    NeedForm,
    ReasonForm,
)
from portal.needs.models import Assignment, Need, NeedStatus
from portal.needs.report_models import Report
from portal.plans.models import Step
from portal.plans.services import offers_achievement
from portal.security import (
    managed_municipality_ids,
    may_manage_need,
    may_see_client,
    require,
    roles_required,
)

bp = Blueprint("needs", __name__)

MANAGERS = (Role.MANAGER, Role.ADMIN)


def _need_or_404(need_id: int) -> Need:
    need = db.get_or_404(Need, need_id)
    require(may_manage_need(current_user, need))
    return need


@bp.get("/")
@roles_required(*MANAGERS)
def index() -> tuple[str, int]:
    form = NeedFilterForm(request.args)
    form.municipality_id.offer(managed_municipality_ids(current_user))
    filters = form.filters()
    page = paginate(queries.needs_query(current_user, filters))
    counts = queries.counts_for([n.id for n in page.items])
    return render_template(
        "needs/index.html",
        form=form,
        page=page,
        counts=counts,
        unread=unread_by_need(current_user, [n.id for n in page.items]),
        empty=queries.NeedCounts(),
    ), 400 if form.errors else 200


def _source_step(step_id: Any) -> Step | None:
    step_id = parse_id(step_id)
    if step_id is None:
        return None
    step = db.get_or_404(Step, step_id)
    require(may_see_client(current_user, step.goal.plan.client))
    return step


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def create() -> ResponseReturnValue:
    form = NeedForm()
    form.municipality_id.offer(managed_municipality_ids(current_user))
    step = _source_step(form.source_step_id.data or request.args.get("step_id"))
    if request.method == "GET" and step is not None:
        client = step.goal.plan.client
        form.source_step_id.data = step.id
        form.municipality_id.data = client.municipality_id
        form.languages.data = [*[c for c in client.languages if c != "de"][:3], "de"]
    if form.validate_on_submit():
        try:
            need = services.create_need(current_user, form.to_input())
        except ValidationFailed as exc:
            attach_error(form, exc)
        else:
            if need.status == NeedStatus.OPEN:
                flash(_("Der Bedarf ist veröffentlicht."), "success")
            else:
                flash(_("Der Bedarf ist als Entwurf gespeichert."), "success")
            return redirect(url_for("needs.detail", need_id=need.id))
    return render_template("needs/form.html", form=form, need=None, step=step), form_status(form)


@bp.get("/<int:need_id>")
@roles_required(*MANAGERS)
def detail(need_id: int) -> str:
    need = _need_or_404(need_id)
    step = need.source_step
    show_step = step is not None and may_see_client(current_user, step.goal.plan.client)
    return render_template(
        "needs/detail.html",
        need=need,
        step=step if show_step else None,
        counts=queries.counts_for([need.id]).get(need.id, queries.NeedCounts()),
        assignments=queries.need_assignments(need),
        complete_form=CompleteNeedForm(),
        action_form=ActionForm(),
        appointment_ahead=services.appointment_ahead(need),
        unread=unread_by_need(current_user, [need.id]).get(need.id, 0),
        goal_offer=step.goal if step and show_step and offers_achievement(step.goal) else None,
    )


@bp.route("/<int:need_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(need_id: int) -> ResponseReturnValue:
    need = _need_or_404(need_id)
    if need.status in services.CLOSED:
        flash(_("Ein abgeschlossener oder abgesagter Bedarf ist nicht änderbar."), "warning")
        return redirect(url_for("needs.detail", need_id=need.id))
    form = NeedForm()
    form.municipality_id.offer(managed_municipality_ids(current_user))
    if request.method == "GET":
        form.fill_from(validation.NeedInput.from_need(need))
    if form.validate_on_submit():
        try:
            services.update_need(current_user, need, form.to_input())
        except ValidationFailed as exc:
            attach_error(form, exc)
        else:
            flash(_("Gespeichert."), "success")
            return redirect(url_for("needs.detail", need_id=need.id))
    return render_template(
        "needs/form.html", form=form, need=need, step=need.source_step
    ), form_status(form)


@bp.route("/<int:need_id>/cancel", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def cancel(need_id: int) -> ResponseReturnValue:
    need = _need_or_404(need_id)
    form = CancelNeedForm()
    return submit(
        form,
        lambda: services.cancel_need(current_user, need, form.reason.data),
        done=_("Der Bedarf ist abgesagt."),
        target=url_for("needs.detail", need_id=need.id),
        page=lambda: render_template(
            "needs/cancel.html", form=form, need=need, assigned=services.active_assignments(need)
        ),
    )


@bp.post("/<int:need_id>/duplicate")
@roles_required(*MANAGERS)
def duplicate(need_id: int) -> Response:
    need = _need_or_404(need_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    copy = services.duplicate_need(current_user, need)
    flash(_("Eine Kopie wurde als Entwurf angelegt. Bitte prüfen Sie den Termin."), "success")
    return redirect(url_for("needs.edit", need_id=copy.id))


@bp.post("/<int:need_id>/complete")
@roles_required(*MANAGERS)
def complete(need_id: int) -> Response:
    need = _need_or_404(need_id)
    form = CompleteNeedForm()
    if not form.validate_on_submit():
        abort(400)
    services.complete_need(current_user, need, mark_step_done=bool(form.mark_step_done.data))
    flash(_("Der Bedarf ist abgeschlossen."), "success")
    return redirect(url_for("needs.detail", need_id=need.id))


# --- claims and reports of the managers' needs ------------------------------------------------


def _back_url(need: Need) -> str:
    """Where a manager's action on a claim or report returns: the page it came from, else the
    need's page."""
    return safe_next_url(request.form.get("next")) or url_for("needs.detail", need_id=need.id)


@bp.route("/assignments/<int:assignment_id>/release", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def release(assignment_id: int) -> ResponseReturnValue:
    assignment = db.get_or_404(Assignment, assignment_id)
    require(may_manage_need(current_user, assignment.need))
    form = ReasonForm()
    return submit(
        form,
        lambda: claims.release(current_user, assignment_id, form.reason.data),
        done=_("Die Übernahme wurde beendet; beide Seiten werden benachrichtigt."),
        target=lambda _ended: _back_url(assignment.need),
        page=lambda: render_template("needs/release.html", assignment=assignment, form=form),
        refused=(DomainError,),
    )


@bp.post("/reports/<int:report_id>/acknowledge")
@roles_required(*MANAGERS)
def acknowledge(report_id: int) -> Response:
    report = db.get_or_404(Report, report_id)
    require(may_manage_need(current_user, report.assignment.need))
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        reporting.acknowledge_report(current_user, report_id)
    except DomainError as exc:
        flash(exc.message, "warning")
    else:
        flash(_("Bericht bestätigt."), "success")
    return redirect(_back_url(report.assignment.need))


@bp.get("/reports")
@roles_required(*MANAGERS)
def reports() -> str:
    open_only = request.args.get("all") != "1"
    concerns = request.args.get("concerns") == "1"
    stmt = queries.manager_reports_stmt(current_user, open_only, concerns)
    return render_template(
        "needs/reports.html",
        page=paginate(stmt),
        open_only=open_only,
        concerns=concerns,
        ack_form=ActionForm(),
    )
