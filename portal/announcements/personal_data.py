"""What the announcements hold about a person, for the self-service data export: those they
received, and those they sent."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal.announcements.models import Announcement
from portal.announcements.services import archive_stmt
from portal.auth.models import User
from portal.core.personal_data import Field, Part
from portal.extensions import db

_FIELDS = [
    Field("created_at", _("Gesendet am")),
    Field("subject", _("Betreff")),
    Field("body", _("Text")),
]


def _rows(items: list[Announcement]) -> list[dict[str, object]]:
    return [{"created_at": a.created_at, "subject": a.subject, "body": a.body} for a in items]


def collect(user: User) -> list[Part]:
    received = list(db.session.scalars(archive_stmt(user)))
    sent = list(
        db.session.scalars(
            select(Announcement).where(Announcement.sender_id == user.id).order_by(Announcement.id)
        )
    )
    parts = [Part("announcements_received", _("Rundschreiben an Sie"), _FIELDS, _rows(received))]
    if sent:  # only staff send announcements
        parts.append(Part("announcements_sent", _("Ihre Rundschreiben"), _FIELDS, _rows(sent)))
    return parts
