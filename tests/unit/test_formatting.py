"""One way to show dates, times, durations and schedules, in German and English (no database):
``29.11.2026`` / ``29 Nov 2026``, ``14:30 Uhr`` / ``14:30``, ``1,5 Std.`` / ``1.5 h``, never a
two-digit year, never ``11/2026``; the compiled English catalog is used as in the app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask import Flask
from flask_babel import Babel, force_locale
from wtforms import Form

from portal.core import formatting as f
from portal.core.forms import HoursField, hours_to_minutes, parse_hours
from portal.core.time import local_to_utc
from tests.conftest import ROOT

TWO_DIGIT_YEAR = re.compile(r"\b\d{1,2}[./]\d{1,2}[./]\d{2}\b|\b\d{1,2}/\d{4}\b")


@pytest.fixture(scope="module")
def flask_app() -> Flask:
    app = Flask(__name__)
    Babel(app, default_translation_directories=str(ROOT / "translations"))
    return app


@pytest.fixture(params=["de", "en"])
def lang(request: pytest.FixtureRequest, flask_app: Flask) -> Iterator[str]:
    with flask_app.test_request_context(), force_locale(request.param):
        yield request.param


def pick(lang: str, de: str, en: str) -> str:
    return de if lang == "de" else en


def utc(*args: int) -> datetime:
    """A Berlin wall-clock time as the naive UTC the database stores."""
    return local_to_utc(datetime(*args))


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "de", "en"),
    [
        (date(2026, 11, 29), "29.11.2026", "29 Nov 2026"),
        (date(2026, 3, 5), "05.03.2026", "5 Mar 2026"),
        (date(9999, 12, 31), "31.12.9999", "31 Dec 9999"),
        (date(1, 1, 1), "01.01.0001", "1 Jan 0001"),
        (datetime(2026, 11, 29, 23, 30), "30.11.2026", "30 Nov 2026"),  # UTC: next day in Berlin
        (datetime(9999, 12, 31, 23, 30), "31.12.9999", "31 Dec 9999"),  # no overflow
        (None, "", ""),
    ],
)
def test_day(lang, value, de, en):
    assert f.format_day(value) == pick(lang, de, en)


@pytest.mark.parametrize(
    ("value", "de", "en"),
    [
        (time(14, 30), "14:30 Uhr", "14:30"),
        (time(9, 5), "09:05 Uhr", "09:05"),
        (utc(2026, 7, 1, 14, 30), "14:30 Uhr", "14:30"),  # summer time
        (utc(2026, 1, 15, 14, 30), "14:30 Uhr", "14:30"),  # winter time
        (datetime(9999, 12, 31, 23, 30), "23:30 Uhr", "23:30"),
        (None, "", ""),
    ],
)
def test_clock(lang, value, de, en):
    assert f.format_clock(value) == pick(lang, de, en)


def test_clock_with_seconds_for_logs(lang):
    expected = pick(lang, "14:30:05 Uhr", "14:30:05")
    assert f.format_clock(utc(2026, 11, 29, 14, 30, 5), seconds=True) == expected


@pytest.mark.parametrize(
    ("value", "de", "en"),
    [
        (utc(2026, 11, 29, 14, 30), "29.11.2026, 14:30 Uhr", "29 Nov 2026, 14:30"),
        (utc(9999, 12, 31, 12, 0), "31.12.9999, 12:00 Uhr", "31 Dec 9999, 12:00"),
        (datetime(1, 1, 2, 12, 0), "02.01.0001, 12:53 Uhr", "2 Jan 0001, 12:53"),  # Berlin LMT
        (None, "", ""),
    ],
)
def test_moment(lang, value, de, en):
    assert f.format_moment(value) == pick(lang, de, en)


@pytest.mark.parametrize(
    ("year", "month", "de", "en"),
    [
        (2026, 11, "November 2026", "November 2026"),
        (2026, 3, "März 2026", "March 2026"),
        (1, 1, "Januar 0001", "January 0001"),
        (9999, 12, "Dezember 9999", "December 9999"),
    ],
)
def test_month(lang, year, month, de, en):
    assert f.format_month(year, month) == pick(lang, de, en)


# --- durations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "de", "en"),
    [
        (90, "1,5 Std.", "1.5 h"),
        (60, "1 Std.", "1 h"),
        (45, "0,75 Std.", "0.75 h"),
        (50, "0,83 Std.", "0.83 h"),
        (0, "0 Std.", "0 h"),
        (600_000, "10.000 Std.", "10,000 h"),
        (None, "", ""),
    ],
)
def test_hours(lang, minutes, de, en):
    assert f.format_hours(minutes) == pick(lang, de, en)


@pytest.mark.parametrize(
    ("minutes", "de", "en"), [(90, "1,5", "1.5"), (None, "0", "0"), (123456, "2.057,6", "2,057.6")]
)
def test_hours_number(lang, minutes, de, en):
    assert f.hours_number(minutes) == pick(lang, de, en)


# --- the schedule sentence --------------------------------------------------------------------


def weekly(first: date | None, last: date | None, **kw):
    values = {
        "schedule_kind": "weekly",
        "weekday": 2,
        "time_of_day": time(16, 0),
        "duration_minutes": 60,
        "starts_on": first,
        "ends_on": last,
        "starts_at": None,
        "ends_at": None,
    }
    values.update(kw)
    return SimpleNamespace(**values)


def once(start: datetime | None, end: datetime | None):
    return SimpleNamespace(
        schedule_kind="once",
        weekday=None,
        time_of_day=None,
        duration_minutes=None,
        starts_on=None,
        ends_on=None,
        starts_at=start,
        ends_at=end,
    )


@pytest.mark.parametrize(
    ("need", "de", "en"),
    [
        (
            weekly(date(2026, 12, 2), date(2027, 2, 24)),
            "jeden Mittwoch, 16:00–17:00 Uhr, vom 02.12.2026 bis 24.02.2027",
            "every Wednesday, 16:00–17:00, from 2 Dec 2026 to 24 Feb 2027",
        ),
        (
            weekly(date(2026, 12, 2), None),
            "jeden Mittwoch, 16:00–17:00 Uhr, ab 02.12.2026",
            "every Wednesday, 16:00–17:00, from 2 Dec 2026",
        ),
        (
            weekly(date(2026, 12, 2), None, time_of_day=time(15, 30), duration_minutes=90),
            "jeden Mittwoch, 15:30–17:00 Uhr, ab 02.12.2026",
            "every Wednesday, 15:30–17:00, from 2 Dec 2026",
        ),
        (
            weekly(date(2026, 12, 2), None, duration_minutes=None),  # an hour by default
            "jeden Mittwoch, 16:00–17:00 Uhr, ab 02.12.2026",
            "every Wednesday, 16:00–17:00, from 2 Dec 2026",
        ),
        (
            weekly(date(9999, 1, 6), date(9999, 12, 29), time_of_day=time(23, 30)),
            "jeden Mittwoch, 23:30–00:30 Uhr, vom 06.01.9999 bis 29.12.9999",
            "every Wednesday, 23:30–00:30, from 6 Jan 9999 to 29 Dec 9999",
        ),
        (
            weekly(None, None, time_of_day=None),
            "jeden Mittwoch",
            "every Wednesday",
        ),
        (
            once(utc(2026, 12, 2, 16, 0), utc(2026, 12, 2, 17, 0)),
            "Mittwoch, 02.12.2026, 16:00–17:00 Uhr",
            "Wednesday, 2 Dec 2026, 16:00–17:00",
        ),
        (
            once(utc(2026, 7, 1, 9, 0), None),  # summer time, no end
            "Mittwoch, 01.07.2026, 09:00 Uhr",
            "Wednesday, 1 Jul 2026, 09:00",
        ),
        (
            once(utc(2026, 12, 2, 22, 0), utc(2026, 12, 3, 2, 0)),
            "Mittwoch, 02.12.2026, 22:00 Uhr bis Donnerstag, 03.12.2026, 02:00 Uhr",
            "Wednesday, 2 Dec 2026, 22:00 to Thursday, 3 Dec 2026, 02:00",
        ),
        (
            once(datetime(1, 1, 1, 12, 0), datetime(1, 1, 1, 13, 0)),
            "Montag, 01.01.0001, 12:53–13:53 Uhr",
            "Monday, 1 Jan 0001, 12:53–13:53",
        ),
        (once(None, None), "", ""),
        (None, "", ""),
    ],
)
def test_schedule(lang, need, de, en):
    text = f.format_schedule(need)
    assert text == pick(lang, de, en)
    assert not TWO_DIGIT_YEAR.search(text)


def test_the_schedule_filter_is_the_one_sentence_for_templates(flask_app):
    with flask_app.test_request_context():
        f.register(flask_app)
        template = flask_app.jinja_env.from_string("{{ need|schedule }}")
        need = weekly(date(2026, 12, 2), date(2027, 2, 24))
        assert template.render(need=need) == f.format_schedule(need)


# --- hours as people type them ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("1,5", Decimal("1.5")),
        ("1.5", Decimal("1.5")),
        (" 2 ", Decimal(2)),
        ("0,25", Decimal("0.25")),
        ("1:30", Decimal("1.5")),
        ("1:45", Decimal("1.75")),
        ("anderthalb", None),
        ("1.234,5", None),
        ("1,5,", None),
        ("NaN", None),
        ("Infinity", None),
    ],
)
def test_parse_hours(text, hours):
    assert parse_hours(text) == hours


def test_hours_are_converted_to_whole_minutes():
    assert hours_to_minutes(Decimal("1.5")) == 90
    assert hours_to_minutes(Decimal("0.25")) == 15
    assert hours_to_minutes(Decimal("0.83")) == 50
    assert hours_to_minutes(None) is None


class ReportForm(Form):
    hours = HoursField("Dauer in Stunden")


class _Data(dict):
    def getlist(self, key: str) -> list[str]:
        return [self[key]] if key in self else []


RANGE = ("zwischen 0,25 und 24 Stunden", "between 0.25 and 24 hours")
ASK = ("Dauer in Stunden an, zum Beispiel 1,5", "duration in hours, for example 1.5")


@pytest.mark.parametrize(
    ("text", "minutes", "error"),
    [
        ("1,5", 90, None),
        ("0,25", 15, None),
        ("24", 1440, None),
        ("0,2", None, RANGE),
        ("24,25", None, RANGE),
        ("0", None, RANGE),
        ("-1", None, RANGE),
        ("", None, ASK),
        ("viel", None, ASK),
    ],
)
def test_the_hours_field_asks_for_a_quarter_hour_to_a_day(lang, text, minutes, error):
    form = ReportForm(_Data(hours=text))
    valid = form.validate()
    if error is None:
        assert valid and form.hours.minutes == minutes
    else:
        assert not valid
        assert pick(lang, *error) in " ".join(str(e) for e in form.hours.errors)
        assert form.hours._value() == text  # shown again as typed


def test_the_hours_field_shows_stored_minutes_in_the_readers_notation(lang):
    form = ReportForm()
    form.hours.set_minutes(90)
    assert form.hours._value() == pick(lang, "1,5", "1.5")
    assert form.hours.minutes == 90
