"""Editing, cancelling (with e-mail), duplicating and completing needs."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.core.time import local_to_utc, today_local, utcnow
from portal.extensions import db
from portal.needs import services, validation
from portal.needs.models import Assignment, Need, NeedStatus
from portal.notifications.models import OutboundEmail
from portal.notifications.services import send_pending
from portal.plans.models import StepStatus
from portal.volunteers.models import VolunteerProfile
from tests import factories
from tests import factories_plans as fp


@pytest.fixture
def world(app):
    places = factories.reference_data()
    keller = factories.manager(office_=places["Gaggenau"].office, email="keller@example.org")
    person = fp.client(places["Gaggenau"], manager_=keller)
    step = fp.step(fp.goal(person))
    need = fp.need(places["Gaggenau"], title="Begleitung zum Jobcenter", source_step=step)
    db.session.commit()
    return {"places": places, "keller": keller, "step": step, "need": need}


def claim(need: Need, email: str, locale: str = "de") -> Assignment:
    user = factories.volunteer(need.municipality, email=email, locale=locale)
    profile = db.session.scalars(
        select(VolunteerProfile).where(VolunteerProfile.user_id == user.id)
    ).one()
    assignment = Assignment(need=need, volunteer=profile, status="active")
    need.taken += 1
    db.session.add(assignment)
    db.session.commit()
    return assignment


def edit_data(need: Need, **overrides):
    data = validation.NeedInput.from_need(need)
    form = {
        "category": data.category,
        "title": data.title,
        "public_description": data.public_description,
        "private_notes": data.private_notes,
        "municipality_id": data.municipality_id,
        "meeting_point": data.meeting_point,
        "languages": data.languages,
        "schedule_kind": data.schedule_kind,
        "starts_at": data.starts_at.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": data.ends_at.strftime("%Y-%m-%dT%H:%M"),
        "capacity": str(data.capacity),
        "status": data.status,
    }
    form.update(overrides)
    return form


def test_edit_a_need(world, client, auth):
    need = world["need"]
    auth.login("keller@example.org")
    page = client.get(f"/needs/{need.id}/edit").get_data(as_text=True)
    assert "Begleitung zum Jobcenter" in page
    response = client.post(
        f"/needs/{need.id}/edit", data=edit_data(need, title="Begleitung zur Agentur", capacity="3")
    )
    assert response.status_code == 302
    db.session.refresh(need)
    assert need.title == "Begleitung zur Agentur"
    assert need.capacity == 3


def test_capacity_cannot_drop_below_the_claims_and_a_full_need_is_filled(world, client, auth):
    need = world["need"]
    claim(need, "a@example.org")
    auth.login("keller@example.org")
    response = client.post(f"/needs/{need.id}/edit", data=edit_data(need, capacity="0"))
    assert response.status_code == 400
    response = client.post(f"/needs/{need.id}/edit", data=edit_data(need, status="draft"))
    assert response.status_code == 400
    assert 'id="status-error"' in response.get_data(as_text=True)
    assert (
        client.post(f"/needs/{need.id}/edit", data=edit_data(need, capacity="1")).status_code == 302
    )
    db.session.refresh(need)
    assert (need.capacity, need.status) == (1, NeedStatus.FILLED)
    assert (
        client.post(f"/needs/{need.id}/edit", data=edit_data(need, capacity="2")).status_code == 302
    )
    db.session.refresh(need)
    assert need.status == NeedStatus.OPEN


def test_a_past_start_that_was_already_there_does_not_block_an_edit(world, client, auth):
    need = world["need"]
    start = utcnow() - timedelta(hours=2)
    need.starts_at, need.ends_at = start, start + timedelta(hours=3)
    db.session.commit()
    auth.login("keller@example.org")
    response = client.post(f"/needs/{need.id}/edit", data=edit_data(need, meeting_point="Neu"))
    assert response.status_code == 302
    # ... but moving it to another past time does.
    data = edit_data(need)
    data["starts_at"] = (today_local() - timedelta(days=3)).isoformat() + "T09:00"
    response = client.post(f"/needs/{need.id}/edit", data=data)
    assert response.status_code == 400
    assert 'id="starts_at-error"' in response.get_data(as_text=True)


def test_invalid_edit_changes_nothing(world, client, auth):
    need = world["need"]
    auth.login("keller@example.org")
    before = (need.title, need.starts_at, need.ends_at, need.capacity)
    data = edit_data(need, title="Neu")
    data["ends_at"] = data["starts_at"]
    assert client.post(f"/needs/{need.id}/edit", data=data).status_code == 400
    db.session.expire_all()
    need = db.session.get(Need, need.id)
    assert (need.title, need.starts_at, need.ends_at, need.capacity) == before


@pytest.mark.smtp
def test_cancel_with_a_reason_emails_the_assigned_volunteers(world, client, auth, smtp_server):
    need = world["need"]
    first = claim(need, "lena@example.org")
    second = claim(need, "kovalenko@example.org", locale="en")
    auth.login("keller@example.org")
    response = client.post(f"/needs/{need.id}/cancel", data={"reason": ""})
    assert response.status_code == 400
    assert 'id="reason-error"' in response.get_data(as_text=True)
    assert db.session.get(Need, need.id).status == NeedStatus.OPEN
    response = client.post(
        f"/needs/{need.id}/cancel", data={"reason": "Der Termin beim Jobcenter fällt aus."}
    )
    assert response.status_code == 302
    db.session.expire_all()
    need = db.session.get(Need, need.id)
    assert need.status == NeedStatus.CANCELLED
    assert need.cancel_reason == "Der Termin beim Jobcenter fällt aus."
    assert need.taken == 0  # the counter keeps counting active claims only
    for assignment_id in (first.id, second.id):
        assignment = db.session.get(Assignment, assignment_id)
        assert assignment.status == "released"
        assert assignment.ended_at is not None
    send_pending()
    to_lena = smtp_server.to("lena@example.org")
    assert len(to_lena) == 1
    assert "Abgesagt: Begleitung zum Jobcenter" in to_lena[0]["Subject"]
    assert "Der Termin beim Jobcenter fällt aus." in smtp_server.text_of(to_lena[0])
    # The private notes never go out.
    assert "Interne Notiz" not in smtp_server.text_of(to_lena[0])
    assert len(smtp_server.to("kovalenko@example.org")) == 1
    assert len(smtp_server.messages) == 2
    # A cancelled need cannot be cancelled again or edited.
    assert client.post(f"/needs/{need.id}/cancel", data={"reason": "x"}).status_code == 409
    assert client.get(f"/needs/{need.id}/edit").status_code == 302


def test_cancel_without_claims_sends_nothing(world, client, auth):
    auth.login("keller@example.org")
    need = world["need"]
    assert client.post(f"/needs/{need.id}/cancel", data={"reason": "Erledigt"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 0


def test_duplicate_makes_a_draft_with_a_future_schedule(world, client, auth):
    need = world["need"]
    start = local_to_utc(datetime.combine(today_local() - timedelta(days=10), time(9, 0)))
    need.starts_at, need.ends_at = start, start + timedelta(hours=1)
    need.status = NeedStatus.COMPLETED
    db.session.commit()
    auth.login("keller@example.org")
    response = client.post(f"/needs/{need.id}/duplicate")
    assert response.status_code == 302
    copy = db.session.scalars(select(Need).where(Need.id != need.id)).one()
    assert response.headers["Location"].endswith(f"/needs/{copy.id}/edit")
    assert copy.status == NeedStatus.DRAFT
    assert copy.taken == 0
    assert copy.title == need.title and copy.source_step_id == need.source_step_id
    assert copy.starts_at > utcnow()
    assert (copy.starts_at - start) % timedelta(weeks=1) == timedelta(0)
    assert copy.ends_at - copy.starts_at == timedelta(hours=1)
    assert copy.starts_on >= today_local()


def test_complete_marks_the_source_step_done_in_the_same_action(world, client, auth):
    need = world["need"]
    assignment = claim(need, "lena@example.org")
    auth.login("keller@example.org")
    response = client.post(f"/needs/{need.id}/complete", data={"mark_step_done": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Need, need.id).status == NeedStatus.COMPLETED
    assert db.session.get(Need, need.id).taken == 0
    assert db.session.get(Assignment, assignment.id).status == "completed"
    step = world["step"]
    assert db.session.get(type(step), step.id).status == StepStatus.DONE


def test_complete_without_marking_leaves_the_step(world, app):
    need = world["need"]
    services.complete_need(world["keller"], need, mark_step_done=False)
    db.session.expire_all()
    assert db.session.get(Need, need.id).status == NeedStatus.COMPLETED
    assert db.session.get(type(world["step"]), world["step"].id).status == StepStatus.OPEN


def test_a_draft_cannot_be_completed(world, app):
    need = world["need"]
    need.status = NeedStatus.DRAFT
    db.session.commit()
    from portal.core.errors import InvalidTransition

    with pytest.raises(InvalidTransition):
        services.complete_need(world["keller"], need, mark_step_done=True)
