"""Write audit events inside the caller's transaction."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import lazyload

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.core.time import local_to_utc
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


def record_about(
    action: str, actor: Any | None, obj: Any, municipality_id: int | None, **details: Any
) -> AuditEvent:
    """An audit event about a stored object: its kind (the model's ``audit_type``, else its
    table) and id; the caller commits."""
    object_type = getattr(obj, "audit_type", None) or obj.__tablename__
    return record(
        action,
        actor=actor,
        object_type=object_type,
        object_id=obj.id,
        municipality_id=municipality_id,
        **details,
    )


def scrub_about(subjects: list[tuple[str, int]]) -> int:
    """Erasure: events about these objects (object type, id) keep their action, time and
    actor, not their details (caller's transaction); how many events."""
    if not subjects:
        return 0
    about = [
        (AuditEvent.object_type == kind) & (AuditEvent.object_id == object_id)
        for kind, object_id in subjects
    ]
    done = db.session.execute(
        update(AuditEvent)
        .where(or_(*about))
        .values(details={})
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


def apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set ``values`` on ``obj``; the changes as ``{field: [old, new]}`` for the audit trail
    (empty when nothing changed)."""
    changes = {
        key: [getattr(obj, key), value]
        for key, value in values.items()
        if getattr(obj, key) != value
    }
    for key, (_old, value) in changes.items():
        setattr(obj, key, value)
    return changes


# --- reading the trail (admin page for the county's data-protection checks) -------------------


def events_query(
    *,
    action: str = "",
    object_type: str = "",
    object_id: int | None = None,
    actor_id: int | None = None,
    actor_search: str = "",
    municipality_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Select[Any]:
    """Audit events, newest first, narrowed by every filter given.

    ``action`` matches exactly, or as a prefix when it ends with a dot ("client." finds
    "client.viewed", "client.closed", ...). ``date_from``/``date_to`` are calendar days in
    Europe/Berlin, both inclusive, compared with the stored naive-UTC times.
    """
    from portal.municipalities.services import name_matches  # that module records audit events

    stmt = select(AuditEvent)
    action = action.strip()
    if action.endswith("."):
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    elif action:
        stmt = stmt.where(AuditEvent.action == action)
    if object_type.strip():
        stmt = stmt.where(AuditEvent.object_type == object_type.strip())
    if object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if actor_search.strip():
        actors = select(User.id).where(
            or_(
                name_matches(User.email, actor_search),
                name_matches(User.display_name, actor_search),
            )
        )
        stmt = stmt.where(AuditEvent.actor_id.in_(actors))
    if municipality_id is not None:
        stmt = stmt.where(AuditEvent.municipality_id == municipality_id)
    if date_from is not None:
        stmt = stmt.where(AuditEvent.at >= local_to_utc(datetime.combine(date_from, time.min)))
    if date_to is not None:
        end = local_to_utc(datetime.combine(date_to + timedelta(days=1), time.min))
        stmt = stmt.where(AuditEvent.at < end)
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def actors_of(events: list[AuditEvent]) -> dict[int, User]:
    """The actors of a page of events, in one query (no query per row)."""
    ids = {e.actor_id for e in events if e.actor_id is not None}
    if not ids:
        return {}
    found = db.session.scalars(
        select(User).where(User.id.in_(ids)).options(lazyload(User.memberships))
    )
    return {u.id: u for u in found}


def details_text(details: dict[str, Any] | None) -> str:
    """Details as compact ``key=value`` pairs, keys sorted."""
    if not details:
        return ""
    parts = []
    for key in sorted(details):
        value = details[key]
        if not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        parts.append(f"{key}={value}")
    return " ".join(parts)
