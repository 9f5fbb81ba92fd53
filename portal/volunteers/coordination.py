"""Coordinator queue, decisions, certificate checks and overview.

Coordinators see the volunteers whose home municipality they coordinate; admins see all.
A volunteer outside that scope is a 404, also by a typed URL.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.models import Role
from portal.core.errors import DomainError
from portal.core.forms import PortalForm, attach_error
from portal.core.inputs import query_id
from portal.core.pagination import page_number, paginate
from portal.security import is_own_account, may_coordinate_volunteer, require, roles_required
from portal.volunteers import certificates, decisions, profiles, queries
from portal.volunteers import queue as queue_lists
from portal.volunteers.forms import CertificateForm, DecisionForm
from portal.volunteers.models import VolunteerProfile, VolunteerStatus

bp = Blueprint("coordination", __name__)

COORDINATION = (Role.COORDINATOR, Role.ADMIN)


@bp.get("/")
@roles_required(*COORDINATION)
def overview() -> str:
    data = queries.overview(current_user, page=page_number())
    return render_template(
        "coordination/overview.html",
        data=data,
        certificate_state=certificates.certificate_state,
    )


def queue_filters() -> queue_lists.QueueFilters:
    args = request.args
    return queue_lists.QueueFilters(
        status=args.get("status", "") if VolunteerStatus.has(args.get("status")) else "",
        municipality_id=query_id("municipality"),
        language=args.get("language", "") if args.get("language") in profiles.LANGUAGES else "",
        interest=args.get("interest", "") if args.get("interest") in profiles.INTERESTS else "",
        q=(args.get("q") or "")[:100],
        certificate=args.get("certificate", "")
        if args.get("certificate") in queue_lists.CERTIFICATE_FILTERS
        else "",
        idle=args.get("idle") == "1",
    )


@bp.get("/volunteers")
@roles_required(*COORDINATION)
def queue() -> str:
    filters = queue_filters()
    page = paginate(queue_lists.queue_statement(current_user, filters))
    return render_template(
        "coordination/queue.html",
        page=page,
        filters=filters,
        municipality_options=queue_lists.municipality_options(
            current_user, filters.municipality_id
        ),
    )


def _volunteer_or_404(volunteer_id: int) -> VolunteerProfile:
    profile = queries.load_for_detail(volunteer_id)
    if profile is None:
        abort(404)
    require(may_coordinate_volunteer(current_user, profile))
    return profile


def _render_detail(
    profile: VolunteerProfile,
    status: int = 200,
    forms: dict[str, DecisionForm] | None = None,
    certificate_form: CertificateForm | None = None,
    error: str | None = None,
) -> tuple[str, int]:
    actions = decisions.allowed_actions(profile, current_user)
    forms = forms or {}
    for action in actions:
        forms.setdefault(action, DecisionForm(prefix=action, formdata=None))
    return render_template(
        "coordination/volunteer.html",
        profile=profile,
        actions=actions,
        forms=forms,
        certificate_form=certificate_form or CertificateForm(formdata=None),
        certificate=certificates.certificate_state(profile),
        action_labels=decisions.ACTION_LABELS,
        reason_required={a: t.reason_required for a, t in decisions.TRANSITIONS.items()},
        error=error,
        own_account=is_own_account(current_user, profile.user_id),
    ), status


def _refused(
    volunteer_id: int, form: PortalForm, exc: DomainError, **shown: Any
) -> tuple[str, int]:
    """The volunteer's page again after a refusal: at the field it names (400), or, when it
    refuses the action as a whole (someone else decided first, say), above the page."""
    attach_error(form, exc)
    profile = _volunteer_or_404(volunteer_id)
    if form.form_errors:
        return _render_detail(profile, exc.status_code, error=exc.message)
    return _render_detail(profile, 400, **shown)


@bp.get("/volunteers/<int:volunteer_id>")
@roles_required(*COORDINATION)
def volunteer(volunteer_id: int) -> tuple[str, int]:
    return _render_detail(_volunteer_or_404(volunteer_id))


def _done_message(action: str, name: str) -> str:
    if action == decisions.APPROVE:
        return _("%(name)s ist freigegeben.", name=name)
    if action == decisions.REJECT:
        return _("Die Bewerbung von %(name)s ist abgelehnt.", name=name)
    if action == decisions.REQUEST_INFO:
        return _("Ihre Rückfrage an %(name)s ist verschickt.", name=name)
    if action == decisions.SUSPEND:
        return _("%(name)s ist ausgesetzt.", name=name)
    return _("%(name)s ist wieder freigegeben.", name=name)


@bp.post(
    "/volunteers/<int:volunteer_id>/<any(approve, reject, request_info, suspend, reinstate):action>"
)
@roles_required(*COORDINATION)
def decide(volunteer_id: int, action: str) -> Response | tuple[str, int]:
    profile = _volunteer_or_404(volunteer_id)
    form = DecisionForm(prefix=action)
    if not form.validate_on_submit():
        return _render_detail(profile, 400, forms={action: form})
    try:
        decisions.decide(current_user, profile, action, form.reason.data or "")
    except DomainError as exc:
        return _refused(volunteer_id, form, exc, forms={action: form})
    flash(_done_message(action, profile.user.display_name), "success")
    return redirect(url_for("coordination.volunteer", volunteer_id=volunteer_id))


@bp.post("/volunteers/<int:volunteer_id>/certificate")
@roles_required(*COORDINATION)
def record_certificate(volunteer_id: int) -> Response | tuple[str, int]:
    profile = _volunteer_or_404(volunteer_id)
    form = CertificateForm()
    if not form.validate_on_submit():
        return _render_detail(profile, 400, certificate_form=form)
    try:
        decisions.record_certificate_check(
            current_user, profile, form.issued_on.data, form.seen_on.data
        )
    except DomainError as exc:
        return _refused(volunteer_id, form, exc, certificate_form=form)
    flash(_("Die Einsichtnahme ins Führungszeugnis ist vermerkt."), "success")
    return redirect(url_for("coordination.volunteer", volunteer_id=volunteer_id))
