"""Staff sign in with a second factor (TOTP): enrolment with the QR code and the secret on the
page, ten one-time recovery codes (stored as digests), remembered devices (at most 30 days,
revocable), codes that count once; admins decide per role and reset a user's second factor
(audited); volunteers may opt in."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from portal.audit.models import AuditEvent
from portal.auth import signin, two_factor
from portal.auth.models import Role
from portal.auth.security_models import RecoveryCode, TotpCredential, TrustedDevice
from portal.core.errors import NotAllowed
from portal.core.time import utcnow
from portal.extensions import db
from tests import factories

STAFF = ("coordinator", "manager", "admin")
pytestmark = pytest.mark.app_config(TWO_FACTOR_REQUIRED_ROLES=STAFF)


def password_step(client: FlaskClient, email: str, **extra: str):
    return client.post("/login", data={"email": email, "password": factories.PASSWORD, **extra})


def code_at(secret: str, steps_ahead: int = 0) -> str:
    """The app's code, ``steps_ahead`` 30-second steps from now (the server accepts ±1)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def enrol(client: FlaskClient) -> tuple[str, list[str]]:
    """Set up the app through the pages; the secret and the recovery codes shown."""
    client.post("/account/two-factor/setup")
    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    secret = re.search(r"data-secret>([A-Z2-7]+)<", page).group(1)
    response = client.post("/account/two-factor/confirm", data={"code": code_at(secret)})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.get_data(as_text=True))
    return secret, codes


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def place(app):
    return factories.municipality("Bühl")


@pytest.fixture
def manager(place):
    user = factories.manager(place, email="im@example.org", name="Ina Manager")
    db.session.commit()
    return user


@pytest.fixture
def enrolled(client, manager):
    """The manager with the app set up, signed out again."""
    password_step(client, "im@example.org")
    secret, codes = enrol(client)
    client.post("/logout")
    return {"secret": secret, "codes": codes, "user": manager}


def test_the_default_requires_it_for_staff_only(tmp_path):
    from portal.config import load_config

    assert load_config(str(tmp_path))["TWO_FACTOR_REQUIRED_ROLES"] == STAFF


