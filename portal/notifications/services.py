"""Queue e-mail in the outbox (same transaction as the change) and deliver it.

Delivery is at-least-once and safe with several senders: a row is claimed with a
compare-and-set from ``pending`` to ``sending`` (on PostgreSQL the candidate row is also picked
with ``FOR UPDATE SKIP LOCKED`` so concurrent senders take different rows instead of queueing
behind each other), the SMTP conversation runs outside any database transaction, and the row is
marked ``sent`` only after the server accepted the message, and only if this sender still holds
the claim. Every message carries a deterministic Message-ID, so a rare duplicate after a crash
(a sender that died between the SMTP "250 OK" and its commit) is recognisable by the receiver.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from flask_mail import BadHeaderError, Connection, Message
from jinja2 import TemplateNotFound
from sqlalchemy import select, update

from portal.audit import services as audit
from portal.core.errors import InvalidTransition, NotFound
from portal.core.time import utcnow
from portal.core.transaction import unit_of_work, writing
from portal.extensions import db
from portal.notifications.models import OutboundEmail, OutboxStatus

log = logging.getLogger(__name__)

STALE_SENDING_AFTER = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=6)


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for e-mails and calendar feeds, always under PUBLIC_BASE_URL: the
    request's Host header is chosen by the client and must never reach a link we send out."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def queue_email(
    recipient: str,
    template: str,
    locale: str = "de",
    *,
    headers: Any = None,
    **context: Any,
) -> OutboundEmail:
    """Render ``templates/email/<template>.{txt,html}`` in ``locale`` and add it to the outbox.

    The subject is the first line of the text template, after ``Subject:``. ``headers`` are
    sent with the mail (name -> value, e.g. List-Unsubscribe). The caller commits.
    """
    with force_locale(locale):
        text = render_template(f"email/{template}.txt", **context)
        try:
            html = render_template(f"email/{template}.html", **context)
        except TemplateNotFound as exc:
            if exc.name != f"email/{template}.html":
                raise  # the HTML template exists but includes something missing
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
        headers=dict(headers) if headers else None,
    )
    db.session.add(message)
    return message


def message_id_for(email: OutboundEmail) -> str:
    """A Message-ID that depends only on the row, so a re-sent message carries the same one."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    address = sender[1] if isinstance(sender, tuple | list) else parseaddr(sender)[1]
    domain = address.rpartition("@")[2] or "ehrenamtsportal.invalid"
    return f"<outbox-{email.id}-{email.created_at:%Y%m%d%H%M%S}@{domain}>"


