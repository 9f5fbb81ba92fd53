"""A manager erases a client's record with a reason: afterwards the name, the contact details
and the reference are in no column of any table; goal areas, step states and completed
needs with their hours stay for the statistics; open needs are cancelled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit import services as audit
from portal.audit.models import AuditEvent
from portal.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.core.time import today_local
from portal.extensions import db
from portal.needs.models import Assignment, Need
from portal.needs.report_models import Report
from portal.notifications.services import queue_email
from portal.plans import clients as client_records
from portal.plans.models import Client, Goal, Step
from portal.privacy import client_erasure
from tests import factories
from tests import factories_auth as fa
from tests import factories_board as fb
from tests import factories_plans as fp
from tests.column_scan import find_person

NAME = "Amira Zaharieva"
PHONE = "0157 7771234"
MAIL = "amira.z@example.net"


@pytest.fixture
def world(app):
    town = factories.municipality("Ahausen")
    elsewhere = factories.municipality("Bedorf")
    manager = factories.manager(town, email="im@example.org", name="Ina Manager")
    factories.manager(elsewhere, email="im.b@example.org")
    volunteer = factories.volunteer(town, email="v@example.org", name="Vera Volk")
    profile = fb.profile_of(volunteer)
    contact = f"Hauptstr. 1, Tel. {PHONE}, {MAIL}"
    client = fp.client(town, name=NAME, manager_=manager, contact=contact)
    reference = client.reference
    goal = fp.goal(client, text="Amira besteht die B1-Prüfung")
    fp.goal(client, area="work", text="Praktikum für Frau Zaharieva").status = "achieved"
    step = fp.step(goal, text="Zaharieva zur VHS begleiten", status="done")
    done = fb.once_need(
        town,
        created_by=manager,
        status="completed",
        source_step_id=step.id,
        private_notes="Frau Zaharieva, Klingel 3",
        meeting_point="Hauptstr. 1",
    )
    old = fb.assignment(done, profile, status="completed")
    fb.report(old, today_local() - timedelta(days=5), 120, outcome="Amira war pünktlich.")
    open_need = fb.once_need(town, created_by=manager, capacity=2, source_step_id=step.id)
    fb.assignment(open_need, profile)
    other = fp.client(town, name="Familie Haidari", manager_=manager)
    db.session.commit()
    client_records.record_client_view(manager, client)
    client_records.update_client(
        manager,
        client,
        client_records.ClientInput(name=NAME, municipality_id=town.id, contact=contact),
    )
    with db.session.begin_nested():
        audit.record(
            "client.note",
            actor=manager,
            object_type="need",
            object_id=done.id,
            note=f"Rückruf {PHONE} an Amira",
        )
        queue_email(
            "im@example.org",
            "board_concern",
            "de",
            manager=manager,
            need=done,
            volunteer=volunteer,
            report=old.reports[0],
            link="x",
        )
    db.session.commit()
    return {
        "client": client.id,
        "reference": reference,
        "manager": manager,
        "open": open_need.id,
        "done": done.id,
        "other": other.id,
        "town": town,
    }


def test_after_erasure_no_column_holds_name_contact_or_reference(world, client, auth):
    needles = (["Amira", "Zaharieva"], [PHONE, MAIL, world["reference"]])
    assert find_person(*needles), "the fixture must put the client everywhere first"
    auth.login("im@example.org")
    page = client.get(f"/plans/clients/{world['client']}/erase")
    assert page.status_code == 200
    response = client.post(
        f"/plans/clients/{world['client']}/erase",
        data={"reason": "Antrag von Amira Zaharieva nach Art. 17 DSGVO", "confirm": "y"},
    )
    assert response.status_code == 302
    assert find_person(*needles) == []
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "client.erased")).one()
    assert event.details["reason"] == "Antrag von […] […] nach Art. 17 DSGVO"
    assert event.actor_id == world["manager"].id
    other = db.session.get(Client, world["other"])
    assert other.name == "Familie Haidari" and other.reference.startswith("TS-")


def test_statistics_stay_without_text(world):
    manager = world["manager"]
    client_erasure.erase_client(manager, db.session.get(Client, world["client"]), "Antrag")
    goals = db.session.scalars(select(Goal).order_by(Goal.id)).all()
    mine = [g for g in goals if g.plan.client_id == world["client"]]
    assert [(g.area, g.status, g.text) for g in mine] == [
        ("language", "open", ""),
        ("work", "achieved", ""),
    ]
    steps = db.session.scalars(select(Step)).all()
    assert [(s.status, s.text) for s in steps] == [("done", "")]
    done = db.session.get(Need, world["done"])
    assert done.status == "completed" and done.private_notes == "" and done.meeting_point == ""
    minutes = db.session.scalars(select(Report.minutes)).all()
    assert minutes == [120]
    erased = db.session.get(Client, world["client"])
    assert erased.erased_at is not None and erased.name == "" and erased.languages == []
    assert erased.reference == f"ERASED-{erased.id}"


def test_open_needs_are_cancelled_and_volunteers_told_without_client_data(world):
    manager = world["manager"]
    client_erasure.erase_client(manager, db.session.get(Client, world["client"]), "Antrag")
    need = db.session.get(Need, world["open"])
    assert need.status == "cancelled" and need.taken == 0
    assert db.session.scalars(
        select(Assignment.status).where(Assignment.need_id == need.id)
    ).all() == ["released"]
    mails = fa.outbox("v@example.org", "need_cancelled")
    assert len(mails) == 1 and "Der Bedarf entfällt." in mails[0].body_text
    assert "Amira" not in mails[0].body_text and "Zaharieva" not in mails[0].body_text


def test_the_reason_is_required_and_the_confirmation_too(world, client, auth):
    auth.login("im@example.org")
    url = f"/plans/clients/{world['client']}/erase"
    assert client.post(url, data={"reason": "", "confirm": "y"}).status_code == 400
    assert client.post(url, data={"reason": "Antrag"}).status_code == 400
    with pytest.raises(ValidationFailed):
        client_erasure.erase_client(world["manager"], db.session.get(Client, world["client"]), " ")
    assert db.session.get(Client, world["client"]).name == NAME


def test_only_a_manager_of_the_municipality_may_erase(world, client, auth):
    auth.login("im.b@example.org")
    url = f"/plans/clients/{world['client']}/erase"
    assert client.post(url, data={"reason": "x", "confirm": "y"}).status_code == 404
    outsider = db.session.scalar(
        select(factories.User).where(factories.User.email == "im.b@example.org")
    )
    with pytest.raises(NotAllowed):
        client_erasure.erase_client(outsider, db.session.get(Client, world["client"]), "x")
    assert db.session.get(Client, world["client"]).erased_at is None


def test_an_erased_record_is_gone_from_the_pages_and_cannot_be_erased_twice(world, client, auth):
    manager = world["manager"]
    erased = client_erasure.erase_client(manager, db.session.get(Client, world["client"]), "x")
    with pytest.raises(InvalidTransition):
        client_erasure.erase_client(manager, erased, "x")
    auth.login("im@example.org")
    assert client.get(f"/plans/clients/{erased.id}").status_code == 404
    listing = client.get("/plans/clients").get_data(as_text=True)
    assert "ERASED-" not in listing and "Familie Haidari" in listing
