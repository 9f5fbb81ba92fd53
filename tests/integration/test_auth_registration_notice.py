"""Sign-up with a registered address tells its owner, at most once a day: a stranger who
signs up again and again with someone's address cannot flood that inbox."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from portal.core.time import utcnow
from portal.extensions import db
from portal.notifications.models import OutboundEmail
from tests import factories
from tests.factories_auth import outbox
from tests.factories_volunteers import signup_form

DATA = {"display_name": "X", "password": factories.PASSWORD, "confirm": factories.PASSWORD}


def test_repeated_sign_ups_with_a_registered_address_send_one_notice_a_day(app, client):
    factories.user("foo@example.org")
    towns = factories.reference_data()
    db.session.commit()
    for email in ("foo@example.org", "Foo@Example.org", "foo@example.org"):
        assert client.post("/signup", data={**DATA, "email": email}).status_code == 302
    volunteer = signup_form(towns["Bühl"].id, email="foo@example.org")
    assert client.post("/volunteer/signup", data=volunteer).status_code == 302
    assert len(outbox("foo@example.org", "already_registered")) == 1

    # A day later the owner hears of the next attempt.
    db.session.execute(update(OutboundEmail).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    assert client.post("/signup", data={**DATA, "email": "foo@example.org"}).status_code == 302
    assert client.post("/signup", data={**DATA, "email": "foo@example.org"}).status_code == 302
    assert len(outbox("foo@example.org", "already_registered")) == 2


def test_the_limit_is_per_address(app, client):
    factories.user("foo@example.org")
    factories.user("bar@example.org")
    db.session.commit()
    for email in ("foo@example.org", "bar@example.org", "foo@example.org"):
        client.post("/signup", data={**DATA, "email": email})
    assert len(outbox("foo@example.org", "already_registered")) == 1
    assert len(outbox("bar@example.org", "already_registered")) == 1
