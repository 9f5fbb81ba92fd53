"""Audit events, append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.time import utcnow
from portal.extensions import Model


class AuditEvent(Model):
    __tablename__ = "audit_event"
    # The trail is read newest first (``at``, then ``id``: many events share a second), as a
    # whole or narrowed to one account, action or municipality: each read by its index in
    # that order.
    __table_args__ = (
        Index("ix_audit_event_object", "object_type", "object_id"),
        Index("ix_audit_event_at_id", "at", "id"),
        Index("ix_audit_event_actor_at", "actor_id", "at", "id"),
        Index("ix_audit_event_action_at", "action", "at", "id"),
        Index("ix_audit_event_municipality_at", "municipality_id", "at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id", ondelete="SET NULL")
    )
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
