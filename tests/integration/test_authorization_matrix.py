"""The authorization matrix: every rule of ``app.url_map`` × every role, with the objects of
municipality A.

Roles: anonymous; an unverified account (its log-in is refused, so it is anonymous); pending,
approved and suspended volunteers of A; the coordinators and the managers of A and of B; the
office leads of A's office and of B's; an admin.
GET rules are fetched, POST rules get an empty form (CSRF off, as in the whole suite). The
outcome expected of each endpoint for each role lives in ``EXPECTED`` below:

- ``OK``: the request reaches the page's own logic (2xx, a redirect other than to the log-in
  wall, or the page's answer to an empty form: 400, 409, 422);
- ``DENIED``: 403 or 404, and nothing in the database changed;
- ``LOGIN``: sent to the log-in page (with ``next``), and nothing changed.

A new route without an entry in ``EXPECTED`` fails `test_every_route_has_an_expected_outcome`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import text
from werkzeug.routing import Rule

from portal.auth import tokens
from portal.auth.models import Role
from portal.auth.services import grant_role
from portal.consultations import calendar as consultation_calendar
from portal.conversations.models import ConversationMessage
from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.needs.calendar import renew_calendar_token
from portal.notifications.models import OutboundEmail, OutboxStatus
from portal.notifications.preferences import unsubscribe_token
from portal.volunteers.models import VolunteerStatus
from tests import factories, fuzzing
from tests import factories_board as fb
from tests import factories_consultations as fc
from tests import factories_plans as fp
from tests.factories_consultations import next_consultation_day

OK, DENIED, LOGIN = "ok", "denied", "login"

ROLES = (
    "anonymous",
    "unverified",
    "pending",
    "approved",
    "suspended",
    "coordinator_a",
    "coordinator_b",
    "manager_a",
    "manager_b",
    "lead_a",
    "lead_b",
    "admin",
)
OUTSIDE = ("anonymous", "unverified")


def everyone() -> dict[str, str]:
    return dict.fromkeys(ROLES, OK)


def signed_in() -> dict[str, str]:
    return {role: LOGIN if role in OUTSIDE else OK for role in ROLES}


def only(*allowed: str) -> dict[str, str]:
    """Signed-in roles other than ``allowed`` are refused; the anonymous are sent to log in."""
    return {role: LOGIN if role in OUTSIDE else OK if role in allowed else DENIED for role in ROLES}


VOLUNTEERS = ("pending", "approved", "suspended")
APPROVED = ("approved",)
COORDINATION = ("coordinator_a", "coordinator_b", "admin")
COORDINATION_OF_A = ("coordinator_a", "admin")
MANAGEMENT = ("manager_a", "manager_b", "admin")
MANAGEMENT_OF_A = ("manager_a", "admin")
ADMIN = ("admin",)
OFFICE_LEADS = ("lead_a", "lead_b")
STAFF_OF_A = ("coordinator_a", "manager_a", "admin")

#: endpoint → role → outcome (the same for GET and POST of a rule).
EXPECTED: dict[str, dict[str, str]] = {
    # public pages, the log-in and the links from e-mails
    "static": everyone(),
    "core.index": everyone(),
    "core.privacy": everyone(),
    "legal.imprint": everyone(),
    "legal.accessibility": everyone(),
    "legal.easy_read": everyone(),
    "core.healthz": everyone(),
    "auth.login": everyone(),
    "auth.signup": everyone(),
    "auth.check_mail": everyone(),
    "auth.verify_email": everyone(),
    "auth.resend_verification": everyone(),
    "auth.forgot_password": everyone(),
    "auth.reset_password": everyone(),
    "auth.accept_invitation": everyone(),
    "auth.set_language": everyone(),
    "volunteers.signup": everyone(),
    "consultation_hours.index": everyone(),  # consultation hours, no log-in
    "consultation_hours.municipality": everyone(),
    "consultation_hours.poster_pdf": everyone(),
    "board.calendar_feed": everyone(),  # the secret address is the credential
    "appointments.calendar_feed": everyone(),
    "two_factor.challenge": everyone(),  # without a pending log-in: back to the log-in page
    "privacy.confirm_erasure": everyone(),  # the e-mailed link and the account's password
    "privacy.erased": everyone(),
    "notifications.unsubscribe": everyone(),  # the signed link in the mail is the credential
    # every signed-in account
    "core.dashboard": signed_in(),
    "legal.acknowledge": signed_in(),
    "auth.logout": signed_in(),
    "auth.logout_everywhere": signed_in(),
    "auth.session_ping": signed_in(),
    "auth.change_password": signed_in(),
    "two_factor.security": signed_in(),
    "privacy.own_data": signed_in(),
    "two_factor.setup": signed_in(),
    "two_factor.begin": signed_in(),
    "two_factor.confirm": signed_in(),
    "two_factor.renew_recovery_codes": signed_in(),
    "two_factor.forget_devices": signed_in(),
    "two_factor.disable": signed_in(),
    "volunteers.apply": signed_in(),
    "privacy.account_erasure": signed_in(),  # staff read there who erases their account
    "notifications.settings": signed_in(),
    # only a volunteer erases their own account (never anyone else's)
    "privacy.request_erasure": only(*VOLUNTEERS),
    "privacy.cancel_erasure": only(*VOLUNTEERS),
    # volunteers: their own pages, the board only when approved
    "volunteers.home": only(*VOLUNTEERS),
    "volunteers.edit_profile": only(*VOLUNTEERS),
    "board.my_tasks": only(*VOLUNTEERS),
    "board.certificate": only(*VOLUNTEERS),
    "board.renew_calendar": only(*VOLUNTEERS),
    "board.index": only(*APPROVED),
    "board.need": only(*APPROVED),
    "board.claim": only(*APPROVED),
    "board.withdraw": only(*APPROVED),  # the approved volunteer's own claim
    "board.report": only(*APPROVED),
    "board.confirm_change": only(*APPROVED),  # the approved volunteer's own claim
    "announcements.archive": only(*VOLUNTEERS),
    # a task's conversation: its managers and its assigned volunteer, nobody else (not the
    # administration); a message is corrected by its author only
    "conversations.show": only("approved", "manager_a"),
    "conversations.edit": only("approved"),
    # coordination: lists for every coordinator, A's volunteers only for A's
    "coordination.overview": only(*COORDINATION),
    "coordination.queue": only(*COORDINATION),
    "coordination.volunteer": only(*COORDINATION_OF_A),
    "coordination.decide": only(*COORDINATION_OF_A),
    "coordination.record_certificate": only(*COORDINATION_OF_A),
    # announcements: coordinators and managers write (each to their own volunteers)
    "announcements.new": only("coordinator_a", "coordinator_b", "manager_a", "manager_b"),
    # integration management: lists and forms for every manager, A's cases only for A's
    "plans.start": only(*MANAGEMENT),
    "plans.clients": only(*MANAGEMENT),
    "plans.create_client": only(*MANAGEMENT),
    "plans.client_detail": only(*MANAGEMENT_OF_A),
    "privacy.client_export": only(*MANAGEMENT_OF_A),
    "plans.edit_client": only(*MANAGEMENT_OF_A),
    "plans.close_client": only(*MANAGEMENT_OF_A),
    "plans.reopen_client": only(*MANAGEMENT_OF_A),
    "plans.plan": only(*MANAGEMENT_OF_A),
    "plans.edit_plan": only(*MANAGEMENT_OF_A),
    "plans.create_goal": only(*MANAGEMENT_OF_A),
    "plans.edit_goal": only(*MANAGEMENT_OF_A),
    "plans.achieve_goal": only(*MANAGEMENT_OF_A),
    "plans.create_step": only(*MANAGEMENT_OF_A),
    "plans.edit_step": only(*MANAGEMENT_OF_A),
    "privacy.erase_client": only(*MANAGEMENT_OF_A),
    "plans.record_visit": only(*MANAGEMENT_OF_A),
    # consultation hours: managers keep them, A's staff book and count in A's hours
    "consultations.index": only(*COORDINATION, *MANAGEMENT),
    "consultations.places": only(*MANAGEMENT),
    "consultations.create_place": only(*MANAGEMENT),
    "consultations.edit_place": only(*MANAGEMENT_OF_A),
    "consultations.create_hours": only(*MANAGEMENT),
    "consultations.edit_hours": only(*MANAGEMENT_OF_A),
    "consultations.change_date": only(*MANAGEMENT_OF_A),
    "consultations.hours_detail": only(*STAFF_OF_A),
    "appointments.occurrence": only(*STAFF_OF_A),
    "appointments.book": only(*STAFF_OF_A),
    "appointments.walk_ins": only(*STAFF_OF_A),
    "appointments.cancel_appointment": only(*STAFF_OF_A),
    "appointments.day_list": only(*MANAGEMENT),
    "appointments.renew_calendar": only("manager_a", "manager_b"),
    "needs.index": only(*MANAGEMENT),
    "needs.create": only(*MANAGEMENT),
    "needs.reports": only(*MANAGEMENT),
    "needs.detail": only(*MANAGEMENT_OF_A),
    "needs.edit": only(*MANAGEMENT_OF_A),
    "needs.cancel": only(*MANAGEMENT_OF_A),
    "needs.duplicate": only(*MANAGEMENT_OF_A),
    "needs.complete": only(*MANAGEMENT_OF_A),
    "needs.release": only(*MANAGEMENT_OF_A),
    "needs.acknowledge": only(*MANAGEMENT_OF_A),
    # oversight: aggregates for the staff, each for their own municipalities (office leads:
    # those of their office), and nothing else for the office leads
    "oversight.report": only(*COORDINATION, *MANAGEMENT, *OFFICE_LEADS),
    "oversight.report_file": only(*COORDINATION, *MANAGEMENT, *OFFICE_LEADS),
    "oversight.dashboard": only(*COORDINATION, *MANAGEMENT, *OFFICE_LEADS),
    "oversight.export_volunteers": only(*COORDINATION),
    "oversight.export_needs": only(*MANAGEMENT),
    # the county administration
    "legal.records_of_processing": only(*ADMIN),
    "admin.index": only(*ADMIN),
    "admin.municipalities": only(*ADMIN),
    "admin.new_municipality": only(*ADMIN),
    "admin.edit_municipality": only(*ADMIN),
    "admin.offices": only(*ADMIN),
    "admin.new_office": only(*ADMIN),
    "admin.edit_office": only(*ADMIN),
    "admin.users": only(*ADMIN),
    "admin.invite_user": only(*ADMIN),
    "admin.user": only(*ADMIN),
    "admin.grant_role": only(*ADMIN),
    "admin.revoke_role": only(*ADMIN),
    "admin.deactivate_user": only(*ADMIN),
    "admin.reactivate_user": only(*ADMIN),
    "admin.resend_invitation": only(*ADMIN),
    "admin.outbox": only(*ADMIN),
    "admin.outbox_message": only(*ADMIN),
    "admin.requeue_outbox": only(*ADMIN),
    "admin.requeue_message": only(*ADMIN),
    "admin.audit": only(*ADMIN),
    "two_factor_admin.policy": only(*ADMIN),
    "two_factor_admin.reset": only(*ADMIN),
}

EMAILS = {
    "unverified": "unverified@example.org",
    "pending": "pending@example.org",
    "approved": "approved@example.org",
    "suspended": "suspended@example.org",
    "coordinator_a": "koordination.a@example.org",
    "coordinator_b": "koordination.b@example.org",
    "manager_a": "im.a@example.org",
    "manager_b": "im.b@example.org",
    "lead_a": "leitung.a@example.org",
    "lead_b": "leitung.b@example.org",
    "admin": "admin@example.org",
}


# --- the requests: every rule, method and value of an `any` converter ----------------------


def _cases() -> list[tuple[str, str, str, dict[str, str]]]:
    """(endpoint, rule, method, fixed arguments) for every request the matrix makes."""
    from portal import create_app
    from tests.conftest import BASE_CONFIG

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    cases = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for fixed in _converter_values(rule):
                cases.append((rule.endpoint, rule.rule, method, fixed))
    return cases


def _converter_values(rule: Rule) -> Iterator[dict[str, str]]:
    """One set of fixed arguments per value of an ``any(...)`` converter (else one, empty)."""
    for name, converter in (rule._converters or {}).items():
        items = getattr(converter, "items", None)
        if items:
            for value in sorted(items):
                yield {name: value}
            return
    yield {}


CASES = _cases()


def _arguments(world: dict[str, Any]) -> dict[str, Any]:
    """A value of municipality A (or a real token) for every argument a rule may have."""
    return {
        "need_id": world["need"],
        "client_id": world["client"],
        "goal_id": world["goal"],
        "step_id": world["step"],
        "assignment_id": world["assignment"],
        "report_id": world["report"],
        "volunteer_id": world["volunteer"],
        "user_id": world["target"],
        "membership_id": world["membership"],
        "municipality_id": world["municipality"],
        "office_id": world["office"],
        "email_id": world["email"],
        "message_id": world["message"],
        "filename": "css/portal.css",
        "place_id": world["place"],
        "hours_id": world["hours"],
        "appointment_id": world["appointment"],
        "on": world["on"],
    }


def _token_for(endpoint: str, world: dict[str, Any]) -> str:
    return {
        "board.calendar_feed": world["calendar_token"],
        "appointments.calendar_feed": world["manager_calendar_token"],
        "auth.verify_email": world["verify_token"],
        "auth.reset_password": world["reset_token"],
        "auth.accept_invitation": world["invitation_token"],
        "privacy.confirm_erasure": world["erasure_token"],
        "notifications.unsubscribe": world["unsubscribe_token"],
    }[endpoint]


def url_for_case(app: Flask, endpoint: str, fixed: dict[str, str], world: dict[str, Any]) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {name: _arguments(world).get(name) for name in rule.arguments}
    if "token" in rule.arguments:
        values["token"] = _token_for(endpoint, world)
    values.update(fixed)
    missing = [name for name, value in values.items() if value is None]
    assert not missing, f"{rule.rule}: no value for {missing} in the matrix's world"
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


# --- the world of municipality A (and B) -----------------------------------------------------


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    office_a, office_b = factories.office("Außenstelle A"), factories.office("Außenstelle B")
    a = factories.municipality("Ahausen", office_=office_a)
    b = factories.municipality("Bedorf", office_=office_b)
    manager_a = factories.manager(a, email=EMAILS["manager_a"])
    factories.manager(b, email=EMAILS["manager_b"])
    factories.coordinator(a, email=EMAILS["coordinator_a"])
    factories.coordinator(b, email=EMAILS["coordinator_b"])
    factories.admin(email=EMAILS["admin"])
    for key, office in (("lead_a", office_a), ("lead_b", office_b)):
        factories.user(EMAILS[key], roles=[(Role.OFFICE_LEAD, None, office.id)])
    approved = factories.volunteer(a, email=EMAILS["approved"])
    factories.volunteer(a, VolunteerStatus.PENDING, email=EMAILS["pending"])
    factories.volunteer(a, VolunteerStatus.SUSPENDED, email=EMAILS["suspended"])
    unverified = factories.user(EMAILS["unverified"], verified=False)
    profile = fb.profile_of(approved)

    client = fp.client(a, manager_=manager_a)
    goal = fp.goal(client)
    step = fp.step(goal)
    need = fb.once_need(a, created_by=manager_a, capacity=2, source_step_id=step.id)
    assignment = fb.assignment(need, profile, claimed_at=None)
    report = fb.report(assignment, today_local() - timedelta(days=1), 60)
    target = factories.user("neu@example.org", "Nina Neu", password=None, verified=False)
    membership = grant_role(None, target, Role.MANAGER, a.id, None)
    mail = OutboundEmail(
        recipient="x@example.org", subject="Test", body_text="Hallo", status=OutboxStatus.FAILED
    )
    db.session.add(mail)
    approved.erasure_requested_at = utcnow()
    message = ConversationMessage(
        need_id=need.id, author_id=approved.id, author_role="volunteer", body="Eine Frage"
    )
    db.session.add(message)
    place = fc.place(a)
    on = next_consultation_day()
    hours = fc.hours(place, manager_a, on.weekday(), date(2025, 1, 6), booking="appointment",
                     slot_minutes=30)  # fmt: skip
    appointment = fc.appointment(hours, on, time(9, 0), time(9, 30), client)
    db.session.commit()
    return {
        "municipality": a.id,
        "office": office_a.id,
        "need": need.id,
        "client": client.id,
        "goal": goal.id,
        "step": step.id,
        "assignment": assignment.id,
        "report": report.id,
        "volunteer": profile.id,
        "target": target.id,
        "membership": membership.id,
        "email": mail.id,
        "message": message.id,
        "unsubscribe_token": unsubscribe_token(approved.id, "announcements"),
        "calendar_token": renew_calendar_token(approved).token,
        "manager_calendar_token": consultation_calendar.renew_calendar_token(manager_a).token,
        "place": place.id,
        "hours": hours.id,
        "appointment": appointment.id,
        "on": on.isoformat(),
        "verify_token": tokens.make_token(tokens.VERIFY, uid=unverified.id, email=unverified.email),
        "reset_token": tokens.make_token(tokens.RESET, uid=approved.id, st=approved.session_token),
        "invitation_token": tokens.make_token(
            tokens.INVITE, uid=target.id, st=target.session_token
        ),
        "erasure_token": tokens.make_token(
            tokens.ERASURE, uid=approved.id, at=approved.erasure_requested_at.isoformat()
        ),
    }


def clients_by_role(app: Flask) -> dict[str, Any]:
    browsers = {}
    for role in ROLES:
        browser = app.test_client()
        if role != "anonymous":
            response = browser.post(
                "/login", data={"email": EMAILS[role], "password": factories.PASSWORD}
            )
            expected = 400 if role == "unverified" else 302
            assert response.status_code == expected, (role, response.status_code)
        browsers[role] = browser
    return browsers


def fingerprint() -> str:
    """Every row of every table (the world is small), read in one statement and hashed, to see
    that nothing changed."""
    db.session.rollback()  # a fresh read (and on SQLite no lock kept for the next request)
    return fuzzing.checksum(fuzzing.checksum_sql(db.engine.dialect.name))


def outcome(response: Any) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307):
        location = urlsplit(response.headers["Location"])
        if location.path == "/login" and "next" in parse_qs(location.query):
            return LOGIN
        return OK
    if status == 401:
        return LOGIN
    if status in (403, 404):
        return DENIED
    if status >= 500:
        return f"error {status}"
    return OK


def _order(expected: dict[str, str]) -> list[str]:
    """Refused roles first: nothing they try may change what the allowed ones find."""
    return sorted(ROLES, key=lambda role: expected[role] == OK)


@pytest.mark.parametrize(
    ("endpoint", "rule", "method", "fixed"),
    CASES,
    ids=[f"{m} {r}{'=' + next(iter(f.values())) if f else ''}" for _e, r, m, f in CASES],
)
def test_each_role_gets_the_expected_outcome(app, world, endpoint, rule, method, fixed):
    expected = EXPECTED[endpoint]
    url = url_for_case(app, endpoint, fixed, world)
    browsers = clients_by_role(app)
    wrong = {}
    for role in _order(expected):
        before = fingerprint() if expected[role] != OK else None
        browser = browsers[role]
        response = browser.get(url) if method == "GET" else browser.post(url, data={})
        got = outcome(response)
        if got != expected[role]:
            wrong[role] = f"expected {expected[role]}, got {got} ({response.status_code})"
        elif before is not None and fingerprint() != before:
            wrong[role] = f"{got} ({response.status_code}) but the database changed"
    assert not wrong, f"{method} {url}: {wrong}"


def test_every_route_has_an_expected_outcome(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(EXPECTED) == set(), "routes without an entry in EXPECTED"
    assert set(EXPECTED) - endpoints == set(), "entries in EXPECTED without a route"
    assert all(set(row) == set(ROLES) for row in EXPECTED.values())


def test_the_matrix_figures():
    """The size of the matrix (reported in the closing note): requests × roles."""
    assert len(ROLES) == 12
    assert len(CASES) >= 100
    assert len(CASES) * len(ROLES) >= 1000


def test_the_fingerprint_sees_a_change(app, world):
    before = fingerprint()
    db.session.execute(text("UPDATE need SET taken = taken"))  # no change
    db.session.commit()
    assert fingerprint() == before
    db.session.execute(text("UPDATE need SET title = 'Geändert'"))
    db.session.commit()
    assert fingerprint() != before
