"""The staff's side of consultation hours: places, hours and their exceptions, the page of one
date (bookings and walk-in counts), the manager's day list and calendar feed, home visits.

Managers keep hours in their municipalities; coordinators of a municipality see its hours, book
slots (naming the client by the pseudonymous reference) and count walk-ins.
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
from portal.consultations import calendar, queries, services
from portal.consultations.forms import (
    BookingForm,
    DateExceptionForm,
    HomeVisitForm,
    HoursForm,
    PlaceForm,
    WalkInForm,
)
from portal.consultations.models import Appointment, ConsultationHours, ConsultationPlace
from portal.consultations.recurrence import MAX_DAYS
from portal.core.errors import DomainError
from portal.core.forms import EARLIEST, LATEST, ActionForm, attach_error, form_status, submit
from portal.core.pagination import paginate
from portal.core.time import today_local
from portal.extensions import db
from portal.municipalities.models import Office
from portal.needs.calendar import webcal_url
from portal.notifications.services import external_url
from portal.plans import clients as client_records
from portal.plans.clients import manageable_municipalities
from portal.plans.models import Client
from portal.security import may_see_client, require, roles_required

bp = Blueprint("consultations", __name__)

MANAGERS = (Role.MANAGER, Role.ADMIN)
STAFF = (Role.MANAGER, Role.COORDINATOR, Role.ADMIN)
UPCOMING_DAYS = 14
HOURS_AHEAD_DAYS = 56


def _hours_or_404(hours_id: int, *, keep: bool = False) -> ConsultationHours:
    hours = db.get_or_404(ConsultationHours, hours_id)
    allowed = (
        services.may_keep_hours(current_user, hours.municipality_id)
        if keep
        else services.may_staff_hours(current_user, hours)
    )
    require(allowed)
    return hours


def _place_or_404(place_id: int) -> ConsultationPlace:
    place = db.get_or_404(ConsultationPlace, place_id)
    require(services.may_keep_hours(current_user, place.municipality_id))
    return place


def _status(exc: DomainError) -> int:
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


# --- overview ----------------------------------------------------------------------------------


@bp.get("/")
@roles_required(*STAFF)
def index() -> str:
    today = today_local()
    page = paginate(queries.hours_stmt(current_user, current_on=today))
    upcoming = queries.occurrences_of(list(page.items), today, today + timedelta(UPCOMING_DAYS))
    return render_template(
        "consultations/index.html",
        page=page,
        upcoming=upcoming,
        today=today,
        is_manager=current_user.has_role(Role.MANAGER, Role.ADMIN),
    )


# --- places ------------------------------------------------------------------------------------


def _place_form(place: ConsultationPlace | None = None) -> PlaceForm:
    form = PlaceForm(obj=place) if place is not None and request.method == "GET" else PlaceForm()
    form.municipality_id.choices = [
        SelectChoice(m.id, m.name) for m in manageable_municipalities(current_user)
    ]
    offices = db.session.scalars(db.select(Office).order_by(Office.name)).all()
    form.office_id.choices = [
        SelectChoice("", _("– keine –")),
        *(SelectChoice(o.id, o.name) for o in offices),
    ]
    return form


@bp.get("/places")
@roles_required(*MANAGERS)
def places() -> str:
    page = paginate(queries.places_stmt(current_user))
    return render_template("consultations/places.html", page=page)


@bp.route("/places/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def create_place() -> ResponseReturnValue:
    form = _place_form()
    return submit(
        form,
        lambda: services.save_place(current_user, None, form.to_input()),
        done=_("Ort gespeichert."),
        target=url_for("consultations.places"),
        page=lambda: render_template("consultations/place_form.html", form=form, place=None),
        refused=(DomainError,),
    )


@bp.route("/places/<int:place_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_place(place_id: int) -> ResponseReturnValue:
    place = _place_or_404(place_id)
    form = _place_form(place)
    return submit(
        form,
        lambda: services.save_place(current_user, place, form.to_input()),
        done=_("Gespeichert."),
        target=url_for("consultations.places"),
        page=lambda: render_template("consultations/place_form.html", form=form, place=place),
        refused=(DomainError,),
    )


# --- hours -------------------------------------------------------------------------------------


def _hours_form(hours: ConsultationHours | None = None) -> HoursForm:
    if hours is not None and request.method == "GET":
        form = HoursForm(obj=hours)
        form.languages.data = hours.languages
    else:
        form = HoursForm()
    form.place_id.choices = [
        SelectChoice("", _("– bitte wählen –")),
        *(
            SelectChoice(p.id, f"{p.name} ({p.municipality.name})")
            for p in queries.places_for(current_user)
        ),
    ]
    return form


@bp.route("/hours/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def create_hours() -> ResponseReturnValue:
    form = _hours_form()
    return submit(
        form,
        lambda: services.save_hours(current_user, None, form.to_input()),
        done=_("Sprechstunde gespeichert."),
        target=lambda hours: url_for("consultations.hours_detail", hours_id=hours.id),
        page=lambda: render_template("consultations/hours_form.html", form=form, hours=None),
        refused=(DomainError,),
    )


@bp.route("/hours/<int:hours_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_hours(hours_id: int) -> ResponseReturnValue:
    hours = _hours_or_404(hours_id, keep=True)
    form = _hours_form(hours)
    return submit(
        form,
        lambda: services.save_hours(current_user, hours, form.to_input()),
        done=_("Gespeichert."),
        target=url_for("consultations.hours_detail", hours_id=hours.id),
        page=lambda: render_template("consultations/hours_form.html", form=form, hours=hours),
        refused=(DomainError,),
    )


def _exception_form() -> DateExceptionForm:
    form = DateExceptionForm()
    form.place_id.choices = [
        SelectChoice("", _("– bitte wählen –")),
        *(SelectChoice(p.id, p.name) for p in queries.places_for(current_user)),
    ]
    return form


def _hours_page(hours: ConsultationHours, form: DateExceptionForm | None = None) -> str:
    today = today_local()
    upcoming = queries.occurrences_of([hours], today, today + timedelta(HOURS_AHEAD_DAYS))
    return render_template(
        "consultations/hours_detail.html",
        hours=hours,
        upcoming=upcoming,
        form=form or _exception_form(),
        may_keep=services.may_keep_hours(current_user, hours.municipality_id),
    )


@bp.get("/hours/<int:hours_id>")
@roles_required(*STAFF)
def hours_detail(hours_id: int) -> str:
    return _hours_page(_hours_or_404(hours_id))


@bp.post("/hours/<int:hours_id>/dates")
@roles_required(*MANAGERS)
def change_date(hours_id: int) -> ResponseReturnValue:
    """Cancel a date, hold it in another room, or as usual again (the button says which)."""
    hours = _hours_or_404(hours_id, keep=True)
    form = _exception_form()
    action = request.form.get("action", "")
    if action not in ("cancel", "move", "restore"):
        abort(400)
    if form.validate_on_submit():
        try:
            if action == "cancel":
                n = services.cancel_date(current_user, hours, form.on_date.data, form.note.data)
                message = _("Der Termin fällt aus.")
                if n:
                    message += " " + _("Abgesagte Termine (Beteiligte benachrichtigt): %(n)d", n=n)
            elif action == "move":
                services.move_date(
                    current_user, hours, form.on_date.data, form.place_id.data, form.note.data
                )
                message = _("Der Termin findet in einem anderen Raum statt.")
            else:
                services.restore_date(current_user, hours, form.on_date.data)
                message = _("Der Termin findet wie gewohnt statt.")
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(message, "success")
            return redirect(url_for("consultations.hours_detail", hours_id=hours.id))
    return _hours_page(hours, form), 400


# --- one date: bookings and walk-ins -----------------------------------------------------------


def _booking_form(hours: ConsultationHours, occurrence: queries.Occurrence) -> BookingForm:
    form = BookingForm()
    form.slot_start.choices = [
        SelectChoice(start.strftime("%H:%M"), f"{start:%H:%M}–{end:%H:%M}")
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
    appointments = queries.appointments_on([hours.id], day)
    counts = queries.walk_ins_on(hours.id, day)
    if walk_in_form is None:
        walk_in_form = WalkInForm(formdata=None, data=counts)
    names = services.sees_client_names(current_user, hours)
    if names and appointments:
        for appointment in appointments:
            if appointment.client is not None:
                client_records.record_client_view(
                    current_user, appointment.client, page="consultation"
                )
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
        today=today_local(),
        cancel_form=ActionForm(),
    )


@bp.get("/hours/<int:hours_id>/on/<on>")
@roles_required(*STAFF)
def occurrence(hours_id: int, on: str) -> str:
    hours = _hours_or_404(hours_id)
    return _occurrence_page(hours, _day(on))


@bp.post("/hours/<int:hours_id>/on/<on>/book")
@roles_required(*STAFF)
def book(hours_id: int, on: str) -> ResponseReturnValue:
    hours = _hours_or_404(hours_id)
    day = _day(on)
    found = queries.occurrence_on(hours, day)
    if found is None:
        abort(404)
    form = _booking_form(hours, found)
    if form.validate_on_submit():
        try:
            hh, mm = (int(x) for x in form.slot_start.data.split(":"))
            services.book(
                current_user,
                hours,
                day,
                time(hh, mm),
                client_id=form.client_id.data
                if services.sees_client_names(current_user, hours)
                else None,
                reference=form.reference.data or "",
                need_id=form.need_id.data,
            )
        except DomainError as exc:
            attach_error(form, exc)
            return _occurrence_page(hours, day, booking_form=form), _status(exc)
        flash(_("Termin gebucht."), "success")
        return redirect(url_for("consultations.occurrence", hours_id=hours.id, on=day.isoformat()))
    return _occurrence_page(hours, day, booking_form=form), form_status(form)


@bp.post("/appointments/<int:appointment_id>/cancel")
@roles_required(*STAFF)
def cancel_appointment(appointment_id: int) -> Response:
    appointment = db.get_or_404(Appointment, appointment_id)
    require(services.may_staff_hours(current_user, appointment.hours))
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.cancel_appointment(current_user, appointment)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Termin abgesagt."), "success")
    return redirect(
        url_for(
            "consultations.occurrence",
            hours_id=appointment.hours_id,
            on=appointment.on_date.isoformat(),
        )
    )


@bp.post("/hours/<int:hours_id>/on/<on>/walk-ins")
@roles_required(*STAFF)
def walk_ins(hours_id: int, on: str) -> ResponseReturnValue:
    hours = _hours_or_404(hours_id)
    day = _day(on)
    form = WalkInForm()
    if form.validate_on_submit():
        try:
            total = services.record_walk_ins(current_user, hours, day, form.counts())
        except DomainError as exc:
            attach_error(form, exc)
            return _occurrence_page(hours, day, walk_in_form=form), _status(exc)
        flash(_("%(n)d Besucherinnen und Besucher gezählt.", n=total), "success")
        return redirect(url_for("consultations.occurrence", hours_id=hours.id, on=day.isoformat()))
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
    found, booked = queries.day_list(current_user.id, day)
    for appointments in booked.values():
        for appointment in appointments:
            if appointment.client is not None and may_see_client(current_user, appointment.client):
                client_records.record_client_view(current_user, appointment.client, page="day_list")
    feed = calendar.calendar_token(current_user)
    feed_url = external_url("consultations.calendar_feed", token=feed.token) if feed else None
    return render_template(
        "consultations/day.html",
        day=day,
        occurrences=found,
        booked=booked,
        previous=day - timedelta(days=1),
        following=day + timedelta(days=1),
        feed_url=feed_url,
        webcal_url=webcal_url(feed_url) if feed_url else None,
        renew_form=ActionForm(),
    )


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str) -> Response:
    """A manager's hours and bookings; the secret token is the only credential."""
    body = calendar.feed_for_token(token)
    if body is None:
        abort(404)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"},
    )


@bp.post("/calendar/renew")
@roles_required(Role.MANAGER)
def renew_calendar() -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    calendar.renew_calendar_token(current_user)
    flash(_("Die Adresse Ihres Kalenders ist neu. Die alte Adresse gilt nicht mehr."), "success")
    return redirect(url_for("consultations.day_list"))


# --- home visits -------------------------------------------------------------------------------


@bp.route("/clients/<int:client_id>/visits/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def record_visit(client_id: int) -> ResponseReturnValue:
    client = db.get_or_404(Client, client_id)
    require(may_see_client(current_user, client))
    form = HomeVisitForm()
    if request.method == "GET":
        form.visited_on.data = today_local()
    return submit(
        form,
        lambda: services.record_home_visit(current_user, client, form.to_input()),
        done=_("Hausbesuch eingetragen."),
        target=url_for("plans.client_detail", client_id=client.id),
        page=lambda: render_template("consultations/visit_form.html", form=form, client=client),
        refused=(DomainError,),
    )
