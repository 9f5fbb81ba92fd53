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

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.consultations.models import (
    ConsultationException,
    ConsultationHours,
    ConsultationPlace,
)
from portal.consultations.recurrence import MAX_DAYS, Occurrence, occurrences
from portal.core.time import today_local
from portal.extensions import db
from portal.municipalities.models import Municipality


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
            .order_by(Municipality.name)
        )
    )
