"""Volunteers' task board, claims, reports and hours; the managers' side of the claim loop.

Thin views: parse a form, call `portal.needs.claims` (the rules) or `portal.needs.queries`
(the read side), render or redirect.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from portal.auth.models import Role
from portal.board.cards import cards_html
from portal.board.forms import (
    CertificateForm,
    ClaimForm,
    ReportForm,
    board_filters,
)
from portal.conversations import services as conversations
from portal.conversations.queries import unread_by_need
from portal.core.errors import DomainError, InvalidTransition
from portal.core.forms import ActionForm, attach_error, form_status
from portal.core.http import ical_response, private_file, safe_next_url
from portal.core.pagination import page_number
from portal.core.time import today_local
from portal.extensions import db
from portal.needs import calendar, claims, matching, own_tasks, queries, reports, rules
from portal.needs.forms import ReasonForm
from portal.needs.models import Assignment, AssignmentStatus, Need
from portal.needs.report_models import Report
from portal.notifications.services import external_url
from portal.security import require, roles_required
from portal.volunteers.models import VolunteerProfile, VolunteerStatus
from portal.volunteers.queries import board_profile, profile_of

bp = Blueprint("board", __name__)


def _back(default: str) -> WerkzeugResponse:
    return redirect(safe_next_url(request.form.get("next")) or default)


# --- the board ---------------------------------------------------------------------------------


@bp.get("/")
@roles_required(Role.VOLUNTEER)
def index() -> Any:
    found = board_profile(current_user)
    if found is None or found[0].status != VolunteerStatus.APPROVED:
        profile = found[0] if found else None
        return render_template("board/not_approved.html", profile=profile), 403
    profile, places = found
    chosen = board_filters(places)
    page = matching.board(
        profile, chosen.filters, page=page_number(), per_page=_per_page(), helps_in=len(places)
    )
    return render_template(
        "board/index.html",
        filters_form=chosen.html,
        page=page,
        cards=cards_html(page.items),
        profile=profile,
        filters=chosen.filters,
    ), 400 if chosen.refused else 200


def _per_page() -> int:
    from flask import current_app

    return int(current_app.config["PER_PAGE"])


@bp.get("/needs/<int:need_id>")
@roles_required(Role.VOLUNTEER)
def need(need_id: int) -> Any:
    profile = profile_of(current_user)
    if profile is None:
        return render_template("board/not_approved.html", profile=None), 403
    need = queries.need_for_volunteer(need_id)
    if need is None:
        abort(404)
    own = rules.own_assignment(profile, need)
    holds = own is not None and own.status in (AssignmentStatus.ACTIVE, AssignmentStatus.COMPLETED)
    if not holds and profile.status != VolunteerStatus.APPROVED:
        return render_template("board/not_approved.html", profile=profile), 403
    require(rules.may_see_need(profile, need, has_claim=own is not None))
    return render_template(
        "board/need.html",
        need=need,
        profile=profile,
        own=own,
        holds=holds,
        contacts=rules.managers_of(need) if holds else [],
        meets_certificate=rules.meets_certificate_requirement(profile, need),
        claimable=_claim_offer(profile, need, own),
        ended=rules.need_has_ended(need),
        conversation=own is not None and need.status != "draft",
        unread=unread_by_need(current_user, [need.id]).get(need.id, 0),
    )


def _claim_offer(profile: VolunteerProfile, need: Need, own: Assignment | None) -> str | None:
    """Why the need page cannot offer the claim (None: it can). Only those without an active
    claim are offered one, and `own` is the active claim when there is one."""
    if own is not None and own.status == AssignmentStatus.ACTIVE:
        return None
    return _claimable(profile, need, has_active_claim=False)


def _claimable(
    profile: VolunteerProfile, need: Need, has_active_claim: bool | None = None
) -> str | None:
    """None when a claim would succeed now, else the reason (``has_active_claim`` as in
    `rules.check_claim`)."""
    try:
        rules.check_claim(profile, need, has_active_claim=has_active_claim)
    except DomainError as exc:
        return exc.message
    return None


def _visible_need(need_id: int) -> tuple[VolunteerProfile, Need]:
    """The volunteer's profile and a need they may see (else 404)."""
    profile = profile_of(current_user)
    need = db.session.get(Need, need_id)
    require(need is not None and profile is not None and rules.may_see_need(profile, need))
    assert need is not None and profile is not None
    return profile, need


def _claim_page(need: Need, form: ClaimForm, error: str | None) -> str:
    return render_template("board/claim.html", need=need, form=form, error=error)


@bp.route("/needs/<int:need_id>/claim", methods=["GET", "POST"])
@roles_required(Role.VOLUNTEER)
def claim(need_id: int) -> Any:
    profile, need = _visible_need(need_id)
    form = ClaimForm()
    if form.validate_on_submit():
        try:
            claims.claim(current_user, need_id)
        except DomainError as exc:
            return _claim_page(need, form, exc.message), exc.status_code
        flash(_("Danke! Sie haben „%(title)s“ übernommen.", title=need.title), "success")
        return redirect(url_for("board.need", need_id=need_id))
    if form.is_submitted():
        return _claim_page(need, form, None), 400
    return _claim_page(need, form, _claimable(profile, need))


