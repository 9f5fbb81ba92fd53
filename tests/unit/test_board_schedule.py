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


def test_two_weekly_schedules_on_the_same_weekday_and_time_overlap():
    a = weekly(0, time(16, 0), 90, date(2026, 10, 5), None)
    assert schedule.overlaps(a, weekly(0, time(16, 0), 90, date(2026, 10, 5), None))
    # later start, still within the first one's 90 minutes; and the other way round
    b = weekly(0, time(17, 0), 60, date(2026, 10, 12), date(2026, 12, 14))
    assert schedule.overlaps(a, b) and schedule.overlaps(b, a)


def test_weekly_schedules_on_other_days_or_times_do_not_overlap():
    a = weekly(0, time(16, 0), 90, date(2026, 10, 5), None)
    assert not schedule.overlaps(a, weekly(1, time(16, 0), 90, date(2026, 10, 5), None))
    assert not schedule.overlaps(a, weekly(0, time(17, 30), 60, date(2026, 10, 5), None))
    assert not schedule.overlaps(a, weekly(0, time(14, 0), 120, date(2026, 10, 5), None))


def test_weekly_schedules_overlap_only_within_the_dates_both_run():
    autumn = weekly(2, time(15, 0), 60, date(2026, 9, 2), date(2026, 10, 28))
    winter = weekly(2, time(15, 0), 60, date(2026, 11, 4), date(2027, 1, 27))
    assert not schedule.overlaps(autumn, winter)
    assert schedule.overlaps(autumn, weekly(2, time(15, 30), 60, date(2026, 10, 28), None))
    # common dates that hold no Wednesday: no meeting
    thursday_to_tuesday = weekly(2, time(15, 0), 60, date(2026, 10, 29), date(2026, 11, 3))
    assert not schedule.overlaps(
        thursday_to_tuesday, weekly(2, time(15, 0), 60, date(2026, 10, 1), None)
    )


def test_weekly_schedules_past_midnight_meet_the_next_morning():
    night = weekly(4, time(23, 0), 120, date(2026, 10, 2), None)  # Friday 23:00-01:00
    early = weekly(5, time(0, 30), 60, date(2026, 10, 3), None)  # Saturday 00:30
    assert schedule.overlaps(night, early) and schedule.overlaps(early, night)


def test_the_last_day_of_the_calendar_breaks_no_overlap_check():
    last = date(9999, 12, 31)  # a Friday
    at_the_end = once(datetime(9999, 12, 31, 22), datetime(9999, 12, 31, 23, 59))
    open_end = once(datetime(9999, 12, 31, 23), datetime(9999, 12, 31, 23), ends_at=None)
    weekly_to_the_end = weekly(4, time(22, 30), 60, date(9999, 12, 1), last)
    forever = weekly(4, time(22, 0), 240, date(2026, 10, 2), None)
    assert schedule.overlaps(at_the_end, weekly_to_the_end)
    assert schedule.overlaps(weekly_to_the_end, forever)
    assert schedule.overlaps(open_end, at_the_end)
    assert not schedule.overlaps(open_end, weekly(0, time(9, 0), 60, last, last))
    assert schedule.last_day(open_end) == last
    assert list(schedule.occurrences(weekly_to_the_end, date(9999, 12, 20), last))
    # and neither does the first (1 January of the year 1 was a Monday)
    first = once(datetime(1, 1, 1, 9), datetime(1, 1, 1, 10))
    assert schedule.overlaps(first, weekly(0, time(9, 0), 60, None, None))
    assert not schedule.overlaps(first, weekly(1, time(9, 0), 60, None, None))


def test_weekly_occurrences_stay_within_the_dates():
    lessons = weekly(2, time(15, 0), 60, date(2026, 12, 2), date(2026, 12, 23))
    starts = [s for s, _e in schedule.occurrences(lessons, date(2026, 11, 1), date(2027, 1, 31))]
    assert starts == [local_to_utc(datetime(2026, 12, d, 15)) for d in (2, 9, 16, 23)]


def test_a_schedule_is_read_off_anything_shaped_like_a_need_and_is_a_value():
    need = weekly(2, time(16, 30), 90, date(2026, 1, 7), None, title="Hausaufgabenhilfe")
    read = schedule.Schedule.of(need)
    assert read == schedule.Schedule(
        "weekly", None, None, 2, time(16, 30), 90, date(2026, 1, 7), None
    )
    # equal schedules are one key (the clash statements are kept per schedule)
    assert {read, schedule.Schedule.of(need)} == {read}
    assert schedule.next_occurrence(read, local_to_utc(datetime(2026, 1, 12, 8, 0))) == (
        local_to_utc(datetime(2026, 1, 14, 16, 30)),
        local_to_utc(datetime(2026, 1, 14, 18, 0)),
    )


def test_the_rows_that_show_a_schedule_extend_the_one_declaration():
    from dataclasses import fields

    from portal.needs.matching import BoardNeed
    from portal.needs.own_tasks import UpcomingTask

    for row in (BoardNeed, UpcomingTask):
        assert issubclass(row, schedule.Schedule)
        assert tuple(field.name for field in fields(row))[: len(schedule.FIELDS)] == schedule.FIELDS
