"""The SQL of the volunteers' task board (`portal.needs.matching` runs it): how a need fits a
volunteer (the score and its reasons), the filters, and the bounded count and the page, built
once per process for each combination of filters (`statements`). The statements hold no values:
the volunteer, the day, the filters go in as bind parameters (`portal.needs.matching._params`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

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

from portal.core.time import local_to_utc
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
)

if TYPE_CHECKING:
    from portal.needs.matching import BoardFilters

FIT_LANGUAGE = 40


FIT_INTEREST = 25


FIT_AVAILABILITY = 25


FIT_HOME = 10


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


def fit() -> _Fit:
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


def range_params(date_from: date | None, date_to: date | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if date_from:
        values["date_from"] = date_from
        values["date_from_start"] = local_to_utc(datetime.combine(date_from, time(0)))
    if date_to:
        values["date_to"] = date_to
        values["date_to_end"] = local_to_utc(datetime.combine(date_to + timedelta(days=1), time(0)))
    return values


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


@dataclass(frozen=True)
class Shape:
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
    def of(cls, filters: BoardFilters, period: Period) -> Shape:
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


def conditions_of(shape: Shape) -> list[Any]:
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
        conditions.append(fit().availability)
    return conditions


def count_statement(conditions: list[Any], period: Period) -> Select[Any]:
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


def page_statement(shape: Shape, conditions: list[Any], period: Period) -> Select[Any]:
    """A page of cards: the next needs in index order (`board_order.window`), ranked on narrow
    rows, then joined to what their cards show (the page's own rows only)."""
    fits = fit()
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


_STATEMENTS: dict[Shape, tuple[Select[Any], Select[Any]]] = {}
"""The count and page statements of every shape seen, built once per process: building the
expression tree of a page cost more than running it. They hold no values (bind parameters
only), and SQLAlchemy keeps each one's compiled form."""


def statements(shape: Shape, period: Period) -> tuple[Select[Any], Select[Any]]:
    found = _STATEMENTS.get(shape)
    if found is None:
        if len(_STATEMENTS) >= 1024:  # at most 2**9 shapes x period kinds; never grows unbounded
            _STATEMENTS.clear()
        conditions = conditions_of(shape)
        found = _STATEMENTS[shape] = (
            count_statement(conditions, period),
            page_statement(shape, conditions, period),
        )
    return found