def test_staff_without_a_second_factor_set_it_up_before_anything_else(client, manager):
    response = password_step(client, "im@example.org")
    assert response.headers["Location"].endswith("/account/two-factor/setup")
    assert client.get("/needs/").headers["Location"].endswith("/account/two-factor/setup")
    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    assert "vorgeschrieben" in page and "data-secret" not in page

    assert client.post("/account/two-factor/setup").status_code == 302
    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    assert "<svg" in page and 'class="segno"' in page  # the QR code, inline
    secret = re.search(r"data-secret>([A-Z2-7]+)<", page).group(1)
    assert len(secret) >= 16
    assert not re.search(r"<script(?![^>]*\ssrc=)", page)  # no inline script (CSP)
    assert " style=" not in page.split("<main", 1)[1]

    wrong = client.post("/account/two-factor/confirm", data={"code": "000000"})
    assert wrong.status_code == 400 and "Dieser Code stimmt nicht" in wrong.get_data(as_text=True)
    response = client.post("/account/two-factor/confirm", data={"code": code_at(secret)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.get_data(as_text=True))
    assert len(codes) == len(set(codes)) == 10
    assert client.get("/needs/").status_code == 200
    [event] = events("user.two_factor_enabled")
    assert event.object_id == manager.id
    # Only digests are stored.
    hashes = set(db.session.scalars(select(RecoveryCode.code_hash)))
    assert len(hashes) == 10 and not hashes & set(codes)
    assert all(len(h) == 64 for h in hashes)


def test_signing_in_asks_for_the_code_after_the_password(client, enrolled):
    response = password_step(client, "im@example.org")
    assert response.headers["Location"].endswith("/login/two-factor")
    assert client.get("/dashboard").status_code == 302  # not signed in yet
    assert client.post("/login/two-factor", data={"code": "123456"}).status_code == 400
    response = client.post("/login/two-factor", data={"code": code_at(enrolled["secret"], 1)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200
    assert client.get_cookie(two_factor.DEVICE_COOKIE) is None


def test_a_code_counts_only_once(app, client, enrolled):
    code = code_at(enrolled["secret"], 1)
    password_step(client, "im@example.org")
    assert client.post("/login/two-factor", data={"code": code}).status_code == 302
    other = app.test_client()
    password_step(other, "im@example.org")
    assert other.post("/login/two-factor", data={"code": code}).status_code == 400


def test_a_recovery_code_signs_in_once(app, client, enrolled):
    first = enrolled["codes"][0]
    password_step(client, "im@example.org")
    response = client.post("/login/two-factor", data={"code": first.upper().replace("-", " ")})
    assert response.status_code == 302
    assert two_factor.remaining_recovery_codes(enrolled["user"]) == 9
    [event] = events("user.recovery_code_used")
    assert event.details["remaining"] == 9
    other = app.test_client()
    password_step(other, "im@example.org")
    assert other.post("/login/two-factor", data={"code": first}).status_code == 400


def test_a_few_wrong_codes_send_back_to_the_password(client, enrolled):
    password_step(client, "im@example.org")
    for _ in range(signin.PENDING_TRIES):
        assert client.post("/login/two-factor", data={"code": "000000"}).status_code == 400
    response = client.post("/login/two-factor", data={"code": code_at(enrolled["secret"], 1)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_the_code_step_waits_only_a_few_minutes(client, enrolled, monkeypatch):
    password_step(client, "im@example.org")
    later = time.time() + signin.PENDING_SECONDS + 1
    monkeypatch.setattr(signin, "now", lambda: later)
    response = client.post("/login/two-factor", data={"code": code_at(enrolled["secret"], 1)})
    assert response.headers["Location"].endswith("/login")


def test_a_remembered_device_skips_the_code_until_forgotten(app, client, enrolled):
    password_step(client, "im@example.org")
    response = client.post(
        "/login/two-factor",
        data={"code": code_at(enrolled["secret"], 1), "remember_device": "y"},
    )
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("portal_device=")
    )
    assert "Max-Age=2592000" in cookie and "HttpOnly" in cookie  # 30 days
    client.post("/logout")
    assert password_step(client, "im@example.org").headers["Location"].endswith("/dashboard")

    # Another person's account on the same browser still asks for the code.
    other = factories.manager(factories.municipality("Rastatt"), email="b@example.org")
    db.session.commit()
    client.post("/logout")
    two_factor_setup = password_step(client, "b@example.org")
    assert two_factor_setup.headers["Location"].endswith("/account/two-factor/setup")
    client.post("/logout")
    assert other.id

    # Forgetting the devices (or expiry) revokes the cookie on the server.
    device = client.get_cookie(two_factor.DEVICE_COOKIE).value
    password_step(client, "im@example.org")
    client.post("/account/two-factor/devices/forget")
    client.post("/logout")
    client.set_cookie(two_factor.DEVICE_COOKIE, device)
    assert password_step(client, "im@example.org").headers["Location"].endswith("/two-factor")


def test_a_remembered_device_expires(client, enrolled):
    password_step(client, "im@example.org")
    client.post(
        "/login/two-factor",
        data={"code": code_at(enrolled["secret"], 1), "remember_device": "y"},
    )
    client.post("/logout")
    db.session.execute(update(TrustedDevice).values(expires_at=utcnow()))
    db.session.commit()
    assert password_step(client, "im@example.org").headers["Location"].endswith("/two-factor")


@pytest.mark.app_config(TRUSTED_DEVICE_DAYS=365)
def test_a_device_is_never_remembered_longer_than_30_days(app):
    assert two_factor.trusted_days() == 30


def test_new_recovery_codes_replace_the_old_ones(client, enrolled):
    password_step(client, "im@example.org")
    client.post("/login/two-factor", data={"code": code_at(enrolled["secret"], 1)})
    refused = client.post("/account/two-factor/recovery-codes", data={"renew-code": "000000"})
    assert refused.status_code == 302
    response = client.post(
        "/account/two-factor/recovery-codes", data={"renew-code": enrolled["codes"][5]}
    )
    assert response.status_code == 200
    fresh = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.get_data(as_text=True))
    assert len(fresh) == 10 and not set(fresh) & set(enrolled["codes"])
    assert two_factor.remaining_recovery_codes(enrolled["user"]) == 10


def test_staff_cannot_turn_it_off_while_their_role_needs_it(client, enrolled):
    password_step(client, "im@example.org")
    client.post("/login/two-factor", data={"code": code_at(enrolled["secret"], 1)})
    html = client.get("/account/security").get_data(as_text=True)
    assert 'data-two-factor="on"' in html and "/account/two-factor/disable" not in html
    response = client.post(
        "/account/two-factor/disable",
        data={"disable-code": code_at(enrolled["secret"], 1)},
        follow_redirects=True,
    )
    assert "vorgeschrieben" in response.get_data(as_text=True)
    assert two_factor.is_enabled(enrolled["user"])


# --- volunteers opt in -------------------------------------------------------------------------


def test_a_volunteer_opts_in_and_out(client, place):
    factories.volunteer(place, email="lena@example.org")
    db.session.commit()
    assert password_step(client, "lena@example.org").headers["Location"].endswith("/dashboard")
    assert 'data-two-factor="off"' in client.get("/account/security").get_data(as_text=True)
    secret, _codes = enrol(client)
    client.post("/logout")
    assert password_step(client, "lena@example.org").headers["Location"].endswith("/two-factor")
    client.post("/login/two-factor", data={"code": code_at(secret, 1)})
    response = client.post(
        "/account/two-factor/disable", data={"disable-code": "000000"}, follow_redirects=True
    )
    assert "Dieser Code stimmt nicht" in response.get_data(as_text=True)
    client.post("/account/two-factor/disable", data={"disable-code": code_at(secret, -1)})
    # -1: the code of the step before was not used yet, but a later one was: refused too
    assert db.session.scalar(select(func.count()).select_from(TotpCredential)) == 1
    client.post("/account/two-factor/disable", data={"disable-code": _codes[0]})
    assert db.session.scalar(select(func.count()).select_from(TotpCredential)) == 0
    assert events("user.two_factor_disabled")
    client.post("/logout")
    assert password_step(client, "lena@example.org").headers["Location"].endswith("/dashboard")


# --- the admins' side --------------------------------------------------------------------------


@pytest.fixture
def admin(app):
    user = factories.admin(email="admin@example.org")
    db.session.commit()
    two_factor.begin_enrolment(user)
    credential = two_factor.credential(user)
    two_factor.confirm_enrolment(user, code_at(credential.secret))
    return user


def admin_client(app, admin) -> FlaskClient:
    client = app.test_client()
    password_step(client, "admin@example.org")
    secret = two_factor.credential(admin).secret
    assert client.post("/login/two-factor", data={"code": code_at(secret, 1)}).status_code == 302
    return client


def test_admins_decide_per_role(app, admin, place):
    factories.volunteer(place, email="lena@example.org")
    factories.coordinator(place, email="k@example.org")
    db.session.commit()
    client = admin_client(app, admin)
    page = client.get("/admin/two-factor").get_data(as_text=True)
    assert page.count('name="required_roles"') == len(Role)  # one box per role
    response = client.post(
        "/admin/two-factor", data={"required_roles": ["volunteer", "manager", "admin"]}
    )
    assert response.status_code == 302
    assert two_factor.policy() == {
        Role.VOLUNTEER: True,
        Role.COORDINATOR: False,
        Role.MANAGER: True,
        Role.ADMIN: True,
        Role.OFFICE_LEAD: False,
    }
    changed = {
        (e.details["role"], e.details["required"]) for e in events("two_factor.policy_changed")
    }
    assert changed == {("volunteer", True), ("coordinator", False)}

    volunteer = app.test_client()
    setup = password_step(volunteer, "lena@example.org")
    assert setup.headers["Location"].endswith("/account/two-factor/setup")
    coordinator = app.test_client()
    assert password_step(coordinator, "k@example.org").headers["Location"].endswith("/dashboard")


def test_an_admin_resets_a_users_second_factor(app, admin, client, enrolled):
    manager = enrolled["user"]
    client_admin = admin_client(app, admin)
    page = client_admin.get(f"/admin/users/{manager.id}").get_data(as_text=True)
    assert 'data-two-factor="on"' in page
    response = client_admin.post(f"/admin/users/{manager.id}/two-factor/reset")
    assert response.status_code == 302
    assert not two_factor.is_enabled(manager)
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 10  # the admin's
    [event] = events("user.two_factor_reset")
    assert (event.actor_id, event.object_id) == (admin.id, manager.id)
    # At the next sign-in the manager sets it up again.
    setup = password_step(client, "im@example.org")
    assert setup.headers["Location"].endswith("/account/two-factor/setup")

    # Never one's own.
    with pytest.raises(NotAllowed):
        two_factor.reset_for(admin, admin)
    own = client_admin.post(f"/admin/users/{admin.id}/two-factor/reset", follow_redirects=True)
    assert "eigenes Konto" in own.get_data(as_text=True)
    assert two_factor.is_enabled(admin)


def test_only_admins_reach_the_policy_and_the_reset(client, enrolled, admin):
    password_step(client, "im@example.org")
    client.post("/login/two-factor", data={"code": code_at(enrolled["secret"], 1)})
    assert client.get("/admin/two-factor").status_code == 403
    assert client.post(f"/admin/users/{admin.id}/two-factor/reset").status_code == 403
    assert two_factor.is_enabled(admin)
