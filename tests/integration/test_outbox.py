"""The e-mail outbox: written in the transaction of the change, delivered by
`send_pending()` with Flask-Mail to a real local SMTP server (aiosmtpd), retried with backoff,
given up after OUTBOX_MAX_ATTEMPTS, and never sent twice by concurrent senders."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal.auth import services as auth_services
from portal.auth.models import User
from portal.core.time import utcnow
from portal.extensions import db, mail
from portal.notifications.models import OutboundEmail, OutboxStatus
from portal.notifications.services import (
    STALE_SENDING_AFTER,
    backoff_for,
    message_id_for,
    queue_email,
    send_pending,
)
from tests.conftest import SMTPCollector

PERSON = SimpleNamespace(display_name="Erika Mustermann")


def queue(n: int, prefix: str = "empfaenger") -> list[int]:
    """Queue ``n`` verification mails to distinct addresses; returns their ids (committed)."""
    emails = [
        queue_email(f"{prefix}{i}@example.org", "verify_email", user=PERSON, link=f"https://x/{i}")
        for i in range(n)
    ]
    db.session.flush()
    ids = [e.id for e in emails]
    db.session.commit()
    return ids


def rows() -> list[OutboundEmail]:
    """A snapshot of the outbox. Ends its transaction: on SQLite every transaction takes the
    write lock (BEGIN IMMEDIATE), and a sender thread must not wait for the test's reads."""
    db.session.expire_all()
    result = list(db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)))
    db.session.expunge_all()
    db.session.rollback()
    return result


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def make_due(email_id: int | None = None) -> None:
    """Let time pass: the backoff of the given (or every) row has run out."""
    stmt = update(OutboundEmail).values(next_attempt_at=utcnow() - timedelta(seconds=1))
    if email_id is not None:
        stmt = stmt.where(OutboundEmail.id == email_id)
    db.session.execute(stmt)
    db.session.commit()


# --- written in the same transaction ---------------------------------------------------------


def test_a_service_writes_its_mail_in_the_same_transaction_as_the_change(app):
    user = auth_services.sign_up("neu@example.org", "Neue Person", "Ein-gutes-Passwort-7")
    assert user is not None
    db.session.rollback()  # nothing left uncommitted: both rows are in the database
    [mail_row] = rows()
    assert mail_row.recipient == "neu@example.org"
    assert mail_row.status == OutboxStatus.PENDING
    assert count(User) == 1


def test_a_rolled_back_change_leaves_no_mail(app):
    user = auth_services.create_user("zurueck@example.org", "Person", "Ein-gutes-Passwort-7")
    auth_services.send_verification(user)
    db.session.flush()
    assert count(OutboundEmail) == 1  # visible inside the transaction ...
    db.session.rollback()
    assert count(OutboundEmail) == 0  # ... and gone with it
    assert count(User) == 0


def test_a_change_failing_at_commit_takes_its_mail_with_it(app):
    db.session.add(User(email="doppelt@example.org", display_name="Erste"))
    db.session.commit()
    queue_email("doppelt@example.org", "verify_email", user=PERSON, link="https://x/1")
    db.session.add(User(email="doppelt@example.org", display_name="Zweite"))  # UNIQUE violation
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert count(OutboundEmail) == 0
    assert count(User) == 1


# --- delivery ---------------------------------------------------------------------------------


@pytest.mark.smtp
def test_send_pending_delivers_to_the_smtp_server(app, smtp_server: SMTPCollector):
    auth_services.sign_up("fatma@example.org", "Fatma Yılmaz", "Ein-gutes-Passwort-7")
    auth_services.request_password_reset("nobody@example.org")  # unknown: no mail
    counts = send_pending()
    assert counts == {"sent": 1, "retry": 0, "failed": 0, "skipped": 0}

    [message] = smtp_server.messages
    [row] = rows()
    assert message["To"] == "fatma@example.org"
    assert smtp_server.envelopes[0].rcpt_tos == ["fatma@example.org"]
    assert message["Subject"] == "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert message["From"] == "Ehrenamtsportal <noreply@ehrenamtsportal.example>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    body = SMTPCollector.text_of(message)
    assert body.startswith("Hallo Fatma Yılmaz,")
    assert "http://127.0.0.1:5000/verify/" in body
    assert not body.startswith("Subject:")
    # The Message-ID is the row's deterministic one.
    assert message["Message-ID"] == row.message_id == message_id_for(row)
    assert row.message_id == (
        f"<outbox-{row.id}-{row.created_at:%Y%m%d%H%M%S}@ehrenamtsportal.example>"
    )
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 1, None)
    assert row.sent_at is not None and row.claimed_at is None
    # Sent mail is not sent again.
    assert send_pending()["sent"] == 0
    assert len(smtp_server.messages) == 1


