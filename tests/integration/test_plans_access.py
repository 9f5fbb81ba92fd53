"""Privacy: volunteers and coordinators never reach clients, plans or private notes."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.extensions import db
from portal.volunteers.models import VolunteerProfile
from tests import factories
from tests import factories_plans as fp

SECRET_NAME = "Familie Geheimname-Qx"
SECRET_CONTACT = "Geheimweg 7, Tel. 0151 99887766"
SECRET_NOTE = "Privatnotiz-Zx: Aufenthaltsstatus ungeklärt"


@pytest.fixture
def world(app):
    places = factories.reference_data()
    gaggenau = places["Gaggenau"]
    keller = factories.manager(office_=gaggenau.office, email="keller@example.org")
    factories.manager(office_=places["Bühl"].office, email="hofmann@example.org")
    factories.coordinator(gaggenau, email="koordination@example.org")
    volunteer = factories.volunteer(gaggenau, email="lena@example.org")
    factories.admin(email="admin@example.org")
    person = fp.client(gaggenau, name=SECRET_NAME, contact=SECRET_CONTACT, manager_=keller)
    goal = fp.goal(person)
    step = fp.step(goal, text="Planschritt-Yk: Begleitung")
    need = fp.need(gaggenau, source_step=step, private_notes=SECRET_NOTE)
    profile = db.session.query(VolunteerProfile).filter_by(user_id=volunteer.id).one()
    db.session.commit()
    return {
        "client": person,
        "goal": goal,
        "step": step,
        "need": need,
        "profile": profile,
        "reference": person.reference,
    }


def _urls(world) -> list[str]:
    c, g, s, n = world["client"].id, world["goal"].id, world["step"].id, world["need"].id
    return [
        "/plans/",
        "/plans/clients",
        "/plans/clients/new",
        f"/plans/clients/{c}",
        f"/plans/clients/{c}/edit",
        f"/plans/clients/{c}/plan",
        f"/plans/clients/{c}/plan/edit",
        f"/plans/clients/{c}/goals/new",
        f"/plans/goals/{g}/edit",
        f"/plans/goals/{g}/steps/new",
        f"/plans/steps/{s}/edit",
        "/needs/",
        "/needs/new",
        f"/needs/new?step_id={s}",
        f"/needs/{n}",
        f"/needs/{n}/edit",
        f"/needs/{n}/cancel",
    ]


def _posts(world) -> list[str]:
    c, n = world["client"].id, world["need"].id
    return [
        f"/plans/clients/{c}/close",
        f"/plans/clients/{c}/reopen",
        f"/needs/{n}/duplicate",
        f"/needs/{n}/complete",
        f"/needs/{n}/cancel",
    ]


@pytest.mark.parametrize("email", ["lena@example.org", "koordination@example.org"])
def test_volunteers_and_coordinators_are_refused_every_plan_and_need_page(
    world, client, auth, email
):
    auth.login(email)
    for url in _urls(world):
        response = client.get(url)
        assert response.status_code == 403, url
        body = response.get_data(as_text=True)
        assert SECRET_NAME not in body and SECRET_NOTE not in body
    for url in _posts(world):
        assert client.post(url, data={"reason": "x"}).status_code == 403, url


def test_anonymous_visitors_are_sent_to_the_login(world, client):
    for url in _urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]


def test_managers_of_another_office_get_404_for_every_object(world, client, auth):
    auth.login("hofmann@example.org")
    for url in _urls(world):
        response = client.get(url)
        if url in ("/plans/", "/plans/clients", "/plans/clients/new", "/needs/", "/needs/new"):
            assert response.status_code == 200, url
            body = response.get_data(as_text=True)
            assert SECRET_NAME not in body
            assert world["reference"] not in body
            assert SECRET_NOTE not in body
        else:
            assert response.status_code == 404, url
    for url in _posts(world):
        assert client.post(url, data={"reason": "x"}).status_code == 404, url


def test_admins_see_clients_and_plans(world, client, auth):
    auth.login("admin@example.org")
    assert SECRET_NAME in client.get(f"/plans/clients/{world['client'].id}").get_data(as_text=True)
    assert SECRET_NOTE in client.get(f"/needs/{world['need'].id}").get_data(as_text=True)
    assert world["reference"] in client.get("/plans/clients").get_data(as_text=True)


def _fill(rule, world) -> str | None:
    values = {
        "client_id": world["client"].id,
        "goal_id": world["goal"].id,
        "step_id": world["step"].id,
        "need_id": world["need"].id,
        "plan_id": world["client"].plan.id,
        "volunteer_id": world["profile"].id,
        "profile_id": world["profile"].id,
        "id": world["need"].id,
    }
    url = rule.rule
    for arg in rule.arguments:
        if arg not in values:
            return None
        url = url.replace(f"<int:{arg}>", str(values[arg])).replace(f"<{arg}>", str(values[arg]))
    return url


@pytest.mark.parametrize("email", ["lena@example.org", "koordination@example.org"])
def test_no_page_or_export_shows_client_identity_or_private_notes(
    app: Flask, world, client, auth, email
):
    """Every GET route of the whole portal (task board, exports, coordination ...), filled
    with the ids of this client, plan, step and need, is free of the client's identity and
    of the need's private notes for volunteers and coordinators."""
    auth.login(email)
    visited = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in ("static", "auth.logout"):
            continue
        url = _fill(rule, world)
        if url is None:
            continue
        response = client.get(url)
        body = response.get_data(as_text=False)
        for secret in (SECRET_NAME, SECRET_CONTACT, SECRET_NOTE, world["reference"]):
            assert secret.encode() not in body, (url, secret)
        visited += 1
    assert visited >= 20
