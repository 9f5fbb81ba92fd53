"""German by default, English switchable and remembered."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from tests import factories
from tests.factories_auth import csrf_token, text


def lang_of(html: str) -> str:
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_german_is_the_default(app, client):
    html = text(client.get("/login"))
    assert lang_of(html) == "de"
    assert "<h1>Anmelden</h1>" in html
    assert "Zum Inhalt springen" in html
    assert "Passwort vergessen?" in html


def test_browser_language_does_not_override_the_german_default(app, client):
    html = text(client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert lang_of(html) == "de"


@pytest.mark.csrf
def test_anonymous_visitor_switches_to_english_and_it_is_remembered(app, client):
    page = text(client.get("/login"))
    # The footer offers both languages in a POST form.
    assert 'action="/language"' in page
    assert 'name="language" value="en"' in page

    token = csrf_token(client, "/login")
    response = client.post(
        "/language", data={"language": "en", "next": "/login", "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"

    for path in ("/login", "/signup", "/privacy"):
        html = text(client.get(path))
        assert lang_of(html) == "en", path
        assert "Skip to content" in html
    html = text(client.get("/login"))
    assert "<h1>Log in</h1>" in html
    assert "Forgotten your password?" in html
    assert "Anmelden" not in html

    # Another visitor still gets German.
    assert lang_of(text(app.test_client().get("/login"))) == "de"

    # And back.
    token = csrf_token(client, "/login")
    client.post("/language", data={"language": "de", "next": "/login", "csrf_token": token})
    assert "<h1>Anmelden</h1>" in text(client.get("/login"))


@pytest.mark.csrf
def test_language_switch_needs_the_csrf_token(app, client):
    response = client.post("/language", data={"language": "en", "next": "/login"})
    assert response.status_code == 400
    assert lang_of(text(client.get("/login"))) == "de"


def test_unknown_language_is_ignored(app, client):
    client.post("/language", data={"language": "xx", "next": "/login"})
    assert lang_of(text(client.get("/login"))) == "de"


@pytest.mark.csrf
def test_logged_in_user_language_is_stored_on_the_account(app, client):
    factories.user("amira@example.org", name="Amira Haddad")
    db.session.commit()
    token = csrf_token(client, "/login")
    client.post(
        "/login",
        data={"email": "amira@example.org", "password": factories.PASSWORD, "csrf_token": token},
    )
    token = csrf_token(client, "/dashboard")
    response = client.post(
        "/language", data={"language": "en", "next": "/dashboard", "csrf_token": token}
    )
    assert response.headers["Location"] == "/dashboard"

    db.session.expire_all()
    assert db.session.scalar(select(User.locale).where(User.email == "amira@example.org")) == "en"
    html = text(client.get("/dashboard"))
    assert lang_of(html) == "en"
    assert "Hello, Amira Haddad" in html
    assert "Log out" in html

    # A new session on another device starts in English after log-in.
    other = app.test_client()
    token = csrf_token(other, "/login")
    other.post(
        "/login",
        data={"email": "amira@example.org", "password": factories.PASSWORD, "csrf_token": token},
    )
    assert lang_of(text(other.get("/dashboard"))) == "en"


def test_account_language_wins_over_the_session_choice(app, client, auth):
    factories.user("amira@example.org", locale="en")
    db.session.commit()
    client.post("/language", data={"language": "de", "next": "/login"})
    auth.login("amira@example.org")
    assert lang_of(text(client.get("/dashboard"))) == "en"


def test_english_error_pages_and_form_messages(app, client):
    client.post("/language", data={"language": "en", "next": "/login"})
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    assert "Page not found" in text(response)
    response = client.post("/login", data={"email": "", "password": ""})
    assert "Please enter your e-mail address." in text(response)
    assert "Please check your entries" in text(response)  # the error summary
