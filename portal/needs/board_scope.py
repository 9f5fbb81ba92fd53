"""Which needs of the board lie where the volunteer helps, and how to read them: by
municipality for a volunteer who helps in a few, in date order for one who helps in many (a
county, the state). Both ways are in the board's statement, each behind an uncorrelated
condition on the link table (read once), so that one plan serves every volunteer. Filtered by a
language few needs ask for, the board of one who helps in many reads that language's needs
instead (`from_language_needs`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    Select,
    String,
    bindparam,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Subquery, visitors
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.util import ClauseAdapter
from sqlalchemy.sql.visitors import InternalTraversal

from portal.core.code_list import clause_of, has_code
from portal.needs.board_order import Period
from portal.needs.models import Need, NeedStatus
from portal.volunteers.models import volunteer_municipality

VOLUNTEER = bindparam("volunteer", type_=Integer)
HOME = bindparam("home", type_=Integer)
"""The volunteer's profile id and home municipality: the board's statements hold no values, so
one statement object serves every volunteer (see `portal.needs.board_sql.statement`)."""


NARROW = bindparam("narrow", type_=Integer)
"""A volunteer who helps in fewer municipalities than this (home included or not) has the
board's needs read by municipality; one who helps in more, in date order."""


def language_forms(walked: bool) -> tuple[list[Any], list[Any]]:
    """The language filter of a board filtered by category too (``walked``), in two forms: for
    the needs read in date order, and for those read municipality by municipality. In date
    order the category's needs are walked in ``ix_need_board_category``, which holds their
    languages: the filter drops those not asking for the language as the walk goes on, and the
    walk stops after the window (and the count after its limit). On PostgreSQL that form is
    not the one ix_need_language_codes answers: with it, the planner finds every need of the
    language (as many as the state has) and sorts them. Read by municipality, the GIN index
    finds them, with the municipalities' and the category's indexes. Without a category the
    language filter is one of the conditions (`portal.needs.board_sql.conditions_of`)."""
    if not walked:
        return [], []
    code = bindparam("language", type_=String)
    return [has_code(Need.language_codes, code, looked_up=False)], [
        has_code(Need.language_codes, code)
    ]


def scopes(
    in_date_order: Sequence[Any] = (), by_place: Sequence[Any] = ()
) -> tuple[tuple[list[Any], bool], tuple[list[Any], bool]]:
    """Two ways to read the needs of the municipalities the volunteer helps in, each with the
    condition under which the statement runs it (an uncorrelated subquery: read once, at most
    `NARROW` rows of the link table). Read in date order (``ix_need_board_first``), the needs of
    a few municipalities among many are far apart: a volunteer who helps in a few has them read
    by municipality (``ix_need_board``: all of theirs, from the index alone, then sorted), one
    who helps in many (a county, the state) in date order, up to the window. ``in_date_order``
    and ``by_place``: further conditions in the form for each way (`language_forms`)."""
    many = _helps_in_at_least(NARROW)
    # (the conditions hold the scope as well, as a filter)
    return ([many, *in_date_order], True), ([by_municipality(), ~many, *by_place], False)


class _AmongPlaces(ColumnElement[bool]):
    """``column`` is one of the ids ``places`` selects; on PostgreSQL ``= ANY(ARRAY(...))``:
    the ids are read once, then the needs of each are looked up in an index (as a semi-join,
    the planner may instead hash the ids and scan the whole table)."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's declaration)
        ("column", InternalTraversal.dp_clauseelement),
        ("places", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: Any, places: Any) -> None:
        self.column = clause_of(column)
        self.places = places


@compiles(_AmongPlaces)
def _among_places(element: _AmongPlaces, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column.in_(element.places), **kw))


@compiles(_AmongPlaces, "postgresql")
def _among_places_postgresql(element: _AmongPlaces, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    places = compiler.process(element.places, **kw)
    return f"{column} = ANY(ARRAY({places}))"


def _helps_in_at_least(number: Any) -> Any:
    """Whether the volunteer helps in at least ``number`` further municipalities (reads at most
    that many rows of the link table, once per statement)."""
    further = select(volunteer_municipality.c.municipality_id).where(
        volunteer_municipality.c.volunteer_id == VOLUNTEER
    )
    return further.limit(1).offset(number - 1).exists()


def by_municipality() -> Any:
    """The volunteer's municipalities read first, then their needs municipality by
    municipality from ``ix_need_board`` (not a filter on needs read otherwise)."""
    further = select(volunteer_municipality.c.municipality_id).where(
        volunteer_municipality.c.volunteer_id == VOLUNTEER
    )
    return _AmongPlaces(Need.municipality_id, further.union_all(select(HOME)))


def count_by_date(
    conditions: list[Any],
    period: Period,
    limit: Any,
    in_date_order: Sequence[Any] = (),
    by_place: Sequence[Any] = (),
) -> Subquery:
    """Up to ``limit`` ids of needs meeting ``conditions`` with an appointment in the period, for
    the bounded count of the board by date; ``in_date_order`` and ``by_place`` as in
    `scopes`."""
    # by municipality for a few dozen (one index range each), else in date order (where
    # the state's needs lie close together); the statement runs one of the two
    many = _helps_in_at_least(bindparam("count_narrow", type_=Integer))
    few = (
        select(Need.id)
        .where(*conditions, *by_place, by_municipality(), period.has_day(), ~many)
        .limit(limit)
        .subquery("few")
    )
    # from the latest day down: needs whose day has passed (and that nobody closed) come
    # last, so the count stops before reaching them
    newest_first = (
        select(Need.id)
        .where(*conditions, *in_date_order, period.has_day(), many)
        .order_by(Need.first_on.desc())
        .limit(limit)
        .subquery("in_date_order")
    )
    return union_all(select(few.c.id), select(newest_first.c.id)).subquery("found")


def from_language_needs(page: Select[Any]) -> Select[Any]:
    """``page`` reading the open needs that ask for the filtered language, found once for the
    statement (on PostgreSQL through the language's GIN index) and kept as a table of their
    own, instead of the `need` table: for a language few needs ask for
    (`portal.needs.language_demand`). Every part of the page reads them, with only the columns
    it uses, and finds them without an index: a few hundred rows. Walked in date order, the
    open needs of a county or of the state would be passed one by one until the page is full,
    at 200,000 needs all of them (27 ms) when no need asks for the language."""
    table = Need.__table__
    used = {
        element.key
        for element in visitors.iterate(page)
        if isinstance(element, Column) and element.table is table
    }
    asking = (
        select(*(table.c[key] for key in sorted(used)))
        .where(
            has_code(table.c.language_codes, bindparam("language", type_=String)),
            # tested on the rows found, not looked up: PostgreSQL's plan for any language
            # (it cannot know how few) would otherwise combine the language's entries with
            # those of every open need in a status index (3.5 ms at 200,000 needs)
            (table.c.status == NeedStatus.OPEN).is_(true()),
        )
        .cte("language_needs")
        .prefix_with("MATERIALIZED")
    )
    return ClauseAdapter(asking).traverse(page)
