"""The rules of consultation hours: keeping places and hours, cancelling a date (the people
booked on it are told) or moving it to another room. Bookings, walk-ins and home visits:
`portal.consultations.bookings`.

Every function takes the acting user, checks what they may do (`portal.security`), and is one
unit of work: it commits, or raises a DomainError with the session rolled back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from portal.audit import services as audit
from portal.auth.models import User
from portal.consultations.models import (
    Appointment,
    AppointmentStatus,
    Booking,
    ConsultationException,
    ConsultationHours,
    ConsultationPlace,
    ExceptionKind,
    PlaceKind,
    Recurrence,
)
from portal.consultations.recurrence import is_occurrence, slot_times
from portal.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.core.labels import LANGUAGES
from portal.core.time import today_local, utcnow
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.municipalities.models import Office
from portal.needs.models import Assignment, AssignmentStatus, Need
from portal.notifications.services import queue_email
from portal.plans.models import Client
from portal.security import (
    may_coordinate_municipality,
    may_manage_municipality,
)
from portal.volunteers.models import VolunteerProfile

NOTE_MAX = 500
_EMAIL = re.compile(r"[^\s<>(),;:]+@[^\s<>(),;:]+\.[^\s<>(),;:]+")


# --- who may do what ---------------------------------------------------------------------------


def may_keep_hours(user: Any, municipality_id: int | None) -> bool:
    """Managers of the municipality (and admins) keep places, hours and their exceptions."""
    return may_manage_municipality(user, municipality_id)


def may_staff_hours(user: Any, hours: ConsultationHours) -> bool:
    """Managers and coordinators of the hours' municipality book slots and count walk-ins."""
    return may_manage_municipality(user, hours.municipality_id) or may_coordinate_municipality(
        user, hours.municipality_id
    )


def sees_client_names(user: Any, hours: ConsultationHours) -> bool:
    """Coordinators see the pseudonymous reference only; managers (and admins) the name too."""
    return may_manage_municipality(user, hours.municipality_id)


# --- places ------------------------------------------------------------------------------------


@dataclass
class PlaceInput:
    name: str
    kind: str
    municipality_id: int | None
    office_id: int | None = None
    address: str = ""
    accessibility: str = ""
    phone: str = ""


def _text(value: str | None, limit: int, field_name: str, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_("Bitte füllen Sie dieses Feld aus."), field=field_name)
    if len(value) > limit:
        raise ValidationFailed(_("Höchstens %(max)d Zeichen.", max=limit), field=field_name)
    return value


@unit_of_work()
def save_place(actor: User, place: ConsultationPlace | None, data: PlaceInput) -> ConsultationPlace:
    if not may_keep_hours(actor, data.municipality_id):
        raise NotAllowed(_("Sie betreuen diese Gemeinde nicht."), field="municipality_id")
    if place is not None and not may_keep_hours(actor, place.municipality_id):
        raise NotAllowed(_("Sie betreuen diese Gemeinde nicht."))
    if not PlaceKind.has(data.kind):
        raise ValidationFailed(_("Bitte wählen Sie eine Art."), field="kind")
    if data.office_id is not None and db.session.get(Office, data.office_id) is None:
        raise ValidationFailed(_("Diese Außenstelle gibt es nicht."), field="office_id")
    values = {
        "name": _text(data.name, 160, "name", required=True),
        "kind": data.kind,
        "municipality_id": data.municipality_id,
        "office_id": data.office_id,
        "address": _text(data.address, 500, "address", required=True),
        "accessibility": _text(data.accessibility, 1000, "accessibility"),
        "phone": _text(data.phone, 40, "phone"),
    }
    if place is None:
        place = ConsultationPlace(**values)
        db.session.add(place)
        db.session.flush()
        audit.record_about("consultation_place.created", actor, place, place.municipality_id)
    else:
        changes = audit.apply_changes(place, values)
        if changes:
            audit.record_about(
                "consultation_place.changed",
                actor,
                place,
                place.municipality_id,
                fields=sorted(changes),
            )
    return place


# --- hours -------------------------------------------------------------------------------------


@dataclass
class HoursInput:
    place_id: int | None
    weekday: int | None
    starts_at: time | None
    ends_at: time | None
    valid_from: date | None
    valid_until: date | None = None
    recurrence: str = Recurrence.WEEKLY
    booking: str = Booking.WALK_IN
    slot_minutes: int | None = None
    languages: list[str] = field(default_factory=list)
    note: str = ""


