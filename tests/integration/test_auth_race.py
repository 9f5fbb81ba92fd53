"""Two registrations of the same address at the same moment: the loser gets the field message."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.auth import services
from portal.auth.models import User
from portal.core.errors import Conflict
from portal.extensions import db
from portal.municipalities.models import Office
from tests import factories


def test_a_registration_losing_the_race_is_a_conflict_not_a_crash(app, monkeypatch):
    factories.user(email="doppelt@example.org")
    db.session.commit()
    # The other request inserted its row after our existence check: the check sees nothing.
    monkeypatch.setattr(services, "find_user_by_email", lambda email: None)
    db.session.add(Office(name="Im selben Vorgang"))
    with pytest.raises(Conflict) as caught:
        services.create_user("Doppelt@Example.org", "Zweite Person", "Sicheres-Passwort-1")
    assert caught.value.field == "email"
    # Only the savepoint was rolled back: the rest of the transaction is intact and usable.
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert db.session.scalar(select(Office.name)) == "Im selben Vorgang"
