"""Reading consultation hours: the read API of the public pages and the staff's lists.

    upcoming(municipality_id, start, days) -> [Occurrence, ...]   dated, ordered, bounded
    municipalities_with_hours()            -> [Municipality, ...] with hours today or later

Both issue a fixed number of queries whatever the number of hours: the hours rows of the
municipality (with place, office and municipality joined), their languages, and the exceptions
inside the window; the dates are computed in Python (`portal.consultations.recurrence`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.consultations.models import (
    Appointment,
    AppointmentStatus,
    ConsultationException,
    ConsultationHours,
    ConsultationPlace,
    HomeVisit,
    WalkInCount,
)
from portal.consultations.recurrence import MAX_DAYS, Occurrence, occurrences
from portal.core.collation import german
from portal.core.time import today_local
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.needs.models import Need, NeedStatus
from portal.plans.models import Client, ClientStatus
from portal.security import coordinated_municipality_ids, managed_municipality_ids, scope_to


def _window(start: date, days: int) -> tuple[date, date]:
    days = max(1, min(int(days), MAX_DAYS))
    return start, start + timedelta(days=days - 1)


def hours_in_window(
    start: date,
    end: date,
    *,
    municipality_id: int | None = None,
    municipality_ids: set[int] | None = None,
    manager_id: int | None = None,
) -> Sequence[ConsultationHours]:
    """The hours that run at some point between ``start`` and ``end``, narrowed by
    municipality (one, or a set: None = all) and manager, with what an occurrence shows."""
    stmt = (
        select(ConsultationHours)
        .where(
            ConsultationHours.valid_from <= end,
            or_(ConsultationHours.valid_until.is_(None), ConsultationHours.valid_until >= start),
        )
        .options(
            joinedload(ConsultationHours.place).joinedload(ConsultationPlace.office),
            joinedload(ConsultationHours.municipality),
            selectinload(ConsultationHours.language_rows),
        )
        .order_by(ConsultationHours.id)
    )
    if municipality_id is not None:
        stmt = stmt.where(ConsultationHours.municipality_id == municipality_id)
    if municipality_ids is not None:
        stmt = stmt.where(ConsultationHours.municipality_id.in_(municipality_ids or {-1}))
    if manager_id is not None:
        stmt = stmt.where(ConsultationHours.manager_id == manager_id)
    return db.session.scalars(stmt).unique().all()


def exceptions_in_window(
    hours_ids: Sequence[int], start: date, end: date
) -> Sequence[ConsultationException]:
    if not hours_ids:
        return []
    return (
        db.session.scalars(
            select(ConsultationException)
            .where(
                ConsultationException.hours_id.in_(hours_ids),
                ConsultationException.on_date.between(start, end),
            )
            .options(joinedload(ConsultationException.place).joinedload(ConsultationPlace.office))
        )
        .unique()
        .all()
    )


def occurrences_of(hours: Sequence[ConsultationHours], start: date, end: date) -> list[Occurrence]:
    """The occurrences of already loaded ``hours`` between ``start`` and ``end``."""
    found = exceptions_in_window([h.id for h in hours], start, end)
    return occurrences(hours, found, start, end)


def upcoming(municipality_id: int | None, start: date, days: int) -> list[Occurrence]:
    """The dated consultation hours of a municipality (None: of every municipality) from
    ``start`` for ``days`` days (at most `MAX_DAYS`), ordered by date and time. Public
    holidays are left out; cancelled dates are included with ``cancelled=True`` and a changed
    room with ``moved_from`` set."""
    first, last = _window(start, days)
    hours = hours_in_window(first, last, municipality_id=municipality_id)
    return occurrences_of(hours, first, last)


def municipalities_with_hours(on: date | None = None) -> list[Municipality]:
    """The municipalities with consultation hours running on ``on`` (today) or later, by name."""
    day = on or today_local()
    running = exists().where(
        ConsultationHours.municipality_id == Municipality.id,
        or_(ConsultationHours.valid_until.is_(None), ConsultationHours.valid_until >= day),
    )
    return list(
        db.session.scalars(
            select(Municipality)
            .where(running)
            .options(joinedload(Municipality.office))
            .order_by(german(Municipality.name), Municipality.id)
        )
    )


# --- the staff's pages -------------------------------------------------------------------------


def staff_municipality_ids(user: Any) -> set[int] | None:
    """The municipalities whose consultation hours ``user`` sees on the staff pages: where they
    manage or coordinate; None means all (admins)."""
    managed = managed_municipality_ids(user)
    coordinated = coordinated_municipality_ids(user)
    if managed is None or coordinated is None:
        return None
    return managed | coordinated


def hours_stmt(user: Any, *, current_on: date | None = None) -> Select[Any]:
    """Hours in the user's municipalities, by municipality, weekday and time; with
    ``current_on`` only those running on that day or later."""
    stmt = (
        select(ConsultationHours)
        .join(ConsultationHours.municipality)
        .options(
            joinedload(ConsultationHours.place),
            joinedload(ConsultationHours.municipality),
            joinedload(ConsultationHours.manager),
            selectinload(ConsultationHours.language_rows),
        )
        .order_by(
            german(Municipality.name),
            ConsultationHours.weekday,
            ConsultationHours.starts_at,
            ConsultationHours.id,
        )
    )
    if current_on is not None:
        stmt = stmt.where(
            or_(
                ConsultationHours.valid_until.is_(None),
                ConsultationHours.valid_until >= current_on,
            )
        )
    return scope_to(stmt, ConsultationHours.municipality_id, staff_municipality_ids(user))


def places_stmt(user: Any) -> Select[Any]:
    stmt = (
        select(ConsultationPlace)
        .join(ConsultationPlace.municipality)
        .options(joinedload(ConsultationPlace.municipality), joinedload(ConsultationPlace.office))
        .order_by(german(Municipality.name), german(ConsultationPlace.name), ConsultationPlace.id)
    )
    return scope_to(stmt, ConsultationPlace.municipality_id, managed_municipality_ids(user))


def places_for(user: Any, limit: int = 500) -> list[ConsultationPlace]:
    """The places a manager may hold hours at (for a select)."""
    return list(db.session.scalars(places_stmt(user).limit(limit)))


def occurrence_on(hours: ConsultationHours, on: date) -> Occurrence | None:
    """The occurrence of ``hours`` on ``on`` (None when the hours are not held that day)."""
    found = occurrences_of([hours], on, on)
    return found[0] if found else None


def appointments_on(hours_ids: Sequence[int], on: date) -> list[Appointment]:
    """Booked appointments of these hours on one day, with their clients and needs."""
    if not hours_ids:
        return []
    return list(
        db.session.scalars(
            select(Appointment)
            .where(
                Appointment.hours_id.in_(hours_ids),
                Appointment.on_date == on,
                Appointment.status == AppointmentStatus.BOOKED,
            )
            .options(joinedload(Appointment.client), joinedload(Appointment.need))
            .order_by(Appointment.slot_start, Appointment.id)
        )
    )


def walk_ins_on(hours_id: int, on: date) -> dict[str, int]:
    rows = db.session.execute(
        select(WalkInCount.topic, WalkInCount.visitors).where(
            WalkInCount.hours_id == hours_id, WalkInCount.on_date == on
        )
    )
    return {str(topic): int(visitors) for topic, visitors in rows.tuples()}


def hours_ids_of(manager_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(ConsultationHours.id).where(ConsultationHours.manager_id == manager_id)
        )
    )


def day_list(manager_id: int, on: date) -> tuple[list[Occurrence], dict[int, list[Appointment]]]:
    """A manager's consultation hours on one day and the appointments booked in them."""
    hours = hours_in_window(on, on, manager_id=manager_id)
    found = occurrences_of(hours, on, on)
    booked: dict[int, list[Appointment]] = {}
    for appointment in appointments_on([o.hours_id for o in found], on):
        booked.setdefault(appointment.hours_id, []).append(appointment)
    return found, booked