def _checked_hours(data: HoursInput) -> dict[str, Any]:
    if data.weekday is None or not 0 <= data.weekday <= 6:
        raise ValidationFailed(_("Bitte wählen Sie einen Wochentag."), field="weekday")
    if data.starts_at is None:
        raise ValidationFailed(_("Bitte geben Sie den Beginn an."), field="starts_at")
    if data.ends_at is None or data.ends_at <= data.starts_at:
        raise ValidationFailed(_("Das Ende muss nach dem Beginn liegen."), field="ends_at")
    if data.valid_from is None:
        raise ValidationFailed(_("Bitte geben Sie das erste Datum an."), field="valid_from")
    if data.valid_until is not None and data.valid_until < data.valid_from:
        raise ValidationFailed(
            _("Das letzte Datum darf nicht vor dem ersten liegen."), field="valid_until"
        )
    if not Recurrence.has(data.recurrence):
        raise ValidationFailed(_("Bitte wählen Sie, wie oft."), field="recurrence")
    if not Booking.has(data.booking):
        raise ValidationFailed(_("Bitte wählen Sie die Art der Sprechstunde."), field="booking")
    slot = None
    if data.booking == Booking.APPOINTMENT:
        slot = data.slot_minutes
        if slot is None or not 15 <= slot <= 240:
            raise ValidationFailed(
                _("Bitte geben Sie die Länge eines Termins an, zwischen 0,25 und 4 Stunden."),
                field="slot_minutes",
            )
        if not slot_times(data.starts_at, data.ends_at, slot):
            raise ValidationFailed(
                _("In diese Zeit passt kein Termin dieser Länge."), field="slot_minutes"
            )
    unknown = [code for code in data.languages if code not in LANGUAGES]
    if unknown or not data.languages:
        raise ValidationFailed(_("Bitte wählen Sie die angebotenen Sprachen."), field="languages")
    return {
        "weekday": data.weekday,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "valid_from": data.valid_from,
        "valid_until": data.valid_until,
        "recurrence": data.recurrence,
        "booking": data.booking,
        "slot_minutes": slot,
        "note": _text(data.note, NOTE_MAX, "note"),
    }


@unit_of_work()
def save_hours(actor: User, hours: ConsultationHours | None, data: HoursInput) -> ConsultationHours:
    """Create the actor's consultation hours, or change hours of a municipality they manage."""
    place = db.session.get(ConsultationPlace, data.place_id) if data.place_id else None
    if place is None or not may_keep_hours(actor, place.municipality_id):
        raise ValidationFailed(_("Bitte wählen Sie einen Ort."), field="place_id")
    if hours is not None and not may_keep_hours(actor, hours.municipality_id):
        raise NotAllowed(_("Sie betreuen diese Gemeinde nicht."))
    values = _checked_hours(data)
    values |= {"place_id": place.id, "municipality_id": place.municipality_id}
    if hours is None:
        hours = ConsultationHours(manager_id=actor.id, **values)
        hours.languages = data.languages
        db.session.add(hours)
        db.session.flush()
        audit.record_about("consultation_hours.created", actor, hours, hours.municipality_id)
    else:
        changes = audit.apply_changes(hours, values)
        if hours.languages != data.languages:
            changes["languages"] = [hours.languages, list(data.languages)]
            hours.languages = data.languages
        if changes:
            audit.record_about(
                "consultation_hours.changed",
                actor,
                hours,
                hours.municipality_id,
                fields=sorted(changes),
            )
    return hours


def check_date(hours: ConsultationHours, on: date | None) -> date:
    if on is None or not is_occurrence(hours, on):
        raise ValidationFailed(
            _("An diesem Tag findet diese Sprechstunde nicht statt."), field="on_date"
        )
    return on


def exception_on(hours: ConsultationHours, on: date) -> ConsultationException | None:
    return db.session.scalar(
        select(ConsultationException).where(
            ConsultationException.hours_id == hours.id, ConsultationException.on_date == on
        )
    )


def booked_on(hours: ConsultationHours, on: date) -> list[Appointment]:
    return list(
        db.session.scalars(
            select(Appointment)
            .where(
                Appointment.hours_id == hours.id,
                Appointment.on_date == on,
                Appointment.status == AppointmentStatus.BOOKED,
            )
            .order_by(Appointment.slot_start)
        )
    )


def client_email(client: Client | None) -> str | None:
    """The e-mail address in a client's contact details, if there is one."""
    if client is None or client.erased_at is not None:
        return None
    found = _EMAIL.search(client.contact or "")
    return found.group(0) if found else None


def _client_locale(client: Client) -> str:
    return next((code for code in client.languages if code in ("de", "en")), "de")