def backoff_for(attempts: int) -> timedelta:
    """Wait 1, 2, 4, 8 ... minutes after the 1st, 2nd, 3rd ... failed attempt (at most 6 h)."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def release_stale_claims() -> int:
    """A sender that died mid-send leaves rows in 'sending': give them back after 10 minutes.

    The message may have gone out already; delivering it again is the price of at-least-once
    (the receiver sees the same Message-ID).
    """
    result = db.session.execute(
        update(OutboundEmail)
        .where(
            OutboundEmail.status == OutboxStatus.SENDING,
            OutboundEmail.claimed_at < utcnow() - STALE_SENDING_AFTER,
        )
        .values(status=OutboxStatus.PENDING, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Claim:
    email_id: int
    token: datetime  # the claimed_at value this sender wrote; proves the claim is still ours


def _claim_next() -> _Claim | bool | None:
    """Claim the oldest due message. None: nothing due; False: another sender won the race."""
    now = utcnow()
    candidate = (
        select(OutboundEmail.id)
        .where(OutboundEmail.status == OutboxStatus.PENDING, OutboundEmail.next_attempt_at <= now)
        .order_by(OutboundEmail.id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # Rows being claimed by another sender are skipped instead of waited for.
        candidate = candidate.with_for_update(skip_locked=True)
    email_id = db.session.scalar(candidate)
    if email_id is None:
        db.session.commit()
        return None
    token = utcnow()
    # The compare-and-set is what guarantees a single owner on every database.
    result = db.session.execute(
        update(OutboundEmail)
        .where(
            OutboundEmail.id == email_id,
            OutboundEmail.status == OutboxStatus.PENDING,
            OutboundEmail.next_attempt_at <= now,
        )
        .values(status=OutboxStatus.SENDING, claimed_at=token)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    return _Claim(email_id, token)


def _finish(claim: _Claim, **values: Any) -> bool:
    """Record the outcome, but only while this sender still owns the claim."""
    result = db.session.execute(
        update(OutboundEmail)
        .where(
            OutboundEmail.id == claim.email_id,
            OutboundEmail.status == OutboxStatus.SENDING,
            OutboundEmail.claimed_at == claim.token,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        log.warning("outbox %s: claim was released meanwhile; outcome not recorded", claim.email_id)
        return False
    return True


def is_permanent(exc: Exception) -> bool:
    """A 5xx answer about this message or its recipient, or a header Flask-Mail refuses to
    send (a line break in the address or subject), will not change by retrying."""
    if isinstance(exc, BadHeaderError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    return False


@writing()
def send_pending(limit: int = 100) -> dict[str, int]:
    """Deliver up to ``limit`` due messages. Returns counts: sent, retry (temporary failure,
    tried again later), failed (given up), skipped (another sender claimed it first).

    Without MAIL_SERVER nothing is sent: mail stays in the outbox (development).
    """
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    if not current_app.config.get("MAIL_SERVER"):
        return counts
    release_stale_claims()
    for _ in range(limit):
        claim = _claim_next()
        if claim is None:
            break
        if claim is False:
            counts["skipped"] += 1
            continue
        assert isinstance(claim, _Claim)
        counts[_process(claim)] += 1
    return counts


def _process(claim: _Claim) -> str:
    email = db.session.get(OutboundEmail, claim.email_id)
    if email is None:  # deleted meanwhile
        db.session.commit()
        return "skipped"
    if not email.message_id:
        email.message_id = message_id_for(email)
    msg = _message_for(email)
    attempts = email.attempts + 1
    db.session.commit()  # no transaction stays open during the SMTP conversation
    try:
        _deliver(msg)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]  # for the admins' outbox page
        log.warning("outbox %s: attempt %s failed: %s", claim.email_id, attempts, _reason(exc))
        if is_permanent(exc) or attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
            _finish(
                claim,
                status=OutboxStatus.FAILED,
                attempts=attempts,
                last_error=error,
                claimed_at=None,
            )
            return "failed"
        _finish(
            claim,
            status=OutboxStatus.PENDING,
            attempts=attempts,
            last_error=error,
            next_attempt_at=utcnow() + backoff_for(attempts),
            claimed_at=None,
        )
        return "retry"
    _finish(
        claim,
        status=OutboxStatus.SENT,
        attempts=attempts,
        sent_at=utcnow(),
        last_error=None,
        claimed_at=None,
    )
    return "sent"


def _reason(exc: Exception) -> str:
    """A failure for the log: its kind and SMTP codes, never its text (an SMTP server's answer
    names the addresses)."""
    codes = [getattr(exc, "smtp_code", None)]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
    shown = " ".join(str(c) for c in codes if c)
    return f"{type(exc).__name__} {shown}".strip()


def _message_for(email: OutboundEmail) -> Message:
    msg = Message(
        subject=email.subject,
        recipients=[email.recipient],
        body=email.body_text,
        html=email.body_html,
        extra_headers={**(email.headers or {}), "Auto-Submitted": "auto-generated"},
    )
    msg.msgId = email.message_id
    return msg


class _TimedConnection(Connection):
    """Flask-Mail's connection with a socket timeout (MAIL_TIMEOUT): a hanging SMTP server must
    not keep a claim longer than STALE_SENDING_AFTER, or a second sender would take it over."""

    def configure_host(self) -> smtplib.SMTP | smtplib.SMTP_SSL:
        timeout = float(current_app.config.get("MAIL_TIMEOUT") or 30)
        host: smtplib.SMTP | smtplib.SMTP_SSL
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=timeout)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def _deliver(msg: Message) -> None:
    connection = _TimedConnection(current_app.extensions["mail"])
    if not connection.mail.suppress:
        connection.host = connection.configure_host()
    try:
        connection.send(msg)
    finally:
        if connection.host is not None:
            try:
                connection.host.quit()
            except (smtplib.SMTPException, OSError):
                # The message was accepted (or the error is already raised): a failing QUIT
                # must not turn a delivered message into a retry.
                connection.host.close()


# --- sending failed mail again --------------------------------------------------------------


@unit_of_work()
def requeue_failed(actor: Any | None, email_id: int | None = None) -> int:
    """Give failed mail (one message, or every failed one) a fresh round of attempts: back to
    pending, due now, attempts counted from zero (the last error stays until the next try).
    Audited with the acting admin (None: the command line). Returns how many were re-queued.

    A compare-and-set on the status: a message that is no longer failed is left alone.
    """
    stmt = update(OutboundEmail).where(OutboundEmail.status == OutboxStatus.FAILED)
    if email_id is not None:
        if db.session.get(OutboundEmail, email_id) is None:
            raise NotFound(gettext("Diese Nachricht gibt es nicht."))
        stmt = stmt.where(OutboundEmail.id == email_id)
    result = db.session.execute(
        stmt.values(
            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow(), claimed_at=None
        ).execution_options(synchronize_session=False)
    )
    count: int = result.rowcount  # type: ignore[attr-defined]
    if email_id is not None and count == 0:
        raise InvalidTransition(
            gettext("Nur fehlgeschlagene Nachrichten können erneut gesendet werden.")
        )
    if count:
        audit.record(
            "outbox.requeued",
            actor=actor,
            object_type="outbound_email",
            object_id=email_id,
            count=count,
        )
    return count
