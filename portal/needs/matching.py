"""The volunteers' task board: the open needs a volunteer may take, filtered, ranked by how well
they fit the volunteer, and paged — all in SQL, on the link tables (`need_language`,
`volunteer_language`, `volunteer_interest`, `volunteer_availability`).

A page costs three statements whatever the number of needs: the count, the page (every candidate
ranked on narrow rows in a subquery; the page's needs joined to it with their municipality, the
reasons they fit and whether the volunteer holds them) and the page's languages.

Sorting "by date" means by the next occurrence: for a one-off need its start, for a weekly need
the first of its days from today (or the start of the chosen period) on, skipping today's if it
is already over. Dates are compared as seconds since 1970 of the local wall-clock time
(``extract('epoch')`` of a date plus the time of day), which SQLite and PostgreSQL compute
alike; weekdays come from ``extract('dow')`` (0 = Sunday on both).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, extract, func, literal, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.core.time import local_to_utc, to_local, today_local, utcnow
from portal.extensions import db
from portal.needs import schedule
from portal.needs.models import (
    Assignment,
    AssignmentStatus,
    Need,
    NeedLanguage,
    NeedStatus,
    ScheduleKind,
)
from portal.needs.rules import helps_in
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
    next_start: datetime | None = None


@dataclass
class ListPage:
    """What the `pager` macro needs, for a page the board query computed."""

    items: list[Any]
    page: int
    per_page: int
    total: int

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


DAY = 86400
EPOCH = date(1970, 1, 1)
FAR_KEY = (date(9999, 12, 31) - EPOCH).days * DAY
"""Sort key of a need without an upcoming day in the period (sorted last, as before)."""


def _seconds(day: date) -> int:
    return (day - EPOCH).days * DAY


def _int(expr: Any) -> Any:
    """Whole seconds: PostgreSQL's ``extract`` gives numeric, integer arithmetic is cheaper."""
    return cast(expr, BigInteger)


def _day_seconds(column: Any) -> Any:
    """Seconds since 1970 of a date column (midnight, no time zone) in SQL."""
    return _int(extract("epoch", column))


def _time_seconds(column: Any) -> Any:
    """Seconds since midnight of a time column (to the minute) in SQL."""
    return _int(extract("hour", column)) * 3600 + _int(extract("minute", column)) * 60


def _part_of_day(column: Any) -> Any:
    """`schedule.part_of_day` of a time column in SQL."""
    return case(
        (column < schedule.NOON, literal(str(schedule.PartOfDay.MORNING))),
        (column < schedule.EVENING_FROM, literal(str(schedule.PartOfDay.AFTERNOON))),
        else_=literal(str(schedule.PartOfDay.EVENING)),
    )


@dataclass
class _Next:
    """SQL expressions for a need's next day in the period and its sort key."""

    key: Any  # local seconds since 1970 of the next occurrence, FAR_KEY if none in the period
    has_day: Any  # whether the need has an occurrence in the period


def _next_occurrence(now: datetime, window_from: date, window_to: date) -> _Next:
    """A weekly need's next day is the later of (a) the first day on its weekday from its first
    date on and (b) the first day on its weekday in the period (next week's if today's
    occurrence is already over); (a) is the later one exactly when the first date lies after
    (b), both being days of the same weekday."""
    is_weekly = Need.schedule_kind == ScheduleKind.WEEKLY
    tod = _time_seconds(Need.time_of_day)
    starts = _day_seconds(Need.starts_on)
    # (b): constants per weekday, computed here
    in_period = _seconds(window_from) + ((Need.weekday - window_from.weekday() + 7) % 7) * DAY
    local_now = to_local(now)
    if window_from == local_now.date():
        over = and_(
            Need.weekday == window_from.weekday(),
            tod + func.coalesce(Need.duration_minutes, 60) * 60
            <= local_now.hour * 3600 + local_now.minute * 60 + local_now.second,
        )
        in_period = in_period + case((over, 7 * DAY), else_=0)
    # (a): the first date moved on to the need's weekday (extract('dow'): 0 = Sunday)
    first = starts + ((Need.weekday - _int(extract("dow", Need.starts_on)) + 8) % 7) * DAY
    weekly_day = case((starts > in_period, first), else_=in_period)
    weekly_has = and_(
        weekly_day <= _seconds(window_to),
        or_(Need.ends_on.is_(None), weekly_day <= _day_seconds(Need.ends_on)),
    )
    once_has = and_(Need.starts_on >= window_from, Need.starts_on <= window_to)
    has_day = or_(and_(is_weekly, weekly_has), and_(~is_weekly, once_has))
    day = case((is_weekly, weekly_day), else_=starts)
    key = case((has_day, func.coalesce(day + tod, FAR_KEY)), else_=FAR_KEY)
    return _Next(key=key, has_day=has_day)


