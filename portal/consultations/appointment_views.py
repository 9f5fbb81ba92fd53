"""The page of one date of consultation hours (booked appointments, booking a slot, counting
walk-ins), the manager's day list (printable) and calendar feed.

Managers and coordinators of the hours' municipality book and count; coordinators see the
clients' pseudonymous references only.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portal.auth.models import Role
from portal.consultations import bookings, calendar, queries, services
from portal.consultations.forms import BookingForm, WalkInForm
from portal.consultations.models import Appointment, ConsultationHours
from portal.consultations.recurrence import MAX_DAYS
from portal.consultations.views import MANAGERS, STAFF, hours_or_404
from portal.core.errors import DomainError
from portal.core.formatting import format_span
from portal.core.forms import EARLIEST, LATEST, ActionForm, attach_error, form_status
from portal.core.http import ical_response
from portal.core.time import today_local
from portal.extensions import db
from portal.needs.calendar import webcal_url
from portal.notifications.services import external_url
from portal.security import require, roles_required

bp = Blueprint("appointments", __name__)


def _refusal_status(exc: DomainError) -> int:
    """A refusal shown on the form: 409 when the state is in the way (slot taken, date
    cancelled), 400 for what the user can correct."""
    return 409 if exc.status_code == 409 else 400


def _day(raw: str | None) -> date:
    """A date from the address (``2026-12-01``); anything else is 404."""
    try:
        day = date.fromisoformat(raw or "")
    except ValueError:
        abort(404)
    if not EARLIEST <= day <= LATEST:
        abort(404)
    return day


# --- one date: bookings and walk-ins -----------------------------------------------------------


def _booking_form(hours: ConsultationHours, occurrence: queries.Occurrence) -> BookingForm:
    form = BookingForm()
    form.slot_start.choices = [
        SelectChoice(start.isoformat("minutes"), format_span(start, end))
        for start, end in occurrence.slots()
    ]
    if services.sees_client_names(current_user, hours):
        form.client_id.choices = [
            SelectChoice("", _("– bitte wählen –")),
            *(
                SelectChoice(c.id, f"{c.reference} – {c.name}")
                for c in queries.bookable_clients(current_user)
            ),
        ]
        form.need_id.choices = [
            SelectChoice("", _("– keine Begleitung –")),
            *(
                SelectChoice(n.id, f"#{n.id} {n.title}")
                for n in queries.linkable_needs(current_user, hours.municipality_id)
            ),
        ]
    else:
        form.client_id.choices = [SelectChoice("", "–")]
        form.need_id.choices = [SelectChoice("", "–")]
    return form


def _occurrence_page(
    hours: ConsultationHours,
    day: date,
    booking_form: BookingForm | None = None,
    walk_in_form: WalkInForm | None = None,
) -> str:
    occurrence = queries.occurrence_on(hours, day)
    if occurrence is None:
        abort(404)
    if request.method == "GET":  # a refused form shown again is no new look
        bookings.record_views(current_user, [hours.id], day, "consultation")
    appointments = queries.appointments_on([hours.id], day)
    visible = set(bookings.visible_clients(current_user, [a.client for a in appointments]))
    counts = queries.walk_ins_on(hours.id, day)
    if walk_in_form is None:
        walk_in_form = WalkInForm(formdata=None, data=counts)
    names = services.sees_client_names(current_user, hours)
    taken = {a.slot_start for a in appointments}
    return render_template(
        "consultations/occurrence.html",
        hours=hours,
        occurrence=occurrence,
        appointments=appointments,
        free=[s for s in occurrence.slots() if s[0] not in taken],
        booking_form=booking_form or _booking_form(hours, occurrence),
        walk_in_form=walk_in_form,
        walk_in_total=sum(counts.values()),
        names=names,
        visible=visible,
        today=today_local(),
        cancel_form=ActionForm(),
    )


@bp.get("/hours/<int:hours_id>/on/<on>")
@roles_required(*STAFF)
def occurrence(hours_id: int, on: str) -> str:
    hours = hours_or_404(hours_id)
    return _occurrence_page(hours, _day(on))


def _book_from(form: BookingForm, hours: ConsultationHours, day: date) -> None:
    names = services.sees_client_names(current_user, hours)
    bookings.book(
        current_user,
        hours,
        day,
        time.fromisoformat(form.slot_start.data),
        client_id=form.client_id.data if names else None,
        reference=form.reference.data or "",
        need_id=form.need_id.data if names else None,
    )


@bp.post("/hours/<int:hours_id>/on/<on>/book")
@roles_required(*STAFF)
def book(hours_id: int, on: str) -> ResponseReturnValue:
    hours = hours_or_404(hours_id)
    day = _day(on)
    found = queries.occurrence_on(hours, day)
    if found is None:
        abort(404)
    form = _booking_form(hours, found)
    if form.validate_on_submit():
        try:
            _book_from(form, hours, day)
        except DomainError as exc:
            attach_error(form, exc)
            return _occurrence_page(hours, day, booking_form=form), _refusal_status(exc)
        flash(_("Termin gebucht."), "success")
        return redirect(url_for("appointments.occurrence", hours_id=hours.id, on=day.isoformat()))
    return _occurrence_page(hours, day, booking_form=form), form_status(form)


@bp.post("/appointments/<int:appointment_id>/cancel")
@roles_required(*STAFF)
def cancel_appointment(appointment_id: int) -> Response:
    appointment = db.get_or_404(Appointment, appointment_id)
    require(services.may_staff_hours(current_user, appointment.hours))
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        bookings.cancel_appointment(current_user, appointment)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Termin abgesagt."), "success")
    return redirect(
        url_for(
            "appointments.occurrence",
            hours_id=appointment.hours_id,
            on=appointment.on_date.isoformat(),
        )
    )


@bp.post("/hours/<int:hours_id>/on/<on>/walk-ins")
@roles_required(*STAFF)
def walk_ins(hours_id: int, on: str) -> ResponseReturnValue:
    hours = hours_or_404(hours_id)
    day = _day(on)
    form = WalkInForm()
    if form.validate_on_submit():
        try:
            total = bookings.record_walk_ins(current_user, hours, day, form.counts())
        except DomainError as exc:
            attach_error(form, exc)
            return _occurrence_page(hours, day, walk_in_form=form), _refusal_status(exc)
        flash(_("%(n)d Besucherinnen und Besucher gezählt.", n=total), "success")
        return redirect(url_for("appointments.occurrence", hours_id=hours.id, on=day.isoformat()))
    return _occurrence_page(hours, day, walk_in_form=form), form_status(form)


# --- the manager's day and calendar ------------------------------------------------------------


@bp.get("/day")
@roles_required(*MANAGERS)
def day_list() -> str:
    raw = request.args.get("on")
    today = today_local()
    day = _day(raw) if raw else today
    if abs((day - today).days) > MAX_DAYS:
        abort(404)
    own = queries.hours_ids_of(current_user.id)
    visible = bookings.record_views(current_user, own, day, "day_list")
    found, booked = queries.day_list(current_user.id, day)
    feed = calendar.calendar_token(current_user)
    feed_url = external_url("appointments.calendar_feed", token=feed.token) if feed else None
    return render_template(
        "consultations/day.html",
        day=day,
        occurrences=found,
        booked=booked,
        visible=visible,
        previous=day - timedelta(days=1),
        following=day + timedelta(days=1),
        feed_url=feed_url,
        webcal_url=webcal_url(feed_url) if feed_url else None,
        renew_form=ActionForm(),
    )


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str) -> Response:
    """A manager's hours and bookings; the secret token is the only credential."""
    return ical_response(calendar.feed_for_token(token))


@bp.post("/calendar/renew")
@roles_required(Role.MANAGER)
def renew_calendar() -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    calendar.renew_calendar_token(current_user)
    flash(_("Die Adresse Ihres Kalenders ist neu. Die alte Adresse gilt nicht mehr."), "success")
    return redirect(url_for("appointments.day_list"))
