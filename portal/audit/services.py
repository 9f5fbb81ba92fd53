"""Write audit events inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from portal.audit.models import AuditEvent
from portal.extensions import db


def record(
    action: str,
    *,
    actor: Any | None,
    object_type: str,
    object_id: int | None = None,
    municipality_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current session; the caller commits."""
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=object_type,
        object_id=object_id,
        municipality_id=municipality_id,
        details=details,
    )
    db.session.add(event)
    return event
