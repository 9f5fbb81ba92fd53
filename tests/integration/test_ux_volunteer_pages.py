"""The volunteers' pages after the walk of the core loop: a completed need shows no free
places, "Aufgabe zurückgeben" beside "Bericht abgeben", the check-your-mail page after sign-up,
and the calendar link with copy button, webcal:// link and help."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.core.labels import REGISTRY
from portal.core.time import today_local
from portal.extensions import db
from portal.needs.calendar import renew_calendar_token
from portal.needs.models import AssignmentStatus, NeedStatus
from tests import factories
from tests import factories_board as fb
from tests.factories_auth import outbox
from tests.factories_volunteers import signup_form


@pytest.fixture
def county(app):
    world = fb.county()
    db.session.commit()
    return world


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_completed_need_shows_no_free_places_to_its_volunteer(county, client, auth):
    need = fb.once_need(
        county["gaggenau"], capacity=2, starts_at=fb.local(today_local() - timedelta(days=2), 10)
    )
    fb.assignment(need, county["profile"], status=AssignmentStatus.COMPLETED)
    need.status = NeedStatus.COMPLETED
    db.session.commit()
    auth.login("lena@example.org")
    html = page_of(client, f"/board/needs/{need.id}")
    assert "Freie Plätze" not in html and 'id="places-left"' not in html
    assert re.search(r'id="need-status"><span class="badge">abgeschlossen<', html)


def test_an_open_need_still_shows_its_free_places(county, client, auth):
    need = fb.once_need(county["gaggenau"], capacity=2)
    db.session.commit()
    auth.login("lena@example.org")
    assert re.search(r'id="places-left">2 von 2<', page_of(client, f"/board/needs/{need.id}"))


def test_giving_a_task_back_is_called_zurueckgeben_from_the_registry(county, client, auth):
    assert str(REGISTRY["claim_action"]["withdraw"]) == "Aufgabe zurückgeben"
    need = fb.once_need(county["gaggenau"], capacity=2)
    claim = fb.assignment(need, county["profile"])
    db.session.commit()
    auth.login("lena@example.org")
    for url in (
        f"/board/needs/{need.id}",
        "/board/my-tasks",
        f"/board/assignments/{claim.id}/withdraw",
    ):
        html = page_of(client, url)
        assert "Aufgabe zurückgeben" in html, url
        assert "Aufgabe abgeben" not in html, url
    client.post("/language", data={"language": "en", "next": "/board/my-tasks"})
    assert "Give the task back" in page_of(client, "/board/my-tasks")


def test_the_check_mail_page_repeats_the_address_and_confirms_the_application(app, client):
    towns = factories.reference_data()
    db.session.commit()
    response = client.post("/volunteer/signup", data=signup_form(towns["Gaggenau"].id))
    assert response.headers["Location"].endswith("/signup/check-mail")
    html = page_of(client, "/signup/check-mail")
    assert '<strong class="address">neu@example.org</strong>' in html
    assert "Ihre Bewerbung ist eingegangen" in html
    assert 'action="/verify/resend"' in html and "E-Mail erneut senden" in html
    assert "neu@example.org" not in response.headers["Location"]  # not in the URL (logs)

    # "Send again" queues a second mail and comes back to the same page.
    again = client.post("/verify/resend", data={"email": "neu@example.org"})
    assert again.headers["Location"].endswith("/signup/check-mail")
    assert len(outbox("neu@example.org", "verify_email")) == 2
    assert "Ihre Bewerbung ist eingegangen" in page_of(client, "/signup/check-mail")


def test_an_account_sign_up_is_no_application(app, client):
    client.post(
        "/signup",
        data={
            "display_name": "Fatma",
            "email": "fatma@example.org",
            "password": factories.PASSWORD,
            "confirm": factories.PASSWORD,
        },
    )
    html = page_of(client, "/signup/check-mail")
    assert '<strong class="address">fatma@example.org</strong>' in html
    assert "Bewerbung ist eingegangen" not in html


def test_send_again_answers_the_same_for_unknown_and_known_addresses(app, client):
    factories.user("bekannt@example.org", verified=False)
    db.session.commit()
    answers = []
    for email in ("bekannt@example.org", "unbekannt@example.org"):
        response = client.post("/verify/resend", data={"email": email})
        page = page_of(client, "/signup/check-mail").replace(email, "ADDRESS")
        # the CSRF token carries a timestamp: equal pages may differ there from second to second
        page = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', page)
        answers.append((response.status_code, response.headers["Location"], page))
    assert answers[0] == answers[1]
    assert len(outbox("bekannt@example.org", "verify_email")) == 1
    assert outbox("unbekannt@example.org") == []


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_RESET="2 per minute")
def test_send_again_is_rate_limited(app, client):
    data = {"email": "irgendwer@example.org"}
    assert [client.post("/verify/resend", data=data).status_code for _ in range(2)] == [302, 302]
    assert client.post("/verify/resend", data=data).status_code == 429


def test_the_calendar_link_can_be_copied_and_subscribed(county, client, auth):
    token = renew_calendar_token(county["volunteer"]).token
    db.session.commit()
    auth.login("lena@example.org")
    html = page_of(client, "/board/my-tasks")
    feed = re.search(r'<input type="text" readonly value="([^"]+)" id="feed-url"', html)
    assert feed is not None and feed.group(1).startswith("http") and token in feed.group(1)
    webcal = re.search(r'href="(webcal://[^"]+)" id="webcal-link"', html)
    assert webcal is not None
    assert webcal.group(1) == "webcal://" + feed.group(1).split("://", 1)[1]
    # The copy button needs the script (a static file: the CSP forbids inline scripts).
    assert re.search(r'<button type="button"[^>]*data-copy="feed-url"[^>]*hidden>', html)
    assert '<script src="/static/js/copy.js"' in html
    for app_name in ("Outlook", "Google Kalender", "Apple Kalender"):
        assert f"<dt>{app_name}</dt>" in html


def test_without_a_calendar_link_there_is_nothing_to_copy(county, client, auth):
    auth.login("lena@example.org")
    html = page_of(client, "/board/my-tasks")
    assert "webcal://" not in html and "copy.js" not in html
    assert "Kalender-Link erstellen" in html
