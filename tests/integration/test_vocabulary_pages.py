"""The manager and the volunteer read the same schedule sentence (pages and e-mails), durations
are shown and asked in hours, and the app formats dates only through the core filters."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from portal.core.time import today_local
from portal.extensions import db
from portal.needs.report_models import Report
from portal.notifications.models import OutboundEmail
from tests import factories_board as fb

WEEKDAYS_DE = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]


@pytest.fixture
def world(app):
    data = fb.county()
    db.session.commit()
    return data


def next_wednesday() -> date:
    today = today_local()
    return today + timedelta(days=(2 - today.weekday()) % 7 or 7)


def de(day: date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def test_the_app_has_only_the_core_date_filters(app):
    filters = app.jinja_env.filters
    assert {"day", "clock", "moment", "hours", "hours_number", "schedule", "label"} <= set(filters)
    assert "local_dt" not in filters and "local_date" not in filters
    assert "format_month" in app.jinja_env.globals


def test_manager_and_volunteer_read_the_same_weekly_schedule(world, client, auth):
    first = next_wednesday()
    last = first + timedelta(weeks=12)
    need = fb.weekly_need(
        world["gaggenau"],
        created_by=world["manager"],
        weekday=2,
        at=time(16, 0),
        minutes=60,
        starts_on=first,
        ends_on=last,
        title="Deutsch im Alltag",
    )
    db.session.commit()
    sentence = f"jeden Mittwoch, 16:00–17:00 Uhr, vom {de(first)} bis {de(last)}"

    auth.login("keller@example.org")
    assert sentence in client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert sentence in client.get("/needs/").get_data(as_text=True)
    auth.logout()

    auth.login("lena@example.org")
    assert sentence in client.get(f"/board/needs/{need.id}").get_data(as_text=True)
    assert sentence in client.get("/board/").get_data(as_text=True)
    assert client.post(f"/board/needs/{need.id}/claim").status_code == 302
    bodies = list(db.session.scalars(select(OutboundEmail.body_text)))
    assert len(bodies) == 2 and all(sentence in body for body in bodies)  # manager, volunteer


def test_a_one_off_appointment_reads_the_same_in_both_languages(world, client, auth):
    day = next_wednesday()
    need = fb.once_need(world["gaggenau"], starts_at=fb.local(day, 16), minutes=60)
    db.session.commit()
    auth.login("lena@example.org")
    html = client.get(f"/board/needs/{need.id}").get_data(as_text=True)
    assert f"Mittwoch, {de(day)}, 16:00–17:00 Uhr" in html

    client.post("/language", data={"language": "en", "next": "/"})
    html = client.get(f"/board/needs/{need.id}").get_data(as_text=True)
    english_day = format_date(day, "d MMM yyyy", locale="en")
    assert f"Wednesday, {english_day}, 16:00–17:00" in html
    assert "Uhr" not in html.split("<main", 1)[1]


def test_durations_are_shown_in_hours_everywhere(world, client, auth):
    need = fb.once_need(world["gaggenau"], created_by=world["manager"])
    claim = fb.assignment(need, world["profile"])
    fb.report(claim, today_local(), 90)
    db.session.commit()

    auth.login("lena@example.org")
    html = client.get(f"/board/needs/{need.id}").get_data(as_text=True)
    assert "1,5 Std." in html and "Minuten" not in html
    html = client.get("/board/my-tasks").get_data(as_text=True)
    assert "In diesem Jahr: 1,5 Stunden" in html and "Minuten" not in html
    auth.logout()
    auth.login("keller@example.org")
    for path in (f"/needs/{need.id}", "/needs/reports"):
        # the page's content (staff pages also carry the idle sign-out countdown in minutes)
        html = client.get(path).get_data(as_text=True).split("<main", 1)[1].split("</main>")[0]
        assert "1,5 Std." in html and "Minuten" not in html, path


@pytest.mark.parametrize(("typed", "minutes"), [("1,5", 90), ("1.25", 75), ("1:45", 105)])
def test_the_report_form_asks_hours_and_stores_minutes(world, client, auth, typed, minutes):
    need = fb.once_need(world["gaggenau"], created_by=world["manager"])
    claim = fb.assignment(need, world["profile"])
    db.session.commit()
    auth.login("lena@example.org")
    html = client.get(f"/board/assignments/{claim.id}/report").get_data(as_text=True)
    assert "Dauer in Stunden" in html and "Minuten" not in html
    response = client.post(
        f"/board/assignments/{claim.id}/report",
        data={"activity_on": today_local().isoformat(), "hours": typed, "outcome": "Gut."},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Report.minutes)) == minutes


@pytest.mark.parametrize("typed", ["0,2", "25", "", "anderthalb"])
def test_the_report_form_refuses_other_durations_at_the_field(world, client, auth, typed):
    need = fb.once_need(world["gaggenau"], created_by=world["manager"])
    claim = fb.assignment(need, world["profile"])
    db.session.commit()
    auth.login("lena@example.org")
    response = client.post(
        f"/board/assignments/{claim.id}/report",
        data={"activity_on": today_local().isoformat(), "hours": typed, "outcome": "Gut."},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="hours-error"' in html
    assert "Stunden" in html
    assert db.session.scalar(select(Report.id)) is None