@pytest.mark.smtp
def test_send_pending_respects_its_limit(app, smtp_server: SMTPCollector):
    queue(5)
    assert send_pending(limit=2)["sent"] == 2
    assert len(smtp_server.messages) == 2
    assert send_pending(limit=10)["sent"] == 3
    assert sorted(str(m["To"]) for m in smtp_server.messages) == [
        f"empfaenger{i}@example.org" for i in range(5)
    ]


def test_without_mail_server_nothing_is_sent_and_mail_stays_pending(
    app, smtp_server: SMTPCollector
):
    assert app.config["MAIL_SERVER"] is None  # development: no MAIL_SERVER
    queue(2)
    assert send_pending() == {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    assert smtp_server.messages == []
    assert [(r.status, r.attempts) for r in rows()] == [(OutboxStatus.PENDING, 0)] * 2


# --- temporary and permanent failures ---------------------------------------------------------


@pytest.mark.smtp
def test_a_temporary_failure_is_retried_after_a_backoff(app, smtp_server: SMTPCollector):
    [email_id] = queue(1)
    smtp_server.fail_next = 1  # 451 on DATA
    before = utcnow()
    assert send_pending() == {"sent": 0, "retry": 1, "failed": 0, "skipped": 0}
    [row] = rows()
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1
    assert "451" in row.last_error
    assert row.next_attempt_at >= before + backoff_for(1)
    assert row.claimed_at is None
    first_message_id = row.message_id

    # Not due yet: an immediate second run leaves it alone.
    assert send_pending()["sent"] == 0
    assert smtp_server.messages == []

    make_due(email_id)
    assert send_pending()["sent"] == 1
    [message] = smtp_server.messages
    [row] = rows()
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 2, None)
    assert message["Message-ID"] == first_message_id  # the same message, not a new one


def test_the_backoff_grows_and_is_capped():
    waits = [backoff_for(n) for n in range(1, 12)]
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert waits == sorted(waits)
    assert waits[-1] == timedelta(hours=6)


@pytest.mark.smtp
@pytest.mark.app_config(OUTBOX_MAX_ATTEMPTS=3)
def test_after_max_attempts_the_message_is_failed(app, smtp_server: SMTPCollector):
    [email_id] = queue(1)
    smtp_server.fail_next = 10
    assert send_pending()["retry"] == 1
    make_due(email_id)
    assert send_pending()["retry"] == 1
    make_due(email_id)
    assert send_pending() == {"sent": 0, "retry": 0, "failed": 1, "skipped": 0}
    [row] = rows()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 3)
    assert "451" in row.last_error
    # A failed message is not tried again.
    smtp_server.fail_next = 0
    make_due(email_id)
    assert send_pending()["sent"] == 0
    assert smtp_server.messages == []


# --- a second, scriptable SMTP server: holds or refuses messages ------------------------------


class GatedCollector(SMTPCollector):
    """Like the conftest collector, but can hold the next DATA until released, and refuses
    some recipients with a permanent 550."""

    def __init__(self) -> None:
        super().__init__()
        self.hold_next = 0
        self.holding = threading.Event()
        self.release = threading.Event()
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hold_next:
            self.hold_next -= 1
            self.holding.set()
            # Wait without blocking the server's event loop: other senders can still deliver.
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def gated_smtp(app):
    from aiosmtpd.controller import Controller

    collector = GatedCollector()
    with socket.socket() as probe:  # aiosmtpd 1.4 cannot start on port 0
        probe.bind(("127.0.0.1", 0))
        collector.port = probe.getsockname()[1]
    controller = Controller(collector, hostname="127.0.0.1", port=collector.port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=collector.port)
    mail.init_app(app)  # Flask-Mail reads MAIL_* when it is initialised
    try:
        yield collector
    finally:
        collector.release.set()
        controller.stop()


