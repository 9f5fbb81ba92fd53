"""Volunteer profiles and certificate-of-conduct checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Table,
    Text,
    event,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from portal.core.enums import CodeEnum, check_in
from portal.core.labels import LANGUAGES
from portal.core.time import utcnow
from portal.extensions import Model, db
from portal.needs.models import Assignment, NeedCategory
from portal.needs.schedule import WEEKDAYS, PartOfDay

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.municipalities.models import Municipality


class VolunteerStatus(CodeEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class LanguageLevel(CodeEnum):
    BASIC = "basic"
    GOOD = "good"
    FLUENT = "fluent"
    NATIVE = "native"


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


class VolunteerEventKind(CodeEnum):
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


class VolunteerProfile(Model):
    __tablename__ = "volunteer_profile"
    audit_type: ClassVar[str] = "volunteer"  # the audit trail's name for this kind of object
    __table_args__ = (
        # counts per municipality and status; the approved volunteers of a scope without a
        # claim since a day (`portal.volunteers.queue.idle_volunteer`) by `last_claim_at`
        Index(
            "ix_volunteer_profile_municipality_status_claim",
            "home_municipality_id",
            "status",
            "last_claim_at",
        ),
        # the coordinators' queue: oldest application first
        Index("ix_volunteer_profile_submitted", "submitted_at", "id"),
        Index("ix_volunteer_profile_status_submitted", "status", "submitted_at", "id"),
        check_in("status", VolunteerStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    home_municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    phone: Mapped[str] = mapped_column(String(40), default="")
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
    # When the volunteer last claimed a need (the latest `Assignment.claimed_at`), kept by
    # `_note_claim` for every claim written through the ORM. It may lag (a claim written
    # otherwise), never run ahead: it narrows the search for volunteers without a task, whose
    # rule still reads the claims themselves.
    last_claim_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    home_municipality: Mapped[Municipality] = relationship()
    municipalities: Mapped[list[Municipality]] = relationship(secondary=volunteer_municipality)
    # The ids of the further municipalities as one comma-separated string ("" for none) when
    # the loader asked for it (`portal.volunteers.queries.profile_of`), else None: a volunteer
    # who helps in 1,100 municipalities costs one short string, not 1,100 objects. Read it
    # through `portal.needs.rules.helps_in` / `helps_in_municipality`.
    further_place_ids: Mapped[str | None] = query_expression()
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
    # Languages, interests and availability are rows (the board and the coordinators' queue
    # filter and rank on them); the properties below read and replace them as plain values.
    language_rows: Mapped[list[VolunteerLanguage]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan", passive_deletes=True
    )
    interest_rows: Mapped[list[VolunteerInterest]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan", passive_deletes=True
    )
    availability_rows: Mapped[list[VolunteerAvailability]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def languages(self) -> dict[str, str]:
        """Spoken languages, ISO 639 code -> level, in the order of the language list."""
        order = {code: i for i, code in enumerate(LANGUAGES)}
        rows = sorted(self.language_rows, key=lambda r: (order.get(r.code, len(order)), r.code))
        return {row.code: row.level for row in rows}

    @languages.setter
    def languages(self, levels: Mapping[str, str]) -> None:
        kept = {row.code: row for row in self.language_rows}
        rows = []
        for code, level in levels.items():
            row = kept.get(code) or VolunteerLanguage(code=code)
            row.level = level
            rows.append(row)
        self.language_rows = rows

    @property
    def interests(self) -> list[str]:
        """Need categories the volunteer would like to help with, in the categories' order."""
        chosen = {row.category for row in self.interest_rows}
        return [c.value for c in NeedCategory if c in chosen]

    @interests.setter
    def interests(self, categories: Iterable[str]) -> None:
        kept = {row.category: row for row in self.interest_rows}
        self.interest_rows = [
            kept.get(c) or VolunteerInterest(category=c) for c in dict.fromkeys(categories)
        ]

    @property
    def availability(self) -> dict[int, list[str]]:
        """Weekday (0 = Monday) -> parts of the day the volunteer is usually available."""
        slots = self.slots
        result: dict[int, list[str]] = {}
        for day in WEEKDAYS:
            parts = [p.value for p in PartOfDay if (day, p) in slots]
            if parts:
                result[day] = parts
        return result

    @availability.setter
    def availability(self, parts_by_day: Mapping[int, Iterable[str]]) -> None:
        kept = {(row.weekday, row.part_of_day): row for row in self.availability_rows}
        wanted = dict.fromkeys((day, part) for day, parts in parts_by_day.items() for part in parts)
        self.availability_rows = [
            kept.get(slot) or VolunteerAvailability(weekday=slot[0], part_of_day=slot[1])
            for slot in wanted
        ]

    @property
    def slots(self) -> set[tuple[int, str]]:
        """The (weekday, part of day) pairs of the availability."""
        return {(row.weekday, row.part_of_day) for row in self.availability_rows}


