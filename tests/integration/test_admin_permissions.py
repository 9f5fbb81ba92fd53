"""Every admin route: anonymous → log-in page, volunteer/coordinator/manager → 403, admin → 200.

The matrix is checked against the URL map, so a new admin route without an entry here fails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.auth.services import grant_role
from portal.extensions import db
from portal.notifications.models import OutboundEmail, OutboxStatus
from tests import factories


@pytest.fixture
def world(app) -> dict[str, Any]:
    office = factories.office("Außenstelle Nord")
    place = factories.municipality("Nordheim", office_=office, kind="Stadt")
    people = {
        Role.ADMIN: factories.admin(email="admin@example.org"),
        Role.VOLUNTEER: factories.volunteer(place, email="ehrenamt@example.org"),
        Role.COORDINATOR: factories.coordinator(place, email="koordination@example.org"),
        Role.MANAGER: factories.manager(office_=office, email="im@example.org"),
    }
    # An invited staff member: no password yet, one scoped role.
    target = factories.user("neu@example.org", "Nina Neu", password=None, verified=False)
    membership = grant_role(None, target, Role.MANAGER, place.id, None)
    # A message that failed for good: the admin may send it again.
    mail = OutboundEmail(
        recipient="x@example.org", subject="Test", body_text="Hallo", status=OutboxStatus.FAILED
    )
    db.session.add(mail)
    db.session.commit()
    return {
        "office": office.id,
        "municipality": place.id,
        "target": target.id,
        "membership": membership.id,
        "email": mail.id,
        "people": {role: u.email for role, u in people.items()},
    }


Route = tuple[str, str, Callable[[dict[str, Any]], dict[str, Any]] | None]

ROUTES: list[Route] = [
    ("GET", "/admin/", None),
    ("GET", "/admin/municipalities", None),
    ("GET", "/admin/municipalities/new", None),
    (
        "POST",
        "/admin/municipalities/new",
        lambda w: {"name": "Neustadt", "kind": "Stadt", "ags": "08216999", "office_id": ""},
    ),
    ("GET", "/admin/municipalities/{municipality}/edit", None),
    (
        "POST",
        "/admin/municipalities/{municipality}/edit",
        lambda w: {"name": "Nordheim a. R.", "kind": "Stadt", "ags": "", "office_id": w["office"]},
    ),
    ("GET", "/admin/offices", None),
    ("GET", "/admin/offices/new", None),
    ("POST", "/admin/offices/new", lambda w: {"name": "Außenstelle Süd", "phone": "07222 1"}),
    ("GET", "/admin/offices/{office}/edit", None),
    (
        "POST",
        "/admin/offices/{office}/edit",
        lambda w: {"name": "Außenstelle Nord", "address": "Marktplatz 1, 76437 Rastatt"},
    ),
    ("GET", "/admin/users", None),
    ("GET", "/admin/users/invite", None),
    (
        "POST",
        "/admin/users/invite",
        lambda w: {
            "display_name": "Karl Koch",
            "email": "karl.koch@example.org",
            "locale": "de",
            "role": Role.COORDINATOR,
            "municipality_id": w["municipality"],
            "office_id": "",
        },
    ),
    ("GET", "/admin/users/{target}", None),
    (
        "POST",
        "/admin/users/{target}/roles",
        lambda w: {"role": Role.COORDINATOR, "municipality_id": w["municipality"], "office_id": ""},
    ),
    ("POST", "/admin/users/{target}/roles/{membership}/revoke", lambda w: {}),
    ("POST", "/admin/users/{target}/deactivate", lambda w: {}),
    ("POST", "/admin/users/{target}/reactivate", lambda w: {}),
    ("POST", "/admin/users/{target}/resend-invitation", lambda w: {}),
    ("GET", "/admin/outbox", None),
    ("GET", "/admin/outbox/{email}", None),
    ("POST", "/admin/outbox/requeue", lambda w: {}),
    ("POST", "/admin/outbox/{email}/requeue", lambda w: {}),
    ("GET", "/admin/audit", None),
]


def _changes() -> int:
    """Audit events other than log-ins: every admin change writes one."""
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action != "user.logged_in")
    )


def _request(client, method: str, url: str, data: dict[str, Any] | None, **kw: Any):
    if method == "GET":
        return client.get(url, **kw)
    return client.post(url, data=data, **kw)


@pytest.mark.parametrize(
    ("method", "pattern", "payload"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES]
)
def test_only_admins_may_use_admin_routes(client, auth, world, method, pattern, payload):
    url = pattern.format(**world)
    data = payload(world) if payload else None

    before = _changes()
    response = _request(client, method, url, data)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]

    for role in (Role.VOLUNTEER, Role.COORDINATOR, Role.MANAGER):
        assert auth.login(world["people"][role]).status_code == 302
        assert _request(client, method, url, data).status_code == 403, role
        auth.logout()
    assert _changes() == before, "a refused request changed something"

    auth.login(world["people"][Role.ADMIN])
    response = _request(client, method, url, data, follow_redirects=True)
    assert response.status_code == 200
    if method == "POST":
        assert _changes() > before, "the admin's request was not carried out"


def test_the_matrix_covers_every_admin_route(app):
    covered = {(method, pattern) for method, pattern, _ in ROUTES}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<int:{arg}>", "{" + _WORLD_KEY[arg] + "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path) in covered, f"{method} {path} is missing from the matrix"


_WORLD_KEY = {
    "municipality_id": "municipality",
    "office_id": "office",
    "user_id": "target",
    "membership_id": "membership",
    "email_id": "email",
}
