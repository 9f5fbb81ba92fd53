"""Links that leave the site (e-mails, calendar feeds) are built from PUBLIC_BASE_URL, never
from the request's Host header, and production answers only its own host name."""

from __future__ import annotations

import re
from datetime import timedelta

import icalendar
import pytest

from portal.core.time import today_local
from portal.extensions import db
from tests import factories
from tests import factories_board as fb
from tests.factories_auth import links_in, outbox, text

PUBLIC = "https://portal.example.org"
PRODUCTION = {
    "PORTAL_ENV": "production",
    "DATABASE_URL_SET": True,
    "PUBLIC_BASE_URL": PUBLIC,
    "PASSWORD_HASH_CHEAP": True,
}


@pytest.mark.app_config(**PRODUCTION)
def test_production_refuses_a_foreign_host_with_the_branded_400(app, client):
    factories.user("amira@example.org")
    db.session.commit()
    assert app.config["TRUSTED_HOSTS"] == ["portal.example.org"]
    response = client.post(
        "/password/forgot",
        data={"email": "amira@example.org"},
        base_url="https://evil.example",
    )
    assert response.status_code == 400
    html = text(response)
    assert "<h1>Die Anfrage war fehlerhaft</h1>" in html
    assert "evil.example" not in html
    assert outbox("amira@example.org") == []


@pytest.mark.app_config(**PRODUCTION)
def test_production_mails_links_under_the_public_address(app, client):
    factories.user("amira@example.org")
    db.session.commit()
    response = client.post("/password/forgot", data={"email": "amira@example.org"}, base_url=PUBLIC)
    assert response.status_code == 302
    [mail] = outbox("amira@example.org")
    assert any(link.startswith(f"{PUBLIC}/password/reset/") for link in links_in(mail))


@pytest.mark.app_config(PUBLIC_BASE_URL=PUBLIC)
def test_a_forged_host_never_reaches_an_e_mailed_link(app, client):
    """Even where every host is answered (development), links follow PUBLIC_BASE_URL."""
    home = factories.municipality("Gaggenau")
    factories.user("amira@example.org")
    db.session.commit()
    evil = "http://evil.example"
    client.post("/password/forgot", data={"email": "amira@example.org"}, base_url=evil)
    client.post(
        "/signup",
        data={
            "display_name": "Neu",
            "email": "neu@example.org",
            "password": "Sicheres-Passwort-1",
            "confirm": "Sicheres-Passwort-1",
        },
        base_url=evil,
    )
    mails = outbox()
    assert {m.recipient for m in mails} >= {"amira@example.org", "neu@example.org"}
    for mail in mails:
        links = links_in(mail)
        assert links, mail.template
        assert all(link.startswith(f"{PUBLIC}/") for link in links), links
        assert "evil.example" not in (mail.body_html or "") + mail.body_text
    assert home.id


@pytest.mark.app_config(PUBLIC_BASE_URL=PUBLIC)
def test_calendar_feed_links_follow_the_public_address(app, client):
    world = fb.county()
    once = fb.once_need(world["gaggenau"], title="Begleitung Landratsamt")
    weekly = fb.weekly_need(
        world["gaggenau"], title="Lernhilfe", ends_on=today_local() + timedelta(weeks=2)
    )
    fb.assignment(once, world["profile"])
    fb.assignment(weekly, world["profile"])
    db.session.commit()
    evil = "http://evil.example"
    login = {"email": "lena@example.org", "password": factories.PASSWORD}
    assert client.post("/login", data=login, base_url=evil).status_code == 302
    assert client.post("/board/calendar/renew", base_url=evil).status_code == 302
    page = text(client.get("/board/my-tasks", base_url=evil))
    found = re.search(r'<input type="text" readonly value="([^"]+)" id="feed-url"', page)
    assert found is not None
    feed_url = found.group(1)
    assert feed_url.startswith(f"{PUBLIC}/board/calendar/")
    assert "evil.example" not in page

    feed = client.get(feed_url.removeprefix(PUBLIC), base_url=evil)
    assert feed.status_code == 200
    assert b"evil.example" not in feed.data
    for event in icalendar.Calendar.from_ical(feed.data).walk("VEVENT"):
        assert str(event["URL"]).startswith(f"{PUBLIC}/board/needs/")
        assert str(event["UID"]).endswith("@portal.example.org")
