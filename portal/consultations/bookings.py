"""Appointments booked in consultation hours, walk-in counts and home visits.

Booking cannot overbook a slot, also not under concurrent requests (DESIGN.md §5): a partial
UNIQUE index allows one booked appointment per (hours, date, slot start); the second of two
bookings of the same slot fails on it and is refused with `CapacityReached`. Every function
takes the acting user, checks what they may do, and is one unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from portal.audit import services as audit
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.consultations.models import (
    Appointment,
    AppointmentStatus,
    Booking,
    ConsultationHours,
    ExceptionKind,
    HomeVisit,
    Topic,
    VisitPlace,
    WalkInCount,
)
from portal.consultations.recurrence import slot_times
from portal.consultations.services import (
    check_date,
    exception_on,
    may_staff_hours,
)
from portal.core.errors import CapacityReached, InvalidTransition, NotAllowed, ValidationFailed
from portal.core.time import today_local, utcnow
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.needs.models import Need, NeedStatus
from portal.plans.models import Client, ClientStatus
from portal.security import may_coordinate_municipality, may_manage_need, may_see_client

MAX_AHEAD_DAYS = 366


# --- appointments ------------------------------------------------------------------------------


def _open_date(hours: ConsultationHours, on: date | None) -> date:
    day = check_date(hours, on)
    if day < today_local() or day > today_local() + timedelta(days=MAX_AHEAD_DAYS):
        raise ValidationFailed(
            _("Termine lassen sich nur für die kommenden zwölf Monate buchen."), field="on_date"
        )
    exception = exception_on(hours, day)
    if exception is not None and exception.kind == ExceptionKind.CANCELLED:
        raise InvalidTransition(_("Die Sprechstunde fällt an diesem Tag aus."), field="on_date")
    return day


def _client_for_booking(
    actor: User, hours: ConsultationHours, client_id: int | None, reference: str
) -> Client:
    """Managers pick a client they may see; coordinators name a client of the hours'
    manager by the pseudonymous reference (they never see more of it)."""
    client: Client | None = None
    if client_id is not None:
        client = db.session.get(Client, client_id)
        if client is not None and not may_see_client(actor, client):
            client = None
    elif reference.strip():
        client = db.session.scalar(
            select(Client).where(Client.reference == reference.strip().upper()[:20])
        )
        if client is not None and not (
            may_see_client(actor, client)
            or (
                may_coordinate_municipality(actor, hours.municipality_id)
                and client.manager_id is not None
                and client.manager_id == hours.manager_id
                and client.erased_at is None
            )
        ):
            client = None
    if client is None or client.status != ClientStatus.ACTIVE or client.erased_at is not None:
        raise ValidationFailed(
            _("Bitte wählen Sie die Klientin oder den Klienten."),
            field="client_id" if client_id is not None else "reference",
        )
    return client


def _need_for_booking(actor: User, need_id: int | None) -> Need | None:
    if need_id is None:
        return None
    need = db.session.get(Need, need_id)
    if (
        need is None
        or not may_manage_need(actor, need)
        or need.status
        not in (
            NeedStatus.OPEN,
            NeedStatus.FILLED,
        )
    ):
        raise ValidationFailed(_("Diesen Bedarf können Sie nicht verknüpfen."), field="need_id")
    return need


@unit_of_work()
def book(
    actor: User,
    hours: ConsultationHours,
    on: date | None,
    slot_start: time | None,
    *,
    client_id: int | None = None,
    reference: str = "",
    need_id: int | None = None,
) -> Appointment:
    """Book a slot for a client. Two bookings of the same slot: one wins, the other is refused
    with CapacityReached."""
    if not may_staff_hours(actor, hours):
        raise NotAllowed(_("Sie betreuen diese Gemeinde nicht."))
    if hours.booking != Booking.APPOINTMENT:
        raise InvalidTransition(_("Diese Sprechstunde ist ohne Termin."))
    day = _open_date(hours, on)
    slots = dict(slot_times(hours.starts_at, hours.ends_at, hours.slot_minutes))
    if slot_start not in slots:
        raise ValidationFailed(_("Bitte wählen Sie einen freien Termin."), field="slot_start")
    client = _client_for_booking(actor, hours, client_id, reference)
    need = _need_for_booking(actor, need_id)
    appointment = Appointment(
        hours_id=hours.id,
        on_date=day,
        slot_start=slot_start,
        slot_end=slots[slot_start],
        client_id=client.id,
        need_id=need.id if need is not None else None,
        booked_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(appointment)
            db.session.flush()
    except IntegrityError:
        raise CapacityReached(_("Dieser Termin ist schon vergeben."), field="slot_start") from None
    audit.record_about(
        "appointment.booked",
        actor,
        appointment,
        hours.municipality_id,
        hours_id=hours.id,
        on=day.isoformat(),
        client_id=client.id,
    )
    return appointment


@unit_of_work()
def cancel_appointment(actor: User, appointment: Appointment) -> Appointment:
    hours = appointment.hours
    if not may_staff_hours(actor, hours):
        raise NotAllowed(_("Sie betreuen diese Gemeinde nicht."))
    if appointment.status != AppointmentStatus.BOOKED:
        raise InvalidTransition(_("Dieser Termin ist bereits abgesagt."))
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = utcnow()
    audit.record_about(
        "appointment.cancelled", actor, appointment, hours.municipality_id, hours_id=hours.id
    )
    return appointment


def visible_clients(actor: User, clients: Sequence[Client | None]) -> dict[int, Client]:
    """The booked clients whose names the actor may read (managers of their municipality)."""
    return {c.id: c for c in clients if c is not None and may_see_client(actor, c)}


def booked_clients(hours_ids: Sequence[int], on: date) -> list[Client]:
    """The clients booked in these hours on one day (one query)."""
    if not hours_ids:
        return []
    booked = select(Appointment.client_id).where(
        Appointment.hours_id.in_(hours_ids),
        Appointment.on_date == on,
        Appointment.status == AppointmentStatus.BOOKED,
    )
    return list(db.session.scalars(select(Client).where(Client.id.in_(booked))))


@unit_of_work()
def record_views(actor: User, hours_ids: Sequence[int], on: date, page: str) -> set[int]:
    """A page listing the clients booked on a day by name is a look at each of their
    records: one ``client.viewed`` event per client the actor may see, written in one
    statement whatever their number. Their ids."""
    seen = visible_clients(actor, booked_clients(hours_ids, on))
    if seen:
        now = utcnow()
        db.session.execute(
            insert(AuditEvent),
            [
                {
                    "at": now,
                    "actor_id": actor.id,
                    "action": "client.viewed",
                    "object_type": "client",
                    "object_id": client.id,
                    "municipality_id": client.municipality_id,
                    "details": {"page": page},
                }
                for client in seen.values()
            ],
        )
    return set(seen)


def forget_appointments(client_id: int) -> int:
    """Erasure of a client (caller's transaction): their appointments go; their home visits
    stay, tied to the erased record without a name, for the statistics. How many went."""
    result = db.session.execute(
        delete(Appointment)
        .where(Appointment.client_id == client_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- walk-ins ----------------------------------------------------------------------------------

MAX_VISITORS = 500


@unit_of_work()
def record_walk_ins(
    actor: User, hours: ConsultationHours, on: date | None, counts: dict[str, int | None]
) -> int:
    """Set the number of visitors per topic for one date (no names). The total."""
    if not may_staff_hours(actor, hours):
        raise NotAllowed(_("Sie betreuen diese Gemeinde nicht."))
    day = check_date(hours, on)
    if day > today_local():
        raise ValidationFailed(
            _("Besucherzahlen lassen sich erst am Tag der Sprechstunde erfassen."), "on_date"
        )
    existing = {
        row.topic: row
        for row in db.session.scalars(
            select(WalkInCount).where(WalkInCount.hours_id == hours.id, WalkInCount.on_date == day)
        )
    }
    total = 0
    for topic, value in counts.items():
        if not Topic.has(topic):
            raise ValidationFailed(_("Unbekanntes Thema."), field=topic)
        number = value or 0
        if not 0 <= number <= MAX_VISITORS:
            raise ValidationFailed(
                _("Bitte geben Sie eine Zahl von 0 bis %(max)d an.", max=MAX_VISITORS),
                field=topic,
            )
        row = existing.get(topic)
        if row is None:
            if number == 0:
                continue
            row = WalkInCount(
                hours_id=hours.id,
                on_date=day,
                municipality_id=hours.municipality_id,
                topic=topic,
            )
            db.session.add(row)
        row.visitors = number
        row.recorded_by_id = actor.id
        total += number
    audit.record_about(
        "walk_ins.recorded", actor, hours, hours.municipality_id, on=day.isoformat(), total=total
    )
    return total


# --- home visits -------------------------------------------------------------------------------


@dataclass
class VisitInput:
    visited_on: date | None
    place_type: str
    topics: list[str]
    duration_minutes: int | None


@unit_of_work()
def record_home_visit(actor: User, client: Client, data: VisitInput) -> HomeVisit:
    """A manager of the client's municipality records a visit at home or in an accommodation."""
    if not may_see_client(actor, client):
        raise NotAllowed(_("Kein Zugriff."))
    today = today_local()
    if data.visited_on is None or data.visited_on > today:
        raise ValidationFailed(_("Bitte geben Sie ein Datum bis heute an."), field="visited_on")
    if data.visited_on < today - timedelta(days=3 * 366):
        raise ValidationFailed(
            _("Der Besuch liegt mehr als drei Jahre zurück."), field="visited_on"
        )
    if not VisitPlace.has(data.place_type):
        raise ValidationFailed(_("Bitte wählen Sie den Ort."), field="place_type")
    if not data.topics or any(not Topic.has(t) for t in data.topics):
        raise ValidationFailed(_("Bitte wählen Sie mindestens ein Thema."), field="topics")
    if data.duration_minutes is None or not 1 <= data.duration_minutes <= 1440:
        raise ValidationFailed(_("Bitte geben Sie die Dauer an."), field="duration")
    visit = HomeVisit(
        client_id=client.id,
        municipality_id=client.municipality_id,
        manager_id=actor.id,
        visited_on=data.visited_on,
        place_type=data.place_type,
        duration_minutes=data.duration_minutes,
    )
    visit.topics = data.topics
    db.session.add(visit)
    db.session.flush()
    audit.record_about(
        "home_visit.recorded", actor, client, client.municipality_id, visit_id=visit.id
    )
    return visit
