"""Schedules in local time and overlaps (pure functions, no database). The fit score is computed
in SQL: see tests/integration/test_board_fit.py."""

from __future__ import annotations

from datetime import date, datetime, time
from types import SimpleNamespace

from portal.core.time import local_to_utc
from portal.needs import schedule


def once(start: datetime, end: datetime, **kw):
    values = {
        "schedule_kind": "once",
        "starts_at": local_to_utc(start),
        "ends_at": local_to_utc(end),
        "weekday": None,
        "time_of_day": None,
        "duration_minutes": None,
        "starts_on": start.date(),
        "ends_on": end.date(),
    }
    values.update(kw)
    return SimpleNamespace(**values)


def weekly(weekday: int, at: time, minutes: int, first: date, last: date | None, **kw):
    values = {
        "schedule_kind": "weekly",
        "starts_at": None,
        "ends_at": None,
        "weekday": weekday,
        "time_of_day": at,
        "duration_minutes": minutes,
        "starts_on": first,
        "ends_on": last,
    }
    values.update(kw)
    return SimpleNamespace(**values)


def test_parts_of_the_day():
    assert schedule.part_of_day(time(8, 0)) == "morning"
    assert schedule.part_of_day(time(11, 59)) == "morning"
    assert schedule.part_of_day(time(12, 0)) == "afternoon"
    assert schedule.part_of_day(time(17, 0)) == "evening"


def test_one_off_overlaps():
    a = once(datetime(2026, 12, 1, 10), datetime(2026, 12, 1, 12))
    b = once(datetime(2026, 12, 1, 11, 30), datetime(2026, 12, 1, 13))
    c = once(datetime(2026, 12, 1, 12), datetime(2026, 12, 1, 13))
    assert schedule.overlaps(a, b) and schedule.overlaps(b, a)
    assert not schedule.overlaps(a, c)  # back to back


def test_one_off_against_weekly_in_local_time_across_daylight_saving():
    # Mondays 16:00-17:30 local, from October (summer time) to December (winter time)
    lessons = weekly(0, time(16, 0), 90, date(2026, 10, 5), date(2026, 12, 14))
    summer = once(datetime(2026, 10, 12, 17), datetime(2026, 10, 12, 18))  # a Monday, CEST
    winter = once(datetime(2026, 11, 30, 17), datetime(2026, 11, 30, 18))  # a Monday, CET
    tuesday = once(datetime(2026, 12, 1, 16), datetime(2026, 12, 1, 17))
    after = once(datetime(2026, 12, 21, 16), datetime(2026, 12, 21, 17))  # after the last date
    assert schedule.overlaps(summer, lessons)
    assert schedule.overlaps(lessons, winter)
    assert not schedule.overlaps(tuesday, lessons)
    assert not schedule.overlaps(after, lessons)


def test_two_weekly_schedules_are_not_compared():
    a = weekly(0, time(16, 0), 90, date(2026, 10, 5), None)
    assert not schedule.overlaps(a, weekly(0, time(16, 0), 90, date(2026, 10, 5), None))


def test_weekly_occurrences_stay_within_the_dates():
    lessons = weekly(2, time(15, 0), 60, date(2026, 12, 2), date(2026, 12, 23))
    starts = [s for s, _e in schedule.occurrences(lessons, date(2026, 11, 1), date(2027, 1, 31))]
    assert starts == [local_to_utc(datetime(2026, 12, d, 15)) for d in (2, 9, 16, 23)]
