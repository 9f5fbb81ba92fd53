"""The SQL of the volunteers' task board (`portal.needs.matching` runs it): how a need fits a
volunteer (the score and its reasons), the filters, and the page with its bounded count, built
once per process for each combination of filters (`statement`). The statements hold no values:
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
    func,
    join,
    literal,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.sql import Subquery

from portal.core.code_list import CodeList, has_any_code, has_code
from portal.core.constants_sql import inline_constants, written_in
from portal.core.time import local_to_utc
from portal.municipalities.models import Municipality
from portal.needs import schedule
from portal.needs.board_order import Period, window
from portal.needs.board_scope import (
    HOME,
    VOLUNTEER,
    count_by_date,
    from_language_needs,
    language_forms,
    scopes,
)
from portal.needs.models import (
    SCHEDULE_COLUMNS,
    Assignment,
    AssignmentStatus,
    Need,
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


def found(stmt: Select[Any]) -> Any:
    """Whether ``stmt`` finds a row, as a one-row probe per need. (PostgreSQL may answer an
    ``EXISTS`` for all needs at once by hashing the whole link table, whose cost grows with the
    number of needs; a scalar subquery with ``LIMIT 1`` is always a lookup in an index.)"""
    return stmt.with_only_columns(literal(1)).limit(1).scalar_subquery().is_not(None)


def _interests() -> Select[Any]:
    return select(VolunteerInterest.category).where(VolunteerInterest.volunteer_id == VOLUNTEER)


def _slots() -> Select[Any]:
    return select(VolunteerAvailability.weekday, VolunteerAvailability.part_of_day).where(
        VolunteerAvailability.volunteer_id == VOLUNTEER
    )


def _days() -> Select[Any]:
    return select(VolunteerAvailability.weekday).where(
        VolunteerAvailability.volunteer_id == VOLUNTEER
    )


def in_slot(weekday: Any, time_of_day: Any) -> Any:
    """Whether the volunteer is available on that weekday at that part of the day. The
    volunteer's rows are one uncorrelated subquery (read once per statement, then a lookup),
    not a probe per need."""
    return and_(time_of_day.is_not(None), tuple_(weekday, _part_of_day(time_of_day)).in_(_slots()))


def scored(rows: Any) -> Subquery:
    """``rows`` (a subquery of narrow need rows: id, key, category, weekday, time_of_day,
    municipality_id, language_codes) with how each fits the volunteer `VOLUNTEER` (whose home
    is `HOME`): the score 0..100 and its reasons, computed once per row. The volunteer's
    interests and times are uncorrelated subqueries (each read once per statement, then a
    lookup); the need's languages are on its row, matched against the volunteer's few (on
    PostgreSQL read once per statement too, `has_any_code`):
    `FIT_LANGUAGE` when the volunteer speaks one of them, none when not, half when the need
    asks for no language."""
    c = rows.c
    speaks = has_any_code(
        c.language_codes,
        select(VolunteerLanguage.code).where(VolunteerLanguage.volunteer_id == VOLUNTEER),
    )
    language_points = case(
        (c.language_codes == literal([], CodeList()), FIT_LANGUAGE // 2),
        (speaks, FIT_LANGUAGE),
        else_=0,
    )
    flags = select(
        c.id,
        c.key,
        language_points.label("points"),
        c.category.in_(_interests()).label("interest"),
        in_slot(c.weekday, c.time_of_day).label("availability"),
        c.weekday.in_(_days()).label("day"),
        (c.municipality_id == HOME).label("home"),
    )
    f = flags.subquery("flags")
    score = (
        f.c.points
        + case((f.c.interest, FIT_INTEREST), else_=0)
        + case((f.c.availability, FIT_AVAILABILITY), (f.c.day, FIT_AVAILABILITY // 3), else_=0)
        + case((f.c.home, FIT_HOME), else_=0)
    )
    return select(
        f.c.id,
        f.c.key,
        score.label("score"),
        (f.c.points == FIT_LANGUAGE).label("language"),
        f.c.interest,
        f.c.availability,
        f.c.home,
    ).subquery("scored")


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
    *SCHEDULE_COLUMNS,
    Need.id,
    Need.title,
    Need.category,
    Need.public_description,
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
    rare_language: bool = False

    @classmethod
    def of(cls, filters: BoardFilters, period: Period, rare_language: bool = False) -> Shape:
        """``rare_language``: the board reads the needs of the filtered language
        (`from_language_needs`)."""
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
            rare_language=rare_language and bool(filters.language),
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
    if shape.language and not shape.category:
        # a condition on the need row: on PostgreSQL ix_need_language_codes (GIN) finds the
        # needs asking for the language, combined with the other conditions' indexes (not a
        # semi-join of every need_language row of the language with the category's needs);
        # with a category, each way of reading has its own form (`language_forms`)
        conditions.append(has_code(Need.language_codes, bindparam("language", type_=String)))
    if shape.weekday:
        conditions.append(Need.weekday == bindparam("weekday", type_=Integer))
    if shape.fits:
        conditions.append(in_slot(Need.weekday, Need.time_of_day))
    return conditions


def page_statement(shape: Shape, conditions: list[Any], period: Period) -> Select[Any]:
    """The page of cards and the bounded count, in one statement. By fit, the first
    ``count_limit`` needs in index order (`board_order.window`) are read once, as narrow rows:
    their number is the count, and the first ``fit_window`` of them are ranked. By date, the
    page's needs are the first ``window`` in index order, and the count reads up to
    ``count_limit`` needs municipality by municipality (in date order a county's needs among
    the state's would be far apart). The page is then joined to what its cards show (its own
    rows only). The count comes in every row, and in a row of its own when the page has no
    cards."""
    limit = bindparam("count_limit", type_=Integer)
    columns = (
        Need.category,
        Need.weekday,
        Need.time_of_day,
        Need.municipality_id,
        Need.language_codes,
    )
    read = limit if shape.by_fit else bindparam("window", type_=Integer)
    in_date_order, by_place = language_forms(shape.language and shape.category)
    upcoming = window(conditions, period, read, columns, scopes(in_date_order, by_place))
    candidates = (
        select(*upcoming.c).order_by(upcoming.c.key, upcoming.c.id).limit(read).cte("candidates")
    )
    per_page = bindparam("per_page", type_=Integer)
    offset = bindparam("offset", type_=Integer)
    by_date = (candidates.c.key, candidates.c.id)
    if shape.by_fit:
        # the score of each need of the pool, from its narrow row
        pool = (
            select(*candidates.c)
            .order_by(*by_date)
            .limit(bindparam("fit_window", type_=Integer))
            .subquery("pool")
        )
        rated = scored(pool)
        ranked = (
            select(*rated.c)
            .order_by(rated.c.score.desc(), rated.c.key, rated.c.id)
            .limit(per_page)
            .offset(offset)
            .subquery("ranked")
        )
        by_fit = True
    else:
        # the page by date, then the score of its needs only
        ranked = scored(
            select(*candidates.c).order_by(*by_date).limit(per_page).offset(offset).subquery()
        )
        by_fit = False
    if shape.by_fit:
        counting: Any = candidates
    else:
        counting = count_by_date(conditions, period, limit, in_date_order, by_place)
    counted = select(func.count().label("counted")).select_from(counting).subquery("counted")
    claimed = found(
        select(Assignment.id).where(
            Assignment.need_id == Need.id,
            Assignment.volunteer_id == VOLUNTEER,
            # written out, not a parameter: the partial index uq_assignment_active answers it
            # in the plan PostgreSQL keeps for the statement (one for every volunteer)
            Assignment.status == written_in(AssignmentStatus.ACTIVE),
        )
    )
    cards = join(Need, ranked, ranked.c.id == Need.id).outerjoin(
        Municipality, Municipality.id == Need.municipality_id
    )
    page = (
        select(
            counted.c.counted,
            *CARD_COLUMNS,
            Municipality.name.label("municipality_name"),
            Need.language_codes.label("languages"),
            ranked.c.score,
            ranked.c.language,
            ranked.c.interest,
            ranked.c.availability,
            ranked.c.home,
            claimed.label("claimed"),
            ranked.c.key,
        )
        .select_from(counted.outerjoin(cards, true()))
        .add_cte(candidates, nest_here=True)
        .subquery("page")
    )
    # the statement starts with SELECT, not WITH: a transaction that only read keeps its
    # prepared statements (`portal.core.prepared`)
    order = (page.c.score.desc(),) if by_fit else ()
    return select(*page.c).order_by(*order, page.c.key, page.c.id)


_STATEMENTS: dict[Shape, Select[Any]] = {}
"""The page statement of every shape seen, built once per process: building the expression
tree of a page cost more than running it. They hold no values (bind parameters only), and
SQLAlchemy keeps each one's compiled form."""


def statement(shape: Shape, period: Period) -> Select[Any]:
    found = _STATEMENTS.get(shape)
    if found is None:
        if len(_STATEMENTS) >= 1024:  # 2**10 shapes x period kinds at most; never unbounded
            _STATEMENTS.clear()
        built = page_statement(shape, conditions_of(shape), period)
        if shape.rare_language:
            built = from_language_needs(built)
        found = _STATEMENTS[shape] = inline_constants(built)
    return found
