"""Sign-up with e-mail verification, log-in before and after, log-out."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.auth import tokens
from portal.auth.models import User
from portal.extensions import db
from tests import factories
from tests.factories_auth import csrf_token, link_to, old_token, outbox, text

SIGNUP = {
    "display_name": "Fatma Yılmaz",
    "email": "fatma@example.org",
    "password": "Ein-gutes-Passwort-7",
    "confirm": "Ein-gutes-Passwort-7",
}


def sign_up(client, **changes):
    return client.post("/signup", data={**SIGNUP, **changes})


def user_by_email(email: str) -> User:
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def test_signup_queues_a_verification_mail_in_the_users_language(app, client):
    response = sign_up(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/signup/check-mail")
    page = client.get(response.headers["Location"])
    assert "Bitte prüfen Sie Ihr Postfach" in text(page)

    user = user_by_email("fatma@example.org")
    assert user.email_verified_at is None
    assert user.display_name == "Fatma Yılmaz"
    [mail] = outbox()
    assert mail.recipient == "fatma@example.org"
    assert mail.template == "verify_email"
    assert mail.locale == "de"
    assert mail.subject == "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert "Hallo Fatma Yılmaz," in mail.body_text
    assert "/verify/" in mail.body_text


def test_signup_in_english_sends_an_english_mail(app, client):
    client.post("/language", data={"language": "en", "next": "/signup"})
    sign_up(client)
    [mail] = outbox("fatma@example.org")
    assert mail.locale == "en"
    assert user_by_email("fatma@example.org").locale == "en"
    assert mail.subject == "Please confirm your e-mail address"
    assert "Hello Fatma Yılmaz," in mail.body_text


def test_signup_form_errors_are_shown_next_to_fields_with_400(app, client):
    response = sign_up(client, email="not-an-address", confirm="something else")
    assert response.status_code == 400
    html = text(response)
    assert 'aria-describedby="email-error"' in html
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in html
    assert "Die Passwörter stimmen nicht überein." in html
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert outbox() == []


def test_verification_link_verifies_and_then_login_works(app, client, auth):
    sign_up(client)
    path = link_to(outbox("fatma@example.org")[0], "/verify/")

    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert "Ihre E-Mail-Adresse ist bestätigt" in text(client.get("/login"))
    assert user_by_email("fatma@example.org").email_verified_at is not None

    response = auth.login("fatma@example.org", SIGNUP["password"])
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    # A new account first acknowledges the privacy notice, then reaches its pages.
    assert client.get("/dashboard").headers["Location"].startswith("/privacy/acknowledge")
    assert client.post("/privacy/acknowledge", data={"next": "/dashboard"}).status_code == 302
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200
    assert "Guten Tag, Fatma Yılmaz" in text(dashboard)

    # Opening the link again is harmless.
    assert client.get(path).status_code == 302


def test_login_before_verification_is_refused_with_a_message(app, client, auth):
    sign_up(client)
    response = auth.login("fatma@example.org", SIGNUP["password"])
    assert response.status_code == 400
    assert "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse" in text(response)
    assert client.get("/dashboard").status_code == 302  # still anonymous

    # The page offers to send the link again; doing so queues a second mail.
    assert "Link erneut senden" in text(response)
    client.post("/verify/resend", data={"email": "fatma@example.org"})
    assert len(outbox("fatma@example.org", "verify_email")) == 2


def test_expired_verification_link_is_refused_with_the_friendly_page(app, client):
    sign_up(client)
    user = user_by_email("fatma@example.org")
    max_age = app.config["EMAIL_VERIFY_MAX_AGE"]
    token = old_token(tokens.VERIFY, max_age + 60, uid=user.id, email=user.email)

    response = client.get(f"/verify/{token}")
    assert response.status_code == 400
    html = text(response)
    assert "Dieser Link ist abgelaufen" in html
    assert 'class="skip-link"' in html  # the base layout
    assert user_by_email("fatma@example.org").email_verified_at is None


@pytest.mark.app_config(EMAIL_VERIFY_MAX_AGE=-1)
def test_verification_link_dies_after_max_age(app, client):
    sign_up(client)
    path = link_to(outbox("fatma@example.org")[0], "/verify/")
    response = client.get(path)
    assert response.status_code == 400
    assert "Dieser Link ist abgelaufen" in text(response)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature
        lambda t: "x" + t,  # payload
        lambda t: t.split(".")[0],  # truncated
    ],
    ids=["signature", "payload", "truncated"],
)
def test_tampered_verification_link_is_refused(app, client, tamper):
    sign_up(client)
    path = link_to(outbox("fatma@example.org")[0], "/verify/")
    token = path.rsplit("/", 1)[1]
    response = client.get(f"/verify/{tamper(token)}")
    assert response.status_code == 400
    assert "Dieser Link ist ungültig" in text(response)
    assert user_by_email("fatma@example.org").email_verified_at is None


def test_a_reset_token_is_no_verification_token(app, client):
    user = factories.user("ines@example.org", verified=False)
    db.session.commit()
    token = tokens.make_token(tokens.RESET, uid=user.id, email=user.email, st=user.session_token)
    assert client.get(f"/verify/{token}").status_code == 400


@pytest.mark.csrf
def test_login_and_logout_with_csrf(app, client):
    factories.user("jonas@example.org", name="Jonas Weber")
    db.session.commit()

    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={"email": "jonas@example.org", "password": factories.PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200

    # Log-out is a POST: GET is not allowed, a POST without the token is refused.
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200

    token = csrf_token(client, "/dashboard")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_records_last_login_and_remember_me(app, client, auth):
    factories.user("jonas@example.org")
    db.session.commit()
    response = client.post(
        "/login",
        data={"email": "jonas@example.org", "password": factories.PASSWORD, "remember": "y"},
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") for c in cookies)
    assert user_by_email("jonas@example.org").last_login_at is not None


def test_deactivated_user_cannot_log_in_and_is_logged_out(app, client, auth):
    user = factories.user("jonas@example.org")
    admin = factories.admin(email="chefin@example.org")
    db.session.commit()
    auth.login("jonas@example.org")
    assert client.get("/dashboard").status_code == 200

    from portal.auth.services import set_active

    set_active(admin, user, False)
    assert client.get("/dashboard").status_code == 302
    response = auth.login("jonas@example.org")
    assert response.status_code == 400
    assert "E-Mail-Adresse oder Passwort ist nicht richtig." in text(response)