def _volunteers_of(need: Need | None) -> list[User]:
    if need is None:
        return []
    claims = db.session.scalars(
        select(Assignment)
        .where(Assignment.need_id == need.id, Assignment.status == AssignmentStatus.ACTIVE)
        .options(joinedload(Assignment.volunteer).joinedload(VolunteerProfile.user))
    )
    return [claim.volunteer.user for claim in claims]


def _tell_cancelled(appointment: Appointment, hours: ConsultationHours, on: date) -> int:
    """The client (when their contact has an e-mail address) and the accompanying volunteers
    learn that the appointment is off: date, time and place only, never client data to a
    volunteer. How many messages were queued."""
    sent = 0
    context = {
        "on": on,
        "starts": appointment.slot_start,
        "place": hours.place,
        "phone": hours.place.contact_phone,
    }
    address = client_email(appointment.client)
    if address and appointment.client is not None:
        queue_email(
            address,
            "consultation_cancelled_client",
            _client_locale(appointment.client),
            **context,
        )
        sent += 1
    for volunteer in _volunteers_of(appointment.need):
        queue_email(
            volunteer.email,
            "consultation_cancelled_volunteer",
            volunteer.locale,
            volunteer=volunteer,
            **context,
        )
        sent += 1
    return sent


@unit_of_work()
def cancel_date(actor: User, hours: ConsultationHours, on: date | None, note: str = "") -> int:
    """Cancel one date: its booked appointments are cancelled and the people concerned told
    through the outbox. How many appointments were cancelled."""
    if not may_keep_hours(actor, hours.municipality_id):
        raise NotAllowed(_("Sie betreuen diese Gemeinde nicht."))
    day = check_date(hours, on)
    if day < today_local():
        raise ValidationFailed(_("Vergangene Termine können nicht abgesagt werden."), "on_date")
    text = _text(note, NOTE_MAX, "note")
    exception = exception_on(hours, day)
    if exception is None:
        exception = ConsultationException(hours_id=hours.id, on_date=day)
        db.session.add(exception)
    exception.kind = ExceptionKind.CANCELLED
    exception.place_id = None
    exception.note = text
    exception.created_by_id = actor.id
    appointments = booked_on(hours, day)
    told = 0
    for appointment in appointments:
        appointment.status = AppointmentStatus.CANCELLED
        appointment.cancelled_at = utcnow()
        told += _tell_cancelled(appointment, hours, day)
    audit.record_about(
        "consultation_date.cancelled",
        actor,
        hours,
        hours.municipality_id,
        on=day.isoformat(),
        appointments=len(appointments),
        messages=told,
    )
    return len(appointments)


@unit_of_work()
def move_date(
    actor: User, hours: ConsultationHours, on: date | None, place_id: int | None, note: str = ""
) -> ConsultationException:
    """Hold one date in another room (of a municipality the actor manages)."""
    if not may_keep_hours(actor, hours.municipality_id):
        raise NotAllowed(_("Sie betreuen diese Gemeinde nicht."))
    day = check_date(hours, on)
    place = db.session.get(ConsultationPlace, place_id) if place_id else None
    if (
        place is None
        or place.id == hours.place_id
        or not may_keep_hours(actor, place.municipality_id)
    ):
        raise ValidationFailed(_("Bitte wählen Sie einen anderen Ort."), field="place_id")
    exception = exception_on(hours, day)
    if exception is None:
        exception = ConsultationException(hours_id=hours.id, on_date=day)
        db.session.add(exception)
    elif exception.kind == ExceptionKind.CANCELLED:
        raise InvalidTransition(_("Dieser Termin ist abgesagt."), field="on_date")
    exception.kind = ExceptionKind.MOVED
    exception.place_id = place.id
    exception.note = _text(note, NOTE_MAX, "note")
    exception.created_by_id = actor.id
    db.session.flush()
    audit.record_about(
        "consultation_date.moved",
        actor,
        hours,
        hours.municipality_id,
        on=day.isoformat(),
        place_id=place.id,
    )
    return exception


@unit_of_work()
def restore_date(actor: User, hours: ConsultationHours, on: date | None) -> None:
    """Undo a date's exception: held as usual again (cancelled appointments stay cancelled)."""
    if not may_keep_hours(actor, hours.municipality_id):
        raise NotAllowed(_("Sie betreuen diese Gemeinde nicht."))
    day = check_date(hours, on)
    db.session.execute(
        delete(ConsultationException).where(
            ConsultationException.hours_id == hours.id, ConsultationException.on_date == day
        )
    )
    audit.record_about(
        "consultation_date.restored", actor, hours, hours.municipality_id, on=day.isoformat()
    )
