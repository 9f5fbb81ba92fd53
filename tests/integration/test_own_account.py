"""Nobody decides on their own account: no coordinator approves, suspends or vets their own
volunteer profile (then to claim work with minors), no admin edits their own roles, locks or
unlocks their own account. The rule lives in the services; the pages refuse it too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.auth import services as accounts
from portal.auth.models import Membership, Role, User
from portal.core.errors import NotAllowed
from portal.core.time import today_local
from portal.extensions import db
from portal.volunteers import decisions
from portal.volunteers.models import ConductCertificateCheck, VolunteerProfile
from tests import factories
from tests.factories_volunteers import profile_of


def _with_profile(user: User, home, status: str) -> VolunteerProfile:
    """``user`` also volunteers, with a profile at home in ``home``."""
    user.memberships.append(Membership(role=Role.VOLUNTEER))
    return factories.volunteer_profile(user, home, status, interests=("youth_family",))


@pytest.fixture
def town(app):
    return factories.municipality("Gaggenau")


@pytest.fixture
def coordinating_volunteer(town):
    coordinator = factories.coordinator(town, email="k@example.org", name="Karla Koordination")
    _with_profile(coordinator, town, "pending")
    db.session.commit()
    return coordinator


def _checks() -> int:
    return db.session.scalar(select(func.count()).select_from(ConductCertificateCheck)) or 0


# --- the services ------------------------------------------------------------------------------


def test_a_coordinator_cannot_approve_or_vet_their_own_application(coordinating_volunteer):
    profile = profile_of(coordinating_volunteer)
    with pytest.raises(NotAllowed):
        decisions.decide(coordinating_volunteer, profile, decisions.APPROVE)
    with pytest.raises(NotAllowed):
        decisions.record_certificate_check(
            coordinating_volunteer, profile, today_local() - timedelta(days=3), today_local()
        )
    db.session.expire_all()
    assert profile.status == "pending" and _checks() == 0
    assert decisions.allowed_actions(profile, coordinating_volunteer) == []


@pytest.mark.parametrize("status", ["approved", "suspended"])
def test_nor_suspend_or_reinstate_themselves(town, status):
    coordinator = factories.coordinator(town, email="k@example.org")
    profile = _with_profile(coordinator, town, status)
    db.session.commit()
    action = decisions.SUSPEND if status == "approved" else decisions.REINSTATE
    with pytest.raises(NotAllowed):
        decisions.decide(coordinator, profile, action, "Pause")
    db.session.expire_all()
    assert profile.status == status


def test_an_admin_cannot_decide_on_their_own_profile_either(town):
    admin = factories.admin(email="a@example.org")
    profile = _with_profile(admin, town, "pending")
    db.session.commit()
    with pytest.raises(NotAllowed):
        decisions.decide(admin, profile, decisions.APPROVE)
    with pytest.raises(NotAllowed):
        decisions.record_certificate_check(admin, profile, today_local(), today_local())


def test_another_coordinator_decides_and_vets(coordinating_volunteer, town):
    colleague = factories.coordinator(town, email="c@example.org")
    db.session.commit()
    profile = profile_of(coordinating_volunteer)
    decisions.decide(colleague, profile, decisions.APPROVE)
    decisions.record_certificate_check(
        colleague, profile, today_local() - timedelta(days=3), today_local()
    )
    db.session.expire_all()
    assert profile.status == "approved" and _checks() == 1


def test_an_admin_cannot_promote_demote_or_lock_themselves(town):
    admin = factories.admin(email="a@example.org")
    db.session.commit()
    with pytest.raises(NotAllowed):
        accounts.grant_role(admin, admin, Role.COORDINATOR, town.id)
    db.session.rollback()
    # A second role, given by someone else, is not the admin's to take away again either.
    colleague = factories.admin(email="b@example.org")
    membership = accounts.grant_role(colleague, admin, Role.MANAGER, town.id)
    db.session.commit()
    with pytest.raises(NotAllowed):
        accounts.revoke_role(admin, membership.id)
    with pytest.raises(NotAllowed):
        accounts.set_active(admin, admin, True)
    db.session.expire_all()
    assert {m.role for m in admin.memberships} == {Role.ADMIN, Role.MANAGER}
    # The command line (no actor) sets up the first admin.
    first = factories.user(email="first@example.org")
    accounts.grant_role(None, first, Role.ADMIN)


# --- over HTTP ---------------------------------------------------------------------------------


def test_the_coordination_pages_refuse_decisions_on_the_own_profile(
    coordinating_volunteer, client, auth
):
    profile = profile_of(coordinating_volunteer)
    auth.login("k@example.org")
    html = client.get(f"/coordination/volunteers/{profile.id}").get_data(as_text=True)
    assert "data-own-account" in html
    assert f"/coordination/volunteers/{profile.id}/approve" not in html
    assert f"/coordination/volunteers/{profile.id}/certificate" not in html

    response = client.post(f"/coordination/volunteers/{profile.id}/approve")
    assert response.status_code == 403
    assert "eigenes Konto" in response.get_data(as_text=True)
    issued = today_local() - timedelta(days=3)
    response = client.post(
        f"/coordination/volunteers/{profile.id}/certificate",
        data={"issued_on": issued.isoformat(), "seen_on": today_local().isoformat()},
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert profile.status == "pending" and _checks() == 0


def test_the_admin_pages_refuse_changes_to_the_own_account(town, client, auth):
    admin = factories.admin(email="a@example.org")
    colleague = factories.admin(email="b@example.org")
    extra = accounts.grant_role(colleague, admin, Role.MANAGER, town.id)
    db.session.commit()
    auth.login("a@example.org")
    html = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert "data-own-account" in html
    assert f"/admin/users/{admin.id}/roles/{extra.id}/revoke" not in html

    response = client.post(
        f"/admin/users/{admin.id}/roles",
        data={"role": Role.COORDINATOR, "municipality_id": str(town.id)},
    )
    assert response.status_code == 400
    assert "eigenes Konto" in response.get_data(as_text=True)
    response = client.post(
        f"/admin/users/{admin.id}/roles/{extra.id}/revoke", follow_redirects=True
    )
    assert "eigenes Konto" in response.get_data(as_text=True)
    db.session.expire_all()
    assert {m.role for m in admin.memberships} == {Role.ADMIN, Role.MANAGER}
    # The colleague's account is the admin's to change.
    response = client.post(
        f"/admin/users/{colleague.id}/roles",
        data={"role": Role.COORDINATOR, "municipality_id": str(town.id)},
    )
    assert response.status_code == 302
