"""Retention with the clock fixed: exactly the expired rows go (boundaries one day either
side), a second run does nothing, a dry run changes nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.notifications.models import OutboundEmail
from portal.plans.models import Client
from portal.privacy import retention
from tests import factories
from tests import factories_auth as fa
from tests import factories_board as fb
from tests import factories_plans as fp
from tests.integration.test_authorization_matrix import fingerprint

NOW = datetime(2026, 11, 29, 12, 0)
DAY = timedelta(days=1)
NEVER = "never@example.org"


@pytest.fixture
def town(app):
    return factories.municipality("Ahausen")


def _closed(town, closed_on: date, name: str) -> int:
    client = fp.client(town, name=name, status="closed", closed_on=closed_on)
    return client.id


def test_closed_clients_go_three_years_after_closure(town):
    due = _closed(town, date(2023, 11, 29), "Genau Drei")
    older = _closed(town, date(2023, 11, 28), "Tag Davor")
    younger = _closed(town, date(2023, 11, 30), "Tag Danach")
    active = fp.client(town, name="Noch Aktiv").id
    db.session.commit()
    done = retention.run(now=NOW)
    assert done["closed_clients"] == 2
    names = {c.id: (c.name, c.erased_at is not None) for c in db.session.scalars(select(Client))}
    assert names[due] == ("", True) and names[older] == ("", True)
    assert names[younger] == ("Tag Danach", False) and names[active] == ("Noch Aktiv", False)
    assert retention.run(now=NOW)["closed_clients"] == 0


def _mail(sent_at: datetime | None, status: str = "sent") -> int:
    mail = OutboundEmail(
        recipient="x@example.org",
        subject="Betreff",
        body_text="Text",
        body_html="<p>Text</p>",
        status=status,
        sent_at=sent_at,
    )
    db.session.add(mail)
    db.session.flush()
    return mail.id


def test_sent_mail_bodies_are_emptied_after_ninety_days(app):
    exact = _mail(NOW - timedelta(days=90))
    older = _mail(NOW - timedelta(days=91))
    younger = _mail(NOW - timedelta(days=89))
    pending = _mail(None, status="pending")
    db.session.commit()
    assert retention.run(now=NOW)["sent_mail_bodies"] == 2
    bodies = {m.id: (m.body_text, m.body_html) for m in db.session.scalars(select(OutboundEmail))}
    assert bodies[exact] == ("", None) and bodies[older] == ("", None)
    assert bodies[younger] == ("Text", "<p>Text</p>") and bodies[pending][0] == "Text"
    assert db.session.get(OutboundEmail, exact).subject == "Betreff"
    assert retention.run(now=NOW)["sent_mail_bodies"] == 0


def test_audit_events_go_after_the_legal_period(app):
    app.config["RETENTION_AUDIT_YEARS"] = 6
    cutoff = datetime(2020, 11, 29, 12, 0)
    for at, action in ((cutoff - DAY, "old"), (cutoff, "exact"), (cutoff + DAY, "young")):
        db.session.add(AuditEvent(at=at, action=action, object_type="x"))
    db.session.commit()
    assert retention.run(now=NOW)["audit_events"] == 2
    left = set(db.session.scalars(select(AuditEvent.action)))
    assert "young" in left and not {"old", "exact"} & left


def _volunteer(town, email: str, last_login: datetime | None) -> User:
    user = factories.volunteer(town, email=email, name=f"Person {email[:5]}")
    user.created_at = datetime(2022, 1, 1)
    user.last_login_at = last_login
    return user


def test_inactive_volunteers_are_warned_then_erased_unless_they_come_back(app, town):
    app.config.update(RETENTION_INACTIVE_VOLUNTEER_MONTHS=24, RETENTION_INACTIVE_WARNING_DAYS=30)
    cutoff = datetime(2024, 11, 29, 12, 0)
    gone = _volunteer(town, "gone@example.org", cutoff - DAY)
    exact = _volunteer(town, "exact@example.org", cutoff)
    recent = _volunteer(town, "recent@example.org", cutoff + DAY)
    back = _volunteer(town, "back@example.org", cutoff - DAY)
    busy = _volunteer(town, "busy@example.org", cutoff - DAY)
    never = _volunteer(town, NEVER, None)  # signed up, never logged in
    need = fb.once_need(town)
    fb.assignment(need, fb.profile_of(busy))  # an active claim: not inactive
    staff = factories.manager(town, email="staff@example.org")
    staff.created_at, staff.last_login_at = datetime(2020, 1, 1), datetime(2021, 1, 1)
    db.session.commit()
    ids = {u.email: u.id for u in (gone, exact, recent, back, busy, staff, never)}

    first = retention.run(now=NOW)
    assert first["inactivity_warnings"] == 4 and first["inactive_volunteers"] == 0
    assert _warned() == {"gone@example.org", "exact@example.org", "back@example.org", NEVER}
    mails = fa.outbox(template="retention_inactive_warning")
    assert sorted(m.recipient for m in mails) == sorted(_warned())
    assert "29.12.2026" in mails[0].body_text  # the day of erasure, 30 days on

    db.session.get(User, ids["back@example.org"]).last_login_at = NOW + 5 * DAY  # a log-in
    db.session.commit()
    early = retention.run(now=NOW + 29 * DAY)
    assert early["inactivity_warnings_cancelled"] == 1 and early["inactive_volunteers"] == 0
    # "recent" logged in a day after the first cutoff: 29 days on, their warning is due
    assert early["inactivity_warnings"] == 1
    assert _warned() == {"gone@example.org", "exact@example.org", "recent@example.org", NEVER}

    later = retention.run(now=NOW + 30 * DAY)
    assert later["inactive_volunteers"] == 3
    erased = {u.id for u in db.session.scalars(select(User).where(User.erased_at.is_not(None)))}
    assert erased == {ids["gone@example.org"], ids["exact@example.org"], ids[NEVER]}
    assert later["inactivity_warnings"] == 0 and _warned() == {"recent@example.org"}
    assert db.session.get(User, ids["busy@example.org"]).erased_at is None
    assert retention.run(now=NOW + 30 * DAY) == dict.fromkeys(later, 0)


def _warned() -> set[str]:
    db.session.rollback()
    stmt = select(User.email).where(User.inactivity_warned_at.is_not(None))
    return set(db.session.scalars(stmt))


def test_a_dry_run_changes_nothing_and_counts_what_a_real_run_does(app, town):
    _closed(town, date(2020, 1, 1), "Lange Zu")
    _mail(NOW - timedelta(days=200))
    _volunteer(town, "old@example.org", datetime(2023, 1, 1))
    db.session.add(AuditEvent(at=datetime(2010, 1, 1), action="old", object_type="x"))
    db.session.commit()
    before = fingerprint()
    dry = retention.run(dry_run=True, now=NOW)
    assert fingerprint() == before
    assert dry["closed_clients"] == 1 and dry["sent_mail_bodies"] == 1
    assert dry["inactivity_warnings"] == 1 and dry["audit_events"] == 1
    real = retention.run(now=NOW)
    assert {k: v for k, v in real.items() if v} == {k: v for k, v in dry.items() if v}


def test_each_category_works_in_batches(app, town, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 2)
    for _ in range(5):
        _mail(NOW - timedelta(days=100))
    db.session.commit()
    progress: list[tuple[str, int]] = []
    done = retention.run(now=NOW, report=lambda name, n: progress.append((name, n)))
    assert done["sent_mail_bodies"] == 5
    assert [n for name, n in progress if name == "sent_mail_bodies"] == [2, 4, 5]


def test_the_command_prints_counts_and_the_dry_run_says_so(app, town):
    _mail(datetime(2020, 1, 1))
    db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "sent_mail_bodies: 1 due (dry run, nothing changed)" in dry.output
    assert "closed_clients: 0" in dry.output
    real = runner.invoke(args=["retention", "run"])
    assert "sent_mail_bodies: 1 done" in real.output
    again = runner.invoke(args=["retention", "run"])
    assert "sent_mail_bodies: 0 done" in again.output
    count = db.session.scalar(
        select(func.count()).select_from(OutboundEmail).where(OutboundEmail.body_text == "")
    )
    assert count == 1


def test_retention_runs_with_the_daily_jobs(app):
    from portal.cli import REMINDER_JOBS

    assert REMINDER_JOBS["retention"] is retention.total