@dataclass
class _Fit:
    """SQL expressions: how a need fits one volunteer (flags and the score 0..100)."""

    language: Any
    interest: Any
    availability: Any
    home: Any
    score: Any


def _fit(profile: VolunteerProfile) -> _Fit:
    spoken = (
        select(NeedLanguage.need_id)
        .join(VolunteerLanguage, VolunteerLanguage.code == NeedLanguage.code)
        .where(NeedLanguage.need_id == Need.id, VolunteerLanguage.volunteer_id == profile.id)
        .exists()
    )
    any_wanted = select(NeedLanguage.need_id).where(NeedLanguage.need_id == Need.id).exists()
    interest = (
        select(VolunteerInterest.volunteer_id)
        .where(
            VolunteerInterest.volunteer_id == profile.id,
            VolunteerInterest.category == Need.category,
        )
        .exists()
    )
    same_day = and_(
        VolunteerAvailability.volunteer_id == profile.id,
        VolunteerAvailability.weekday == Need.weekday,
    )
    slot = (
        select(VolunteerAvailability.volunteer_id)
        .where(same_day, VolunteerAvailability.part_of_day == _part_of_day(Need.time_of_day))
        .exists()
    )
    day = select(VolunteerAvailability.volunteer_id).where(same_day).exists()
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


def board(
    profile: VolunteerProfile, filters: BoardFilters, page: int = 1, per_page: int = 25
) -> ListPage:
    """Open needs of the volunteer's municipalities, filtered, ranked and paginated in SQL."""
    now, today = utcnow(), today_local()
    window_from = max(filters.date_from or today, today)
    window_to = filters.date_to or window_from + timedelta(days=366)
    nxt = _next_occurrence(now, window_from, window_to)
    fits = _fit(profile)

    conditions = [
        Need.status == NeedStatus.OPEN,
        Need.municipality_id.in_(helps_in(profile)),
        _not_ended(now, today),
        *_in_range(filters.date_from, filters.date_to),
    ]
    if filters.municipality_id:
        conditions.append(Need.municipality_id == filters.municipality_id)
    if filters.category:
        conditions.append(Need.category == filters.category)
    if filters.language:
        conditions.append(
            select(NeedLanguage.need_id)
            .where(NeedLanguage.need_id == Need.id, NeedLanguage.code == filters.language)
            .exists()
        )
    if filters.weekday is not None:
        conditions.append(Need.weekday == filters.weekday)
    if filters.fits:
        conditions.append(fits.availability)
    if filters.date_from or filters.date_to:
        # e.g. a weekly need whose weekday does not fall into a short period
        conditions.append(nxt.has_day)

    total = db.session.scalar(select(func.count(Need.id)).where(*conditions)) or 0
    page = max(1, min(page, math.ceil(total / per_page) or 1))

    # Rank every candidate on narrow rows (id, score, sort key) and keep the page; the needs
    # themselves, the reasons and the volunteer's own claims are read for the page's rows only.
    score = fits.score.label("score")
    key = nxt.key.label("next_key")
    by_fit = filters.sort == "fit"
    order = (score.desc(), key, Need.id) if by_fit else (key, score.desc(), Need.id)
    ranked = (
        select(Need.id.label("id"), score, key)
        .where(*conditions)
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery("ranked")
    )
    claimed = (
        select(Assignment.id)
        .where(
            Assignment.need_id == Need.id,
            Assignment.volunteer_id == profile.id,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
        .exists()
    )
    page_order = (
        (ranked.c.score.desc(), ranked.c.next_key, Need.id)
        if by_fit
        else (ranked.c.next_key, ranked.c.score.desc(), Need.id)
    )
    rows = db.session.execute(
        select(
            Need,
            ranked.c.score,
            fits.language.label("language"),
            fits.interest.label("interest"),
            fits.availability.label("availability"),
            fits.home.label("home"),
            claimed.label("claimed"),
        )
        .join(ranked, ranked.c.id == Need.id)
        .options(joinedload(Need.municipality), selectinload(Need.language_rows))
        .order_by(*page_order)
    ).all()

    items = []
    for row in rows:
        need = row[0]
        reasons = [reason for reason in REASONS if getattr(row, reason)]
        upcoming = next(
            (o for o in schedule.occurrences(need, window_from, window_to) if o[1] > now), None
        )
        items.append(
            BoardEntry(
                need,
                int(row.score),
                reasons,
                bool(row.claimed),
                upcoming[0] if upcoming else None,
            )
        )
    return ListPage(items=items, page=page, per_page=per_page, total=total)
