"""The calendar feed stops with the account: after the account is deactivated or the
volunteer suspended, the secret address answers 404 (and works again once reinstated)."""

from __future__ import annotations

import pytest

from portal.auth import services as accounts
from portal.extensions import db
from portal.needs.calendar import renew_calendar_token
from portal.volunteers import decisions
from tests import factories
from tests import factories_board as fb


@pytest.fixture
def feed(app):
    world = fb.county()
    fb.assignment(fb.once_need(world["gaggenau"], title="Begleitung"), world["profile"])
    db.session.commit()
    token = renew_calendar_token(world["volunteer"]).token
    world["path"] = f"/board/calendar/{token}.ics"
    world["coordinator"] = factories.coordinator(world["gaggenau"], email="k@example.org")
    world["admin"] = factories.admin(email="admin@example.org")
    db.session.commit()
    return world


def test_the_feed_stops_when_the_account_is_deactivated(feed, client):
    assert client.get(feed["path"]).status_code == 200
    accounts.set_active(feed["admin"], feed["volunteer"], False)
    assert client.get(feed["path"]).status_code == 404
    accounts.set_active(feed["admin"], feed["volunteer"], True)
    assert client.get(feed["path"]).status_code == 200


def test_the_feed_stops_when_the_volunteer_is_suspended(feed, client):
    assert client.get(feed["path"]).status_code == 200
    decisions.decide(feed["coordinator"], feed["profile"], decisions.SUSPEND, "Klärung")
    assert client.get(feed["path"]).status_code == 404
    decisions.decide(feed["coordinator"], feed["profile"], decisions.REINSTATE, "Geklärt")
    assert client.get(feed["path"]).status_code == 200
