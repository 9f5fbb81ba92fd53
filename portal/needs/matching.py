"""The volunteers' task board: the open needs a volunteer may take, filtered, ranked by how well
they fit the volunteer, and paged — all in SQL, on the link tables (`need_language`,
`volunteer_language`, `volunteer_interest`, `volunteer_availability`).

A page costs two statements whatever the number of needs: a bounded count (it stops after
`COUNT_LIMIT` + 1) and the page (the next needs read in index order, see `board_order`, ranked
on narrow rows; the page's needs joined to them with their municipality, languages, the reasons
they fit and whether the volunteer holds them). Both are built once per process for each
combination of filters and hold bind parameters only (`_statements`); the cards are rows
(`BoardNeed`), not mapped objects.

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
from typing import Any, NamedTuple

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)

from portal.core.time import local_to_utc, today_local, utcnow
from portal.extensions import db
from portal.municipalities.models import Municipality
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
from portal.needs.rules import helped_municipality
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


class Place(NamedTuple):
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class BoardNeed:
    """What a card of the board shows of a need: a row, not a mapped object (no identity map,
    no relationship loading for the 25 cards of a page). Attribute names are `Need`'s, so the
    schedule filter and the templates read it alike."""

    id: int
    title: str
    category: str
    public_description: str
    schedule_kind: str
    starts_at: datetime | None
    ends_at: datetime | None
    weekday: int | None
    time_of_day: time | None
    duration_minutes: int | None
    starts_on: date | None
    ends_on: date | None
    first_on: date | None
    capacity: int
    taken: int
    requires_conduct_certificate: bool
    municipality_id: int
    municipality: Place
    languages: list[str]


CARD_COLUMNS = (
    Need.id,
    Need.title,
    Need.category,
    Need.public_description,
    Need.schedule_kind,
    Need.starts_at,
    Need.ends_at,
    Need.weekday,
    Need.time_of_day,
    Need.duration_minutes,
    Need.starts_on,
    Need.ends_on,
    Need.first_on,
    Need.capacity,
    Need.taken,
    Need.requires_conduct_certificate,
    Need.municipality_id,
)


@dataclass
class BoardEntry:
    need: BoardNeed
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


VOLUNTEER = bindparam("volunteer", type_=Integer)
HOME = bindparam("home", type_=Integer)
"""The volunteer's profile id and home municipality: the board's statements hold no values, so
one statement object serves every volunteer (see `_statements`)."""


def _fit() -> _Fit:
    """How a need fits the volunteer `VOLUNTEER` (whose home is `HOME`)."""
    spoken = found(
        select(NeedLanguage.need_id)
        .join(VolunteerLanguage, VolunteerLanguage.code == NeedLanguage.code)
        .where(NeedLanguage.need_id == Need.id, VolunteerLanguage.volunteer_id == VOLUNTEER)
    )
    any_wanted = found(select(NeedLanguage.need_id).where(NeedLanguage.need_id == Need.id))
    interest = found(
        select(VolunteerInterest.volunteer_id).where(
            VolunteerInterest.volunteer_id == VOLUNTEER,
            VolunteerInterest.category == Need.category,
        )
    )
    same_day = and_(
        VolunteerAvailability.volunteer_id == VOLUNTEER,
        VolunteerAvailability.weekday == Need.weekday,
    )
    slot = found(
        select(VolunteerAvailability.volunteer_id).where(
            same_day, VolunteerAvailability.part_of_day == _part_of_day(Need.time_of_day)
        )
    )
    day = found(select(VolunteerAvailability.volunteer_id).where(same_day))
    availability = and_(Need.time_of_day.is_not(None), slot)
    home = Need.municipality_id == HOME
    score = (
        case((spoken, FIT_LANGUAGE), (~any_wanted, FIT_LANGUAGE // 2), else_=0)
        + case((interest, FIT_INTEREST), else_=0)
        + case((availability, FIT_AVAILABILITY), (day, FIT_AVAILABILITY // 3), else_=0)
        + case((home, FIT_HOME), else_=0)
    )
    return _Fit(spoken, interest, availability, home, score)


REASONS = ("language", "interest", "availability", "home")


def _not_ended() -> Any:
    """Weekly needs not over before `today`, one-off needs starting after `now`."""
    return or_(
        and_(
            Need.schedule_kind == ScheduleKind.WEEKLY,
            or_(Need.ends_on.is_(None), Need.ends_on >= bindparam("today", type_=Date)),
        ),
        and_(
            Need.schedule_kind != ScheduleKind.WEEKLY,
            Need.starts_at > bindparam("now", type_=DateTime),
        ),
    )


def _in_range(date_from: bool, date_to: bool) -> list[Any]:
    """Needs with a day in the local days `date_from` .. `date_to` (weekly by first/last date),
    when those are given (their values: `_range_params`)."""
    clauses = []
    if date_from:
        day = bindparam("date_from", type_=Date)
        start = bindparam("date_from_start", type_=DateTime)
        clauses.append(
            or_(
                and_(
                    Need.schedule_kind == ScheduleKind.WEEKLY,
                    or_(Need.ends_on.is_(None), Need.ends_on >= day),
                ),
                and_(Need.schedule_kind != ScheduleKind.WEEKLY, Need.starts_at >= start),
            )
        )
    if date_to:
        day = bindparam("date_to", type_=Date)
        end = bindparam("date_to_end", type_=DateTime)
        clauses.append(
            or_(
                and_(
                    Need.schedule_kind == ScheduleKind.WEEKLY,
                    or_(Need.starts_on.is_(None), Need.starts_on <= day),
                ),
                and_(Need.schedule_kind != ScheduleKind.WEEKLY, Need.starts_at < end),
            )
        )
    return clauses


def _range_params(date_from: date | None, date_to: date | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if date_from:
        values["date_from"] = date_from
        values["date_from_start"] = local_to_utc(datetime.combine(date_from, time(0)))
    if date_to:
        values["date_to"] = date_to
        values["date_to_end"] = local_to_utc(datetime.combine(date_to + timedelta(days=1), time(0)))
    return values


COUNT_LIMIT = 500
"""The board counts at most this many needs ("more than 500"): counting never reads the scope."""

FIT_WINDOW = 500
"""Sorting by fit ranks the next this-many needs by date (with the filters applied), so the
cost stays the same however many needs are open; a need further ahead than that appears when
the volunteer narrows the filters (place, category, period)."""


@dataclass(frozen=True)
class _Shape:
    """What decides the SQL of a board page; the values go in as bind parameters."""

    by_fit: bool
    municipality: bool
    category: bool
    language: bool
    date_from: bool
    date_to: bool
    weekday: bool
    fits: bool
    period: tuple[Any, ...]

    @classmethod
    def of(cls, filters: BoardFilters, period: Period) -> _Shape:
        return cls(
            by_fit=filters.sort == "fit",
            municipality=bool(filters.municipality_id),
            category=bool(filters.category),
            language=bool(filters.language),
            date_from=bool(filters.date_from),
            date_to=bool(filters.date_to),
            weekday=filters.weekday is not None,
            fits=filters.fits,
            period=period.shape,
        )


def _conditions(shape: _Shape) -> list[Any]:
    conditions = [
        Need.status == NeedStatus.OPEN,
        helped_municipality(VOLUNTEER, HOME),
        _not_ended(),
        *_in_range(shape.date_from, shape.date_to),
    ]
    if shape.municipality:
        conditions.append(Need.municipality_id == bindparam("municipality", type_=Integer))
    if shape.category:
        conditions.append(Need.category == bindparam("category", type_=String))
    if shape.language:
        # a semi-join: the needs asking for the language come from ix_need_language_code_need
        # (one read of that language's rows), not from a probe per need walked
        asked = select(NeedLanguage.need_id).where(
            NeedLanguage.code == bindparam("language", type_=String)
        )
        conditions.append(Need.id.in_(asked))
    if shape.weekday:
        conditions.append(Need.weekday == bindparam("weekday", type_=Integer))
    if shape.fits:
        conditions.append(_fit().availability)
    return conditions


def _params(
    profile: VolunteerProfile, filters: BoardFilters, period: Period, now: datetime, today: date
) -> dict[str, Any]:
    """The values of a board page's bind parameters."""
    values: dict[str, Any] = {
        "volunteer": profile.id,
        "home": profile.home_municipality_id,
        "now": now,
        "today": today,
        "count_limit": COUNT_LIMIT + 1,
        "fit_window": FIT_WINDOW,
        **period.params(),
        **_range_params(filters.date_from, filters.date_to),
    }
    if filters.municipality_id:
        values["municipality"] = filters.municipality_id
    if filters.category:
        values["category"] = filters.category
    if filters.language:
        values["language"] = filters.language
    if filters.weekday is not None:
        values["weekday"] = filters.weekday
    return values


