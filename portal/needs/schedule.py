"""Schedules of needs as people experience them: local (Europe/Berlin) days, times, overlaps.

Pure functions over anything shaped like a `Need` (a model or a row with the same attributes):
``schedule_kind`` "once" uses ``starts_at``/``ends_at`` (naive UTC); "weekly" uses ``weekday``
(0 = Monday), ``time_of_day`` (local wall clock), ``duration_minutes`` and
``starts_on``/``ends_on`` (first and last date). Weekdays are integers 0..6 everywhere (the labels
are ``REGISTRY["weekday"]``), for needs and for volunteers' availability alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from portal.core.enums import CodeEnum
from portal.core.time import local_to_utc, to_local

DEFAULT_DURATION = timedelta(hours=1)
WEEKDAYS = range(7)
"""0 = Monday ... 6 = Sunday, as `date.weekday()`."""


class PartOfDay(CodeEnum):
    """Morning before 12:00, afternoon before 17:00, evening after (local time)."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


NOON = time(12, 0)
EVENING_FROM = time(17, 0)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A need's schedule as values: the one declaration of its fields (the attribute names
    are `Need`'s). The rows that show a need's schedule extend it (the board's cards, the
    volunteer's upcoming tasks), and their statements select `FIELDS` first. Hashable:
    `portal.needs.rules` keeps a statement per schedule."""

    schedule_kind: str
    starts_at: datetime | None
    ends_at: datetime | None
    weekday: int | None
    time_of_day: time | None
    duration_minutes: int | None
    starts_on: date | None
    ends_on: date | None

    @classmethod
    def of(cls, need: Any) -> Schedule:
        """The schedule of ``need`` (a `Need` or a row with its attribute names)."""
        return cls(*(getattr(need, name) for name in FIELDS))


FIELDS: tuple[str, ...] = tuple(field.name for field in fields(Schedule))
"""The schedule's attribute names, in the order of `Schedule`'s fields."""


def is_once(need: Any) -> bool:
    return need.schedule_kind != "weekly"


def part_of_day(value: time) -> PartOfDay:
    """Morning before 12:00, afternoon before 17:00, evening after."""
    if value < NOON:
        return PartOfDay.MORNING
    if value < EVENING_FROM:
        return PartOfDay.AFTERNOON
    return PartOfDay.EVENING


def _later(value: datetime, delta: timedelta) -> datetime:
    """``value + delta``, or the last representable moment at the end of the calendar."""
    try:
        return value + delta
    except OverflowError:
        return datetime.max  # noqa: DTZ901 - naive UTC, like every stored time


def _next_day(day: date) -> date | None:
    return None if day == date.max else day + timedelta(days=1)


def _day_before(day: date) -> date:
    """The day before, or the first day of the calendar itself."""
    return day if day == date.min else day - timedelta(days=1)


def local_day(value: datetime) -> date:
    """The Europe/Berlin date of a naive-UTC moment; at the very ends of the calendar (where
    the conversion would leave it) the first or last representable day."""
    try:
        return to_local(value).date()
    except OverflowError:
        return date.max if value.year > 1 else date.min


def once_interval(need: Any) -> tuple[datetime, datetime] | None:
    """Start and end of a one-off appointment in naive UTC."""
    if need.starts_at is None:
        return None
    end = need.ends_at or _later(need.starts_at, DEFAULT_DURATION)
    return need.starts_at, end


def weekly_interval_on(need: Any, day: date) -> tuple[datetime, datetime] | None:
    """The occurrence of a weekly need on ``day`` (naive UTC), or None if it has none (also
    when it would fall outside the calendar's range)."""
    if not runs_on(need, day):
        return None
    try:
        start = local_to_utc(datetime.combine(day, need.time_of_day or time(0)))
    except OverflowError:
        return None
    return start, _later(start, timedelta(minutes=need.duration_minutes or 60))


def runs_on(need: Any, day: date) -> bool:
    """Whether a weekly need has an occurrence on ``day``."""
    if is_once(need) or need.weekday is None:
        return False
    if day.weekday() != need.weekday:
        return False
    if need.starts_on and day < need.starts_on:
        return False
    return not (need.ends_on and day > need.ends_on)


def first_day(need: Any) -> date | None:
    if is_once(need):
        return local_day(need.starts_at) if need.starts_at else need.starts_on
    return need.starts_on


def last_day(need: Any) -> date | None:
    """The last day of the schedule; None for a weekly need without an end."""
    if is_once(need):
        interval = once_interval(need)
        return local_day(interval[1]) if interval else need.ends_on or need.starts_on
    return need.ends_on


def overlaps(a: Any, b: Any) -> bool:
    """Whether two schedules collide in local time: two one-off appointments, a one-off
    appointment and an occurrence of a weekly schedule, or two weekly schedules that meet on
    the same weekday at overlapping times within the dates both run."""
    if is_once(a) and is_once(b):
        ia, ib = once_interval(a), once_interval(b)
        return bool(ia and ib and ia[0] < ib[1] and ib[0] < ia[1])
    if is_once(a) or is_once(b):
        once, weekly = (a, b) if is_once(a) else (b, a)
        interval = once_interval(once)
        return interval is not None and _meets_weekly(interval, weekly)
    return _weekly_meet(a, b)


def _collide(first: tuple[datetime, datetime], second: tuple[datetime, datetime]) -> bool:
    return first[0] < second[1] and second[0] < first[1]


def _days(first: date, last: date, limit: int) -> list[date]:
    """The days ``first..last``, at most ``limit`` of them, never past the calendar's end."""
    days: list[date] = []
    day: date | None = first
    while day is not None and day <= last and len(days) < limit:
        days.append(day)
        day = _next_day(day)
    return days


def _date_range(need: Any) -> tuple[date, date]:
    return need.starts_on or date.min, need.ends_on or date.max


def _meets_weekly(interval: tuple[datetime, datetime], weekly: Any) -> bool:
    """Whether a one-off interval meets an occurrence of ``weekly`` (checked on each day from
    the evening before, for occurrences that run past midnight)."""
    first, last = _date_range(weekly)
    start_day = max(_day_before(local_day(interval[0])), first)
    end_day = min(local_day(interval[1]), last)
    if start_day > end_day:
        return False
    if (end_day - start_day).days > 8:
        # Seven whole days inside the appointment include the weekly occurrence.
        return True
    return any(
        occurrence is not None and _collide(occurrence, interval)
        for occurrence in (weekly_interval_on(weekly, day) for day in _days(start_day, end_day, 10))
    )


def _weekly_meet(a: Any, b: Any) -> bool:
    """Two weekly schedules collide when, within the dates both run, an occurrence of one
    meets one of the other: the weekly pattern repeats, so the first nine days of the common
    dates (plus the evening before, for occurrences past midnight) decide."""
    if a.weekday is None or b.weekday is None:
        return False
    (a_first, a_last), (b_first, b_last) = _date_range(a), _date_range(b)
    first, last = max(a_first, b_first), min(a_last, b_last)
    if first > last:
        return False
    days = _days(_day_before(first), last, 10)
    mine = [o for o in (weekly_interval_on(a, day) for day in days) if o is not None]
    theirs = [o for o in (weekly_interval_on(b, day) for day in days) if o is not None]
    return any(_collide(x, y) for x in mine for y in theirs)


def occurrences(need: Any, start: date, end: date) -> Iterator[tuple[datetime, datetime]]:
    """Occurrences (naive UTC start and end) whose local day lies in ``start..end``."""
    if is_once(need):
        interval = once_interval(need)
        if interval and start <= local_day(interval[0]) <= end:
            yield interval
        return
    if need.weekday is None:
        return
    day = max(start, need.starts_on or start)
    last = min(end, need.ends_on) if need.ends_on else end
    step = (need.weekday - day.weekday()) % 7  # to the first occurrence, then a week
    while (date.max - day).days >= step:  # never past the calendar's last day
        day += timedelta(days=step)
        if day > last:
            break
        occurrence = weekly_interval_on(need, day)
        if occurrence:
            yield occurrence
        step = 7


def next_occurrence(need: Any, now: datetime) -> tuple[datetime, datetime] | None:
    """The next occurrence that has not ended yet (naive UTC), within a year."""
    today = to_local(now).date()
    for occurrence in occurrences(need, today, today + timedelta(days=366)):
        if occurrence[1] > now:
            return occurrence
    return None
