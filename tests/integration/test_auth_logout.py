"""Logging out ends the sign-in on the server: a copied session cookie or remember-me cookie
no longer signs in afterwards. "Log out everywhere" ends every sign-in of the account. Staff get
no remember-me cookie and are signed out after an idle time (the server decides)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from portal.auth import signin
from portal.auth.security_models import LoginSession
from portal.core.time import utcnow
from portal.extensions import db
from tests import factories

PASSWORD = factories.PASSWORD


def log_in(client: FlaskClient, email: str, remember: bool = False) -> None:
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def signed_in(client: FlaskClient) -> bool:
    return client.get("/dashboard").status_code == 200


def copy_cookies(app, source: FlaskClient, *names: str) -> FlaskClient:
    """A second browser holding copies of ``source``'s cookies (only these)."""
    other = app.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie"
        other.set_cookie(name, cookie.value)
    return other


def sessions_of(user) -> int:
    return db.session.scalar(
        select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)
    )


@pytest.fixture
def volunteer(app):
    user = factories.volunteer(factories.municipality("Gaggenau"), email="lena@example.org")
    db.session.commit()
    return user


def test_a_copied_session_cookie_stops_working_at_logout(app, client, volunteer):
    log_in(client, "lena@example.org")
    copy = copy_cookies(app, client, "session")
    assert signed_in(copy)  # before the logout, the copy signs in: it is the same session
    assert client.post("/logout").status_code == 302
    assert not signed_in(client)
    assert not signed_in(copy)
    assert sessions_of(volunteer) == 0


def test_a_copied_remember_me_cookie_stops_working_at_logout(app, client, volunteer):
    log_in(client, "lena@example.org", remember=True)
    copy = copy_cookies(app, client, "remember_token")
    assert signed_in(copy)  # a fresh browser signs in with the remember-me cookie alone
    client.post("/logout")
    later = copy_cookies(app, copy, "remember_token")
    assert not signed_in(later)
    assert not signed_in(copy)


def test_logging_out_in_one_browser_keeps_the_others(app, volunteer):
    first, second = app.test_client(), app.test_client()
    log_in(first, "lena@example.org")
    log_in(second, "lena@example.org")
    assert sessions_of(volunteer) == 2
    first.post("/logout")
    assert not signed_in(first)
    assert signed_in(second)


def test_log_out_everywhere_ends_every_session_and_remember_me_cookie(app, volunteer):
    phone, laptop, here = app.test_client(), app.test_client(), app.test_client()
    log_in(phone, "lena@example.org", remember=True)
    log_in(laptop, "lena@example.org")
    log_in(here, "lena@example.org")
    remembered = copy_cookies(app, phone, "remember_token")
    assert "/account/logout-everywhere" in here.get("/account/security").get_data(as_text=True)

    response = here.post("/account/logout-everywhere")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    for browser in (phone, laptop, here, remembered):
        assert not signed_in(browser)
    assert sessions_of(volunteer) == 0
    log_in(here, "lena@example.org")  # the password still works
    assert signed_in(here)


def test_a_sign_in_ends_when_its_time_is_up(app, client, volunteer):
    log_in(client, "lena@example.org")
    db.session.execute(update(LoginSession).values(expires_at=utcnow()))
    db.session.commit()
    assert not signed_in(client)


def test_a_password_change_ends_the_other_sessions(app, volunteer):
    mine, other = app.test_client(), app.test_client()
    log_in(mine, "lena@example.org")
    log_in(other, "lena@example.org")
    new = "Ein-neues-Passwort-8"
    response = mine.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": new, "confirm": new},
    )
    assert response.status_code == 302
    assert signed_in(mine)
    assert not signed_in(other)


# --- staff ---------------------------------------------------------------------------------


@pytest.fixture
def manager(app):
    user = factories.manager(factories.municipality("Bühl"), email="im@example.org")
    db.session.commit()
    return user


def test_staff_get_no_remember_me_cookie(app, client, manager):
    log_in(client, "im@example.org", remember=True)
    assert client.get_cookie("remember_token") is None
    assert db.session.scalar(select(LoginSession.remember)) is False


@pytest.fixture
def clock(monkeypatch):
    """Move the clock of the idle rule."""
    state = {"now": 1_800_000_000.0}
    monkeypatch.setattr(signin, "now", lambda: state["now"])

    def advance(minutes: float) -> None:
        state["now"] += minutes * 60

    return advance


def test_staff_are_signed_out_after_the_idle_time(app, client, manager, clock):
    log_in(client, "im@example.org")
    copy = copy_cookies(app, client, "session")
    clock(20)
    assert client.get("/needs/").status_code == 200  # activity: the idle time starts again
    clock(20)
    assert client.get("/needs/").status_code == 200
    clock(31)
    response = client.get("/needs/?status=open")
    assert response.status_code == 302
    assert "/login?next=/needs/?status%3Dopen" in response.headers["Location"]
    assert "Inaktivität" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert not signed_in(client)
    assert not signed_in(copy)  # the session ended on the server
    assert sessions_of(manager) == 0


@pytest.mark.app_config(STAFF_IDLE_MINUTES=5)
def test_the_idle_time_is_a_setting_and_volunteers_keep_their_session(
    app, client, manager, volunteer, clock
):
    log_in(client, "im@example.org")
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'data-idle-seconds="300"' in html and "js/idle-timeout.js" in html
    assert "data-idle-warning" in html and "data-idle-stay" in html
    assert client.get("/session/ping").status_code == 204
    clock(6)
    assert not signed_in(client)

    other = app.test_client()
    log_in(other, "lena@example.org")
    page = other.get("/dashboard").get_data(as_text=True)
    assert "data-idle-seconds" not in page and "idle-timeout.js" not in page
    clock(600)
    assert signed_in(other)


def test_pages_within_the_activity_step_leave_the_session_cookie_alone(app, client, manager, clock):
    log_in(client, "im@example.org")
    clock(1)
    first = client.get("/needs/")
    assert "Set-Cookie" in first.headers  # a minute later: the activity moves on
    clock(signin.ACTIVITY_STEP / 60 / 2)
    again = client.get("/needs/")
    assert again.status_code == 200 and "Set-Cookie" not in again.headers
    clock(signin.ACTIVITY_STEP / 60)
    assert "Set-Cookie" in client.get("/needs/").headers
    # the activity still counts: 29 idle minutes later the session holds (limit 30)
    clock(29)
    assert client.get("/needs/").status_code == 200
    clock(29)
    assert client.get("/needs/").status_code == 200
    clock(31)
    assert client.get("/needs/").status_code == 302
