"""Mail that failed for good (a long SMTP outage) can be sent again: admins re-queue one
message or every failed one on the outbox pages, and ``flask outbox requeue --failed`` does
the same; each re-queue is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.core.errors import InvalidTransition, NotFound
from portal.extensions import db
from portal.notifications.models import OutboundEmail, OutboxStatus
from portal.notifications.services import requeue_failed, send_pending
from tests import factories


def _mail(recipient: str, status: str, attempts: int = 0) -> OutboundEmail:
    email = OutboundEmail(
        recipient=recipient,
        subject="Bitte bestätigen Sie Ihre Adresse",
        body_text="http://localhost/verify/abc",
        status=status,
        attempts=attempts,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed" if attempts else None,
    )
    db.session.add(email)
    db.session.flush()
    return email


@pytest.fixture
def mails(app):
    made = {
        "failed1": _mail("a@example.org", OutboxStatus.FAILED, 8),
        "failed2": _mail("b@example.org", OutboxStatus.FAILED, 8),
        "sent": _mail("c@example.org", OutboxStatus.SENT, 1),
        "pending": _mail("d@example.org", OutboxStatus.PENDING),
    }
    db.session.commit()
    return {name: email.id for name, email in made.items()}


def _status(email_id: int) -> tuple[str, int]:
    db.session.expire_all()
    email = db.session.get(OutboundEmail, email_id)
    return email.status, email.attempts


def _requeue_events() -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.requeued"))
    )


def test_requeue_one_failed_message(mails):
    admin = factories.admin(email="admin@example.org")
    db.session.commit()
    assert requeue_failed(admin, mails["failed1"]) == 1
    assert _status(mails["failed1"]) == (OutboxStatus.PENDING, 0)
    assert _status(mails["failed2"]) == (OutboxStatus.FAILED, 8)
    [event] = _requeue_events()
    assert (event.actor_id, event.object_id, event.details["count"]) == (
        admin.id,
        mails["failed1"],
        1,
    )
    # Only a failed message goes back; an unknown one is not found.
    with pytest.raises(InvalidTransition):
        requeue_failed(admin, mails["sent"])
    with pytest.raises(NotFound):
        requeue_failed(admin, 4711)
    assert _status(mails["sent"]) == (OutboxStatus.SENT, 1)


def test_requeue_every_failed_message(mails):
    assert requeue_failed(None) == 2
    assert _status(mails["failed1"])[0] == _status(mails["failed2"])[0] == OutboxStatus.PENDING
    assert _status(mails["sent"])[0] == OutboxStatus.SENT
    assert requeue_failed(None) == 0
    assert len(_requeue_events()) == 1  # nothing re-queued, nothing to audit


@pytest.mark.smtp
def test_a_requeued_message_is_delivered(mails, smtp_server):
    requeue_failed(None, mails["failed1"])
    counts = send_pending()
    assert counts["sent"] == 2  # the re-queued one and the one that was pending
    assert len(smtp_server.to("a@example.org")) == 1
    assert _status(mails["failed1"]) == (OutboxStatus.SENT, 1)


def test_the_command_line_requeues_the_failed_mail(app, mails):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["outbox", "requeue", "--failed"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "requeued: 2"
    assert _status(mails["failed2"])[0] == OutboxStatus.PENDING
    [event] = _requeue_events()
    assert event.actor_id is None and event.details["count"] == 2

    result = runner.invoke(args=["outbox", "requeue"])
    assert result.exit_code != 0 and "--failed" in result.output
    result = runner.invoke(args=["outbox", "requeue", "--id", str(mails["sent"])])
    assert result.exit_code != 0 and "fehlgeschlagene" in result.output


@pytest.fixture
def admin_client(mails, client, auth):
    factories.admin(email="admin@example.org")
    db.session.commit()
    auth.login("admin@example.org")
    return client


def test_the_admin_requeues_one_message_from_its_page(admin_client, mails):
    html = admin_client.get(f"/admin/outbox/{mails['failed1']}").get_data(as_text=True)
    assert f"/admin/outbox/{mails['failed1']}/requeue" in html
    sent_page = admin_client.get(f"/admin/outbox/{mails['sent']}").get_data(as_text=True)
    assert "/requeue" not in sent_page

    response = admin_client.post(f"/admin/outbox/{mails['failed1']}/requeue")
    assert response.status_code == 302
    assert _status(mails["failed1"]) == (OutboxStatus.PENDING, 0)
    assert "erneut gesendet" in admin_client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    response = admin_client.post(f"/admin/outbox/{mails['sent']}/requeue", follow_redirects=True)
    assert "Nur fehlgeschlagene" in response.get_data(as_text=True)
    assert admin_client.post("/admin/outbox/4711/requeue").status_code == 404


def test_the_admin_requeues_every_failed_message_from_the_list(admin_client, mails):
    html = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert 'action="/admin/outbox/requeue"' in html
    response = admin_client.post("/admin/outbox/requeue", follow_redirects=True)
    assert response.status_code == 200
    assert "Erneut in den Postausgang gestellt: 2" in response.get_data(as_text=True)
    assert _status(mails["failed2"])[0] == OutboxStatus.PENDING
    [event] = _requeue_events()
    assert event.object_type == "outbound_email" and event.object_id is None


def test_only_admins_requeue(mails, client, auth):
    factories.manager(factories.municipality("Bühl"), email="m@example.org")
    db.session.commit()
    auth.login("m@example.org")
    assert client.post("/admin/outbox/requeue").status_code == 403
    assert client.post(f"/admin/outbox/{mails['failed1']}/requeue").status_code == 403
    assert _status(mails["failed1"])[0] == OutboxStatus.FAILED
