"""Services own their transactions: a unit of work commits when it succeeds and leaves the
session rolled back when it refuses, so views never commit or roll back themselves. And one
helper scopes every list to the municipalities a user manages or coordinates."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.auth.models import Role
from portal.core.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from portal.core.transaction import read_only, unit_of_work
from portal.extensions import db
from portal.municipalities.models import Municipality, Office
from portal.needs import claims
from portal.plans import clients as client_records
from portal.security import (
    coordinated_municipality_ids,
    managed_municipality_ids,
    scope_to,
)
from tests import factories
from tests import factories_board as fb


def _stored(name: str) -> bool:
    """Is an office of that name in the database (not only in the session)?"""
    db.session.rollback()
    return db.session.scalar(select(Office.id).where(Office.name == name)) is not None


def test_a_unit_of_work_commits_when_it_succeeds(app):
    with unit_of_work():
        db.session.add(Office(name="Außenstelle Rastatt"))
    assert not db.session().in_transaction()
    assert _stored("Außenstelle Rastatt")


def test_a_refused_unit_of_work_rolls_back_and_re_raises(app):
    with pytest.raises(Conflict), unit_of_work():
        db.session.add(Office(name="Außenstelle Bühl"))
        db.session.flush()
        raise Conflict("refused")
    assert not db.session().in_transaction()
    assert not db.session.new and not db.session.dirty
    assert not _stored("Außenstelle Bühl")


def test_a_failing_unit_of_work_rolls_back_on_any_exception(app):
    with pytest.raises(ZeroDivisionError), unit_of_work():
        db.session.add(Office(name="Außenstelle Gaggenau"))
        db.session.flush()
        _ = 1 / 0
    assert not _stored("Außenstelle Gaggenau")


def test_a_unit_inside_another_joins_it(app):
    """Only the outermost unit commits: a service built from services is one transaction."""
    with pytest.raises(InvalidTransition), unit_of_work():
        with unit_of_work():
            db.session.add(Office(name="Innen"))
        assert db.session().in_transaction()  # the inner unit did not commit
        raise InvalidTransition("the outer unit refuses")
    assert not _stored("Innen")
    with unit_of_work():  # and the depth counter is back at the outermost level
        db.session.add(Office(name="Danach"))
    assert _stored("Danach")


def test_a_unit_of_work_decorates_a_service(app):
    @unit_of_work()
    def open_office(name: str, refuse: bool = False) -> Office:
        office = Office(name=name)
        db.session.add(office)
        if refuse:
            raise NotAllowed("no")
        return office

    open_office("Erste")
    with pytest.raises(NotAllowed):
        open_office("Zweite", refuse=True)
    assert _stored("Erste")
    assert not _stored("Zweite")


def test_a_read_ends_its_transaction_but_leaves_a_unit_of_work_alone(app):
    with read_only():
        db.session.scalar(select(Office.id))
    assert not db.session().in_transaction()
    with unit_of_work():
        db.session.add(Office(name="Im Werk"))
        with read_only():
            db.session.scalar(select(Office.id))
        assert db.session().in_transaction()
    assert _stored("Im Werk")


def test_a_service_that_refuses_leaves_the_session_clean(app):
    places = factories.reference_data()
    manager = factories.manager(places["Bühl"])
    client = client_records.create_client(
        manager, client_records.ClientInput(name="Familie A.", municipality_id=places["Bühl"].id)
    )
    with pytest.raises(InvalidTransition):
        client_records.reopen_client(manager, client)  # it is not closed
    assert not db.session().in_transaction()
    assert not db.session.new and not db.session.dirty


def test_a_refused_claim_changes_nothing_and_leaves_the_session_clean(app):
    places = factories.reference_data()
    manager = factories.manager(places["Gaggenau"])
    need = fb.once_need(places["Gaggenau"], created_by=manager, capacity=1)
    first = factories.volunteer(places["Gaggenau"], email="erste@example.org")
    second = factories.volunteer(places["Gaggenau"], email="zweite@example.org")
    db.session.commit()
    claims.claim(first, need.id)
    with pytest.raises(DomainError):
        claims.claim(second, need.id)
    assert not db.session().in_transaction()
    db.session.refresh(need)
    assert (need.taken, need.capacity) == (1, 1)


# --- one scope helper --------------------------------------------------------------------------


def _names(stmt) -> set[str]:
    return set(db.session.scalars(stmt))


def test_scope_to_narrows_a_query_to_the_users_municipalities(app):
    places = factories.reference_data()
    manager = factories.manager(places["Bühl"])
    coordinator = factories.coordinator(places["Gaggenau"])
    admin = factories.admin()
    volunteer = factories.volunteer(places["Rastatt"])
    everything = select(Municipality.name)

    assert _names(scope_to(everything, Municipality.id, managed_municipality_ids(manager))) == {
        "Bühl"
    }
    assert _names(
        scope_to(everything, Municipality.id, coordinated_municipality_ids(coordinator))
    ) == {"Gaggenau"}
    # admins see every municipality, people without the role none at all
    assert managed_municipality_ids(admin) is None
    assert _names(scope_to(everything, Municipality.id, None)) == set(places)
    assert (
        _names(scope_to(everything, Municipality.id, managed_municipality_ids(volunteer))) == set()
    )


def test_an_office_scope_covers_the_offices_municipalities(app):
    places = factories.reference_data()
    office = places["Bühl"].office
    assert office is not None
    manager = factories.manager(office_=office)
    assert Role.MANAGER in manager.roles
    scoped = scope_to(select(Municipality.name), Municipality.id, managed_municipality_ids(manager))
    assert _names(scoped) == {m.name for m in office.municipalities}
    assert len(_names(scoped)) > 1
    # the managers a client can be given: everyone whose scope overlaps (here: by the office)
    colleague = factories.manager(places["Bühl"], email="kollegin@example.org")
    stranger = factories.manager(places["Gaggenau"], email="fremd@example.org")
    offered = {uid for uid, _name in client_records.managers_for(colleague)}
    assert {manager.id, colleague.id} <= offered
    assert stranger.id not in offered
