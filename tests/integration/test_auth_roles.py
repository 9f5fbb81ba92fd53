"""Roles as memberships: navigation for every role held, `roles_required`, safe `next`."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, url_for

from portal.auth.models import Role
from portal.core.http import safe_next_url
from portal.extensions import db
from portal.navigation import SECTIONS
from portal.security import roles_required
from tests import factories
from tests.factories_auth import text

NAV = re.compile(r'<nav aria-label="Hauptnavigation".*?</nav>', re.S)


@pytest.fixture
def guarded(app: Flask) -> Flask:
    """Test-only routes behind `roles_required`."""

    @roles_required(Role.COORDINATOR, Role.MANAGER)
    def staff_only() -> str:
        return "staff page"

    @roles_required()
    def any_logged_in() -> str:
        return "member page"

    app.add_url_rule("/_test/staff", "test_staff", staff_only)
    app.add_url_rule("/_test/member", "test_member", any_logged_in)
    return app


def nav_html(client) -> str:
    page = client.get("/account/password")
    assert page.status_code == 200
    match = NAV.search(text(page))
    assert match, "no main navigation on the page"
    return match.group(0)


def expected_links(app: Flask, role: str) -> list[str]:
    with app.test_request_context():
        section = next(s for s in SECTIONS if s.role == role)
        return [url_for(i.endpoint) for i in section.items if i.endpoint in app.view_functions]


SECTION_LABEL = {
    Role.VOLUNTEER: "Ehrenamt",
    Role.COORDINATOR: "Koordination",
    Role.MANAGER: "Integrationsmanagement",
    Role.ADMIN: "Administration",
    Role.OFFICE_LEAD: "Leitung der Außenstelle",
}


@pytest.mark.parametrize(
    "roles",
    [
        (Role.COORDINATOR, Role.VOLUNTEER),
        (Role.MANAGER, Role.ADMIN),
        (Role.VOLUNTEER, Role.COORDINATOR, Role.MANAGER, Role.ADMIN, Role.OFFICE_LEAD),
        (Role.VOLUNTEER,),
        (Role.OFFICE_LEAD,),
    ],
    ids=["coordinator+volunteer", "manager+admin", "all", "volunteer", "office_lead"],
)
def test_navigation_shows_a_section_for_every_role_held(app, client, auth, roles):
    refs = factories.reference_data()
    gaggenau = refs["Gaggenau"]
    scopes = {
        Role.VOLUNTEER: (Role.VOLUNTEER, None, None),
        Role.COORDINATOR: (Role.COORDINATOR, gaggenau.id, None),
        Role.MANAGER: (Role.MANAGER, None, gaggenau.office_id),
        Role.ADMIN: (Role.ADMIN, None, None),
        Role.OFFICE_LEAD: (Role.OFFICE_LEAD, None, gaggenau.office_id),
    }
    factories.user("viele@example.org", roles=[scopes[r] for r in roles])
    db.session.commit()
    auth.login("viele@example.org")

    nav = nav_html(client)
    for role in Role:
        label = f'<span class="nav-section-label">{SECTION_LABEL[role]}</span>'
        links = expected_links(app, role)
        assert links, f"no page of the {role} section exists"
        if role in roles:
            assert label in nav
            for link in links:
                assert f'href="{link}"' in nav
        else:
            assert label not in nav
            held = {link for r in roles for link in expected_links(app, r)}
            for link in set(links) - held:  # a page two sections share shows once held
                assert f'href="{link}"' not in nav

    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200
    for role in roles:
        assert f'id="dash-{role}"' in text(dashboard)


def test_a_user_without_roles_sees_no_role_sections(app, client, auth):
    factories.user("ohne@example.org")
    db.session.commit()
    auth.login("ohne@example.org")
    nav = nav_html(client)
    assert "nav-section-label" not in nav
    assert "Wie geht es weiter?" in text(client.get("/dashboard"))


def test_anonymous_visitors_see_no_main_navigation(app, client):
    html = text(client.get("/"))
    assert 'aria-label="Hauptnavigation"' not in html
    assert 'href="/login"' in html


def test_roles_required_redirects_anonymous_visitors_to_login_with_next(guarded, client, auth):
    response = client.get("/_test/staff?tab=2")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/_test/staff?tab=2"]

    factories.user("kai@example.org", roles=[(Role.MANAGER, None, factories.office().id)])
    db.session.commit()
    response = client.post(
        f"{location.path}?{location.query}",
        data={"email": "kai@example.org", "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/_test/staff?tab=2"
    assert text(client.get("/_test/staff")) == "staff page"


def test_roles_required_gives_403_to_users_without_the_role(guarded, client, auth):
    factories.volunteer(factories.municipality(), email="vera@example.org")
    db.session.commit()
    auth.login("vera@example.org")
    response = client.get("/_test/staff")
    assert response.status_code == 403
    assert "Kein Zugriff" in text(response)
    assert 'class="skip-link"' in text(response)
    assert client.get("/_test/member").status_code == 200

    # The same for a real page: the outbox is for admins only.
    assert client.get("/admin/outbox").status_code == 403


def test_roles_required_accepts_any_of_the_roles(guarded, client, auth):
    factories.coordinator(factories.municipality(), email="cora@example.org")
    db.session.commit()
    auth.login("cora@example.org")
    assert client.get("/_test/staff").status_code == 200


def test_admin_reaches_admin_pages(app, client, auth):
    factories.admin(email="chefin@example.org")
    db.session.commit()
    auth.login("chefin@example.org")
    assert client.get("/admin/outbox").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://evil.example/dashboard",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "evil.example",
        "",
    ],
)
def test_login_refuses_open_redirects(app, client, target):
    factories.user("amira@example.org")
    db.session.commit()
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "amira@example.org", "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


@pytest.mark.parametrize("target", ["/admin/outbox", "/dashboard?x=1", "/privacy#top"])
def test_local_next_targets_are_kept(target):
    assert safe_next_url(target) == target


def test_language_switch_refuses_open_redirects(app, client):
    response = client.post("/language", data={"language": "en", "next": "//evil.example/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
