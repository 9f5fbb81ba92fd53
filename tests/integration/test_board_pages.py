"""The volunteer's pages: need page, claim in one confirmed step, withdraw, report form,
my tasks and hours, calendar feed, Ehrenamtsnachweis PDF, dashboard section."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import icalendar
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.needs.models import Assignment, AssignmentStatus, Need, NeedStatus
from portal.needs.report_models import Report
from portal.notifications.models import OutboundEmail
from tests import factories
from tests import factories_board as fb


@pytest.fixture
def world(app):
    data = fb.county()
    db.session.commit()
    return data


def test_the_need_page_shows_schedule_places_and_certificate_state(world, client, auth):
    need = fb.weekly_need(
        world["gaggenau"],
        title="Spielnachmittag",
        category="youth_family",
        requires_conduct_certificate=True,
        capacity=3,
        languages=["ar", "kmr"],
    )
    db.session.commit()
    auth.login("lena@example.org")
    html = client.get(f"/board/needs/{need.id}").get_data(as_text=True)
    assert "Spielnachmittag" in html
    assert "jeden Montag, 16:00–17:00 Uhr, vom " in html
    assert "3 von 3" in html
    assert "Arabisch" in html
    assert "Für diesen Zeitraum liegt kein gültiges Führungszeugnis vor." in html
    assert "Vor dem Rathaus" not in html and "Stadtbibliothek" not in html  # no meeting point
    assert "keller@example.org" not in html

    fb.certificate(world["profile"])
    db.session.commit()
    html = client.get(f"/board/needs/{need.id}").get_data(as_text=True)
    assert "Ihr Führungszeugnis gilt für den ganzen Zeitraum." in html


def test_claim_in_one_confirmed_step_then_meeting_point_and_contact(world, client, auth):
    need = fb.once_need(world["gaggenau"], created_by=world["manager"], capacity=1)
    db.session.commit()
    auth.login("lena@example.org")

    confirm = client.get(f"/board/needs/{need.id}/claim")
    assert confirm.status_code == 200
    assert "Verbindlich übernehmen" in confirm.get_data(as_text=True)
    assert db.session.scalar(select(Assignment.id)) is None  # a GET changes nothing

    response = client.post(f"/board/needs/{need.id}/claim")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Vor dem Rathaus, Haupteingang" in page
    assert "keller@example.org" in page
    assert "Sabine Keller" in page
    db.session.refresh(need)
    assert (need.taken, need.status) == (1, NeedStatus.FILLED)
    recipients = set(db.session.scalars(select(OutboundEmail.recipient)))
    assert recipients == {"keller@example.org", "lena@example.org"}

    again = client.post(f"/board/needs/{need.id}/claim")
    assert again.status_code == 409
    assert "bereits übernommen" in again.get_data(as_text=True)


def test_a_full_need_answers_with_a_message_not_a_crash(world, client, auth):
    need = fb.once_need(world["gaggenau"], capacity=1)
    other = factories.volunteer(world["gaggenau"], email="peter@example.org")
    fb.assignment(need, fb.profile_of(other))
    db.session.commit()
    auth.login("lena@example.org")
    response = client.post(f"/board/needs/{need.id}/claim")
    assert response.status_code == 409
    assert "Alle Plätze dieser Aufgabe sind bereits vergeben." in response.get_data(as_text=True)


def test_another_municipalitys_need_is_not_found(world, client, auth):
    need = fb.once_need(world["buehl"])
    db.session.commit()
    auth.login("lena@example.org")
    assert client.get(f"/board/needs/{need.id}").status_code == 404
    assert client.get(f"/board/needs/{need.id}/claim").status_code == 404
    assert client.post(f"/board/needs/{need.id}/claim").status_code == 404
    assert client.get("/board/needs/999999").status_code == 404


@pytest.mark.parametrize(
    ("limit", "days_later", "reason"),
    [
        (20, 0, "überschneidet sich mit Ihrer Aufgabe „Arzttermin“"),
        (1, 1, "Sie haben schon 1 Aufgabe übernommen, die noch ansteht"),
    ],
    ids=["overlapping", "limit of tasks"],
)
def test_a_claim_that_cannot_be_made_says_why_on_the_page_and_when_posted(
    world, client, auth, app, limit, days_later, reason
):
    app.config["ACTIVE_CLAIMS_LIMIT"] = limit
    day = today_local() + timedelta(days=5)
    first = fb.once_need(world["gaggenau"], title="Arzttermin", starts_at=fb.local(day, 9))
    second = fb.once_need(
        world["gaggenau"], starts_at=fb.local(day + timedelta(days=days_later), 10)
    )
    fb.assignment(first, world["profile"])
    db.session.commit()
    auth.login("lena@example.org")
    assert reason in client.get(f"/board/needs/{second.id}").get_data(as_text=True)
    response = client.post(f"/board/needs/{second.id}/claim")
    assert response.status_code == 409
    assert reason in response.get_data(as_text=True)
    assert db.session.scalar(select(Need.taken).where(Need.id == second.id)) == 0


def test_withdraw_with_a_reason_reopens_the_need(world, client, auth):
    need = fb.once_need(world["gaggenau"], created_by=world["manager"], capacity=1)
    claim = fb.assignment(need, world["profile"])
    db.session.commit()
    auth.login("lena@example.org")
    assert client.get(f"/board/assignments/{claim.id}/withdraw").status_code == 200
    empty = client.post(f"/board/assignments/{claim.id}/withdraw", data={"reason": ""})
    assert empty.status_code == 400
    assert "Bitte geben Sie einen Grund an." in empty.get_data(as_text=True)
    done = client.post(f"/board/assignments/{claim.id}/withdraw", data={"reason": "Umzug"})
    assert done.status_code == 302
    db.session.refresh(need)
    db.session.refresh(claim)
    assert claim.status == AssignmentStatus.WITHDRAWN
    assert (need.taken, need.status) == (0, NeedStatus.OPEN)


def test_nobody_withdraws_or_reports_on_anothers_claim(world, client, auth):
    need = fb.once_need(world["gaggenau"])
    claim = fb.assignment(need, world["profile"])
    factories.volunteer(world["gaggenau"], email="peter@example.org")
    db.session.commit()
    auth.login("peter@example.org")
    assert (
        client.post(f"/board/assignments/{claim.id}/withdraw", data={"reason": "x"}).status_code
        == 404
    )
    assert client.get(f"/board/assignments/{claim.id}/report").status_code == 404


def test_the_report_form(world, client, auth):
    need = fb.once_need(world["gaggenau"], created_by=world["manager"])
    claim = fb.assignment(need, world["profile"])
    db.session.commit()
    auth.login("lena@example.org")
    assert client.get(f"/board/assignments/{claim.id}/report").status_code == 200

    bad = client.post(
        f"/board/assignments/{claim.id}/report",
        data={
            "activity_on": (today_local() + timedelta(days=2)).isoformat(),
            "hours": "0",
            "outcome": "",
        },
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "Die Dauer muss zwischen 0,25 und 24 Stunden liegen." in html
    assert "Bitte beschreiben Sie kurz, was passiert ist." in html
    assert db.session.scalar(select(Report.id)) is None

    future = client.post(
        f"/board/assignments/{claim.id}/report",
        data={
            "activity_on": (today_local() + timedelta(days=2)).isoformat(),
            "hours": "1",
            "outcome": "Gut",
        },
    )
    assert future.status_code == 422
    assert "Zukunft" in future.get_data(as_text=True)

    good = client.post(
        f"/board/assignments/{claim.id}/report",
        data={
            "activity_on": today_local().isoformat(),
            "hours": "1,25",
            "outcome": "Beim Amt gewesen, Antrag abgegeben.",
            "concern": "Die Familie hat keine Heizung mehr.",
        },
    )
    assert good.status_code == 302
    report = db.session.scalar(select(Report))
    assert (report.minutes, report.concern_raised) == (75, True)
    [mail] = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.template == "board_concern")
    ).all()
    assert mail.recipient == "keller@example.org"


def _history(world) -> None:
    """Reports over two years for the volunteer: 2025-11 (120 min), 2026-01 (90 + 30)."""
    g, profile = world["gaggenau"], world["profile"]
    past = fb.once_need(
        g,
        starts_at=utcnow() - timedelta(days=400),
        status=NeedStatus.COMPLETED,
        category="tutoring",
    )
    old = fb.assignment(
        past, profile, status=AssignmentStatus.COMPLETED, claimed_at=utcnow() - timedelta(days=800)
    )
    fb.report(old, date(2025, 11, 3), 120)
    other = fb.once_need(g, status=NeedStatus.COMPLETED, category="accompanying")
    claim = fb.assignment(
        other, profile, status=AssignmentStatus.COMPLETED, claimed_at=utcnow() - timedelta(days=800)
    )
    fb.report(claim, date(2026, 1, 10), 90, outcome="Familie Yilmaz begleitet")
    fb.report(claim, date(2026, 1, 17), 30)
    db.session.commit()


def test_my_tasks_lists_upcoming_and_past_with_hours(world, client, auth):
    _history(world)
    upcoming = fb.once_need(world["gaggenau"], title="Nächste Woche beim Amt")
    fb.assignment(upcoming, world["profile"])
    db.session.commit()
    auth.login("lena@example.org")
    html = client.get("/board/my-tasks").get_data(as_text=True)
    assert "Nächste Woche beim Amt" in html
    assert "Nächster Termin" in html
    assert "Januar 2026" in html and "November 2025" in html
    assert "01/2026" not in html and "11/2025" not in html
    # per month: Jan 2026 = 2 h; Nov 2025 = 2 h; per year 2026 = 2, 2025 = 2
    assert html.count("<td>2</td>") >= 3
    # each past claim with the hours reported on it (summed in SQL), its area and status
    past = html[html.index('id="past-heading"') :]
    rows = re.findall(r"<tr>\s*<td>.*?</tr>", past, re.S)
    assert len(rows) == 2
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[1:] for row in rows]
    assert sorted(cells) == [
        ["Begleitung zu Terminen", "abgeschlossen", "2 Std."],
        ["Lernhilfe und Nachhilfe", "abgeschlossen", "2 Std."],
    ]


def test_the_certificate_pdf_contains_the_right_total_hours(world, client, auth):
    _history(world)
    auth.login("lena@example.org")
    assert client.get("/board/certificate").status_code == 200

    response = client.get("/board/certificate?date_from=2025-01-01&date_to=2026-12-31")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Lena Schmitt" in text
    assert "Gesamtstunden: 4" in text  # 120 + 90 + 30 minutes
    assert "Lernhilfe und Nachhilfe" in text and "Begleitung zu Terminen" in text
    assert "Yilmaz" not in text  # no client data, no report texts

    only_2026 = client.get("/board/certificate?date_from=2026-01-01&date_to=2026-01-15")
    text = PdfReader(io.BytesIO(only_2026.data)).pages[0].extract_text()
    assert "Gesamtstunden: 1,5" in text

    bad = client.get("/board/certificate?date_from=2026-02-01&date_to=2026-01-01")
    assert bad.status_code == 400
    assert "Das Enddatum liegt vor dem Anfangsdatum." in bad.get_data(as_text=True)


def test_the_calendar_feed_parses_and_a_renewed_link_revokes_the_old_one(app, world, client, auth):
    once = fb.once_need(world["gaggenau"], title="Begleitung Landratsamt")
    weekly = fb.weekly_need(
        world["gaggenau"], title="Lernhilfe", ends_on=today_local() + timedelta(weeks=3)
    )
    fb.assignment(once, world["profile"])
    fb.assignment(weekly, world["profile"])
    gone = fb.once_need(world["gaggenau"], title="Abgegebene Aufgabe")
    fb.assignment(gone, world["profile"], status=AssignmentStatus.WITHDRAWN)
    db.session.commit()
    auth.login("lena@example.org")

    assert "Kalender-Link erstellen" in client.get("/board/my-tasks").get_data(as_text=True)
    assert client.post("/board/calendar/renew").status_code == 302
    page = client.get("/board/my-tasks").get_data(as_text=True)
    found = re.search(r'<input type="text" readonly value="([^"]+)" id="feed-url"', page)
    assert found is not None
    feed_url = found.group(1)
    assert feed_url.startswith(app.config["PUBLIC_BASE_URL"] + "/board/calendar/")
    path = feed_url.removeprefix(app.config["PUBLIC_BASE_URL"])
    auth.logout()

    response = client.get(path)  # no log-in: the secret address is the credential
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    events = list(calendar.walk("VEVENT"))
    summaries = [str(e["SUMMARY"]) for e in events]
    assert summaries.count("Begleitung Landratsamt") == 1
    assert 2 <= summaries.count("Lernhilfe") <= 4  # weekly, for the next three weeks
    assert "Abgegebene Aufgabe" not in summaries
    first = next(e for e in events if str(e["SUMMARY"]) == "Begleitung Landratsamt")
    assert first.decoded("DTSTART").replace(tzinfo=None) == once.starts_at
    assert "Vor dem Rathaus" not in response.get_data(as_text=True)

    auth.login("lena@example.org")
    client.post("/board/calendar/renew")
    assert client.get(path).status_code == 404
    assert client.get("/board/calendar/not-a-token.ics").status_code == 404


def test_the_volunteer_dashboard_shows_next_appointments_and_hours(world, client, auth):
    _history(world)
    need = fb.once_need(world["gaggenau"], title="Begleitung zur Schule")
    fb.assignment(need, world["profile"])
    year = today_local().year
    fb.report(
        fb.assignment(
            fb.once_need(world["gaggenau"], status=NeedStatus.COMPLETED),
            world["profile"],
            status=AssignmentStatus.COMPLETED,
        ),
        date(year, 1, 2),
        150,
    )
    db.session.commit()
    auth.login("lena@example.org")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Meine nächsten Termine" in html
    assert "Begleitung zur Schule" in html
    history = [(date(2025, 11, 3), 120), (date(2026, 1, 10), 90), (date(2026, 1, 17), 30)]
    minutes = 150 + sum(m for day, m in history if day.year == year)
    expected = f"{minutes / 60:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    assert f"Ihre Stunden in diesem Jahr: {expected}" in html


def test_need_visibility_after_the_claim_ends(world, client, auth):
    need = fb.once_need(world["gaggenau"], status=NeedStatus.COMPLETED)
    fb.assignment(need, world["profile"], status=AssignmentStatus.COMPLETED)
    stranger = fb.once_need(world["gaggenau"], status=NeedStatus.COMPLETED)
    db.session.commit()
    auth.login("lena@example.org")
    assert client.get(f"/board/needs/{need.id}").status_code == 200
    assert client.get(f"/board/needs/{stranger.id}").status_code == 404
    assert db.session.get(Need, need.id) is not None
