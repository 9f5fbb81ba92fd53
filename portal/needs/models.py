"""Needs, assignments (claims) and reports back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.code_list import CodeList
from portal.core.enums import CodeEnum, check_in, ordered_rows
from portal.core.time import to_local, utcnow
from portal.extensions import Model
from portal.needs.schedule import FIELDS as SCHEDULE_FIELDS

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.municipalities.models import Municipality
    from portal.needs.report_models import Report
    from portal.plans.models import Step
    from portal.volunteers.models import VolunteerProfile


class NeedCategory(CodeEnum):
    """What a need is about; a volunteer's interests are the same codes."""

    TUTORING = "tutoring"
    LANGUAGE_PRACTICE = "language_practice"
    ACCOMPANYING = "accompanying"
    YOUTH_FAMILY = "youth_family"
    HOUSING_SEARCH = "housing_search"
    OTHER = "other"


class NeedStatus(CodeEnum):
    DRAFT = "draft"
    OPEN = "open"
    FILLED = "filled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


#: statuses of a need that has been published (and perhaps closed since)
PUBLISHED = ("open", "filled", "completed", "cancelled")
CLOSED_STATUSES = ("completed", "cancelled")


class ScheduleKind(CodeEnum):
    ONCE = "once"
    WEEKLY = "weekly"