def visits_of(client_id: int, limit: int = 20) -> list[HomeVisit]:
    """A client's latest home visits (newest first)."""
    return list(
        db.session.scalars(
            select(HomeVisit)
            .where(HomeVisit.client_id == client_id)
            .options(selectinload(HomeVisit.topic_rows), joinedload(HomeVisit.manager))
            .order_by(HomeVisit.visited_on.desc(), HomeVisit.id.desc())
            .limit(limit)
        )
    )


def bookable_clients(user: Any, limit: int = 300) -> list[Client]:
    """A manager's own active caseload (for the booking form's select)."""
    stmt = (
        select(Client)
        .where(
            Client.manager_id == user.id,
            Client.status == ClientStatus.ACTIVE,
            Client.erased_at.is_(None),
        )
        .order_by(Client.reference)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def linkable_needs(user: Any, municipality_id: int, limit: int = 100) -> list[Need]:
    """Open or filled needs of the municipality a manager may link as accompaniment."""
    if managed_municipality_ids(user) is not None and municipality_id not in (
        managed_municipality_ids(user) or set()
    ):
        return []
    return list(
        db.session.scalars(
            select(Need)
            .where(
                Need.municipality_id == municipality_id,
                Need.status.in_((NeedStatus.OPEN, NeedStatus.FILLED)),
            )
            .order_by(Need.id.desc())
            .limit(limit)
        )
    )
