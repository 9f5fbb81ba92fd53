"""Several outbox senders at once never send a message twice (DESIGN.md §5).

Real concurrency against the same database (a SQLite file and, with TEST_DATABASE_URL,
PostgreSQL): threads that each have their own app context and session, and separate
`flask outbox send` processes. Every message is counted by its Message-ID at a real SMTP server.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import OutboundEmail, OutboxStatus
from portal.notifications.services import queue_email, send_pending
from tests.conftest import ROOT, SMTPCollector

BATCH = 30
PERSON = SimpleNamespace(display_name="Erika Mustermann")


def queue_batch(n: int = BATCH) -> None:
    for i in range(n):
        queue_email(f"person{i}@example.org", "verify_email", user=PERSON, link=f"https://x/{i}")
    db.session.commit()


def assert_each_message_arrived_exactly_once(smtp: SMTPCollector) -> None:
    db.session.expire_all()
    emails = list(db.session.scalars(select(OutboundEmail)))
    db.session.rollback()
    assert len(emails) == BATCH
    assert {e.status for e in emails} == {OutboxStatus.SENT}
    assert {e.attempts for e in emails} == {1}
    arrived = Counter(str(m["Message-ID"]) for m in smtp.messages)
    assert arrived == Counter({e.message_id for e in emails}), "missing or duplicated mail"
    assert sorted(str(m["To"]) for m in smtp.messages) == sorted(e.recipient for e in emails)


@pytest.mark.smtp
def test_concurrent_sender_threads_send_every_message_exactly_once(app, smtp_server):
    queue_batch()
    senders = 4
    start = threading.Barrier(senders)
    totals: list[Counter] = []
    errors: list[BaseException] = []

    def sender() -> None:
        total: Counter = Counter()
        try:
            with app.app_context():
                start.wait(10)
                while True:  # small batches so that the senders interleave
                    counts = send_pending(limit=3)
                    total.update(counts)
                    if not any(counts.values()):
                        break
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)
        totals.append(total)

    db.session.rollback()  # hold no SQLite lock while the senders run
    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert sum(t["sent"] for t in totals) == BATCH
    assert sum(t["retry"] + t["failed"] for t in totals) == 0
    assert_each_message_arrived_exactly_once(smtp_server)


@pytest.mark.smtp
def test_concurrent_sender_processes_send_every_message_exactly_once(app, smtp_server):
    queue_batch()
    env = {
        **os.environ,
        "FLASK_APP": "portal:create_app",
        "PORTAL_ENV": "testing",
        "SECRET_KEY": app.config["SECRET_KEY"],
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    command = [sys.executable, "-m", "flask", "outbox", "send", "--loop"]
    command += ["--max-rounds", "25", "--limit", "3", "--interval", "0"]
    db.session.rollback()
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    sent = sum(int(n) for out in outputs for n in re.findall(r"sent: (\d+)", out))
    assert sent == BATCH
    assert_each_message_arrived_exactly_once(smtp_server)