class VolunteerLanguage(Model):
    """A language a volunteer speaks, with the level."""

    __tablename__ = "volunteer_language"
    __table_args__ = (
        check_in("level", LanguageLevel),
        Index("ix_volunteer_language_code_volunteer", "code", "volunteer_id"),
    )

    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profile.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    level: Mapped[str] = mapped_column(String(10))

    volunteer: Mapped[VolunteerProfile] = relationship(back_populates="language_rows")


class VolunteerInterest(Model):
    """A need category a volunteer would like to help with."""

    __tablename__ = "volunteer_interest"
    __table_args__ = (
        check_in("category", NeedCategory),
        Index("ix_volunteer_interest_category_volunteer", "category", "volunteer_id"),
    )

    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profile.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(20), primary_key=True)

    volunteer: Mapped[VolunteerProfile] = relationship(back_populates="interest_rows")


class VolunteerAvailability(Model):
    """A weekday (0 = Monday, local) and part of the day a volunteer is usually available."""

    __tablename__ = "volunteer_availability"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_valid"),
        check_in("part_of_day", PartOfDay),
    )

    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profile.id", ondelete="CASCADE"), primary_key=True
    )
    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    part_of_day: Mapped[str] = mapped_column(String(10), primary_key=True)

    volunteer: Mapped[VolunteerProfile] = relationship(back_populates="availability_rows")


class VolunteerEvent(Model):
    """One entry of a volunteer's history: a decision, a request for information, a change.

    Kept for the coordinators (and shown to the volunteer where it concerns them)."""

    __tablename__ = "volunteer_event"
    __table_args__ = (check_in("kind", VolunteerEventKind),)

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


class ConductCertificateCheck(Model):
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


def _latest_claim(connection: Connection, volunteer_id: int, claimed_at: datetime) -> None:
    table = _profile_table()
    connection.execute(
        update(table)
        .where(
            table.c.id == volunteer_id,
            or_(table.c.last_claim_at.is_(None), table.c.last_claim_at < claimed_at),
        )
        .values(last_claim_at=claimed_at)
    )


def _profile_table() -> Table:
    table = VolunteerProfile.__table__
    assert isinstance(table, Table)
    return table


@event.listens_for(Assignment, "after_insert")
def _note_claim(_mapper: Any, connection: Connection, assignment: Assignment) -> None:
    """A new claim moves its volunteer's `VolunteerProfile.last_claim_at` forward."""
    _latest_claim(connection, assignment.volunteer_id, assignment.claimed_at)


def note_last_claims(connection: Connection) -> None:
    """Set every volunteer's `VolunteerProfile.last_claim_at` from the claims (after claims
    were written in bulk, e.g. by `flask seed-scale`)."""
    table = _profile_table()
    latest = (
        select(func.max(Assignment.claimed_at))
        .where(Assignment.volunteer_id == table.c.id)
        .scalar_subquery()
    )
    connection.execute(update(table).values(last_claim_at=latest))
