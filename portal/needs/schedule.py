"""Schedules of needs as people experience them: local (Europe/Berlin) days, times, overlaps.

Pure functions over anything shaped like a `Need` (a model or a row with the same attributes):
``schedule_kind`` "once" uses ``starts_at``/``ends_at`` (naive UTC); "weekly" uses ``weekday``
(0 = Monday), ``time_of_day`` (local wall clock), ``duration_minutes`` and
``starts_on``/``ends_on`` (first and last date). Weekdays are integers 0..6 everywhere (the labels
are ``REGISTRY["weekday"]``), for needs and for volunteers' availability alike.
"""

from __future__ import annotations

from collections.abc import Iterator
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


def is_once(need: Any) -> bool:
    return need.schedule_kind != "weekly"


def part_of_day(value: time) -> PartOfDay:
    """Morning before 12:00, afternoon before 17:00, evening after."""
    if value < NOON:
        return PartOfDay.MORNING
    if value < EVENING_FROM:
        return PartOfDay.AFTERNOON
    return PartOfDay.EVENING


def once_interval(need: Any) -> tuple[datetime, datetime] | None:
    """Start and end of a one-off appointment in naive UTC."""
    if need.starts_at is None:
        return None
    end = need.ends_at or need.starts_at + DEFAULT_DURATION
    return need.starts_at, end


def weekly_interval_on(need: Any, day: date) -> tuple[datetime, datetime] | None:
    """The occurrence of a weekly need on ``day`` (naive UTC), or None if it has none."""
    if not runs_on(need, day):
        return None
    start = local_to_utc(datetime.combine(day, need.time_of_day or time(0)))
    return start, start + timedelta(minutes=need.duration_minutes or 60)


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
        return to_local(need.starts_at).date() if need.starts_at else need.starts_on
    return need.starts_on


def last_day(need: Any) -> date | None:
    """The last day of the schedule; None for a weekly need without an end."""
    if is_once(need):
        interval = once_interval(need)
        return to_local(interval[1]).date() if interval else need.ends_on or need.starts_on
    return need.ends_on


def overlaps(a: Any, b: Any) -> bool:
    """Whether two schedules collide, when at least one of them is a one-off appointment.

    Two weekly schedules are not compared: alternating weeks and flexible times are common,
    and the managers agree those in person.
    """
    if is_once(a) and is_once(b):
        ia, ib = once_interval(a), once_interval(b)
        return bool(ia and ib and ia[0] < ib[1] and ib[0] < ia[1])
    if not is_once(a) and not is_once(b):
        return False
    once, weekly = (a, b) if is_once(a) else (b, a)
    interval = once_interval(once)
    if interval is None:
        return False
    start_day = to_local(interval[0]).date()
    end_day = to_local(interval[1]).date()
    day = start_day
    while day <= end_day:
        occurrence = weekly_interval_on(weekly, day)
        if occurrence and occurrence[0] < interval[1] and interval[0] < occurrence[1]:
            return True
        day += timedelta(days=1)
    return False


def occurrences(need: Any, start: date, end: date) -> Iterator[tuple[datetime, datetime]]:
    """Occurrences (naive UTC start and end) whose local day lies in ``start..end``."""
    if is_once(need):
        interval = once_interval(need)
        if interval and start <= to_local(interval[0]).date() <= end:
            yield interval
        return
    if need.weekday is None:
        return
    day = max(start, need.starts_on or start)
    day += timedelta(days=(need.weekday - day.weekday()) % 7)
    last = min(end, need.ends_on) if need.ends_on else end
    while day <= last:
        occurrence = weekly_interval_on(need, day)
        if occurrence:
            yield occurrence
        day += timedelta(days=7)


def next_occurrence(need: Any, now: datetime) -> tuple[datetime, datetime] | None:
    """The next occurrence that has not ended yet (naive UTC), within a year."""
    today = to_local(now).date()
    for occurrence in occurrences(need, today, today + timedelta(days=366)):
        if occurrence[1] > now:
            return occurrence
    return None