class AssignmentStatus(CodeEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    RELEASED = "released"


BOARD_WALK_CARRIES = (
    "language_codes",
    "municipality_id",
    "schedule_kind",
    "weekday",
    "ends_on",
    "starts_at",
    "duration_minutes",
)
"""The columns the board's walks in date order test besides their keys (PostgreSQL: the
INCLUDE columns of ``ix_need_board_first`` and ``ix_need_board_category``)."""
BOARD_WALK_BY_PLACE_CARRIES = tuple(c for c in BOARD_WALK_CARRIES if c != "municipality_id")
"""The same for the walk by municipality (``ix_need_board``), whose key holds the municipality."""


class Need(Model):
    __tablename__ = "need"
    __table_args__ = (
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_within_capacity"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_valid"),
        check_in("status", NeedStatus),
        check_in("category", NeedCategory),
        check_in("schedule_kind", ScheduleKind),
        # A volunteer who helps in a few municipalities has the board's needs read by
        # municipality (portal.needs.board_scope), each one's in date order, from the index
        # alone (PostgreSQL: INCLUDE columns, as for the walks below).
        Index(
            "ix_need_board",
            "status",
            "municipality_id",
            "first_on",
            "time_of_day",
            "id",
            postgresql_include=[*BOARD_WALK_BY_PLACE_CARRIES, "category"],
        ),
        Index("ix_need_category_status", "category", "status"),
        # The board (portal.needs.board_order) walks dated needs by their first day and time
        # (of one category when filtered), and reads started weekly needs by weekday and first
        # day (a range: those that have not started yet are not read). The walks test the
        # other filters (the scope, a language) and return the board's narrow rows from the
        # index alone (PostgreSQL: INCLUDE columns), and stop after the page and the bounded
        # count; in the category's index the category leads, so that an unfiltered board
        # never reads it.
        Index(
            "ix_need_board_first",
            "status",
            "first_on",
            "time_of_day",
            "id",
            postgresql_include=[*BOARD_WALK_CARRIES, "category"],
        ),
        Index(
            "ix_need_board_category",
            "category",
            "status",
            "first_on",
            "time_of_day",
            "id",
            postgresql_include=list(BOARD_WALK_CARRIES),
        ),
        Index("ix_need_board_running", "status", "schedule_kind", "weekday", "first_on"),
        # The managers' list: newest schedule first, undated drafts on top (read backwards).
        Index("ix_need_list_order", "starts_on", "id"),
        Index("ix_need_municipality_order", "municipality_id", "starts_on", "id"),
        # The board's language filter: on PostgreSQL a GIN index finds the needs asking for a
        # language (on SQLite a plain index the filter does not use; kept for one schema), when
        # the board is not filtered by category too or reads by municipality
        Index("ix_need_language_codes", "language_codes", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_step_id: Mapped[int | None] = mapped_column(
        ForeignKey("step.id", ondelete="SET NULL"), index=True
    )
    category: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(160))
    public_description: Mapped[str] = mapped_column(Text)
    private_notes: Mapped[str] = mapped_column(Text, default="")
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    meeting_point: Mapped[str] = mapped_column(Text, default="")
    # The wanted languages in order, the same as the link rows (`language_rows`): both are
    # written only by `languages`; the board filters on this column (an index answers it)
    language_codes: Mapped[list[str]] = mapped_column(CodeList, default=list)
    # schedule: kind "once" uses starts_at/ends_at; "weekly" uses weekday/time/duration
    # and starts_on/ends_on as first and last date. starts_on is set for both (board order).
    # weekday (0 = Monday) and time_of_day are local (Europe/Berlin) for both kinds: for a
    # one-off need they are those of the appointment, kept in step with starts_at when the need
    # is saved (see `_derive_local_schedule`), so that queries can match availability and
    # order by time of day in SQL.
    schedule_kind: Mapped[str] = mapped_column(String(10), default=ScheduleKind.ONCE)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    weekday: Mapped[int | None]
    time_of_day: Mapped[time | None]
    duration_minutes: Mapped[int | None]
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    # The local date of the first appointment: a one-off need's day, a weekly need's first
    # weekday on or after starts_on (derived on save; the board orders dated needs by it).
    first_on: Mapped[date | None]
    capacity: Mapped[int] = mapped_column(default=1)
    taken: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    requires_conduct_certificate: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12), default=NeedStatus.DRAFT)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # set once when the need is first published, and when it is completed or cancelled
    # (the statistics count by them; see `_stamp_status`)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_at: Mapped[datetime | None]

    source_step: Mapped[Step | None] = relationship()
    municipality: Mapped[Municipality] = relationship()
    created_by: Mapped[User | None] = relationship()
    assignments: Mapped[list[Assignment]] = relationship(back_populates="need")
    language_rows: Mapped[list[NeedLanguage]] = relationship(
        back_populates="need",
        order_by="NeedLanguage.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def languages(self) -> list[str]:
        """The wanted languages (ISO 639 codes) in the order the manager gave them."""
        return list(self.language_codes or ())

    @languages.setter
    def languages(self, codes: Iterable[str]) -> None:
        """The one place that writes a need's languages: the link rows (the board ranks on
        them) and the list on the row (the board filters on it), always together."""
        wanted = list(dict.fromkeys(codes))
        rows = ordered_rows(self.language_rows, wanted, lambda c: NeedLanguage(code=c))
        self.language_rows = rows
        self.language_codes = wanted


SCHEDULE_COLUMNS = tuple(getattr(Need, name) for name in SCHEDULE_FIELDS)
"""A need's schedule columns, in `portal.needs.schedule.FIELDS`' order: the statements of rows
that extend `Schedule` (the board's cards, the volunteer's upcoming tasks) select them first."""


class NeedLanguage(Model):
    """A language a need asks for: the record of it (DESIGN.md's link tables). The board reads
    the same codes from `Need.language_codes`, an indexed copy that `Need.languages` writes
    together with these rows."""

    __tablename__ = "need_language"
    __table_args__ = (Index("ix_need_language_code_need", "code", "need_id"),)

    need_id: Mapped[int] = mapped_column(
        ForeignKey("need.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    need: Mapped[Need] = relationship(back_populates="language_rows")


@event.listens_for(Need, "before_insert")
@event.listens_for(Need, "before_update")
def _stamp_status(_mapper: Any, _connection: Any, need: Need) -> None:
    """The first publication and the closing of a need are stamped whoever changes it."""
    if need.status in PUBLISHED and need.published_at is None:
        need.published_at = utcnow()
    if need.status in CLOSED_STATUSES:
        if need.closed_at is None:
            need.closed_at = utcnow()
    else:
        need.closed_at = None


@event.listens_for(Need, "before_insert")
@event.listens_for(Need, "before_update")
def _derive_local_schedule(_mapper: Any, _connection: Any, need: Need) -> None:
    """A one-off need's local weekday and start time follow its start (naive UTC)."""
    if need.schedule_kind != ScheduleKind.WEEKLY and need.starts_at is not None:
        local = to_local(need.starts_at)
        need.weekday = local.weekday()
        need.time_of_day = local.time().replace(tzinfo=None)
        need.first_on = local.date()
    elif need.schedule_kind == ScheduleKind.WEEKLY and need.starts_on is not None:
        if need.weekday is None:
            need.first_on = need.starts_on
        else:
            need.first_on = need.starts_on + timedelta(
                days=(need.weekday - need.starts_on.weekday()) % 7
            )
    else:
        need.first_on = None


REPORT_DUE_WHERE = (
    f"reported_at IS NULL AND status IN ('{AssignmentStatus.ACTIVE.value}', "
    f"'{AssignmentStatus.COMPLETED.value}')"
)
"""Claims not reported on that a report may still be asked for (of ``ix_assignment_report_due``;
a statement reads that index only where its conditions are written just so)."""


class Assignment(Model):
    __tablename__ = "assignment"
    __table_args__ = (
        # At most one active claim per (need, volunteer); portable partial unique index.
        Index(
            "uq_assignment_active",
            "need_id",
            "volunteer_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_assignment_volunteer_status", "volunteer_id", "status"),
        # the claims a volunteer may still owe a report on (`own_tasks.reports_due`): the
        # upcoming ones (at most the limit of active claims) and the due ones, never the
        # volunteer's whole history
        Index(
            "ix_assignment_report_due",
            "volunteer_id",
            sqlite_where=text(REPORT_DUE_WHERE),
            postgresql_where=text(REPORT_DUE_WHERE),
        ),
        check_in("status", AssignmentStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profile.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(12), default=AssignmentStatus.ACTIVE)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    # set once the 24-hour reminder for a one-off appointment went into the outbox
    reminder_sent_at: Mapped[datetime | None]
    # the manager changed date, time or meeting point after the claim: the volunteer confirms
    # the new time (or withdraws); a new change asks again
    change_notified_at: Mapped[datetime | None]
    change_confirmed_at: Mapped[datetime | None]
    # when the first report on the claim was filed (`portal.needs.report_models`, as one is saved)
    reported_at: Mapped[datetime | None]

    need: Mapped[Need] = relationship(back_populates="assignments")
    volunteer: Mapped[VolunteerProfile] = relationship()
    reports: Mapped[list[Report]] = relationship(
        back_populates="assignment", order_by="Report.activity_on"
    )


class CalendarFeedToken(Model):
    """The secret of a volunteer's personal calendar feed. Renewing it replaces the token, so
    the old address stops working at once."""

    __tablename__ = "calendar_feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profile.id", ondelete="CASCADE"), unique=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    volunteer: Mapped[VolunteerProfile] = relationship()
