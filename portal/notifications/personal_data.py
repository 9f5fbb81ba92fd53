"""What the outbox holds about a person, for the self-service data export: the e-mails the
portal wrote to the person's address (the text body; the HTML body says the same)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth.models import User
from portal.core.personal_data import Field, Part
from portal.extensions import db
from portal.notifications.models import DigestItem, OutboundEmail
from portal.notifications.preferences import preferences_of


def _settings(user: User) -> list[Part]:
    waiting = db.session.scalars(
        select(DigestItem).where(DigestItem.user_id == user.id).order_by(DigestItem.id)
    )
    return [
        Part(
            "notification_settings",
            _("Ihre Benachrichtigungen"),
            [
                Field("kind", _("Art"), "notification_kind"),
                Field("mode", _("Wie"), "delivery_mode"),
            ],
            [{"kind": kind, "mode": mode} for kind, mode in preferences_of(user).items()],
        ),
        Part(
            "digest_items",
            _("Für die nächste Zusammenfassung vorgemerkt"),
            [
                Field("created_at", _("Vorgemerkt am")),
                Field("kind", _("Art"), "notification_kind"),
                Field("title", _("Betreff")),
                Field("body", _("Text")),
            ],
            [
                {"created_at": d.created_at, "kind": d.kind, "title": d.title, "body": d.body}
                for d in waiting
            ],
        ),
    ]


def collect(user: User) -> list[Part]:
    return _mails(user) + _settings(user)


def _mails(user: User) -> list[Part]:
    mails = db.session.scalars(
        select(OutboundEmail)
        .where(OutboundEmail.recipient == user.email)
        .order_by(OutboundEmail.created_at, OutboundEmail.id)
    )
    return [
        Part(
            "messages",
            _("E-Mails an Sie"),
            [
                Field("created_at", _("Geschrieben am")),
                Field("sent_at", _("Versendet am")),
                Field("status", _("Stand"), "outbox_status"),
                Field("subject", _("Betreff")),
                Field("body_text", _("Text")),
            ],
            [
                {
                    "created_at": m.created_at,
                    "sent_at": m.sent_at,
                    "status": m.status,
                    "subject": m.subject,
                    "body_text": m.body_text,
                }
                for m in mails
            ],
        )
    ]
