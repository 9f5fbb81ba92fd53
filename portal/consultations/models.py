"""Places and consultation hours (Sprechstunden), their exceptions, appointments booked in them,
walk-in counts and home visits.

Hours are kept in local wall time (Europe/Berlin): a weekday, a time range and the dates they
run between; the concrete dates are computed (`portal.consultations.recurrence`). Appointments
and home visits are client data (managers only); walk-in counts hold no names.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.enums import CodeEnum, check_in, ordered_rows
from portal.core.time import utcnow
from portal.extensions import Model

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.municipalities.models import Municipality, Office
    from portal.needs.models import Need
    from portal.plans.models import Client


class PlaceKind(CodeEnum):
    BRANCH_OFFICE = "branch_office"
    TOWN_HALL = "town_hall"


class Recurrence(CodeEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"


class Booking(CodeEnum):
    """Whether people just come (walk-in) or book a slot."""

    WALK_IN = "walk_in"
    APPOINTMENT = "appointment"


class ExceptionKind(CodeEnum):
    CANCELLED = "cancelled"
    MOVED = "moved"


class AppointmentStatus(CodeEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class Topic(CodeEnum):
    """What a visitor came about (walk-in counts, home visits)."""

    WORK = "work"
    HOUSING = "housing"
    RESIDENCE = "residence"
    LANGUAGE_COURSE = "language_course"
    OTHER = "other"


class VisitPlace(CodeEnum):
    HOME = "home"
    SHARED_ACCOMMODATION = "shared_accommodation"
    OTHER = "other"


class ConsultationPlace(Model):
    """A room where consultation hours are held: a branch office or a room in a town hall."""

    __tablename__ = "consultation_place"
    __table_args__ = (check_in("kind", PlaceKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=PlaceKind.TOWN_HALL)
    name: Mapped[str] = mapped_column(String(160))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    office_id: Mapped[int | None] = mapped_column(
        ForeignKey("office.id", ondelete="SET NULL"), index=True
    )
    address: Mapped[str] = mapped_column(Text, default="")
    accessibility: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    municipality: Mapped[Municipality] = relationship()
    office: Mapped[Office | None] = relationship()

    @property
    def contact_phone(self) -> str:
        """The place's phone, else its office's."""
        return self.phone or (self.office.phone if self.office is not None else "")

    def __str__(self) -> str:
        return self.name


class ConsultationHours(Model):
    """A manager's regular consultation hour at a place."""

    __tablename__ = "consultation_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_valid"),
        CheckConstraint("ends_at > starts_at", name="time_range"),
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="date_range"),
        CheckConstraint(
            "booking = 'walk_in' OR (slot_minutes BETWEEN 5 AND 240)", name="slot_length"
        ),
        check_in("recurrence", Recurrence),
        check_in("booking", Booking),
        Index("ix_consultation_hours_place", "place_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    place_id: Mapped[int] = mapped_column(ForeignKey("consultation_place.id"))
    # denormalised from the place: the public pages select a municipality's hours by it
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    recurrence: Mapped[str] = mapped_column(String(10), default=Recurrence.WEEKLY)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]
    booking: Mapped[str] = mapped_column(String(12), default=Booking.WALK_IN)
    slot_minutes: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    manager: Mapped[User | None] = relationship()
    place: Mapped[ConsultationPlace] = relationship()
    municipality: Mapped[Municipality] = relationship()
    language_rows: Mapped[list[ConsultationLanguage]] = relationship(
        back_populates="hours",
        order_by="ConsultationLanguage.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    exceptions: Mapped[list[ConsultationException]] = relationship(
        back_populates="hours", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def walk_in(self) -> bool:
        return self.booking == Booking.WALK_IN

    @property
    def languages(self) -> list[str]:
        return [row.code for row in self.language_rows]

    @languages.setter
    def languages(self, codes: Iterable[str]) -> None:
        self.language_rows = ordered_rows(
            self.language_rows, codes, lambda c: ConsultationLanguage(code=c)
        )


class ConsultationLanguage(Model):
    """A language offered in a consultation hour."""

    __tablename__ = "consultation_language"
    __table_args__ = (Index("ix_consultation_language_code", "code", "hours_id"),)

    hours_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_hours.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    hours: Mapped[ConsultationHours] = relationship(back_populates="language_rows")


class ConsultationException(Model):
    """One date of a consultation hour that differs: cancelled, or held in another room."""

    __tablename__ = "consultation_exception"
    __table_args__ = (
        UniqueConstraint("hours_id", "on_date", name="uq_consultation_exception_date"),
        check_in("kind", ExceptionKind),
        CheckConstraint("kind = 'cancelled' OR place_id IS NOT NULL", name="moved_has_place"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hours_id: Mapped[int] = mapped_column(ForeignKey("consultation_hours.id", ondelete="CASCADE"))
    on_date: Mapped[date] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(10))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_place.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    hours: Mapped[ConsultationHours] = relationship(back_populates="exceptions")
    place: Mapped[ConsultationPlace | None] = relationship()


class Appointment(Model):
    """A client's booked slot in a consultation hour (client data: managers only)."""

    __tablename__ = "consultation_appointment"
    __table_args__ = (
        # one booked appointment per slot: two bookings of the last slot, one wins
        Index(
            "uq_consultation_appointment_slot",
            "hours_id",
            "on_date",
            "slot_start",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
        Index("ix_consultation_appointment_day", "on_date", "hours_id"),
        check_in("status", AppointmentStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hours_id: Mapped[int] = mapped_column(ForeignKey("consultation_hours.id", ondelete="CASCADE"))
    on_date: Mapped[date]
    slot_start: Mapped[time]
    slot_end: Mapped[time]
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("client.id", ondelete="SET NULL"), index=True
    )
    # an accompanying volunteer, linked through the need that asks for the accompaniment
    need_id: Mapped[int | None] = mapped_column(
        ForeignKey("need.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default=AppointmentStatus.BOOKED)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    booked_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]

    hours: Mapped[ConsultationHours] = relationship()
    client: Mapped[Client | None] = relationship()
    need: Mapped[Need | None] = relationship()
    booked_by: Mapped[User | None] = relationship(foreign_keys=[booked_by_id])


class WalkInCount(Model):
    """How many people came to one date of a consultation hour about one topic (no names)."""

    __tablename__ = "consultation_walk_in"
    __table_args__ = (
        UniqueConstraint("hours_id", "on_date", "topic", name="uq_consultation_walk_in"),
        CheckConstraint("visitors >= 0", name="visitors_not_negative"),
        check_in("topic", Topic),
        Index("ix_consultation_walk_in_figures", "municipality_id", "on_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hours_id: Mapped[int] = mapped_column(ForeignKey("consultation_hours.id", ondelete="CASCADE"))
    on_date: Mapped[date]
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    topic: Mapped[str] = mapped_column(String(20))
    visitors: Mapped[int] = mapped_column(default=0)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class HomeVisit(Model):
    """A manager's visit at a client's home or accommodation (client data: managers only)."""

    __tablename__ = "home_visit"
    __table_args__ = (
        check_in("place_type", VisitPlace),
        CheckConstraint("duration_minutes BETWEEN 1 AND 1440", name="duration_valid"),
        Index("ix_home_visit_figures", "municipality_id", "visited_on"),
        Index("ix_home_visit_client", "client_id", "visited_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"))
    # the client's municipality at the time (the figures count by it)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    visited_on: Mapped[date]
    place_type: Mapped[str] = mapped_column(String(24))
    duration_minutes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship()
    manager: Mapped[User | None] = relationship()
    topic_rows: Mapped[list[HomeVisitTopic]] = relationship(
        back_populates="visit",
        order_by="HomeVisitTopic.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def topics(self) -> list[str]:
        return [row.code for row in self.topic_rows]

    @topics.setter
    def topics(self, codes: Iterable[str]) -> None:
        self.topic_rows = ordered_rows(self.topic_rows, codes, lambda c: HomeVisitTopic(code=c))


class HomeVisitTopic(Model):
    __tablename__ = "home_visit_topic"
    __table_args__ = (check_in("code", Topic),)

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("home_visit.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    visit: Mapped[HomeVisit] = relationship(back_populates="topic_rows")


class ManagerCalendarToken(Model):
    """The secret of a manager's calendar feed (hours and bookings); renewing replaces it."""

    __tablename__ = "manager_calendar_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