def _count_statement(conditions: list[Any], period: Period) -> Select[Any]:
    """How many needs the board holds, counted up to `COUNT_LIMIT` + 1."""
    # read from the latest first day down (the index's order): needs whose day has passed
    # (and that nobody closed) come last, so the count stops before reaching them
    found = (
        select(Need.id)
        .where(*conditions, period.has_day())
        .order_by(Need.first_on.desc())
        .limit(bindparam("count_limit", type_=Integer))
    )
    return select(func.count()).select_from(found.subquery())


def _page_statement(shape: _Shape, conditions: list[Any], period: Period) -> Select[Any]:
    """A page of cards: the next needs in index order (`board_order.window`), ranked on narrow
    rows, then joined to what their cards show (the page's own rows only)."""
    fits = _fit()
    per_page = bindparam("per_page", type_=Integer)
    offset = bindparam("offset", type_=Integer)
    if shape.by_fit:
        fit_window = bindparam("fit_window", type_=Integer)
        upcoming = window(conditions, period, fit_window)
        candidates = (
            select(upcoming.c.id, upcoming.c.key)
            .order_by(upcoming.c.key, upcoming.c.id)
            .limit(fit_window)
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
        upcoming = window(conditions, period, bindparam("window", type_=Integer))
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
            Assignment.volunteer_id == VOLUNTEER,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
    )
    # the wanted languages as "code:position,..." (sorted by position in Python)
    languages = (
        select(
            func.aggregate_strings(
                NeedLanguage.code + literal(":") + cast(NeedLanguage.position, String), ","
            )
        )
        .where(NeedLanguage.need_id == Need.id)
        .scalar_subquery()
    )
    return (
        select(
            *CARD_COLUMNS,
            Municipality.name.label("municipality_name"),
            languages.label("languages"),
            fits.score.label("score"),
            fits.language.label("language"),
            fits.interest.label("interest"),
            fits.availability.label("availability"),
            fits.home.label("home"),
            claimed.label("claimed"),
        )
        .join(ranked, ranked.c.id == Need.id)
        .outerjoin(Municipality, Municipality.id == Need.municipality_id)
        .order_by(*page_order)
    )


