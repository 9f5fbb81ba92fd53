"""Friendly error pages in the base layout."""

from __future__ import annotations

import pytest
from flask import Flask, abort

from portal.extensions import db
from tests import factories
from tests.factories_auth import text


def assert_friendly(response, status: int, heading: str) -> str:
    html = text(response)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert f"<h1>{heading}</h1>" in html
    assert '<html lang="de">' in html
    assert 'class="skip-link"' in html and '<main id="main"' in html  # the base layout
    assert 'href="/privacy"' in html  # footer
    assert "Traceback" not in html
    return html


@pytest.fixture
def failing(app: Flask) -> Flask:
    def boom() -> str:
        raise RuntimeError("kaputt")

    def forbidden() -> str:
        abort(403)

    def bad() -> str:
        abort(400)

    app.add_url_rule("/_test/boom", "test_boom", boom)
    app.add_url_rule("/_test/forbidden", "test_forbidden", forbidden)
    app.add_url_rule("/_test/bad", "test_bad", bad)
    return app


def test_404_for_an_unknown_url(app, client):
    html = assert_friendly(client.get("/gibt-es-nicht"), 404, "Seite nicht gefunden")
    assert "Zur Startseite" in html


def test_403(failing, client):
    assert_friendly(client.get("/_test/forbidden"), 403, "Kein Zugriff")


def test_400(failing, client):
    assert_friendly(client.get("/_test/bad"), 400, "Die Anfrage war fehlerhaft")


def test_405_for_a_wrong_method(app, client):
    assert_friendly(client.get("/logout"), 405, "Aktion nicht möglich")


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
def test_500_for_an_unexpected_error(failing, client):
    html = assert_friendly(client.get("/_test/boom"), 500, "Etwas ist schiefgelaufen")
    assert "kaputt" not in html and "RuntimeError" not in html


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
def test_500_page_renders_for_a_logged_in_user_after_a_failed_transaction(failing, client, auth):
    factories.user("amira@example.org")
    db.session.commit()
    auth.login("amira@example.org")
    html = assert_friendly(client.get("/_test/boom"), 500, "Etwas ist schiefgelaufen")
    assert "Abmelden" in html


def test_domain_errors_render_their_message(app, client):
    from portal.core.errors import NotAllowed

    def refuse() -> str:
        raise NotAllowed("Das dürfen Sie nicht.")

    app.add_url_rule("/_test/refuse", "test_refuse", refuse)
    html = assert_friendly(client.get("/_test/refuse"), 403, "Das ist so nicht möglich")
    assert "Das dürfen Sie nicht." in html


@pytest.mark.csrf
def test_csrf_failure_gives_the_friendly_400_page(app, client):
    factories.user("amira@example.org")
    db.session.commit()
    response = client.post(
        "/login", data={"email": "amira@example.org", "password": factories.PASSWORD}
    )
    html = assert_friendly(response, 400, "Die Anfrage war fehlerhaft")
    assert "CSRF" not in html  # no technical English text
    assert client.get("/dashboard").status_code == 302  # not logged in


@pytest.mark.csrf
def test_csrf_token_from_another_session_is_refused(app, client):
    from tests.factories_auth import csrf_token

    other = app.test_client()
    token = csrf_token(other, "/signup")
    data = {
        "display_name": "X",
        "email": "x@example.org",
        "password": "Ein-gutes-Passwort-7",
        "confirm": "Ein-gutes-Passwort-7",
        "csrf_token": token,
    }
    client.get("/signup")
    assert_friendly(client.post("/signup", data=data), 400, "Die Anfrage war fehlerhaft")
    assert other.post("/signup", data=data).status_code == 302
