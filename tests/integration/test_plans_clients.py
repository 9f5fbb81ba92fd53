"""Clients: create, edit, close; pseudonymous references; audit of every view."""

from __future__ import annotations

import re
import threading

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.plans import clients
from portal.plans.models import Client, IntegrationPlan, ReferenceCounter
from tests import factories
from tests import factories_plans as fp


def _setup():
    places = factories.reference_data()
    gaggenau = places["Gaggenau"]
    keller = factories.manager(office_=gaggenau.office, email="keller@example.org")
    db.session.commit()
    return places, keller


def test_manager_creates_a_client_with_a_generated_reference(app, client, auth):
    places, keller = _setup()
    auth.login("keller@example.org")
    response = client.post(
        "/plans/clients/new",
        data={
            "name": "Familie Rahimi",
            "contact": "Hauptstraße 1, 76571 Gaggenau",
            "municipality_id": places["Gaggenau"].id,
            "languages": ["prs", "de"],
            "adults": "2",
            "children": "2014, 2019",
            "manager_id": str(keller.id),
        },
    )
    assert response.status_code == 302
    created = db.session.scalars(select(Client)).one()
    year = created.created_at.year
    assert created.reference == f"RA-{year}-0001"
    assert created.household == {"adults": 2, "children": [2014, 2019]}
    assert created.languages == ["prs", "de"]
    assert created.manager_id == keller.id
    assert created.plan is not None
    assert response.headers["Location"].endswith(f"/plans/clients/{created.id}/plan")


def test_references_count_up_per_year(app):
    places, keller = _setup()
    data = clients.ClientInput(name="A", municipality_id=places["Gaggenau"].id)
    first = clients.create_client(keller, data)
    second = clients.create_client(
        keller, clients.ClientInput(name="B", municipality_id=places["Gaggenau"].id)
    )
    n1 = int(first.reference.rsplit("-", 1)[1])
    n2 = int(second.reference.rsplit("-", 1)[1])
    assert n2 == n1 + 1
    assert re.fullmatch(r"RA-\d{4}-\d{4}", second.reference)


def test_concurrent_creation_never_duplicates_a_reference(app):
    """Eight threads, each with its own session and connection, create clients at once."""
    places, keller = _setup()
    manager_id, municipality_id = keller.id, places["Gaggenau"].id
    db.session.remove()
    threads_n, per_thread = 8, 3
    barrier = threading.Barrier(threads_n)
    references: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        try:
            with app.app_context():
                actor = db.session.get(User, manager_id)
                # End the read transaction: on SQLite every transaction holds the write lock
                # (BEGIN IMMEDIATE), so no thread may wait at the barrier inside one.
                db.session.commit()
                barrier.wait()
                for j in range(per_thread):
                    made = clients.create_client(
                        actor,
                        clients.ClientInput(name=f"P{i}-{j}", municipality_id=municipality_id),
                    )
                    with lock:
                        references.append(made.reference)
                db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(references) == threads_n * per_thread
    assert len(set(references)) == len(references)
    stored = list(db.session.scalars(select(Client.reference)))
    assert sorted(stored) == sorted(references)
    counter = db.session.scalars(select(ReferenceCounter)).one()
    assert counter.last_value == threads_n * per_thread


def test_every_view_of_a_client_page_is_audited(app, client, auth):
    places, keller = _setup()
    person = fp.client(places["Gaggenau"], manager_=keller)
    db.session.commit()
    auth.login("keller@example.org")
    assert client.get(f"/plans/clients/{person.id}").status_code == 200
    assert client.get(f"/plans/clients/{person.id}").status_code == 200
    assert client.get(f"/plans/clients/{person.id}/plan").status_code == 200
    events = list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "client.viewed").order_by(AuditEvent.id)
        )
    )
    assert [(e.actor_id, e.object_type, e.object_id) for e in events] == [
        (keller.id, "client", person.id)
    ] * 3
    assert [e.details["page"] for e in events] == ["client", "client", "plan"]
    assert all(e.municipality_id == places["Gaggenau"].id for e in events)


def test_edit_and_close_a_client(app, client, auth):
    places, keller = _setup()
    person = fp.client(places["Gaggenau"], manager_=keller)
    db.session.commit()
    auth.login("keller@example.org")
    response = client.post(
        f"/plans/clients/{person.id}/edit",
        data={
            "name": "Familie Rahimi-Noori",
            "municipality_id": places["Gernsbach"].id,
            "adults": "1",
            "children": "",
            "manager_id": "",
        },
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.name == "Familie Rahimi-Noori"
    assert person.municipality_id == places["Gernsbach"].id
    assert person.manager_id is None
    response = client.post(f"/plans/clients/{person.id}/close", data={"closed_on": "2026-01-05"})
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.status == "closed"
    assert str(person.closed_on) == "2026-01-05"
    assert client.post(f"/plans/clients/{person.id}/reopen").status_code == 302
    db.session.refresh(person)
    assert person.status == "active" and person.closed_on is None


def test_client_form_errors_are_shown_at_the_field_and_nothing_is_saved(app, client, auth):
    places, _keller = _setup()
    other = factories.manager(municipality_=places["Bühl"], email="buehl@example.org")
    db.session.commit()
    auth.login("keller@example.org")
    response = client.post(
        "/plans/clients/new",
        data={
            "name": "",
            "municipality_id": places["Gaggenau"].id,
            "adults": "2",
            "children": "14",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="name-error"' in html
    assert 'id="children-error"' in html
    # A manager who does not serve the municipality cannot be made responsible.
    response = client.post(
        "/plans/clients/new",
        data={
            "name": "Familie Sultani",
            "municipality_id": places["Gaggenau"].id,
            "adults": "2",
            "manager_id": str(other.id),
        },
    )
    assert response.status_code == 400
    assert 'id="manager_id-error"' in response.get_data(as_text=True)
    # A municipality outside the manager's office is not offered and not accepted.
    response = client.post(
        "/plans/clients/new",
        data={"name": "Familie Sultani", "municipality_id": places["Bühl"].id, "adults": "2"},
    )
    assert response.status_code == 400
    assert 'id="municipality_id-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Client)) == 0
    assert db.session.scalar(select(func.count()).select_from(IntegrationPlan)) == 0
    assert db.session.scalar(select(func.count()).select_from(ReferenceCounter)) == 0


def test_clients_list_shows_only_the_managers_municipalities(app, client, auth):
    places, _keller = _setup()
    fp.client(places["Gaggenau"], name="Familie Gaggenau")
    fp.client(places["Bühl"], name="Familie Bühl")
    db.session.commit()
    auth.login("keller@example.org")
    html = client.get("/plans/clients").get_data(as_text=True)
    assert "Familie Gaggenau" in html
    assert "Familie Bühl" not in html
