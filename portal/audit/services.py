"""Write audit events inside the caller's transaction."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import DateTime, Integer, Select, String, bindparam, or_, select, update
from sqlalchemy.orm import lazyload

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.core.inputs import like_escaped
from portal.core.pagination import Bound
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
) -> Bound:
    """Audit events, newest first, narrowed by every filter given.

    ``action`` matches exactly, or as a prefix when it ends with a dot ("client." finds
    "client.viewed", "client.closed", ...). ``date_from``/``date_to`` are calendar days in
    Europe/Berlin, both inclusive, compared with the stored naive-UTC times. Built once per
    shape (which filters are given); the values are bind parameters.
    """
    from portal.municipalities.services import name_variants  # that module records audit events

    action, object_type = action.strip(), object_type.strip()
    values: dict[str, Any] = {}
    if action.endswith("."):
        values["audit_action"] = like_escaped(action)
    elif action:
        values["audit_action"] = action
    if object_type:
        values["audit_object_type"] = object_type
    if object_id is not None:
        values["audit_object_id"] = object_id
    if actor_id is not None:
        values["audit_actor_id"] = actor_id
    spellings = name_variants(actor_search) if actor_search.strip() else []
    values.update({f"audit_actor_{i}": spelling for i, spelling in enumerate(spellings)})
    if municipality_id is not None:
        values["audit_municipality_id"] = municipality_id
    if date_from is not None:
        values["audit_from"] = local_to_utc(datetime.combine(date_from, time.min))
    if date_to is not None:
        end = local_to_utc(datetime.combine(date_to + timedelta(days=1), time.min))
        values["audit_until"] = end
    shape = EventsShape(
        action="prefix" if action.endswith(".") else "exact" if action else "",
        object_type=bool(object_type),
        object_id=object_id is not None,
        actor_id=actor_id is not None,
        actor_spellings=len(spellings),
        municipality_id=municipality_id is not None,
        date_from=date_from is not None,
        date_to=date_to is not None,
    )
    return Bound(_events_statement(shape), values)


class EventsShape(NamedTuple):
    """Which filters a statement of `events_query` has."""

    action: str  # "", "exact" or "prefix"
    object_type: bool
    object_id: bool
    actor_id: bool
    actor_spellings: int  # of the actor's name or address: 0 (no search) to 4
    municipality_id: bool
    date_from: bool
    date_to: bool


@cache
def _events_statement(shape: EventsShape) -> Select[Any]:
    from portal.municipalities.services import name_matches_params

    stmt = select(AuditEvent)
    if shape.action == "prefix":
        prefix = bindparam("audit_action", type_=String)
        stmt = stmt.where(AuditEvent.action.startswith(prefix, escape="/"))
    elif shape.action:
        stmt = stmt.where(AuditEvent.action == bindparam("audit_action", type_=String))
    if shape.object_type:
        stmt = stmt.where(AuditEvent.object_type == bindparam("audit_object_type", type_=String))
    if shape.object_id:
        stmt = stmt.where(AuditEvent.object_id == bindparam("audit_object_id", type_=Integer))
    if shape.actor_id:
        stmt = stmt.where(AuditEvent.actor_id == bindparam("audit_actor_id", type_=Integer))
    if shape.actor_spellings:
        spellings = shape.actor_spellings
        actors = select(User.id).where(
            or_(
                name_matches_params(User.email, "audit_actor", spellings),
                name_matches_params(User.display_name, "audit_actor", spellings),
            )
        )
        stmt = stmt.where(AuditEvent.actor_id.in_(actors))
    if shape.municipality_id:
        place = bindparam("audit_municipality_id", type_=Integer)
        stmt = stmt.where(AuditEvent.municipality_id == place)
    if shape.date_from:
        stmt = stmt.where(AuditEvent.at >= bindparam("audit_from", type_=DateTime))
    if shape.date_to:
        stmt = stmt.where(AuditEvent.at < bindparam("audit_until", type_=DateTime))
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def actors_of(events: list[AuditEvent]) -> dict[int, User]:
    """The actors of a page of events, in one query (no query per row)."""
    ids = {e.actor_id for e in events if e.actor_id is not None}
    if not ids:
        return {}
    found = db.session.scalars(_actors_statement(), {"actor_ids": sorted(ids)})
    return {u.id: u for u in found}


@cache
def _actors_statement() -> Select[Any]:
    """Built once: the accounts ``actor_ids`` (a list of ids)."""
    ids = bindparam("actor_ids", type_=Integer, expanding=True)
    return select(User).where(User.id.in_(ids)).options(lazyload(User.memberships))


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
