"""Password reset, change, invitations, hashing and e-mail uniqueness.

The answers never reveal whether an address is registered.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.auth import services, tokens
from portal.auth.models import Role, User
from portal.core.errors import Conflict
from portal.extensions import db
from tests import factories
from tests.factories_auth import link_to, old_token, outbox, text, without_csrf

NEW_PASSWORD = "Ganz-neues-Passwort-9"


def reload(user: User) -> User:
    db.session.expire_all()
    fresh = db.session.get(User, user.id)
    assert fresh is not None
    return fresh


# --- password reset ------------------------------------------------------------------------


def request_reset(client, email: str):
    return client.post("/password/forgot", data={"email": email}, follow_redirects=True)


def test_password_reset_link_changes_the_password_once(app, client, auth):
    user = factories.user("amira@example.org", name="Amira Haddad")
    db.session.commit()

    response = request_reset(client, "amira@example.org")
    assert response.status_code == 200
    [mail] = outbox("amira@example.org", "reset_password")
    assert mail.subject == "Passwort zurücksetzen"
    assert "Hallo Amira Haddad," in mail.body_text
    path = link_to(mail, "/password/reset/")

    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")

    assert auth.login("amira@example.org").status_code == 400  # old password is gone
    assert auth.login("amira@example.org", NEW_PASSWORD).status_code == 302
    assert reload(user).password_hash.startswith("$argon2id$")

    # Single use: the same link is refused afterwards, for GET and POST.
    auth.logout()
    for response in (
        client.get(path),
        client.post(
            path, data={"password": "Noch-ein-Passwort-3", "confirm": "Noch-ein-Passwort-3"}
        ),
    ):
        assert response.status_code == 400
        assert "Dieser Link ist ungültig" in text(response)
        assert 'class="skip-link"' in text(response)
    assert auth.login("amira@example.org", NEW_PASSWORD).status_code == 302


def test_an_older_reset_link_dies_when_a_newer_one_is_used(app, client):
    factories.user("amira@example.org")
    db.session.commit()
    request_reset(client, "amira@example.org")
    request_reset(client, "amira@example.org")
    first, second = (link_to(m, "/password/reset/") for m in outbox("amira@example.org"))
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post(second, data=data).status_code == 302
    assert client.post(first, data=data).status_code == 400


def test_expired_reset_link_is_refused(app, client, auth):
    user = factories.user("amira@example.org")
    db.session.commit()
    age = app.config["PASSWORD_RESET_MAX_AGE"] + 60
    token = old_token(tokens.RESET, age, uid=user.id, st=user.session_token)

    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = client.post(f"/password/reset/{token}", data=data)
    assert response.status_code == 400
    assert "Dieser Link ist abgelaufen" in text(response)
    assert auth.login("amira@example.org").status_code == 302  # old password still valid


def test_reset_form_errors_keep_the_link_usable(app, client):
    factories.user("amira@example.org")
    db.session.commit()
    request_reset(client, "amira@example.org")
    path = link_to(outbox("amira@example.org")[0], "/password/reset/")
    response = client.post(path, data={"password": "kurz", "confirm": "kurz"})
    assert response.status_code == 400
    assert "zwischen 10 und 128 Zeichen" in text(response)
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post(path, data=data).status_code == 302


def test_reset_request_answers_the_same_for_unknown_addresses(app, client):
    factories.user("amira@example.org")
    db.session.commit()

    other = app.test_client()
    known = client.post("/password/forgot", data={"email": "amira@example.org"})
    unknown = other.post("/password/forgot", data={"email": "niemand@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    page_known = without_csrf(text(client.get(known.headers["Location"])))
    page_unknown = without_csrf(text(other.get(unknown.headers["Location"])))
    assert page_known == page_unknown
    assert "Wenn die Adresse bei uns registriert ist" in page_known

    assert [m.recipient for m in outbox()] == ["amira@example.org"]


def test_reset_request_for_an_unverified_account_verifies_it(app, client, auth):
    user = factories.user("amira@example.org", verified=False)
    db.session.commit()
    request_reset(client, "amira@example.org")
    path = link_to(outbox("amira@example.org")[0], "/password/reset/")
    client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert reload(user).email_verified_at is not None


# --- sign-up and log-in do not reveal registered addresses ---------------------------------


def test_signup_with_a_registered_address_looks_the_same_and_mails_the_owner(app, client):
    factories.user("foo@example.org", name="Frau Foo")
    db.session.commit()
    data = {"display_name": "X", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}

    new = client.post("/signup", data={**data, "email": "neu@example.org"})
    taken = client.post("/signup", data={**data, "email": "Foo@Example.org"})
    assert new.status_code == taken.status_code == 302
    assert new.headers["Location"] == taken.headers["Location"]
    assert without_csrf(text(client.get(new.headers["Location"]))) == without_csrf(
        text(client.get(taken.headers["Location"]))
    )

    # Exactly one account per address (case-insensitively); the owner got a notice.
    count = (
        select(func.count()).select_from(User).where(func.lower(User.email) == "foo@example.org")
    )
    assert db.session.scalar(count) == 1
    [notice] = outbox("foo@example.org")
    assert notice.template == "already_registered"
    assert "Hallo Frau Foo," in notice.body_text
    assert "/password/forgot" in notice.body_text
    assert outbox("neu@example.org")[0].template == "verify_email"
    assert outbox("Foo@Example.org") == []


def test_login_failure_message_is_the_same_for_unknown_address_and_wrong_password(
    app, client, auth
):
    factories.user("amira@example.org")
    db.session.commit()
    wrong = auth.login("amira@example.org", "Falsches-Passwort-1")
    unknown = auth.login("niemand@example.org", "Falsches-Passwort-1")
    assert wrong.status_code == unknown.status_code == 400
    message = "E-Mail-Adresse oder Passwort ist nicht richtig."
    assert message in text(wrong)
    wrong_page = without_csrf(text(wrong)).replace("amira@example.org", "ADDRESS")
    unknown_page = without_csrf(text(unknown)).replace("niemand@example.org", "ADDRESS")
    assert wrong_page == unknown_page


# --- e-mail addresses are unique case-insensitively -----------------------------------------


def test_email_is_stored_lower_case_and_login_ignores_case(app, client, auth):
    factories.user("  Mixed.Case@Example.ORG ")
    db.session.commit()
    assert db.session.scalar(select(User.email)) == "mixed.case@example.org"
    assert auth.login("MIXED.case@example.org").status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_create_user_refuses_a_case_variant_of_a_taken_address(app):
    factories.user("foo@example.org")
    db.session.commit()
    with pytest.raises(Conflict):
        services.create_user("FOO@example.org", "Zweite Person", NEW_PASSWORD)


def test_the_database_refuses_duplicate_addresses(app):
    from sqlalchemy.exc import IntegrityError

    factories.user("foo@example.org")
    db.session.commit()
    db.session.add(User(email="foo@example.org", display_name="Doppelt"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_passwords_are_stored_as_argon2id(app, client):
    client.post(
        "/signup",
        data={
            "display_name": "Neu",
            "email": "neu@example.org",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    stored = db.session.scalar(select(User.password_hash).where(User.email == "neu@example.org"))
    assert stored.startswith("$argon2id$")
    assert NEW_PASSWORD not in stored


# --- change of password ----------------------------------------------------------------------


def test_change_password_needs_the_current_one_and_logs_out_other_sessions(app, client, auth):
    user = factories.user("amira@example.org")
    db.session.commit()
    old_hash = user.password_hash

    other = app.test_client()
    other.post("/login", data={"email": "amira@example.org", "password": factories.PASSWORD})
    assert other.get("/dashboard").status_code == 200
    auth.login("amira@example.org")

    response = client.post(
        "/account/password",
        data={
            "current_password": "Falsch-Falsch-1",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert "Das aktuelle Passwort ist nicht richtig." in text(response)
    assert reload(user).password_hash == old_hash
    assert other.get("/dashboard").status_code == 200

    response = client.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert reload(user).password_hash != old_hash
    # This session stays logged in; the other one is logged out.
    assert client.get("/dashboard").status_code == 200
    response = other.get("/dashboard")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]

    auth.logout()
    assert auth.login("amira@example.org").status_code == 400
    assert auth.login("amira@example.org", NEW_PASSWORD).status_code == 302


def test_change_password_needs_a_login(app, client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_remember_me_cookie_dies_with_a_password_change(app, client, auth):
    user = factories.user("amira@example.org")
    db.session.commit()
    other = app.test_client()
    other.post(
        "/login",
        data={"email": "amira@example.org", "password": factories.PASSWORD, "remember": "y"},
    )
    # Drop the session cookie: only the remember-me cookie is left to log in with.
    other.delete_cookie("session")
    assert other.get("/dashboard").status_code == 200
    auth.login("amira@example.org")
    services.change_password(reload(user), factories.PASSWORD, NEW_PASSWORD)
    other.delete_cookie("session")
    assert other.get("/dashboard").status_code == 302


# --- invitations -------------------------------------------------------------------------------


def test_invitation_link_sets_the_password_once(app, client, auth):
    refs = factories.reference_data()
    admin = factories.admin(email="chefin@example.org", name="Clara Chefin")
    db.session.commit()
    invited = services.invite_staff(
        admin,
        "koordination@example.org",
        "Kai Koordinator",
        [(Role.COORDINATOR, refs["Gaggenau"].id, None)],
    )
    assert invited.password_hash is None
    assert auth.login("koordination@example.org", "").status_code == 400

    [mail] = outbox("koordination@example.org", "invitation")
    assert mail.subject == "Einladung in das Ehrenamtsportal"
    assert "Clara Chefin hat ein Konto für Sie im Ehrenamtsportal angelegt." in mail.body_text
    path = link_to(mail, "/invitation/")

    page = client.get(path)
    assert page.status_code == 200
    assert "koordination@example.org" in text(page)
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302

    fresh = reload(invited)
    assert fresh.password_hash.startswith("$argon2id$")
    assert fresh.email_verified_at is not None
    assert fresh.roles == {Role.COORDINATOR}

    # The link works once only.
    again = client.post(
        path, data={"password": "Anderes-Passwort-5", "confirm": "Anderes-Passwort-5"}
    )
    assert again.status_code == 400
    assert client.get(path).status_code == 400
    assert auth.login("koordination@example.org", NEW_PASSWORD).status_code == 302


def test_invitation_is_no_reset_link(app, client):
    admin = factories.admin(email="chefin@example.org")
    db.session.commit()
    invited = services.invite_staff(admin, "neu@example.org", "Neu", [])
    token = tokens.make_token(tokens.INVITE, uid=invited.id, st=invited.session_token)
    assert client.get(f"/password/reset/{token}").status_code == 400
    assert client.get(f"/invitation/{token}").status_code == 200


def test_expired_invitation_is_refused(app, client):
    admin = factories.admin(email="chefin@example.org")
    db.session.commit()
    invited = services.invite_staff(admin, "neu@example.org", "Neu", [])
    age = app.config["INVITATION_MAX_AGE"] + 60
    token = old_token(tokens.INVITE, age, uid=invited.id, st=invited.session_token)
    response = client.get(f"/invitation/{token}")
    assert response.status_code == 400
    assert "Dieser Link ist abgelaufen" in text(response)


@pytest.mark.app_config(PASSWORD_HASH_CHEAP=False)
def test_real_configuration_hashes_with_argon2id_full_cost(app, client, auth):
    """The suite hashes cheaply for speed; the real setting uses RFC 9106 parameters."""
    user = factories.user("amira@example.org")
    db.session.commit()
    assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert auth.login("amira@example.org").status_code == 302
