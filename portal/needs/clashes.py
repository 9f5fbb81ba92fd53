"""Which of a volunteer's claims could clash with a need's schedule, in SQL: a superset of
`schedule.overlaps` (which decides), so that `portal.needs.rules.conflicting_need` reads only
those candidates, however many claims the volunteer holds. Two one-off appointments are
compared exactly; a weekly schedule by the dates both run and by the place in the week."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, extract, func, or_, true

from portal.core.time import to_local
from portal.needs import schedule
from portal.needs.board_order import DAY, time_seconds
from portal.needs.models import Need, ScheduleKind

WEEK = 7 * DAY
NEAR = 2 * 3600 + 600
"""Seconds by which the SQL's places in the week may miss the true ones: two appointments'
offsets from UTC may differ (by 1 h at a change of daylight saving time; Berlin's offsets lie
between +0:53, local mean time before 1893, and +3:00, the double summer time of 1945), a
one-off appointment is placed by its UTC start + 1 h, times are read to the minute. The filter
lets such near misses through to `schedule.overlaps`; it drops no clash."""


def _epoch(column: Any) -> Any:
    return cast(extract("epoch", column), BigInteger)


def _place_in_week(need: Need | schedule.Schedule) -> tuple[int, int] | None:
    """Where ``need``'s appointments lie in the local week: the start (seconds from Monday
    00:00) and the length in seconds; None when unknown (a weekly need without weekday)."""
    if schedule.is_once(need):
        interval = schedule.once_interval(need)
        if interval is None:
            return None
        try:
            start = to_local(interval[0])
        except OverflowError:  # the very ends of the calendar
            return None
        clock = start.hour * 3600 + start.minute * 60 + start.second
        length = math.ceil((interval[1] - interval[0]).total_seconds())
        return start.weekday() * DAY + clock, length
    if need.weekday is None:
        return None
    at = need.time_of_day or time(0)
    clock = at.hour * 3600 + at.minute * 60 + at.second
    return need.weekday * DAY + clock, (need.duration_minutes or 60) * 60


def _meets_in_week(place: tuple[int, int] | None) -> Any:
    """SQL: the need of the row lies in the week where it could meet ``place`` (a superset of
    `schedule.overlaps`, up to `NEAR`; true when ``place`` is unknown or a week long)."""
    if place is None or place[1] + NEAR >= WEEK:
        return true()
    start, length = place
    weekly = Need.schedule_kind == ScheduleKind.WEEKLY
    # a one-off start's local time as UTC + 1 h; 1 January 1970 was a Thursday (3)
    once_start = (((_epoch(Need.starts_at) + 3600 + 3 * DAY) % WEEK) + WEEK) % WEEK
    row_start = case(
        (weekly, Need.weekday * DAY + func.coalesce(time_seconds(Need.time_of_day), 0)),
        else_=once_start,
    )
    row_length = case(
        (weekly, func.coalesce(func.nullif(Need.duration_minutes, 0), 60) * 60),
        else_=func.coalesce(_epoch(Need.ends_at) - _epoch(Need.starts_at), 3600),
    )
    after = ((row_start - start) % WEEK + WEEK) % WEEK  # the row's start after ``start``
    return or_(
        after < length + NEAR,  # begins during ``place``
        WEEK - after < row_length + NEAR,  # began before and lasts into it
        row_length + NEAR >= WEEK,
    )


def _shifted(value: Any, days: int = 0, hours: int = 0) -> Any:
    """A date or time moved by ``days`` and ``hours``, or None beyond the calendar."""
    try:
        return value + timedelta(days=days, hours=hours)
    except OverflowError:
        return None


def could_clash(need: Need | schedule.Schedule) -> Any:
    """SQL: the need of the row could clash with ``need`` (`schedule.overlaps` decides); None
    when nothing can. Two one-off appointments are compared exactly; a weekly schedule by the
    dates both run and by the place in the week (`_meets_in_week`)."""
    weekly = Need.schedule_kind == ScheduleKind.WEEKLY
    place = _meets_in_week(_place_in_week(need))
    if schedule.is_once(need):
        interval = schedule.once_interval(need)
        if interval is None:
            return None
        start, end = interval
        hour_before = _shifted(start, hours=-1)
        once = and_(
            ~weekly,
            Need.starts_at < end,
            or_(
                Need.ends_at > start,
                and_(
                    Need.ends_at.is_(None),
                    Need.starts_at.is_not(None)
                    if hour_before is None
                    else Need.starts_at > hour_before,
                ),
            ),
        )
        # a weekly schedule's appointment on the day before may run into the one-off one
        first = _shifted(schedule.local_day(start), -1)
        runs = [weekly, or_(Need.starts_on.is_(None), Need.starts_on <= schedule.local_day(end))]
        if first is not None:
            runs.append(or_(Need.ends_on.is_(None), Need.ends_on >= first))
        return or_(once, and_(*runs, or_(Need.weekday.is_(None), place)))
    first, last = need.starts_on, need.ends_on
    clashes = []
    if need.weekday is not None:  # two weekly schedules meet on their weekdays only
        runs = [weekly, Need.weekday.is_not(None)]
        if last is not None:
            runs.append(or_(Need.starts_on.is_(None), Need.starts_on <= last))
        if first is not None:
            runs.append(or_(Need.ends_on.is_(None), Need.ends_on >= first))
        clashes.append(and_(*runs, place))
    # a one-off appointment within a day of the dates (in UTC: a day's margin more)
    one_off = [~weekly, Need.starts_at.is_not(None), place]
    until = _shifted(last, 3) if last is not None else None
    if until is not None:
        one_off.append(Need.starts_at < datetime.combine(until, time(0)))
    since = _shifted(first, -2) if first is not None else None
    if since is not None:
        one_off.append(
            or_(
                Need.ends_at >= datetime.combine(since, time(0)),
                and_(Need.ends_at.is_(None), Need.starts_at >= datetime.combine(since, time(0))),
            )
        )
    clashes.append(and_(*one_off))
    return or_(*clashes)
