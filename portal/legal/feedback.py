"""Feedback on the accessibility statement (§ 10 L-BGG, BITV 2.0): the message reaches the
admins through the outbox, and the sender gets an acknowledgement.

The acknowledgement repeats nothing the sender typed, so the form cannot be used to send text
of one's choosing to a stranger's address; at most one acknowledgement per address
every few hours, and the form is rate-limited per client address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from portal.audit.services import record
from portal.auth.models import Membership, Role, User
from portal.core.time import utcnow
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.notifications.models import OutboundEmail
from portal.notifications.services import queue_email

ACKNOWLEDGEMENT = "accessibility_feedback_received"
#: One acknowledgement per address in this time, however often the form is sent.
ACKNOWLEDGE_EVERY = timedelta(hours=12)


@dataclass
class Feedback:
    name: str
    email: str
    message: str
    page: str = ""


def _admin_recipients() -> list[tuple[str, str]]:
    """(address, language) of every active admin; the operator's address when there is none."""
    rows = db.session.execute(
        select(User.email, User.locale)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.role == Role.ADMIN, User.active.is_(True))
        .distinct()
        .order_by(User.email)
    ).all()
    return [(r.email, r.locale) for r in rows] or [(current_app.config["OPERATOR_EMAIL"], "de")]


def _acknowledged_recently(address: str) -> bool:
    return (
        db.session.scalar(
            select(OutboundEmail.id)
            .where(
                OutboundEmail.recipient == address,
                OutboundEmail.template == ACKNOWLEDGEMENT,
                OutboundEmail.created_at > utcnow() - ACKNOWLEDGE_EVERY,
            )
            .limit(1)
        )
        is not None
    )


@unit_of_work()
def send_accessibility_feedback(feedback: Feedback, locale: str) -> int:
    """Queue the feedback for the admins and the acknowledgement for the sender; the number
    of admin messages."""
    recipients = _admin_recipients()
    for address, language in recipients:
        queue_email(address, "accessibility_feedback", language, feedback=feedback)
    if not _acknowledged_recently(feedback.email):
        queue_email(feedback.email, ACKNOWLEDGEMENT, locale)
    record("accessibility.feedback", actor=None, object_type="feedback", recipients=len(recipients))
    return len(recipients)
