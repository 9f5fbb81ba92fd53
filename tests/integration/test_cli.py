"""Command-line tasks: flask seed-demo, create-admin, outbox send,
reminders run. Invoked through Flask's CLI runner against the real database."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from portal.auth.models import Membership, Role, User
from portal.cli import REMINDER_JOBS
from portal.demo import DEMO_PASSWORD, DOMAIN
from portal.extensions import db
from portal.municipalities.models import Municipality, Office
from portal.notifications.models import OutboundEmail, OutboxStatus
from portal.notifications.services import queue_email
from portal.volunteers.models import VolunteerProfile, VolunteerStatus
from tests import factories


def run(app, *args: str, **kwargs):
    result = app.test_cli_runner().invoke(args=list(args), **kwargs)
    db.session.expire_all()
    return result


def count(model: type, *where) -> int:
    stmt = select(func.count()).select_from(model)
    for cond in where:
        stmt = stmt.where(cond)
    return db.session.scalar(stmt) or 0


def table_counts() -> dict[str, int]:
    """Rows in every table: the whole database, including what the domains' demo hooks add."""
    return {
        t.name: db.session.scalar(select(func.count()).select_from(t)) or 0
        for t in db.metadata.sorted_tables
    }


def scopes(role: str) -> set[str]:
    """Names of the municipalities or offices the holders of ``role`` are scoped to."""
    names = set()
    for m in db.session.scalars(select(Membership).where(Membership.role == role)):
        if m.municipality_id:
            names.add(db.session.get(Municipality, m.municipality_id).name)
        if m.office_id:
            names.add(db.session.get(Office, m.office_id).name)
    return names


# --- seed-demo ---------------------------------------------------------------------------------


def test_seed_demo_loads_the_demo_county_and_is_idempotent(app, client, auth):
    result = run(app, "seed-demo")
    assert result.exit_code == 0, result.output
    assert "Demo county ready" in result.output

    assert count(Municipality) == 23
    assert {o.name for o in db.session.scalars(select(Office))} == {"Rastatt", "Bühl", "Gaggenau"}
    assert count(Municipality, Municipality.office_id.is_(None)) == 0
    assert count(Membership, Membership.role == Role.ADMIN) == 1
    assert scopes(Role.COORDINATOR) == {"Gaggenau", "Bühl"}
    assert count(Membership, Membership.role == Role.MANAGER) == 3  # Rastatt: consultations
    assert count(VolunteerProfile, VolunteerProfile.status == VolunteerStatus.APPROVED) == 5
    assert count(VolunteerProfile, VolunteerProfile.status == VolunteerStatus.PENDING) == 2
    users = list(db.session.scalars(select(User)))
    assert all(u.email.endswith(f"@{DOMAIN}") for u in users)
    assert all(u.email_verified_at is not None and u.password_hash for u in users)
    # Every demo account is usable in development with the documented password.
    admin = db.session.scalar(select(User).join(Membership).where(Membership.role == Role.ADMIN))
    login = auth.login(admin.email, password=DEMO_PASSWORD)
    assert login.status_code == 302
    assert client.get("/dashboard").status_code == 200

    before = table_counts()
    again = run(app, "seed-demo")
    assert again.exit_code == 0, again.output
    assert table_counts() == before


