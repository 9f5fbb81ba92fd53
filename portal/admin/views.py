"""Admin pages. Every route requires the admin role.

Thin views: parse a form, call a service, render or redirect. A form that does not validate,
and a rule of a service that refuses the input, are both answered at the field with 400.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.admin import services
from portal.admin.forms import (
    ActionForm,
    AuditFilterForm,
    InviteForm,
    MunicipalityFilterForm,
    MunicipalityForm,
    OfficeForm,
    OutboxFilterForm,
    ScopedRoleForm,
    UserFilterForm,
    office_choices,
)
from portal.audit import services as audit_trail
from portal.auth import two_factor
from portal.auth.models import Role, User
from portal.core.errors import DomainError
from portal.core.forms import attach_error, form_status
from portal.core.pagination import paginate
from portal.extensions import db
from portal.municipalities import services as places
from portal.municipalities.options import catalogue as municipality_catalogue
from portal.notifications import services as outbox_service
from portal.notifications.models import OutboundEmail
from portal.security import roles_required

bp = Blueprint("admin", __name__)


@bp.get("/")
@roles_required(Role.ADMIN)
def index() -> Response:
    return redirect(url_for("admin.municipalities"))


# --- municipalities ---------------------------------------------------------------------------


@bp.get("/municipalities")
@roles_required(Role.ADMIN)
def municipalities() -> str:
    filters = MunicipalityFilterForm(formdata=request.args)
    filters.office.choices = office_choices(places.all_offices(), _("alle Außenstellen"))
    valid = filters.validate()
    office_id = filters.office.data if valid else None
    search = (filters.q.data or "") if valid else ""
    page = paginate(places.municipalities_query(office_id=office_id, search=search))
    return render_template("admin/municipalities.html", page=page, filters=filters)


def _municipality_form(obj: Any = None) -> MunicipalityForm:
    form = MunicipalityForm(obj=obj)
    form.office_id.choices = office_choices(places.all_offices(), _("– keine –"))
    return form


@bp.route("/municipalities/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_municipality() -> str | Response | tuple[str, int]:
    form = _municipality_form()
    if form.validate_on_submit():
        try:
            municipality = places.create_municipality(
                current_user, form.name.data, form.kind.data, form.ags.data, form.office_id.data
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Die Gemeinde %(name)s ist angelegt.", name=municipality.name), "success")
            return redirect(url_for("admin.municipalities"))
    page = render_template("admin/municipality_form.html", form=form, municipality=None)
    return page, form_status(form)


@bp.route("/municipalities/<int:municipality_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_municipality(municipality_id: int) -> str | Response | tuple[str, int]:
    municipality = places.get_municipality(municipality_id)
    form = _municipality_form(obj=municipality)
    if form.validate_on_submit():
        try:
            places.update_municipality(
                current_user,
                municipality,
                form.name.data,
                form.kind.data,
                form.ags.data,
                form.office_id.data,
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Die Gemeinde %(name)s ist gespeichert.", name=municipality.name), "success")
            return redirect(url_for("admin.municipalities"))
    return render_template(
        "admin/municipality_form.html", form=form, municipality=municipality
    ), form_status(form)


# --- offices ----------------------------------------------------------------------------------


@bp.get("/offices")
@roles_required(Role.ADMIN)
def offices() -> str:
    page = paginate(places.offices_query())
    counts = places.municipality_counts([o.id for o in page.items])
    return render_template("admin/offices.html", page=page, counts=counts)


def _office_args(form: OfficeForm) -> dict[str, str]:
    return {
        "name": form.name.data,
        "address": form.address.data or "",
        "consultation_hours": form.consultation_hours.data or "",
        "email": form.email.data or "",
        "phone": form.phone.data or "",
    }


@bp.route("/offices/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_office() -> str | Response | tuple[str, int]:
    form = OfficeForm()
    if form.validate_on_submit():
        try:
            office = places.create_office(current_user, **_office_args(form))
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Die Außenstelle %(name)s ist angelegt.", name=office.name), "success")
            return redirect(url_for("admin.offices"))
    return render_template("admin/office_form.html", form=form, office=None), form_status(form)


@bp.route("/offices/<int:office_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_office(office_id: int) -> str | Response | tuple[str, int]:
    office = places.get_office(office_id)
    form = OfficeForm(obj=office)
    if form.validate_on_submit():
        try:
            places.update_office(current_user, office, **_office_args(form))
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Die Außenstelle %(name)s ist gespeichert.", name=office.name), "success")
            return redirect(url_for("admin.offices"))
    return render_template("admin/office_form.html", form=form, office=office), form_status(form)


# --- accounts ---------------------------------------------------------------------------------


@bp.get("/users")
@roles_required(Role.ADMIN)
def users() -> str:
    filters = UserFilterForm(formdata=request.args)
    valid = filters.validate()
    search = (filters.q.data or "") if valid else ""
    role = (filters.role.data or None) if valid else None
    page = paginate(services.users_query(search=search, role=role))
    return render_template("admin/users.html", page=page, filters=filters)


def _scoped(form: ScopedRoleForm) -> ScopedRoleForm:
    form.set_scope_choices(places.all_offices())
    return form


@bp.route("/users/invite", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def invite_user() -> str | Response | tuple[str, int]:
    form = _scoped(InviteForm())
    if form.validate_on_submit():
        try:
            user = services.invite(current_user, **form.invitation())
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(
                _(
                    "%(name)s ist eingeladen; die E-Mail mit dem Link liegt im Postausgang.",
                    name=user.display_name,
                ),
                "success",
            )
            return redirect(url_for("admin.user", user_id=user.id))
    return render_template("admin/invite.html", form=form), form_status(form)


def _user_page(
    user_id: int, grant_form: ScopedRoleForm | None = None, status: int = 200
) -> tuple[str, int]:
    user = services.get_user(user_id)
    return render_template(
        "admin/user.html",
        user=user,
        grant_form=grant_form or _scoped(ScopedRoleForm(formdata=None)),
        action_form=ActionForm(formdata=None),
        two_factor_on=two_factor.is_enabled(user),
    ), status


@bp.get("/users/<int:user_id>")
@roles_required(Role.ADMIN)
def user(user_id: int) -> tuple[str, int]:
    return _user_page(user_id)


@bp.post("/users/<int:user_id>/roles")
@roles_required(Role.ADMIN)
def grant_role(user_id: int) -> Response | tuple[str, int]:
    user = services.get_user(user_id)
    form = _scoped(ScopedRoleForm())
    if form.validate():
        try:
            services.grant(
                current_user, user, form.role.data, form.municipality_id.data, form.office_id.data
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Die Rolle ist vergeben."), "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return _user_page(user_id, grant_form=form, status=400)


def _action(user_id: int, do: Any, done: str) -> Response:
    """Run a button action (CSRF-checked); a refusal is flashed on the account page."""
    user = services.get_user(user_id)
    form = ActionForm()
    if not form.validate():
        flash(_("Die Anfrage war ungültig. Bitte versuchen Sie es erneut."), "danger")
    else:
        try:
            do(user)
        except DomainError as exc:
            if exc.status_code == 404:
                raise
            flash(exc.message, "danger")
        else:
            flash(done, "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/roles/<int:membership_id>/revoke")
@roles_required(Role.ADMIN)
def revoke_role(user_id: int, membership_id: int) -> Response:
    return _action(
        user_id,
        lambda user: services.revoke(current_user, user, membership_id),
        _("Die Rolle ist entzogen."),
    )


@bp.post("/users/<int:user_id>/deactivate")
@roles_required(Role.ADMIN)
def deactivate_user(user_id: int) -> Response:
    return _action(
        user_id,
        lambda user: services.set_active(current_user, user, False),
        _("Das Konto ist gesperrt."),
    )


@bp.post("/users/<int:user_id>/reactivate")
@roles_required(Role.ADMIN)
def reactivate_user(user_id: int) -> Response:
    return _action(
        user_id,
        lambda user: services.set_active(current_user, user, True),
        _("Das Konto ist wieder aktiv."),
    )


@bp.post("/users/<int:user_id>/resend-invitation")
@roles_required(Role.ADMIN)
def resend_invitation(user_id: int) -> Response:
    return _action(
        user_id,
        lambda user: services.resend_invitation(current_user, user),
        _("Die Einladung ist erneut verschickt."),
    )


# --- outbox -----------------------------------------------------------------------------------


@bp.get("/outbox")
@roles_required(Role.ADMIN)
def outbox() -> str:
    filters = OutboxFilterForm(formdata=request.args)
    status = (filters.status.data or None) if filters.validate() else None
    page = paginate(services.outbox_query(status))
    return render_template(
        "admin/outbox.html", page=page, filters=filters, action_form=ActionForm()
    )


@bp.get("/outbox/<int:email_id>")
@roles_required(Role.ADMIN)
def outbox_message(email_id: int) -> str:
    email = db.get_or_404(OutboundEmail, email_id)
    return render_template("admin/outbox_message.html", email=email, action_form=ActionForm())


@bp.post("/outbox/requeue")
@roles_required(Role.ADMIN)
def requeue_outbox() -> Response:
    """Every failed message back into the queue (the CSRF token is checked for every POST)."""
    count = outbox_service.requeue_failed(current_user)
    flash(
        _("Erneut in den Postausgang gestellt: %(count)d Nachricht(en).", count=count),
        "success" if count else "info",
    )
    return redirect(url_for("admin.outbox", status="pending" if count else None))


@bp.post("/outbox/<int:email_id>/requeue")
@roles_required(Role.ADMIN)
def requeue_message(email_id: int) -> Response:
    try:
        outbox_service.requeue_failed(current_user, email_id)
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        flash(exc.message, "danger")
    else:
        flash(_("Die Nachricht wird erneut gesendet."), "success")
    return redirect(url_for("admin.outbox_message", email_id=email_id))


# --- audit trail ------------------------------------------------------------------------------


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit() -> tuple[str, int]:
    """The audit trail for data-protection checks, newest first. Reading it is not audited
    (that would flood the trail). Invalid filters show no events, only the errors (400)."""
    filters = AuditFilterForm(formdata=request.args)
    if not filters.validate():
        return render_template(
            "admin/audit.html", page=None, filters=filters, actors={}, places={}, actor=None
        ), 400
    page = paginate(audit_trail.events_query(**filters.query()))
    actors = audit_trail.actors_of(page.items)
    return render_template(
        "admin/audit.html",
        page=page,
        filters=filters,
        actors=actors,
        actor=_filtered_actor(filters.actor_id.data, actors),
        places=municipality_catalogue(
            frozenset(e.municipality_id for e in page.items if e.municipality_id)
        ).names,
        details_text=audit_trail.details_text,
    ), 200


def _filtered_actor(actor_id: int | None, actors: dict[int, User]) -> User | None:
    """The account the trail is filtered by, named on the page also when it has no events."""
    if not actor_id:
        return None
    return actors.get(actor_id) or db.session.get(User, actor_id)
