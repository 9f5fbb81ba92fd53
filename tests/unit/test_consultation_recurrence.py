"""The dates of consultation hours (pure functions on unsaved rows, fixed dates): weekly and
every other week, Baden-Württemberg's public holidays left out, cancelled dates and changed
rooms, the first and last date, and the change to summer time."""

from __future__ import annotations

from datetime import date, datetime, time

import portal.models  # noqa: F401 - every mapper configured
from portal.consultations.models import (
    ConsultationException,
    ConsultationHours,
    ConsultationPlace,
)
from portal.consultations.recurrence import (
    occurrences,
    public_holidays,
    rule_dates,
    slot_times,
)
from portal.municipalities.models import Municipality, Office

GAGGENAU = Municipality(id=7, name="Gaggenau")
OFFICE = Office(id=3, name="Außenstelle Gaggenau", phone="07225 123")
ROOM = ConsultationPlace(
    id=1, kind="town_hall", name="Rathaus, Zimmer 12", address="Hauptstraße 71", phone=""
)
ROOM.office = OFFICE
HALL = ConsultationPlace(id=2, kind="town_hall", name="Rathaus, Sitzungssaal", phone="07225 9")


def hours(
    hid: int,
    weekday: int,
    valid_from: date,
    valid_until: date | None = None,
    *,
    recurrence: str = "weekly",
    starts: time = time(10, 0),
    ends: time = time(12, 0),
    booking: str = "walk_in",
    slot_minutes: int | None = None,
) -> ConsultationHours:
    row = ConsultationHours(
        id=hid,
        manager_id=5,
        recurrence=recurrence,
        weekday=weekday,
        starts_at=starts,
        ends_at=ends,
        valid_from=valid_from,
        valid_until=valid_until,
        booking=booking,
        slot_minutes=slot_minutes,
    )
    row.place = ROOM
    row.municipality = GAGGENAU
    row.languages = ["de", "ar", "uk"]
    return row


def dates(found) -> list[date]:
    return [o.on for o in found]


def test_weekly_mondays_leave_out_easter_monday():
    mondays = hours(1, 0, date(2026, 3, 2))
    found = occurrences([mondays], [], date(2026, 3, 1), date(2026, 4, 30))
    assert dates(found) == [
        date(2026, 3, 2),
        date(2026, 3, 9),
        date(2026, 3, 16),
        date(2026, 3, 23),
        date(2026, 3, 30),
        # 6 April 2026 is Easter Monday
        date(2026, 4, 13),
        date(2026, 4, 20),
        date(2026, 4, 27),
    ]
    first = found[0]
    assert first.place.name == "Rathaus, Zimmer 12" and first.place.phone == "07225 123"
    assert first.municipality.name == "Gaggenau" and first.languages == ("de", "ar", "uk")
    assert first.walk_in and first.slot_minutes is None and not first.cancelled


def test_every_other_week_keeps_its_rhythm_and_skips_corpus_christi():
    thursdays = hours(2, 3, date(2026, 5, 7), recurrence="biweekly")
    found = occurrences([thursdays], [], date(2026, 5, 1), date(2026, 6, 30))
    # 4 June 2026 (Corpus Christi) falls in the rhythm and is left out
    assert dates(found) == [date(2026, 5, 7), date(2026, 5, 21), date(2026, 6, 18)]
    # a window starting between two dates keeps the rhythm counted from the first date
    later = occurrences([thursdays], [], date(2026, 5, 8), date(2026, 6, 30))
    assert dates(later) == [date(2026, 5, 21), date(2026, 6, 18)]
    # a first date that is not the weekday: the rhythm counts from the first Thursday after
    # it (14 May 2026, Ascension Day, left out)
    odd_start = hours(3, 3, date(2026, 5, 9), recurrence="biweekly")
    found = occurrences([odd_start], [], date(2026, 5, 1), date(2026, 6, 15))
    assert dates(found) == [date(2026, 5, 28), date(2026, 6, 11)]


def test_the_first_and_last_date_bound_the_hours():
    wednesdays = hours(4, 2, date(2026, 3, 4), date(2026, 3, 18))
    assert dates(occurrences([wednesdays], [], date(2026, 2, 1), date(2026, 6, 1))) == [
        date(2026, 3, 4),
        date(2026, 3, 11),
        date(2026, 3, 18),
    ]
    assert occurrences([wednesdays], [], date(2026, 3, 19), date(2026, 6, 1)) == []
    assert occurrences([wednesdays], [], date(2026, 1, 1), date(2026, 3, 3)) == []
    assert list(rule_dates(2, 1, date(2026, 3, 4), None, date(2026, 3, 5), date(2026, 3, 10))) == []


