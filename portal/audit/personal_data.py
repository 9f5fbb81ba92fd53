"""What the audit trail holds about a person, for the self-service data export: the events the
person caused (as actor) and the events about their account or volunteer profile (as subject).
Other actors are not named. The details (which may hold old and new values) are shown only for
events about the person's own account or profile: for other objects, the kind and the number."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.core.personal_data import Field, Part
from portal.extensions import db
from portal.volunteers.queries import profile_of


def collect(user: User) -> list[Part]:
    profile = profile_of(user)
    profile_id = profile.id if profile else None
    about = [and_(AuditEvent.object_type == "user", AuditEvent.object_id == user.id)]
    if profile_id is not None:
        about.append(
            and_(AuditEvent.object_type == "volunteer", AuditEvent.object_id == profile_id)
        )

    def _about_you(event: AuditEvent) -> bool:
        return (event.object_type, event.object_id) in {
            ("user", user.id),
            ("volunteer", profile_id),
        }

    events = db.session.scalars(
        select(AuditEvent)
        .where(or_(AuditEvent.actor_id == user.id, *about))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [
        Part(
            "audit_events",
            _("Protokollierte Vorgänge"),
            [
                Field("at", _("Zeitpunkt")),
                Field("action", _("Vorgang")),
                Field("by_you", _("Von Ihnen ausgelöst")),
                Field("object_type", _("Art des Objekts")),
                Field("object_id", _("Nummer des Objekts")),
                Field("details", _("Einzelheiten")),
            ],
            [
                {
                    "at": e.at,
                    "action": e.action,
                    "by_you": e.actor_id == user.id,
                    "object_type": e.object_type,
                    "object_id": e.object_id,
                    "details": (e.details or {}) if _about_you(e) else {},
                }
                for e in events
            ],
        )
    ]