def test_a_permanent_refusal_fails_at_once(app, gated_smtp: GatedCollector):
    queue_email("niemand@example.org", "verify_email", user=PERSON, link="https://x/1")
    queue_email("jemand@example.org", "verify_email", user=PERSON, link="https://x/2")
    db.session.commit()
    gated_smtp.refuse.add("niemand@example.org")
    assert send_pending() == {"sent": 1, "retry": 0, "failed": 1, "skipped": 0}
    refused, delivered = rows()
    assert (refused.status, refused.attempts) == (OutboxStatus.FAILED, 1)
    assert "550" in refused.last_error
    assert delivered.status == OutboxStatus.SENT
    assert [str(m["To"]) for m in gated_smtp.messages] == ["jemand@example.org"]


def _sender(app, results: list, limit: int) -> threading.Thread:
    def run() -> None:
        with app.app_context():
            try:
                results.append(send_pending(limit=limit))
            finally:
                db.session.remove()

    db.session.rollback()  # the test's own session must not hold SQLite's write lock
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_message_being_sent_is_skipped_by_a_second_sender(app, gated_smtp: GatedCollector):
    first, *others = queue(3)
    gated_smtp.hold_next = 1
    results: list[dict[str, int]] = []
    thread = _sender(app, results, limit=1)
    try:
        assert gated_smtp.holding.wait(10), "the first sender never reached the SMTP server"
        # The first sender holds message 1 mid-conversation, with no transaction open.
        [held] = [r for r in rows() if r.status == OutboxStatus.SENDING]
        assert held.id == first
        assert send_pending() == {"sent": 2, "retry": 0, "failed": 0, "skipped": 0}
        assert {r.id for r in rows() if r.status == OutboxStatus.SENT} == set(others)
    finally:
        gated_smtp.release.set()
        thread.join(10)
    assert results == [{"sent": 1, "retry": 0, "failed": 0, "skipped": 0}]
    assert all(r.status == OutboxStatus.SENT and r.attempts == 1 for r in rows())
    ids = Counter(str(m["Message-ID"]) for m in gated_smtp.messages)
    assert sorted(ids.values()) == [1, 1, 1]


def test_a_stale_sending_claim_is_released_and_delivered(app, smtp_server):
    fresh, stale = queue(2)
    now = utcnow()
    db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == stale)
        .values(status=OutboxStatus.SENDING, claimed_at=now - STALE_SENDING_AFTER - timedelta(1))
    )
    db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == fresh)
        .values(status=OutboxStatus.SENDING, claimed_at=now - timedelta(minutes=5))
    )
    db.session.commit()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    mail.init_app(app)
    assert send_pending()["sent"] == 1
    by_id = {r.id: r for r in rows()}
    assert by_id[stale].status == OutboxStatus.SENT
    assert by_id[fresh].status == OutboxStatus.SENDING  # another sender may still be at it
    assert [str(m["To"]) for m in smtp_server.messages] == ["empfaenger1@example.org"]


def test_a_sender_that_lost_its_stale_claim_does_not_overwrite_the_outcome(
    app, gated_smtp: GatedCollector
):
    [email_id] = queue(1)
    gated_smtp.hold_next = 1
    results: list[dict[str, int]] = []
    thread = _sender(app, results, limit=1)
    try:
        assert gated_smtp.holding.wait(10)
        # The first sender hangs for more than 10 minutes (simulated): its claim is stale.
        db.session.execute(
            update(OutboundEmail)
            .where(OutboundEmail.id == email_id)
            .values(claimed_at=utcnow() - STALE_SENDING_AFTER - timedelta(minutes=1))
        )
        db.session.commit()
        assert send_pending()["sent"] == 1  # a second sender takes over and delivers
    finally:
        gated_smtp.release.set()
        thread.join(10)
    # The first sender's message went out too (at-least-once) ...
    assert len(gated_smtp.messages) == 2
    # ... with the same Message-ID, so the receiver can tell it is the same message,
    assert len({str(m["Message-ID"]) for m in gated_smtp.messages}) == 1
    # and the first sender did not record a second outcome over the second one.
    [row] = rows()
    assert (row.status, row.attempts, row.claimed_at) == (OutboxStatus.SENT, 1, None)


@pytest.mark.smtp
def test_a_message_with_a_header_injection_fails_at_once_and_sends_nothing(app, smtp_server):
    queue_email("opfer@example.org\nBcc: viele@example.org", "verify_email", user=PERSON, link="x")
    db.session.commit()
    assert send_pending()["failed"] == 1
    [row] = rows()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert "BadHeaderError" in row.last_error
    assert smtp_server.messages == []
