"""Volunteer profiles and certificate-of-conduct checks."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.time import utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.municipalities.models import Municipality


class VolunteerStatus:
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    ALL = (PENDING, APPROVED, REJECTED, SUSPENDED)


volunteer_municipality = Table(
    "volunteer_municipality",
    db.metadata,
    Column(
        "volunteer_id",
        ForeignKey("volunteer_profile.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("municipality_id", ForeignKey("municipality.id", ondelete="CASCADE"), primary_key=True),
)


class VolunteerEventKind:
    """What happened to a volunteer's application; the volunteer's history."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    INFO_REQUESTED = "info_requested"
    SUSPENDED = "suspended"
    REINSTATED = "reinstated"
    RESUBMITTED = "resubmitted"
    PROFILE_UPDATED = "profile_updated"
    CERTIFICATE_RECORDED = "certificate_recorded"
    CERTIFICATE_REMINDER = "certificate_reminder"


class VolunteerProfile(db.Model):
    __tablename__ = "volunteer_profile"
    __table_args__ = (
        Index("ix_volunteer_profile_municipality_status", "home_municipality_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    home_municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    phone: Mapped[str] = mapped_column(String(40), default="")
    # [{"code": "ar", "level": "fluent"}, ...] with ISO 639 codes
    languages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # need category keys, see portal.needs.models.NeedCategory
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    # {"mon": ["morning", "evening"], ...}
    availability: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    has_car: Mapped[bool] = mapped_column(default=False)
    motivation: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=VolunteerStatus.PENDING, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    consent_version: Mapped[str] = mapped_column(String(20), default="")
    consent_at: Mapped[datetime | None]
    pledge_signed_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    home_municipality: Mapped[Municipality] = relationship()
    municipalities: Mapped[list[Municipality]] = relationship(secondary=volunteer_municipality)
    certificate_checks: Mapped[list[ConductCertificateCheck]] = relationship(
        back_populates="volunteer",
        order_by="ConductCertificateCheck.issued_on.desc()",
        cascade="all, delete-orphan",
    )
    events: Mapped[list[VolunteerEvent]] = relationship(
        back_populates="volunteer",
        order_by="VolunteerEvent.id.desc()",
        cascade="all, delete-orphan",
    )


class VolunteerEvent(db.Model):
    """One entry of a volunteer's history: a decision, a request for information, a change.

    Kept for the coordinators (and shown to the volunteer where it concerns them)."""

    __tablename__ = "volunteer_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profile.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str] = mapped_column(String(12), default="")
    to_status: Mapped[str] = mapped_column(String(12), default="")
    message: Mapped[str] = mapped_column(Text, default="")

    volunteer: Mapped[VolunteerProfile] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ConductCertificateCheck(db.Model):
    """The fact that a coordinator inspected an extended certificate of conduct
    (§72a SGB VIII). Never a copy of the document."""

    __tablename__ = "conduct_certificate_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profile.id", ondelete="CASCADE"), index=True
    )
    issued_on: Mapped[date]
    seen_on: Mapped[date]
    seen_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    valid_until: Mapped[date] = mapped_column(index=True)
    reminder_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    volunteer: Mapped[VolunteerProfile] = relationship(back_populates="certificate_checks")
    seen_by: Mapped[User | None] = relationship()


def record_event(
    profile: VolunteerProfile, kind: str, actor: Any, message: str = "", **kw: Any
) -> VolunteerEvent:
    """Add one entry to the volunteer's history (in the caller's transaction)."""
    event = VolunteerEvent(
        volunteer=profile,
        kind=kind,
        actor_id=getattr(actor, "id", None),
        message=message,
        from_status=kw.get("from_status", ""),
        to_status=kw.get("to_status", ""),
    )
    db.session.add(event)
    return event