@bp.route("/assignments/<int:assignment_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.VOLUNTEER)
def withdraw(assignment_id: int) -> Any:
    assignment = _own_assignment(assignment_id)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise InvalidTransition(_("Diese Übernahme ist nicht mehr aktiv."))
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            claims.withdraw(current_user, assignment_id, form.reason.data)
        except DomainError as exc:
            attach_error(form, exc)
            return render_template(
                "board/withdraw.html", assignment=assignment, form=form
            ), exc.status_code
        flash(_("Sie haben die Aufgabe zurückgegeben. Danke für Ihre Nachricht."), "success")
        return redirect(url_for("board.my_tasks"))
    return render_template("board/withdraw.html", assignment=assignment, form=form), form_status(
        form
    )


@bp.post("/assignments/<int:assignment_id>/confirm")
@roles_required(Role.VOLUNTEER)
def confirm_change(assignment_id: int) -> Any:
    """The volunteer confirms the changed date, time or meeting point of their task."""
    assignment = _own_assignment(assignment_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        conversations.confirm_change(current_user, assignment.id)
    except DomainError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("board.need", need_id=assignment.need_id))
    flash(_("Danke! Sie haben den neuen Termin bestätigt."), "success")
    return redirect(url_for("board.need", need_id=assignment.need_id))


def _own_assignment(assignment_id: int) -> Assignment:
    profile = profile_of(current_user)
    assignment = db.session.get(Assignment, assignment_id)
    require(
        assignment is not None and profile is not None and assignment.volunteer_id == profile.id
    )
    assert assignment is not None
    return assignment


# --- my tasks, reports, hours ------------------------------------------------------------------


@bp.get("/my-tasks")
@roles_required(Role.VOLUNTEER)
def my_tasks() -> Any:
    profile = profile_of(current_user)
    if profile is None:
        return render_template("board/not_approved.html", profile=None), 403
    feed = calendar.calendar_token(profile)
    feed_url = external_url("board.calendar_feed", token=feed.token) if feed else None
    upcoming = own_tasks.upcoming_page(profile)
    return render_template(
        "board/my_tasks.html",
        profile=profile,
        upcoming=upcoming,
        upcoming_param=own_tasks.UPCOMING_PAGE,
        unread=unread_by_need(current_user, [a.need_id for a, _next in upcoming.items]),
        past=own_tasks.past_tasks(profile),
        hours=queries.hours(profile),
        feed_url=feed_url,
        webcal_url=calendar.webcal_url(feed_url) if feed_url else None,
        renew_form=ActionForm(),
        certificate_form=CertificateForm.this_year(),
    )


@bp.route("/assignments/<int:assignment_id>/report", methods=["GET", "POST"])
@roles_required(Role.VOLUNTEER)
def report(assignment_id: int) -> Any:
    assignment = _own_assignment(assignment_id)
    form = ReportForm()
    if request.method == "GET" and not form.activity_on.data:
        form.activity_on.data = today_local()
    if form.validate_on_submit():
        try:
            filed = reports.file_report(current_user, assignment_id, **form.report_data())
        except DomainError as exc:
            attach_error(form, exc)
            return render_template(
                "board/report.html", assignment=assignment, form=form
            ), exc.status_code
        flash(_thanks_for(filed), "success")
        return redirect(url_for("board.need", need_id=assignment.need_id))
    return render_template("board/report.html", assignment=assignment, form=form), form_status(form)


def _thanks_for(report: Report) -> str:
    if report.concern_raised:
        return _("Danke für Ihren Bericht. Ihr Anliegen wurde sofort weitergeleitet.")
    return _("Danke für Ihren Bericht.")


@bp.get("/certificate")
@roles_required(Role.VOLUNTEER)
def certificate() -> Any:
    """The Ehrenamtsnachweis for a chosen period as PDF."""
    profile = profile_of(current_user)
    if profile is None:
        return render_template("board/not_approved.html", profile=None), 403
    if not request.args:
        return render_template("board/certificate.html", form=CertificateForm.this_year())
    form = CertificateForm(request.args)
    if not form.validate():
        return render_template("board/certificate.html", form=form), 400
    from portal.needs.certificate import render_certificate

    rows = queries.hours_by_category(profile, form.date_from.data, form.date_to.data)
    pdf = render_certificate(profile, form.date_from.data, form.date_to.data, rows)
    filename = f"Ehrenamtsnachweis_{form.date_from.data:%Y-%m-%d}_{form.date_to.data:%Y-%m-%d}.pdf"
    return private_file(pdf, "application/pdf", filename, inline=True)


# --- calendar feed -----------------------------------------------------------------------------


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str) -> WerkzeugResponse:
    """The volunteer's upcoming appointments; the secret token is the only credential."""
    return ical_response(calendar.feed_for_token(token))


@bp.post("/calendar/renew")
@roles_required(Role.VOLUNTEER)
def renew_calendar() -> WerkzeugResponse:
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    had = profile_of(current_user)
    existed = had is not None and calendar.calendar_token(had) is not None
    calendar.renew_calendar_token(current_user)
    if existed:
        flash(_("Neuer Kalender-Link erstellt. Der alte Link funktioniert nicht mehr."), "success")
    else:
        flash(_("Ihr persönlicher Kalender-Link ist bereit."), "success")
    return redirect(url_for("board.my_tasks") + "#calendar")