_STATEMENTS: dict[_Shape, tuple[Select[Any], Select[Any]]] = {}
"""The count and page statements of every shape seen, built once per process: building the
expression tree of a page cost more than running it. They hold no values (bind parameters
only), and SQLAlchemy keeps each one's compiled form."""


def _statements(shape: _Shape, period: Period) -> tuple[Select[Any], Select[Any]]:
    found = _STATEMENTS.get(shape)
    if found is None:
        if len(_STATEMENTS) >= 1024:  # at most 2**9 shapes x period kinds; never grows unbounded
            _STATEMENTS.clear()
        conditions = _conditions(shape)
        found = _STATEMENTS[shape] = (
            _count_statement(conditions, period),
            _page_statement(shape, conditions, period),
        )
    return found


def _languages(packed: str | None) -> list[str]:
    if not packed:
        return []
    pairs = [item.rsplit(":", 1) for item in packed.split(",")]
    return [code for code, _position in sorted(pairs, key=lambda pair: int(pair[1]))]


def board(
    profile: VolunteerProfile, filters: BoardFilters, page: int = 1, per_page: int = 25
) -> ListPage:
    """Open needs of the volunteer's municipalities that still have an appointment in the
    period, filtered, ranked and paginated in SQL: two statements (the bounded count, and the
    page with what its cards show, languages included)."""
    now, today = utcnow(), today_local()
    period = Period(now, max(filters.date_from or today, today), filters.date_to)
    shape = _Shape.of(filters, period)
    count_statement, page_statement = _statements(shape, period)
    params = _params(profile, filters, period, now, today)
    connection = db.session.connection()

    counted = connection.execute(count_statement, params).scalar() or 0
    total = min(counted, COUNT_LIMIT)
    page = max(1, min(page, math.ceil(total / per_page) or 1))
    offset = (page - 1) * per_page
    params.update(per_page=per_page, offset=offset, window=offset + per_page)
    rows = connection.execute(page_statement, params).all()

    items = []
    for row in rows:
        need = BoardNeed(  # type: ignore[call-arg]
            *row[: len(CARD_COLUMNS)],
            Place(row.municipality_id, row.municipality_name),
            _languages(row.languages),
        )
        reasons = [reason for reason in REASONS if row._mapping[reason]]
        items.append(BoardEntry(need, int(row.score), reasons, bool(row.claimed)))
    return ListPage(
        items=items, page=page, per_page=per_page, total=total, more=counted > COUNT_LIMIT
    )