def test_a_cancelled_date_is_kept_and_marked_a_changed_room_replaces_the_place():
    mondays = hours(5, 0, date(2026, 3, 2))
    cancelled = ConsultationException(
        hours_id=5, on_date=date(2026, 3, 9), kind="cancelled", note="Fortbildung"
    )
    moved = ConsultationException(hours_id=5, on_date=date(2026, 3, 16), kind="moved")
    moved.place = HALL
    other_hours = ConsultationException(hours_id=99, on_date=date(2026, 3, 23), kind="cancelled")
    found = occurrences(
        [mondays], [cancelled, moved, other_hours], date(2026, 3, 2), date(2026, 3, 23)
    )
    assert [(o.on, o.cancelled, o.room_changed) for o in found] == [
        (date(2026, 3, 2), False, False),
        (date(2026, 3, 9), True, False),
        (date(2026, 3, 16), False, True),
        (date(2026, 3, 23), False, False),
    ]
    assert found[1].note == "Fortbildung"
    assert found[2].place.name == "Rathaus, Sitzungssaal" and found[2].place.phone == "07225 9"
    assert found[2].moved_from is not None and found[2].moved_from.name == "Rathaus, Zimmer 12"


def test_wall_time_stays_across_the_change_to_summer_time():
    # summer time begins on Sunday, 29 March 2026
    mondays = hours(6, 0, date(2026, 3, 23), date(2026, 3, 30), starts=time(10, 0))
    before, after = occurrences([mondays], [], date(2026, 3, 1), date(2026, 4, 5))
    assert before.start == after.start == time(10, 0)
    assert before.starts_at_utc == datetime(2026, 3, 23, 9, 0)
    assert after.starts_at_utc == datetime(2026, 3, 30, 8, 0)
    # and back to winter time on Sunday, 25 October 2026
    autumn = hours(7, 0, date(2026, 10, 19), date(2026, 10, 26), ends=time(11, 30))
    summer, winter = occurrences([autumn], [], date(2026, 10, 1), date(2026, 10, 31))
    assert summer.ends_at_utc == datetime(2026, 10, 19, 9, 30)
    assert winter.ends_at_utc == datetime(2026, 10, 26, 10, 30)


def test_several_hours_come_in_order_of_date_and_time():
    afternoon = hours(8, 1, date(2026, 9, 1), starts=time(14, 0), ends=time(16, 0))
    morning = hours(9, 1, date(2026, 9, 1), starts=time(9, 0), ends=time(11, 0))
    friday = hours(10, 4, date(2026, 9, 1))
    found = occurrences([afternoon, friday, morning], [], date(2026, 9, 1), date(2026, 9, 8))
    assert [(o.on, o.start, o.hours_id) for o in found] == [
        (date(2026, 9, 1), time(9, 0), 9),
        (date(2026, 9, 1), time(14, 0), 8),
        (date(2026, 9, 4), time(10, 0), 10),
        (date(2026, 9, 8), time(9, 0), 9),
        (date(2026, 9, 8), time(14, 0), 8),
    ]


def test_slots_of_an_appointment_hour_end_by_its_end():
    by_appointment = hours(
        11, 1, date(2026, 9, 1), booking="appointment", slot_minutes=30, ends=time(11, 45)
    )
    (first,) = occurrences([by_appointment], [], date(2026, 9, 1), date(2026, 9, 1))
    assert not first.walk_in and first.slot_minutes == 30
    assert first.slots() == [
        (time(10, 0), time(10, 30)),
        (time(10, 30), time(11, 0)),
        (time(11, 0), time(11, 30)),
    ]
    assert slot_times(time(9, 0), time(9, 20), 30) == []
    assert slot_times(time(9, 0), time(12, 0), None) == []


def test_baden_wuerttemberg_holidays_include_epiphany_and_all_saints():
    found = public_holidays(date(2026, 1, 1), date(2026, 12, 31))
    assert date(2026, 1, 6) in found  # Heilige Drei Könige: BW, not every state
    assert date(2026, 11, 1) in found and date(2026, 6, 4) in found
    assert date(2026, 10, 31) not in found  # Reformationstag is not a holiday in BW
    assert public_holidays(date(2026, 12, 27), date(2027, 1, 2)) == {
        date(2027, 1, 1): found.get(date(2026, 1, 1))
    }
