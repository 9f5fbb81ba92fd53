"""Accounts in the admin UI: list, account page, invitation, roles, (de)activation."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.auth.models import Membership, Role, User
from portal.extensions import db
from portal.notifications.models import OutboundEmail
from portal.notifications.services import send_pending
from tests import factories

NEW_PASSWORD = "Neues-Passwort-2026"


@pytest.fixture
def admin(app):
    user = factories.admin(email="admin@example.org", name="Anna Admin")
    db.session.commit()
    return user


@pytest.fixture
def admin_client(client, auth, admin):
    auth.login("admin@example.org")
    return client


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _field_error(html: str, field: str) -> str:
    """The error text shown at ``field`` and tied to it via aria-describedby."""
    control = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field}"[^>]*>', html)
    assert control and f"{field}-error" in control.group(0), f"{field} is not tied to its error"
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert match, f"no error shown at {field}"
    return match.group(1)


def _invite(client, **data):
    payload = {
        "display_name": "Karla Koch",
        "email": "karla.koch@example.org",
        "locale": "de",
        "role": Role.COORDINATOR,
        "municipality_id": "",
        "office_id": "",
        **data,
    }
    return client.post("/admin/users/invite", data=payload)


def _invitation_path(body: str) -> str:
    match = re.search(r"https?://\S+/invitation/\S+", body)
    assert match, body
    return urlsplit(match.group(0)).path


# --- the list ---------------------------------------------------------------------------------


def _rows(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/admin/users/\d+">([^<]+)</a></th>', html)


def test_list_shows_roles_with_scope_and_filters(admin_client):
    places = factories.reference_data()
    offices = {m.office.name: m.office for m in places.values()}
    factories.coordinator(places["Gaggenau"], email="t.wagner@example.org", name="Thomas Wagner")
    factories.manager(office_=offices["Bühl"], email="m.hofmann@example.org", name="Markus Hofmann")
    factories.volunteer(places["Gernsbach"], email="lena@example.org", name="Lena Schmitt")
    db.session.commit()

    html = admin_client.get("/admin/users").get_data(as_text=True)
    assert _rows(html) == ["Anna Admin", "Lena Schmitt", "Markus Hofmann", "Thomas Wagner"]
    assert "Koordination (Gemeinde Gaggenau)" in html
    assert "Integrationsmanagement (Außenstelle Bühl)" in html

    html = admin_client.get("/admin/users?role=coordinator").get_data(as_text=True)
    assert _rows(html) == ["Thomas Wagner"]
    html = admin_client.get("/admin/users?q=HOFMANN").get_data(as_text=True)
    assert _rows(html) == ["Markus Hofmann"]
    html = admin_client.get("/admin/users?q=lena%40example").get_data(as_text=True)
    assert _rows(html) == ["Lena Schmitt"]
    html = admin_client.get("/admin/users?q=wagner&role=manager").get_data(as_text=True)
    assert _rows(html) == [] and "Keine Konten gefunden." in html
    # An unknown role in the query string is ignored rather than an error.
    assert len(_rows(admin_client.get("/admin/users?role=kaiser").get_data(as_text=True))) == 4


def test_list_issues_the_same_number_of_queries_for_few_and_many(admin_client, count_queries):
    office_id = factories.office("Außenstelle Test").id
    place_ids = [factories.municipality(f"Ort {i}").id for i in range(4)]

    def fill(start: int, stop: int) -> None:
        for i in range(start, stop):
            factories.user(
                f"person{i:03d}@example.org",
                f"Person {i:03d}",
                roles=[
                    (Role.COORDINATOR, place_ids[i % 4], None),
                    (Role.MANAGER, None, office_id),
                ],
            )
        db.session.commit()
        # Each request starts with an empty identity map, as in production.
        db.session.remove()

    fill(0, 3)
    with count_queries() as few:
        assert admin_client.get("/admin/users").status_code == 200
    fill(3, 70)
    with count_queries() as many:
        assert admin_client.get("/admin/users").status_code == 200
    assert few.count == many.count <= 6
    db.session.remove()
    with count_queries() as filtered:
        assert admin_client.get("/admin/users?role=manager&q=person&page=2").status_code == 200
    assert filtered.count == many.count, filtered.statements


def test_account_page_shows_memberships_login_and_verification(admin_client):
    place = factories.municipality("Gaggenau")
    office = factories.office("Bühl")
    person = factories.user(
        "zwei@example.org",
        "Zora Zwei",
        roles=[(Role.COORDINATOR, place.id, None), (Role.MANAGER, None, office.id)],
    )
    db.session.commit()
    html = admin_client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "zwei@example.org" in html
    assert "Gemeinde Gaggenau" in html and "Außenstelle Bühl" in html
    assert "noch nie" in html  # last login
    assert html.count(">Entziehen</button>") == 2

    factories.user("unbestaetigt@example.org", "Ulla Unbestätigt", verified=False)
    db.session.commit()
    html = admin_client.get("/admin/users").get_data(as_text=True)
    assert "nicht bestätigt" in html
    # The admin's own last login (just now) is shown.
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    html = admin_client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert "noch nie" not in html and "ganzer Landkreis" in html


def test_missing_account_is_404(admin_client):
    assert admin_client.get("/admin/users/4711").status_code == 404


# --- invitation -------------------------------------------------------------------------------


@pytest.mark.smtp
def test_invited_staff_member_gets_the_mail_sets_a_password_and_logs_in(
    app, client, auth, admin, smtp_server
):
    place = factories.municipality("Gaggenau")
    db.session.commit()
    auth.login("admin@example.org")
    form = client.get("/admin/users/invite").get_data(as_text=True)
    assert '<label for="email">' in form and '<label for="municipality_id">' in form

    response = _invite(client, municipality_id=place.id, locale="en")
    assert response.status_code == 302
    invitee = db.session.scalar(select(User).where(User.email == "karla.koch@example.org"))
    assert response.headers["Location"].endswith(f"/admin/users/{invitee.id}")
    assert invitee.password_hash is None and invitee.locale == "en"
    assert [(m.role, m.municipality_id) for m in invitee.memberships] == [
        (Role.COORDINATOR, place.id)
    ]
    # The outbox row, in the invitee's language.
    [mail] = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.recipient == invitee.email)
    )
    assert mail.template == "invitation" and mail.locale == "en"
    assert {e.action for e in db.session.scalars(select(AuditEvent))} >= {
        "user.invited",
        "membership.granted",
    }

    # The mail is delivered over real SMTP; the link in it sets the password.
    assert send_pending()["sent"] == 1
    [message] = smtp_server.to("karla.koch@example.org")
    path = _invitation_path(smtp_server.text_of(message))
    auth.logout()

    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    response = auth.login("karla.koch@example.org", NEW_PASSWORD)
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    db.session.expire_all()
    invitee = db.session.get(User, invitee.id)
    assert invitee.last_login_at is not None and invitee.email_verified_at is not None
    assert _events("user.invitation_accepted")
    # The link works once only.
    auth.logout()
    assert client.get(path).status_code == 400


def test_an_invitee_cannot_log_in_before_setting_a_password(admin_client, auth):
    place = factories.municipality("Gaggenau")
    db.session.commit()
    assert _invite(admin_client, municipality_id=place.id).status_code == 302
    auth.logout()
    response = auth.login("karla.koch@example.org", "")
    assert response.status_code == 400
    response = auth.login("karla.koch@example.org", "Sicheres-Passwort-1")
    assert response.status_code == 400


def test_invite_manager_of_an_office_and_an_admin(admin_client):
    office = factories.office("Bühl")
    db.session.commit()
    response = _invite(admin_client, email="im@example.org", role=Role.MANAGER, office_id=office.id)
    assert response.status_code == 302
    response = _invite(admin_client, email="chef@example.org", role=Role.ADMIN)
    assert response.status_code == 302
    manager = db.session.scalar(select(User).where(User.email == "im@example.org"))
    chef = db.session.scalar(select(User).where(User.email == "chef@example.org"))
    assert [(m.role, m.office_id) for m in manager.memberships] == [(Role.MANAGER, office.id)]
    assert [(m.role, m.office_id, m.municipality_id) for m in chef.memberships] == [
        (Role.ADMIN, None, None)
    ]
    assert _count(OutboundEmail) == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"role": Role.COORDINATOR},
            "municipality_id",
            "Eine Koordination gehört zu einer Gemeinde.",
        ),
        ({"role": Role.MANAGER}, "office_id", "braucht eine Gemeinde oder Außenstelle"),
        ({"role": Role.ADMIN, "municipality_id": "PLACE"}, "municipality_id", "ganzen Landkreis"),
        (
            {"role": Role.MANAGER, "municipality_id": "PLACE", "office_id": "OFFICE"},
            "municipality_id",
            "entweder eine Gemeinde oder eine Außenstelle",
        ),
        ({"email": "ADMIN@example.org"}, "email", "bereits vergeben"),
        ({"email": "keine-adresse"}, "email", "gültige E-Mail-Adresse"),
        ({"display_name": ""}, "display_name", "Bitte geben Sie einen Namen ein."),
        ({"role": Role.VOLUNTEER}, "role", ""),
        ({"municipality_id": "999999"}, "municipality_id", ""),
    ],
)
def test_invalid_invitation_is_refused_at_the_field(admin_client, data, field, message):
    place = factories.municipality("Gaggenau")
    office = factories.office("Bühl")
    db.session.commit()
    data = {
        k: {"PLACE": place.id, "OFFICE": office.id}.get(v, v) if isinstance(v, str) else v
        for k, v in data.items()
    }
    users, memberships = _count(User), _count(Membership)
    granted = len(_events("membership.granted"))  # the admin's own role
    response = _invite(admin_client, **data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in _field_error(html, field)
    assert (_count(User), _count(Membership)) == (users, memberships)
    assert _count(OutboundEmail) == 0
    assert _events("user.invited") == [] and len(_events("membership.granted")) == granted


def test_resend_invitation_while_no_password_is_set(admin_client, auth):
    place = factories.municipality("Gaggenau")
    db.session.commit()
    _invite(admin_client, municipality_id=place.id)
    invitee = db.session.scalar(select(User).where(User.email == "karla.koch@example.org"))
    page = admin_client.get(f"/admin/users/{invitee.id}").get_data(as_text=True)
    assert "Einladung erneut senden" in page and "eingeladen" in page

    response = admin_client.post(
        f"/admin/users/{invitee.id}/resend-invitation", follow_redirects=True
    )
    assert "Die Einladung ist erneut verschickt." in response.get_data(as_text=True)
    mails = list(
        db.session.scalars(
            select(OutboundEmail)
            .where(OutboundEmail.recipient == invitee.email)
            .order_by(OutboundEmail.id)
        )
    )
    assert len(mails) == 2 and len(_events("user.invited")) == 2

    # The invitee accepts with the newest link; then there is nothing to resend.
    path = _invitation_path(mails[-1].body_text)
    auth.logout()
    client = admin_client
    client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    auth.login("admin@example.org")
    page = client.get(f"/admin/users/{invitee.id}").get_data(as_text=True)
    assert "Einladung erneut senden" not in page
    response = client.post(f"/admin/users/{invitee.id}/resend-invitation", follow_redirects=True)
    assert "bereits ein Passwort" in response.get_data(as_text=True)
    assert _count(OutboundEmail) == 2


# --- roles ------------------------------------------------------------------------------------


def test_grant_another_role(admin_client):
    place = factories.municipality("Gaggenau")
    office = factories.office("Bühl")
    person = factories.coordinator(place, email="k@example.org")
    db.session.commit()
    response = admin_client.post(
        f"/admin/users/{person.id}/roles",
        data={"role": Role.MANAGER, "municipality_id": "", "office_id": office.id},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert sorted((m.role, m.municipality_id, m.office_id) for m in person.memberships) == [
        (Role.COORDINATOR, place.id, None),
        (Role.MANAGER, None, office.id),
    ]
    event = _events("membership.granted")[-1]
    assert event.object_id == person.id and event.details["office_id"] == office.id


def test_grant_the_office_lead_role_from_the_account_page(admin_client):
    office = factories.office("Bühl")
    person = factories.user("leitung@example.org")
    db.session.commit()
    page = admin_client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert '<option value="office_lead">Leitung der Außenstelle</option>' in page
    response = admin_client.post(
        f"/admin/users/{person.id}/roles",
        data={"role": Role.OFFICE_LEAD, "municipality_id": "", "office_id": office.id},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [(m.role, m.office_id) for m in person.memberships] == [(Role.OFFICE_LEAD, office.id)]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"role": Role.COORDINATOR},
            "municipality_id",
            "Eine Koordination gehört zu einer Gemeinde.",
        ),
        ({"role": Role.COORDINATOR, "municipality_id": "PLACE"}, "role", "bereits vergeben"),
        ({"role": Role.MANAGER}, "office_id", "braucht eine Gemeinde oder Außenstelle"),
        (
            {"role": Role.OFFICE_LEAD, "municipality_id": "PLACE"},
            "office_id",
            "Die Leitung der Außenstelle gehört zu einer Außenstelle.",
        ),
    ],
)
def test_invalid_grant_is_refused_at_the_field(admin_client, data, field, message):
    place = factories.municipality("Gaggenau")
    person = factories.coordinator(place, email="k@example.org")
    db.session.commit()
    data = {k: place.id if v == "PLACE" else v for k, v in data.items()}
    response = admin_client.post(
        f"/admin/users/{person.id}/roles",
        data={"municipality_id": "", "office_id": "", **data},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in _field_error(html, field)
    assert "k@example.org" in html  # the account page itself
    assert _count(Membership) == 2  # admin + coordinator
    assert len(_events("membership.granted")) == 2  # those two, nothing new


def test_revoke_a_role(admin_client, admin):
    place = factories.municipality("Gaggenau")
    person = factories.coordinator(place, email="k@example.org")
    other = factories.coordinator(place, email="o@example.org")
    db.session.commit()
    [membership] = person.memberships
    [others] = other.memberships

    # Someone else's membership cannot be revoked through this account's page.
    url = f"/admin/users/{person.id}/roles/{others.id}/revoke"
    assert admin_client.post(url).status_code == 404
    assert db.session.get(Membership, others.id) is not None

    response = admin_client.post(f"/admin/users/{person.id}/roles/{membership.id}/revoke")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Membership, membership.id) is None
    [event] = _events("membership.revoked")
    assert event.object_id == person.id and event.details["role"] == Role.COORDINATOR

    # An admin cannot take the administration away from themselves.
    [own] = admin.memberships
    response = admin_client.post(
        f"/admin/users/{admin.id}/roles/{own.id}/revoke", follow_redirects=True
    )
    assert "nicht selbst entziehen" in response.get_data(as_text=True)
    assert db.session.get(Membership, own.id) is not None


# --- (de)activation ---------------------------------------------------------------------------


def test_deactivate_and_reactivate(admin_client, admin, app):
    place = factories.municipality("Gaggenau")
    person = factories.coordinator(place, email="k@example.org")
    db.session.commit()
    other = app.test_client()
    assert other.post("/login", data={"email": "k@example.org", "password": factories.PASSWORD})
    assert other.get("/dashboard").status_code == 200

    response = admin_client.post(f"/admin/users/{person.id}/deactivate", follow_redirects=True)
    assert "Das Konto ist gesperrt." in response.get_data(as_text=True)
    db.session.expire_all()
    assert person.active is False
    # The open session ends, and logging in again is refused.
    assert other.get("/dashboard").status_code == 302
    response = other.post("/login", data={"email": "k@example.org", "password": factories.PASSWORD})
    assert response.status_code == 400
    html = admin_client.get("/admin/users").get_data(as_text=True)
    assert "gesperrt" in html

    admin_client.post(f"/admin/users/{person.id}/reactivate")
    db.session.expire_all()
    assert person.active is True
    response = other.post("/login", data={"email": "k@example.org", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert [
        e.action
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(["user.deactivated", "user.activated"]))
            .order_by(AuditEvent.id)
        )
    ] == ["user.deactivated", "user.activated"]

    # Nobody locks themselves out.
    response = admin_client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "nicht sperren" in response.get_data(as_text=True)
    db.session.expire_all()
    assert admin.active is True


@pytest.mark.csrf
def test_account_actions_carry_and_need_the_csrf_token(client, admin):
    def token_from(html: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    token = token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"csrf_token": token, "email": "admin@example.org", "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    admin_client = client
    place = factories.municipality("Gaggenau")
    office = factories.office("Bühl")
    person = factories.coordinator(place, email="k@example.org")
    db.session.commit()
    [membership] = person.memberships

    # Without the token nothing happens.
    response = admin_client.post(f"/admin/users/{person.id}/roles/{membership.id}/revoke")
    assert response.status_code == 400
    response = admin_client.post(
        f"/admin/users/{person.id}/roles", data={"role": Role.MANAGER, "office_id": office.id}
    )
    assert response.status_code == 400
    assert _count(Membership) == 2

    # The forms on the account page carry it.
    html = admin_client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    token = token_from(html[html.index('action="/admin/users/') :])
    response = admin_client.post(
        f"/admin/users/{person.id}/roles",
        data={"csrf_token": token, "role": Role.MANAGER, "office_id": office.id},
    )
    assert response.status_code == 302
    response = admin_client.post(
        f"/admin/users/{person.id}/roles/{membership.id}/revoke", data={"csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [(m.role, m.office_id) for m in person.memberships] == [(Role.MANAGER, office.id)]
