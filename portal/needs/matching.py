"""The volunteers' task board: the open needs a volunteer may take, filtered, ranked by how well
they fit the volunteer, and paged — all in SQL, on the link tables (`need_language`,
`volunteer_language`, `volunteer_interest`, `volunteer_availability`).

A page costs three statements whatever the number of needs: a bounded count (it stops after
`COUNT_LIMIT` + 1), the page (the next needs read in index order, see `board_order`, ranked on
narrow rows; the page's needs joined to them with their municipality, the reasons they fit and
whether the volunteer holds them) and the page's languages.

Sorting "by date" means by the next appointment: for a one-off need its start, for a weekly need
the first of its days from today (or the start of the chosen period) on, skipping today's if it
is already over; needs starting at the same time keep the order they were published in. A
weekly need with no appointment left in the period is not listed. Sorting "by fit" ranks the
next `FIT_WINDOW` needs by date by their score (best first, then by date).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import joinedload

from portal.core.time import local_to_utc, today_local, utcnow
from portal.extensions import db
from portal.needs import schedule
from portal.needs.board_order import Period, window
from portal.needs.models import (
    Assignment,
    AssignmentStatus,
    Need,
    NeedLanguage,
    NeedStatus,
    ScheduleKind,
)
from portal.needs.rules import in_helped_municipality
from portal.volunteers.models import (
    VolunteerAvailability,
    VolunteerInterest,
    VolunteerLanguage,
    VolunteerProfile,
)

FAR_FUTURE = datetime(9999, 12, 31)


FIT_LANGUAGE = 40


FIT_INTEREST = 25


FIT_AVAILABILITY = 25


FIT_HOME = 10


@dataclass
class BoardFilters:
    municipality_id: int | None = None
    category: str | None = None
    language: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    weekday: int | None = None
    fits: bool = False
    sort: str = "date"


@dataclass
class BoardEntry:
    need: Need
    score: int
    reasons: list[str] = field(default_factory=list)
    claimed: bool = False


@dataclass
class ListPage:
    """What the `pager` macro needs, for a page the board query computed."""

    items: list[Any]
    page: int
    per_page: int
    total: int
    more: bool = False  # more than `total` (counting stopped there)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _part_of_day(column: Any) -> Any:
    """`schedule.part_of_day` of a time column in SQL."""
    return case(
        (column < schedule.NOON, literal(str(schedule.PartOfDay.MORNING))),
        (column < schedule.EVENING_FROM, literal(str(schedule.PartOfDay.AFTERNOON))),
        else_=literal(str(schedule.PartOfDay.EVENING)),
    )


@dataclass
class _Fit:
    """SQL expressions: how a need fits one volunteer (flags and the score 0..100)."""

    language: Any
    interest: Any
    availability: Any
    home: Any
    score: Any


def found(stmt: Select[Any]) -> Any:
    """Whether ``stmt`` finds a row, as a one-row probe per need. (PostgreSQL may answer an
    ``EXISTS`` for all needs at once by hashing the whole link table, whose cost grows with the
    number of needs; a scalar subquery with ``LIMIT 1`` is always a lookup in an index.)"""
    return stmt.with_only_columns(literal(1)).limit(1).scalar_subquery().is_not(None)


def _fit(profile: VolunteerProfile) -> _Fit:
    spoken = found(
        select(NeedLanguage.need_id)
        .join(VolunteerLanguage, VolunteerLanguage.code == NeedLanguage.code)
        .where(NeedLanguage.need_id == Need.id, VolunteerLanguage.volunteer_id == profile.id)
    )
    any_wanted = found(select(NeedLanguage.need_id).where(NeedLanguage.need_id == Need.id))
    interest = found(
        select(VolunteerInterest.volunteer_id).where(
            VolunteerInterest.volunteer_id == profile.id,
            VolunteerInterest.category == Need.category,
        )
    )
    same_day = and_(
        VolunteerAvailability.volunteer_id == profile.id,
        VolunteerAvailability.weekday == Need.weekday,
    )
    slot = found(
        select(VolunteerAvailability.volunteer_id).where(
            same_day, VolunteerAvailability.part_of_day == _part_of_day(Need.time_of_day)
        )
    )
    day = found(select(VolunteerAvailability.volunteer_id).where(same_day))
    availability = and_(Need.time_of_day.is_not(None), slot)
    home = Need.municipality_id == profile.home_municipality_id
    score = (
        case((spoken, FIT_LANGUAGE), (~any_wanted, FIT_LANGUAGE // 2), else_=0)
        + case((interest, FIT_INTEREST), else_=0)
        + case((availability, FIT_AVAILABILITY), (day, FIT_AVAILABILITY // 3), else_=0)
        + case((home, FIT_HOME), else_=0)
    )
    return _Fit(spoken, interest, availability, home, score)


REASONS = ("language", "interest", "availability", "home")


def _not_ended(now: datetime, today: date) -> Any:
    return or_(
        and_(
            Need.schedule_kind == ScheduleKind.WEEKLY,
            or_(Need.ends_on.is_(None), Need.ends_on >= today),
        ),
        and_(Need.schedule_kind != ScheduleKind.WEEKLY, Need.starts_at > now),
    )


def _in_range(date_from: date | None, date_to: date | None) -> list[Any]:
    """Needs with a day in ``date_from..date_to`` (local days; weekly by first/last date)."""
    clauses = []
    if date_from:
        start = local_to_utc(datetime.combine(date_from, time(0)))
        clauses.append(
            or_(
                and_(
                    Need.schedule_kind == ScheduleKind.WEEKLY,
                    or_(Need.ends_on.is_(None), Need.ends_on >= date_from),
                ),
                and_(Need.schedule_kind != ScheduleKind.WEEKLY, Need.starts_at >= start),
            )
        )
    if date_to:
        end = local_to_utc(datetime.combine(date_to + timedelta(days=1), time(0)))
        clauses.append(
            or_(
                and_(
                    Need.schedule_kind == ScheduleKind.WEEKLY,
                    or_(Need.starts_on.is_(None), Need.starts_on <= date_to),
                ),
                and_(Need.schedule_kind != ScheduleKind.WEEKLY, Need.starts_at < end),
            )
        )
    return clauses


COUNT_LIMIT = 500
"""The board counts at most this many needs ("more than 500"): counting never reads the scope."""

FIT_WINDOW = 500
"""Sorting by fit ranks the next this-many needs by date (with the filters applied), so the
cost stays the same however many needs are open; a need further ahead than that appears when
the volunteer narrows the filters (place, category, period)."""


def _conditions(profile: VolunteerProfile, filters: BoardFilters, now: datetime) -> list[Any]:
    today = today_local()
    conditions = [
        Need.status == NeedStatus.OPEN,
        in_helped_municipality(profile),
        _not_ended(now, today),
        *_in_range(filters.date_from, filters.date_to),
    ]
    if filters.municipality_id:
        conditions.append(Need.municipality_id == filters.municipality_id)
    if filters.category:
        conditions.append(Need.category == filters.category)
    if filters.language:
        # a semi-join: the needs asking for the language come from ix_need_language_code_need
        # (one read of that language's rows), not from a probe per need walked
        conditions.append(
            Need.id.in_(select(NeedLanguage.need_id).where(NeedLanguage.code == filters.language))
        )
    if filters.weekday is not None:
        conditions.append(Need.weekday == filters.weekday)
    if filters.fits:
        conditions.append(_fit(profile).availability)
    return conditions


def count(conditions: list[Any], period: Period) -> int:
    """How many needs the board holds, counted up to `COUNT_LIMIT` + 1."""
    # read from the latest first day down (the index's order): needs whose day has passed
    # (and that nobody closed) come last, so the count stops before reaching them
    found = (
        select(Need.id)
        .where(*conditions, period.has_day())
        .order_by(Need.first_on.desc())
        .limit(COUNT_LIMIT + 1)
    )
    return db.session.scalar(select(func.count()).select_from(found.subquery())) or 0


def board(
    profile: VolunteerProfile, filters: BoardFilters, page: int = 1, per_page: int = 25
) -> ListPage:
    """Open needs of the volunteer's municipalities that still have an appointment in the
    period, filtered, ranked and paginated in SQL: two statements (the bounded count, and the
    page with what its cards show) plus the page's languages."""
    now, today = utcnow(), today_local()
    period = Period(now, max(filters.date_from or today, today), filters.date_to)
    fits = _fit(profile)
    conditions = _conditions(profile, filters, now)

    counted = count(conditions, period)
    total = min(counted, COUNT_LIMIT)
    page = max(1, min(page, math.ceil(total / per_page) or 1))
    offset = (page - 1) * per_page

    by_fit = filters.sort == "fit"
    upcoming = window(conditions, period, FIT_WINDOW if by_fit else offset + per_page)
    if by_fit:
        candidates = (
            select(upcoming.c.id, upcoming.c.key)
            .order_by(upcoming.c.key, upcoming.c.id)
            .limit(FIT_WINDOW)
            .subquery("candidates")
        )
        # each candidate's score, looked up by its id (a join could hash the whole table)
        score = (
            select(fits.score).where(Need.id == candidates.c.id).scalar_subquery().label("score")
        )
        ranked = (
            select(candidates.c.id, candidates.c.key, score)
            .order_by(score.desc(), candidates.c.key, candidates.c.id)
            .limit(per_page)
            .offset(offset)
            .subquery("ranked")
        )
        page_order: tuple[Any, ...] = (ranked.c.score.desc(), ranked.c.key, ranked.c.id)
    else:
        ranked = (
            select(upcoming.c.id, upcoming.c.key)
            .order_by(upcoming.c.key, upcoming.c.id)
            .limit(per_page)
            .offset(offset)
            .subquery("ranked")
        )
        page_order = (ranked.c.key, ranked.c.id)
    claimed = found(
        select(Assignment.id).where(
            Assignment.need_id == Need.id,
            Assignment.volunteer_id == profile.id,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
    )
    rows = (
        db.session.execute(
            select(
                Need,
                fits.score.label("score"),
                fits.language.label("language"),
                fits.interest.label("interest"),
                fits.availability.label("availability"),
                fits.home.label("home"),
                claimed.label("claimed"),
            )
            .join(ranked, ranked.c.id == Need.id)
            .options(joinedload(Need.municipality), joinedload(Need.language_rows))
            .order_by(*page_order)
        )
        .unique()
        .all()
    )

    items = []
    for row in rows:
        need = row[0]
        reasons = [reason for reason in REASONS if getattr(row, reason)]
        items.append(BoardEntry(need, int(row.score), reasons, bool(row.claimed)))
    return ListPage(
        items=items, page=page, per_page=per_page, total=total, more=counted > COUNT_LIMIT
    )
