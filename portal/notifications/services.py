"""Queue e-mail in the outbox (same transaction as the change) and deliver it.

Delivery is at-least-once and safe with several senders: a row is claimed with a
compare-and-set from ``pending`` to ``sending`` before the SMTP conversation, and marked
``sent`` only after the server accepted it. Every message carries a deterministic Message-ID,
so a rare duplicate after a crash is recognisable by the receiving side.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import select, update

from portal.core.time import utcnow
from portal.extensions import db, mail
from portal.notifications.models import OutboundEmail, OutboxStatus

log = logging.getLogger(__name__)

STALE_SENDING_AFTER = timedelta(minutes=10)


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for e-mails: the current host inside a request, else PUBLIC_BASE_URL."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


def queue_email(recipient: str, template: str, locale: str = "de", **context: Any) -> OutboundEmail:
    """Render ``templates/email/<template>.{txt,html}`` in ``locale`` and add it to the outbox.

    The subject is the first line of the text template, after ``Subject:``. The caller commits.
    """
    with force_locale(locale):
        text = render_template(f"email/{template}.txt", **context)
        try:
            html = render_template(f"email/{template}.html", **context)
        except Exception:
            html = None
    subject, _, body = text.partition("\n")
    subject = subject.removeprefix("Subject:").strip()
    message = OutboundEmail(
        recipient=recipient,
        subject=subject[:255],
        body_text=body.lstrip("\n"),
        body_html=html,
        locale=locale,
        template=template,
    )
    db.session.add(message)
    return message


def message_id_for(email: OutboundEmail) -> str:
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2].rstrip(">") or "portal"
    return f"<outbox-{email.id}-{email.created_at:%Y%m%d%H%M%S}@{domain}>"


def _release_stale_claims() -> None:
    """A sender that died mid-send leaves rows in 'sending': give them back."""
    db.session.execute(
        update(OutboundEmail)
        .where(
            OutboundEmail.status == OutboxStatus.SENDING,
            OutboundEmail.claimed_at < utcnow() - STALE_SENDING_AFTER,
        )
        .values(status=OutboxStatus.PENDING)
    )
    db.session.commit()


def _claim(email_id: int) -> bool:
    result = db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id, OutboundEmail.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENDING, claimed_at=utcnow())
    )
    db.session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def send_pending(limit: int = 100) -> dict[str, int]:
    """Deliver up to ``limit`` due messages. Returns counts of sent and failed attempts.

    Without MAIL_SERVER nothing is sent: mail stays in the outbox (development).
    """
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    if not current_app.config.get("MAIL_SERVER"):
        return counts
    _release_stale_claims()
    due = list(
        db.session.scalars(
            select(OutboundEmail.id)
            .where(
                OutboundEmail.status == OutboxStatus.PENDING,
                OutboundEmail.next_attempt_at <= utcnow(),
            )
            .order_by(OutboundEmail.id)
            .limit(limit)
        )
    )
    db.session.commit()
    for email_id in due:
        if not _claim(email_id):
            counts["skipped"] += 1  # another sender got it first
            continue
        email = db.session.get(OutboundEmail, email_id)
        assert email is not None
        try:
            _deliver(email)
        except Exception as exc:
            email.attempts += 1
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
                email.status = OutboxStatus.FAILED
                counts["failed"] += 1
            else:
                email.status = OutboxStatus.PENDING
                backoff = timedelta(seconds=min(60 * 2 ** (email.attempts - 1), 6 * 3600))
                email.next_attempt_at = utcnow() + backoff
                counts["retry"] += 1
            log.warning("outbox %s: %s", email.id, email.last_error)
        else:
            email.attempts += 1
            email.status = OutboxStatus.SENT
            email.sent_at = utcnow()
            email.last_error = None
            counts["sent"] += 1
        db.session.commit()
    return counts


def _deliver(email: OutboundEmail) -> None:
    msg = Message(
        subject=email.subject,
        recipients=[email.recipient],
        body=email.body_text,
        html=email.body_html,
    )
    email.message_id = message_id_for(email)
    msg.msgId = email.message_id
    mail.send(msg)
