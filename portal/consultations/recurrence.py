"""The concrete dates of consultation hours: weekly or every other week from the first date,
without Baden-Württemberg's public holidays, with the exceptions of single dates (cancelled, or
held in another room) applied.

Everything here is pure Python over rows already loaded (hours are few): the callers load the
hours of a municipality and the exceptions inside the window, and ask for the occurrences.
Times are local wall times (Europe/Berlin); `Occurrence.starts_at_utc` converts, so a
consultation hour at 10:00 stays at 10:00 across the change to and from summer time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from portal.consultations.models import (
    ConsultationException,
    ConsultationHours,
    ConsultationPlace,
    ExceptionKind,
    Recurrence,
)
from portal.core.time import local_to_utc

#: the longest window one request may ask for (a poster covers a few months)
MAX_DAYS = 366


@dataclass(frozen=True)
class PlaceInfo:
    """Where an occurrence is held (plain values: safe outside the session)."""

    id: int
    kind: str
    name: str
    address: str
    accessibility: str
    phone: str

    @classmethod
    def of(cls, place: ConsultationPlace) -> PlaceInfo:
        return cls(
            id=place.id,
            kind=place.kind,
            name=place.name,
            address=place.address or "",
            accessibility=place.accessibility or "",
            phone=place.contact_phone,
        )


@dataclass(frozen=True)
class MunicipalityInfo:
    id: int
    name: str


@dataclass(frozen=True)
class Occurrence:
    """One dated consultation hour."""

    hours_id: int
    on: date
    start: time
    end: time
    #: where it is held on that date (a changed room already applied)
    place: PlaceInfo
    municipality: MunicipalityInfo
    languages: tuple[str, ...]
    walk_in: bool
    #: the length of a bookable slot (None for walk-in hours)
    slot_minutes: int | None
    manager_id: int | None
    cancelled: bool = False
    #: the regular place when the room changed for this date, else None
    moved_from: PlaceInfo | None = None
    #: the manager's note about this date's exception (cancelled or moved), else ""
    note: str = ""

    @property
    def room_changed(self) -> bool:
        return self.moved_from is not None

    @property
    def starts_at_utc(self) -> datetime:
        return local_to_utc(datetime.combine(self.on, self.start))

    @property
    def ends_at_utc(self) -> datetime:
        return local_to_utc(datetime.combine(self.on, self.end))

    def slots(self) -> list[tuple[time, time]]:
        """The bookable slots (start, end) of an appointment hour; none for walk-in hours."""
        return slot_times(self.start, self.end, self.slot_minutes)


def slot_times(start: time, end: time, minutes: int | None) -> list[tuple[time, time]]:
    """Slots of ``minutes`` from ``start`` that end by ``end``."""
    if not minutes or minutes <= 0:
        return []
    day = date(2000, 1, 1)
    cursor = datetime.combine(day, start)
    stop = datetime.combine(day, end)
    step = timedelta(minutes=minutes)
    found = []
    while cursor + step <= stop:
        found.append((cursor.time(), (cursor + step).time()))
        cursor += step
    return found


def interval_weeks(recurrence: str) -> int:
    return 2 if recurrence == Recurrence.BIWEEKLY else 1


def first_date(weekday: int, valid_from: date) -> date:
    """The first ``weekday`` on or after ``valid_from`` (every other week counts from it)."""
    return valid_from + timedelta(days=(weekday - valid_from.weekday()) % 7)


def rule_dates(
    weekday: int,
    every_weeks: int,
    valid_from: date,
    valid_until: date | None,
    start: date,
    end: date,
) -> Iterator[date]:
    """The dates of the rule between ``start`` and ``end`` (both inclusive), holidays included."""
    first = first_date(weekday, valid_from)
    low = max(start, first)
    high = end if valid_until is None else min(end, valid_until)
    if low > high:
        return
    step = 7 * every_weeks
    periods = -(-(low - first).days // step)  # ceiling: the first date on or after low
    current = first + timedelta(days=periods * step)
    while current <= high:
        yield current
        current += timedelta(days=step)


@lru_cache(maxsize=32)
def _holidays_of_year(year: int) -> dict[date, str]:
    return dict(holidays.Germany(subdiv="BW", years=year, language="de").items())


def public_holidays(start: date, end: date) -> dict[date, str]:
    """Baden-Württemberg's public holidays between ``start`` and ``end`` (German names)."""
    found: dict[date, str] = {}
    for year in range(start.year, end.year + 1):
        found.update(
            {day: name for day, name in _holidays_of_year(year).items() if start <= day <= end}
        )
    return found


def is_public_holiday(day: date) -> bool:
    return day in _holidays_of_year(day.year)


def occurrences(
    hours: Iterable[ConsultationHours],
    exceptions: Iterable[ConsultationException],
    start: date,
    end: date,
) -> list[Occurrence]:
    """The occurrences of ``hours`` from ``start`` to ``end`` (inclusive), ordered by date,
    time and place; public holidays are left out, cancelled dates are kept and marked."""
    by_key = {(e.hours_id, e.on_date): e for e in exceptions}
    skip = public_holidays(start, end)
    found: list[Occurrence] = []
    for row in hours:
        regular = PlaceInfo.of(row.place)
        municipality = MunicipalityInfo(row.municipality.id, row.municipality.name)
        languages = tuple(row.languages)
        dates = rule_dates(
            row.weekday,
            interval_weeks(row.recurrence),
            row.valid_from,
            row.valid_until,
            start,
            end,
        )
        for day in dates:
            if day in skip:
                continue
            exception = by_key.get((row.id, day))
            place, moved_from, cancelled, note = regular, None, False, ""
            if exception is not None:
                note = exception.note or ""
                if exception.kind == ExceptionKind.CANCELLED:
                    cancelled = True
                elif exception.place is not None:
                    place, moved_from = PlaceInfo.of(exception.place), regular
            found.append(
                Occurrence(
                    hours_id=row.id,
                    on=day,
                    start=row.starts_at,
                    end=row.ends_at,
                    place=place,
                    municipality=municipality,
                    languages=languages,
                    walk_in=row.walk_in,
                    slot_minutes=None if row.walk_in else row.slot_minutes,
                    manager_id=row.manager_id,
                    cancelled=cancelled,
                    moved_from=moved_from,
                    note=note,
                )
            )
    found.sort(key=lambda o: (o.on, o.start, o.end, o.place.name, o.hours_id))
    return found


def is_occurrence(hours: ConsultationHours, day: date) -> bool:
    """Whether the hours are held by rule on ``day`` (holidays excluded, exceptions not)."""
    if day in _holidays_of_year(day.year):
        return False
    return any(
        rule_dates(
            hours.weekday,
            interval_weeks(hours.recurrence),
            hours.valid_from,
            hours.valid_until,
            day,
            day,
        )
    )
