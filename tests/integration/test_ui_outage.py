"""Error pages render without the database, and a database outage answers 503 with the branded
page, also for a signed-in user (whose navigation would need the database)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from portal import create_app
from portal.extensions import db
from tests import factories
from tests.conftest import BASE_CONFIG
from tests.factories_auth import text

DEAD = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/none",
    "sqlite": "sqlite:////nonexistent-outage-dir/readonly/portal.db",
}


def down_app(kind: str) -> Flask:
    """The same application (same secret key) with a database that does not answer."""
    assert not Path("/nonexistent-outage-dir").exists()
    return create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": DEAD[kind]})


@pytest.fixture
def signed_in_cookie(app, client, auth) -> str:
    factories.admin(email="admin@example.org", name="Anna Admin")
    db.session.commit()
    assert auth.login("admin@example.org").status_code == 302
    assert client.get("/dashboard").status_code == 200  # shows (and drops) the welcome flash
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def assert_branded(response, status: int, heading: str) -> str:
    html = text(response)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert f"<h1>{heading}</h1>" in html
    assert 'class="skip-link"' in html and 'href="/privacy"' in html  # the site's layout
    assert "Traceback" not in html and "OperationalError" not in html
    return html


@pytest.mark.parametrize("url", ["/dashboard", "/admin/users", "/privacy", "/"])
def test_a_signed_in_user_gets_the_branded_503_during_an_outage(database, signed_in_cookie, url):
    outage = down_app(database.kind)
    client = outage.test_client()
    client.set_cookie("session", signed_in_cookie)
    with outage.app_context():
        response = client.get(url)
        html = assert_branded(response, 503, "Vorübergehend nicht erreichbar")
        db.engine.dispose()
    assert "Abmelden" in html  # signed in, per the session cookie
    assert "Anna Admin" not in html and "Verwaltung" not in html  # nothing from the database
    assert response.headers["Cache-Control"] == "no-store"


def test_an_anonymous_visitor_gets_the_503_for_pages_that_need_the_database(database):
    outage = down_app(database.kind)
    with outage.app_context():
        response = outage.test_client().post(
            "/login", data={"email": "a@example.org", "password": "x"}
        )
        html = assert_branded(response, 503, "Vorübergehend nicht erreichbar")
        db.engine.dispose()
    assert "Anmelden" in html


def test_error_pages_of_a_signed_in_user_ask_the_database_nothing(
    app, client, signed_in_cookie, count_queries
):
    with count_queries() as q:
        response = client.get("/gibt-es-nicht")
    assert_branded(response, 404, "Seite nicht gefunden")
    assert "Abmelden" in text(response)
    assert q.count == 0, q.statements


def test_404_renders_for_a_signed_in_user_during_an_outage(database, signed_in_cookie):
    outage = down_app(database.kind)
    client = outage.test_client()
    client.set_cookie("session", signed_in_cookie)
    with outage.app_context():
        assert_branded(client.get("/gibt-es-nicht"), 404, "Seite nicht gefunden")
        db.engine.dispose()


def test_english_sessions_keep_their_language_on_the_outage_page(database):
    outage = down_app(database.kind)
    client = outage.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    with outage.app_context():
        response = client.post("/login", data={"email": "a@example.org", "password": "x"})
        html = assert_branded(response, 503, "Temporarily unavailable")
        db.engine.dispose()
    assert '<html lang="en">' in html
