"""Permission matrix: every role (and a coordinator of another municipality) against every
route of the volunteer and coordination blueprints.

Coordinators see the volunteers whose *home* municipality they coordinate; anything else is a
404, also by a typed URL. Refused POSTs change nothing.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.core.time import today_local
from portal.extensions import db
from portal.notifications.models import OutboundEmail
from portal.volunteers.models import ConductCertificateCheck, VolunteerProfile
from tests import factories
from tests.factories_volunteers import profile_form, signup_form, volunteer_profile

ROLES = ["anonymous", "volunteer", "coordinator", "other_coordinator", "manager", "admin"]
LOGIN = 302  # anonymous users are sent to the log-in page

# route key -> expected status per role
EXPECTED: dict[str, dict[str, int]] = {
    "GET signup": {
        "anonymous": 200,
        "volunteer": 302,
        "coordinator": 302,
        "other_coordinator": 302,
        "manager": 302,
        "admin": 302,
    },
    "POST signup": {
        "anonymous": 302,
        "volunteer": 302,
        "coordinator": 302,
        "other_coordinator": 302,
        "manager": 302,
        "admin": 302,
    },
    "GET apply": {  # staff without a profile may apply; a volunteer is sent home
        "anonymous": LOGIN,
        "volunteer": 302,
        "coordinator": 200,
        "other_coordinator": 200,
        "manager": 200,
        "admin": 200,
    },
    "GET home": {
        "anonymous": LOGIN,
        "volunteer": 200,
        "coordinator": 403,
        "other_coordinator": 403,
        "manager": 403,
        "admin": 403,
    },
    "GET edit_profile": {
        "anonymous": LOGIN,
        "volunteer": 200,
        "coordinator": 403,
        "other_coordinator": 403,
        "manager": 403,
        "admin": 403,
    },
    "POST edit_profile": {
        "anonymous": LOGIN,
        "volunteer": 302,
        "coordinator": 403,
        "other_coordinator": 403,
        "manager": 403,
        "admin": 403,
    },
}
STAFF_LIST = {
    "anonymous": LOGIN,
    "volunteer": 403,
    "coordinator": 200,
    "other_coordinator": 200,
    "manager": 403,
    "admin": 200,
}
STAFF_OBJECT = {
    "anonymous": LOGIN,
    "volunteer": 403,
    "coordinator": 200,
    "other_coordinator": 404,
    "manager": 403,
    "admin": 200,
}
STAFF_POST = {**STAFF_OBJECT, "coordinator": 302, "admin": 302}
EXPECTED["GET overview"] = STAFF_LIST
EXPECTED["GET queue"] = STAFF_LIST
EXPECTED["GET volunteer"] = STAFF_OBJECT
for _action in ("approve", "reject", "request_info", "suspend", "reinstate", "certificate"):
    EXPECTED[f"POST {_action}"] = STAFF_POST


@pytest.fixture
def world(app):
    towns = factories.reference_data()
    gaggenau, buehl = towns["Gaggenau"], towns["Bühl"]
    people = {
        "volunteer": factories.volunteer(gaggenau, email="volunteer@example.org"),
        "coordinator": factories.coordinator(gaggenau, email="coordinator@example.org"),
        "other_coordinator": factories.coordinator(buehl, email="other_coordinator@example.org"),
        "manager": factories.manager(gaggenau, email="manager@example.org"),
        "admin": factories.admin(email="admin@example.org"),
    }
    # One target per decision, each in the state that decision needs; all live in Gaggenau
    # and also help in Bühl (further municipalities give Bühl's coordinator no access).
    targets = {
        "approve": volunteer_profile(gaggenau, "pending"),
        "reject": volunteer_profile(gaggenau, "pending"),
        "request_info": volunteer_profile(gaggenau, "pending"),
        "suspend": volunteer_profile(gaggenau, "approved"),
        "reinstate": volunteer_profile(gaggenau, "suspended"),
        "certificate": volunteer_profile(gaggenau, "approved"),
    }
    for target in targets.values():
        target.municipalities.append(buehl)
    db.session.commit()
    return {"towns": towns, "people": people, "targets": targets}


def _requests(world) -> dict[str, tuple[str, str, dict | None]]:
    towns, targets = world["towns"], world["targets"]
    gid = towns["Gaggenau"].id
    reqs: dict[str, tuple[str, str, dict | None]] = {
        "GET signup": ("GET", "/volunteer/signup", None),
        "POST signup": ("POST", "/volunteer/signup", signup_form(gid, email="new@example.org")),
        "GET apply": ("GET", "/volunteer/apply", None),
        "GET home": ("GET", "/volunteer/", None),
        "GET edit_profile": ("GET", "/volunteer/profile", None),
        "POST edit_profile": ("POST", "/volunteer/profile", profile_form(gid)),
        "GET overview": ("GET", "/coordination/", None),
        "GET queue": ("GET", "/coordination/volunteers", None),
        "GET volunteer": ("GET", f"/coordination/volunteers/{targets['approve'].id}", None),
    }
    for action in ("approve", "reject", "request_info", "suspend", "reinstate"):
        url = f"/coordination/volunteers/{targets[action].id}/{action}"
        reqs[f"POST {action}"] = ("POST", url, {f"{action}-reason": "Begründung"})
    reqs["POST certificate"] = (
        "POST",
        f"/coordination/volunteers/{targets['certificate'].id}/certificate",
        {
            "issued_on": today_local().replace(day=1).isoformat(),
            "seen_on": today_local().isoformat(),
        },
    )
    return reqs


def test_every_route_is_in_the_matrix(app):
    from portal.volunteers.coordination import bp as coordination_bp
    from portal.volunteers.views import bp as volunteers_bp

    endpoints = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith((volunteers_bp.name + ".", coordination_bp.name + "."))
    }
    assert endpoints == {
        "volunteers.signup",
        "volunteers.apply",
        "volunteers.home",
        "volunteers.edit_profile",
        "coordination.overview",
        "coordination.queue",
        "coordination.volunteer",
        "coordination.decide",
        "coordination.record_certificate",
    }


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, auth, world, role):
    if role != "anonymous":
        assert auth.login(f"{role}@example.org").status_code == 302
    statuses = {t: p.status for t, p in world["targets"].items()}
    for key, (method, url, data) in _requests(world).items():
        response = client.open(url, method=method, data=data)
        expected = EXPECTED[key][role]
        assert response.status_code == expected, f"{role} {key}: {response.status_code}"
        if role == "anonymous" and "signup" not in key:
            assert "/login" in response.headers["Location"]
    db.session.expire_all()
    after = {t: p.status for t, p in world["targets"].items()}
    certificates = db.session.scalar(select(func.count()).select_from(ConductCertificateCheck))
    decision_mails = db.session.scalar(
        select(func.count())
        .select_from(OutboundEmail)
        .where(OutboundEmail.template.like("volunteer_%"))
    )
    if role in ("coordinator", "admin"):
        assert after == {
            "approve": "approved",
            "reject": "rejected",
            "request_info": "pending",
            "suspend": "suspended",
            "reinstate": "approved",
            "certificate": "approved",
        }
        assert certificates == 1
        assert decision_mails == 5
    else:
        assert after == statuses  # refused: nothing changed
        assert certificates == 0
        assert decision_mails == 0
    # The anonymous POST signup created one pending profile; nobody else could.
    expected_profiles = 8 if role == "anonymous" else 7
    assert (
        db.session.scalar(select(func.count()).select_from(VolunteerProfile)) == expected_profiles
    )


def test_a_typed_url_for_another_municipality_is_a_404_everywhere(client, auth, world):
    auth.login("other_coordinator@example.org")
    target = world["targets"]["approve"]
    assert client.get(f"/coordination/volunteers/{target.id}").status_code == 404
    assert client.get("/coordination/volunteers/999999").status_code == 404
    html = client.get("/coordination/volunteers").get_data(as_text=True)
    assert f"/coordination/volunteers/{target.id}" not in html
    html = client.get("/coordination/").get_data(as_text=True)
    assert "Gaggenau" not in html
