"""A manager moves a claimed need: the volunteers are told and confirm or withdraw; the manager
sees who confirmed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal.conversations import services as conversations
from portal.conversations.models import ConversationMessage
from portal.core.errors import InvalidTransition, NotFound
from portal.extensions import db
from portal.needs import services
from portal.needs.models import Assignment, NeedStatus
from portal.needs.validation import NeedInput
from portal.notifications.models import OutboundEmail
from tests import factories
from tests import factories_board as fb


@pytest.fixture
def world(app) -> dict[str, Any]:
    data = fb.county()
    need = fb.once_need(data["gaggenau"], created_by=data["manager"], capacity=2)
    data["claim"] = fb.assignment(need, data["profile"])
    other = factories.volunteer(data["gaggenau"], email="ida@example.org", name="Ida Lang")
    data["other_claim"] = fb.assignment(need, fb.profile_of(other))
    data["other"] = other
    data["need"] = need
    db.session.commit()
    return data


def edit(world: dict[str, Any], **changes: Any) -> None:
    need = world["need"]
    data = NeedInput.from_need(need)
    data.status = NeedStatus.OPEN
    for name, value in changes.items():
        setattr(data, name, value)
    services.update_need(world["manager"], need, data)


def changed_mails() -> list[OutboundEmail]:
    return list(
        db.session.scalars(select(OutboundEmail).where(OutboundEmail.template == "need_changed"))
    )


def test_a_new_time_asks_every_volunteer_to_confirm(world, client, auth):
    need = world["need"]
    data = NeedInput.from_need(need)
    assert data.starts_at is not None and data.ends_at is not None
    edit(
        world,
        starts_at=data.starts_at + timedelta(hours=2),
        ends_at=data.ends_at + timedelta(hours=2),
    )
    db.session.expire_all()
    claim = db.session.get(Assignment, world["claim"].id)
    assert claim.change_notified_at is not None and claim.change_confirmed_at is None
    assert sorted(m.recipient for m in changed_mails()) == ["ida@example.org", "lena@example.org"]
    assert "12:00" in changed_mails()[0].body_text  # the new time (10:00 + 2 h)
    [note] = db.session.scalars(select(ConversationMessage))
    assert note.author_role == "system"
    assert db.session.get(type(world["volunteer"]), world["volunteer"].id).unread_messages == 1

    auth.login("lena@example.org")
    for page in ("/board/my-tasks", f"/board/needs/{need.id}"):
        assert "Bitte bestätigen" in client.get(page).get_data(as_text=True), page
    conversation = client.get(f"/tasks/{need.id}/conversation").get_data(as_text=True)
    assert "Termin oder Treffpunkt wurden geändert" in conversation
    response = client.post(f"/board/assignments/{claim.id}/confirm")
    assert response.status_code == 302
    assert "Bitte bestätigen" not in client.get(f"/board/needs/{need.id}").get_data(as_text=True)
    auth.logout()

    auth.login("keller@example.org")
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "neuen Termin bestätigt am" in page
    assert "neuer Termin noch nicht bestätigt" in page  # Ida has not answered


def test_each_change_asks_again_and_withdrawing_is_the_other_answer(world):
    edit(world, meeting_point="Am Bahnhof, Gleis 1")
    conversations.confirm_change(world["volunteer"], world["claim"].id)
    edit(world, meeting_point="Am Bahnhof, Gleis 2")
    db.session.expire_all()
    claim = db.session.get(Assignment, world["claim"].id)
    assert claim.change_confirmed_at is None
    assert len(changed_mails()) == 4

    from portal.needs import claims

    claims.withdraw(world["other"], world["other_claim"].id, "Der neue Termin passt nicht.")
    with pytest.raises(InvalidTransition):
        conversations.confirm_change(world["other"], world["other_claim"].id)


def test_other_edits_ask_nothing(world):
    edit(world, public_description="Etwas genauer beschrieben.", capacity=3)
    assert changed_mails() == []
    assert db.session.get(Assignment, world["claim"].id).change_notified_at is None
    with pytest.raises(InvalidTransition):
        conversations.confirm_change(world["volunteer"], world["claim"].id)


def test_only_the_volunteer_confirms_their_own_claim(world, client, auth):
    edit(world, meeting_point="Am Bahnhof")
    with pytest.raises(NotFound):
        conversations.confirm_change(world["other"], world["claim"].id)
    auth.login("ida@example.org")
    assert client.post(f"/board/assignments/{world['claim'].id}/confirm").status_code == 404
    db.session.expire_all()
    assert db.session.get(Assignment, world["claim"].id).change_confirmed_at is None