def test_seed_demo_if_empty_leaves_a_database_with_users_alone(app):
    factories.user(email="schon-da@example.org")
    db.session.commit()
    result = run(app, "seed-demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "Database has data" in result.output
    assert count(Municipality) == 0
    assert count(User) == 1


def test_seed_demo_if_empty_seeds_an_empty_database(app):
    result = run(app, "seed-demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert count(Municipality) == 23
    assert count(User) == 13


@pytest.mark.app_config(
    PORTAL_ENV="production", DATABASE_URL_SET=True, PUBLIC_BASE_URL="http://localhost"
)
def test_in_production_the_demo_accounts_have_no_password(app, client, auth):
    assert app.config["DEMO_PASSWORDS"] is False
    result = run(app, "seed-demo")
    assert result.exit_code == 0, result.output
    assert count(User) == 13
    assert count(User, User.password_hash.is_not(None)) == 0
    response = auth.login(f"admin@{DOMAIN}", password=DEMO_PASSWORD)
    assert response.status_code == 400


# --- create-admin ------------------------------------------------------------------------------


def test_create_admin_creates_a_verified_administrator(app, client, auth):
    result = run(
        app,
        "create-admin",
        "Chefin@Example.org",
        "--name",
        "Claudia Brenner",
        "--password",
        "Ein-gutes-Passwort-7",
    )
    assert result.exit_code == 0, result.output
    assert "Admin chefin@example.org created." in result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.display_name) == ("chefin@example.org", "Claudia Brenner")
    assert user.email_verified_at is not None
    assert user.roles == {Role.ADMIN}
    assert auth.login("chefin@example.org", password="Ein-gutes-Passwort-7").status_code == 302
    # The first sign-in asks for the privacy notice to be acknowledged.
    assert client.get("/admin/outbox").headers["Location"].startswith("/privacy/acknowledge")
    client.post("/privacy/acknowledge")
    assert client.get("/admin/outbox").status_code == 200


def test_create_admin_prompts_for_the_password_twice(app):
    result = run(
        app,
        "create-admin",
        "admin@example.org",
        input="Ein-gutes-Passwort-7\nEin-gutes-Passwort-7\n",
    )
    assert result.exit_code == 0, result.output
    assert count(User) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["admin@example.org", "--password", "kurz"], "at least 10 characters"),
        (["keine-adresse", "--password", "Ein-gutes-Passwort-7"], "EMAIL"),
    ],
)
def test_create_admin_refuses_bad_input(app, args, message):
    result = run(app, "create-admin", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert count(User) == 0


def test_create_admin_refuses_a_taken_address(app):
    factories.user(email="admin@example.org")
    db.session.commit()
    result = run(app, "create-admin", "ADMIN@example.org", "--password", "Ein-gutes-Passwort-7")
    assert result.exit_code == 1
    assert "bereits vergeben" in result.output
    assert count(User) == 1
    assert count(Membership, Membership.role == Role.ADMIN) == 0


# --- outbox send ---------------------------------------------------------------------------------


def queue(n: int) -> None:
    person = SimpleNamespace(display_name="Erika Mustermann")
    for i in range(n):
        queue_email(f"p{i}@example.org", "verify_email", user=person, link=f"https://x/{i}")
    db.session.commit()


@pytest.mark.smtp
def test_outbox_send_delivers_pending_mail(app, smtp_server):
    queue(3)
    result = run(app, "outbox", "send")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent: 3, retry: 0, failed: 0, skipped: 0"
    assert len(smtp_server.messages) == 3
    assert count(OutboundEmail, OutboundEmail.status == OutboxStatus.SENT) == 3


def test_outbox_send_without_mail_server_keeps_mail(app, smtp_server):
    queue(2)
    result = run(app, "outbox", "send")
    assert result.exit_code == 0
    assert "MAIL_SERVER is not set" in result.output
    assert smtp_server.messages == []
    assert count(OutboundEmail, OutboundEmail.status == OutboxStatus.PENDING) == 2


@pytest.mark.smtp
def test_outbox_send_loop_runs_the_given_number_of_rounds(app, smtp_server):
    queue(5)
    smtp_server.fail_next = 1  # the first message is retried later, not in this loop
    result = run(
        app, "outbox", "send", "--loop", "--max-rounds", "4", "--limit", "2", "--interval", "0"
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "sent: 1, retry: 1, failed: 0, skipped: 0",
        "sent: 2, retry: 0, failed: 0, skipped: 0",
        "sent: 1, retry: 0, failed: 0, skipped: 0",
        "sent: 0, retry: 0, failed: 0, skipped: 0",
    ]
    assert len(smtp_server.messages) == 4
    assert count(OutboundEmail, OutboundEmail.status == OutboxStatus.PENDING) == 1


def test_outbox_send_rejects_nonsense_options(app):
    assert run(app, "outbox", "send", "--max-rounds", "0").exit_code == 2
    assert run(app, "outbox", "send", "--limit", "0").exit_code == 2


# --- reminders run -------------------------------------------------------------------------------


def test_reminders_run_runs_every_registered_job(app, monkeypatch):
    calls = []

    def job() -> int:
        calls.append(1)
        return 2

    monkeypatch.setitem(REMINDER_JOBS, "test-erinnerung", job)
    result = run(app, "reminders", "run")
    assert result.exit_code == 0, result.output
    assert calls == [1]
    lines = result.output.splitlines()
    assert "test-erinnerung: 2" in lines
    # Every job registered by the domains ran on this (empty) database and reported a count.
    assert {line.split(": ")[0] for line in lines} == set(REMINDER_JOBS)
    assert all(line.split(": ")[1].isdigit() for line in lines)


def test_a_failing_reminder_job_does_not_stop_the_others(app, monkeypatch):
    def broken() -> int:
        raise RuntimeError("kaputt")

    monkeypatch.setitem(REMINDER_JOBS, "a-kaputt", broken)
    monkeypatch.setitem(REMINDER_JOBS, "b-heil", lambda: 0)
    result = run(app, "reminders", "run")
    assert result.exit_code == 1
    assert "b-heil: 0" in result.output
    assert "a-kaputt: FAILED (RuntimeError: kaputt)" in result.output
    assert "1 reminder job(s) failed: a-kaputt" in result.output
