"""Pagination helpers: every list page goes through `paginate` (and `page_number`).

A list whose statement is built once per shape and kept (the values of one request as bind
parameters) passes it as a `Bound`: `paginate`, `count_upto`, `counts_upto` and `first_items`
then keep what they wrap around it too (page, bounded count, first rows), so that a page shown
again builds no statement and SQLAlchemy works out no cache key anew."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from flask import abort, current_app, request
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.orm import lazyload

from portal.extensions import db

# No list holds that many pages; beyond it the offset would overflow the database's integers.
MAX_PAGE = 100_000

COUNT_AHEAD = 500
"""A list counts its rows only this far beyond the current page ("more than …"), so that
counting costs the same for a scope of 1,000 rows as for 1,000,000."""


def page_number(param: str = "page") -> int:
    """``?page=`` (or another ``param``, for a page's second list) as a page number: 1 when
    missing or not a number, 404 beyond `MAX_PAGE`."""
    raw = (request.args.get(param) or "").strip()
    if not raw.isascii() or not raw.lstrip("-").isdigit():
        return 1
    if len(raw) > len(str(MAX_PAGE)) + 1 or int(raw) > MAX_PAGE:
        abort(404)
    return max(int(raw), 1)


class Bound(NamedTuple):
    """A statement built once per shape and kept, and the values of its bind parameters for
    one request (ids, dates, the user's municipalities)."""

    stmt: Select[Any]
    params: dict[str, Any]
    count_in_any_order: bool = False
    """Count the list's rows in no order (`_bounded_count`): for a list whose order's index
    does not hold its scope first (the coordinators' queue: the state's applications by date,
    a county's volunteers among them), so that PostgreSQL reads the rows by the scope's
    index instead of walking the order to the count's end."""


_KEPT: dict[tuple[Any, ...], Any] = {}
"""What `paginate`, `count_upto`, `counts_upto` and `first_items` wrap around a `Bound`'s
statement (itself kept), built once: its limits and offsets are bind parameters."""


def _kept(key: tuple[Any, ...], build: Callable[[], Select[Any]]) -> Select[Any]:
    found = _KEPT.get(key)
    if found is None:
        if len(_KEPT) >= 512:  # a few hundred shapes in all; never grows unbounded
            _KEPT.clear()
        found = _KEPT[key] = build()
    return found


def _merged(queries: list[Bound]) -> dict[str, Any]:
    """The values of several bound statements run as one; a name they share must have the
    same value in each."""
    values: dict[str, Any] = {}
    for query in queries:
        for name, value in query.params.items():
            if name in values and values[name] != value:
                raise ValueError(f"bind parameter {name!r} has two values")
            values[name] = value
    return values


def _bounded_count(stmt: Select[Any], stop: Any, in_order: bool = True) -> Select[Any]:
    """The rows of ``stmt`` up to ``stop`` (a number or a bind parameter), read in its own
    order (so by the index that serves its pages), or ``in_order=False`` in none (any ``stop``
    rows count the same)."""
    if not in_order:
        stmt = stmt.order_by(None)
    sub = stmt.options(lazyload("*")).limit(stop).subquery()
    return select(func.count()).select_from(sub)


class BoundedPagination(SelectPagination):
    """Flask-SQLAlchemy's pagination with a bounded count: the rows up to `COUNT_AHEAD` past the
    current page, read in the list's own order (so by the index that serves the page); ``more``
    tells that the list goes on beyond ``total``."""

    more = False

    def _query_count(self) -> int:
        stmt = self._query_args["select"]
        stop = self._query_offset + self.per_page + COUNT_AHEAD
        found = self._query_args["session"].execute(_bounded_count(stmt, stop + 1))
        return self._counted(int(found.scalar() or 0), stop)

    def _counted(self, counted: int, stop: int) -> int:
        self.more = counted > stop
        return min(counted, stop)


class KeptPagination(BoundedPagination):
    """`BoundedPagination` of a `Bound`: its page and count statements are kept per statement,
    the page's size and offset and the count's stop bind parameters."""

    def _query_items(self) -> list[Any]:
        stmt = self._query_args["select"]
        page = _kept(
            ("page", stmt),
            lambda: stmt.limit(bindparam("kept_page_size", type_=Integer)).offset(
                bindparam("kept_page_offset", type_=Integer)
            ),
        )
        values = {
            **self._query_args["params"],
            "kept_page_size": self.per_page,
            "kept_page_offset": self._query_offset,
        }
        return list(self._query_args["session"].execute(page, values).unique().scalars())

    def _query_count(self) -> int:
        stmt = self._query_args["select"]
        in_order = not self._query_args["count_in_any_order"]
        counting = _kept(
            ("count", stmt, in_order),
            lambda: _bounded_count(stmt, bindparam("kept_count_stop", type_=Integer), in_order),
        )
        stop = self._query_offset + self.per_page + COUNT_AHEAD
        values = {**self._query_args["params"], "kept_count_stop": stop + 1}
        found = self._query_args["session"].execute(counting, values)
        return self._counted(int(found.scalar() or 0), stop)


def paginate(stmt: Select[Any] | Bound, per_page: int | None = None) -> BoundedPagination:
    """Paginate a select (or a kept one, `Bound`) by ``?page=``; two queries (bounded count and
    page), never more."""
    common: dict[str, Any] = {
        "session": db.session(),
        "page": page_number(),
        "per_page": per_page or current_app.config["PER_PAGE"],
        "error_out": False,
    }
    if isinstance(stmt, Bound):
        return KeptPagination(
            select=stmt.stmt,
            params=stmt.params,
            count_in_any_order=stmt.count_in_any_order,
            **common,
        )
    return BoundedPagination(select=stmt, **common)


def first_items(query: Bound, limit: int) -> list[Any]:
    """The first ``limit`` objects of a kept statement (a start page's preview, an export);
    the limited statement is kept too."""
    stmt = query.stmt
    limited = _kept(("first", stmt), lambda: stmt.limit(bindparam("kept_first", type_=Integer)))
    values = {**query.params, "kept_first": limit}
    return list(db.session.scalars(limited, values).unique())


def count_upto(stmt: Select[Any] | Bound, limit: int) -> int:
    """The rows of ``stmt``, counted up to ``limit`` + 1 (a start page's "more than 100")."""
    return counts_upto([stmt], limit)[0]


def _counts(stmts: list[Select[Any]], stop: Any) -> Select[Any]:
    return select(
        *(
            select(func.count())
            .select_from(stmt.options(lazyload("*")).limit(stop).subquery())
            .scalar_subquery()
            for stmt in stmts
        )
    )


def counts_upto(stmts: Sequence[Select[Any] | Bound], limit: int) -> list[int]:
    """`count_upto` of each statement, all in one statement (one round trip for a start
    page's figures). Of kept statements (`Bound`), the counting statement is kept too."""
    bound = [stmt for stmt in stmts if isinstance(stmt, Bound)]
    if stmts and len(bound) == len(stmts):
        inner = [query.stmt for query in bound]
        counting = _kept(
            ("counts", *inner),
            lambda: _counts(inner, bindparam("kept_upto", type_=Integer)),
        )
        values = {**_merged(bound), "kept_upto": limit + 1}
        row = db.session.execute(counting, values).one()
    else:
        plain = [stmt for stmt in stmts if isinstance(stmt, Select)]
        if len(plain) != len(stmts):
            raise TypeError("counts_upto: either all statements are kept (Bound) or none")
        row = db.session.execute(_counts(plain, limit + 1)).one()
    return [int(value or 0) for value in row]


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


class _RowsPage(NamedTuple):
    page: Select[Any]
    counting: Select[Any]


_ROWS_PAGES: dict[tuple[Any, ...], _RowsPage] = {}
"""The page and count statements `rows_page` wraps around each statement it is given (built once
and kept: the statements given are themselves kept, and their pages, offsets and limits are
bind parameters). Rebuilt, a wrapper would have SQLAlchemy work out the cache key of the whole
statement on every request."""


def _rows_page_statements(stmt: Select[Any], order: tuple[str, ...], descending: bool) -> _RowsPage:
    key = (stmt, order, descending)
    found = _ROWS_PAGES.get(key)
    if found is None:
        if len(_ROWS_PAGES) >= 256:  # a few statements in all; never grows unbounded
            _ROWS_PAGES.clear()
        stop = bindparam("rows_page_stop", type_=Integer)
        bounded = stmt.limit(stop).subquery("bounded")
        keys = [bounded.c[name] for name in order]
        page = (
            select(*bounded.c, func.count().over())
            .order_by(*(key.desc() for key in keys) if descending else keys)
            .offset(bindparam("rows_page_offset", type_=Integer))
            .limit(bindparam("rows_page_size", type_=Integer))
        )
        count = select(func.count()).select_from(bounded)
        found = _ROWS_PAGES[key] = _RowsPage(page, count)
    return found


def rows_page(
    stmt: Select[Any],
    params: dict[str, Any],
    order: tuple[str, ...],
    descending: bool = False,
    per_page: int | None = None,
    param: str = "page",
) -> ListPage:
    """The ``?page=`` (or ``param``) of a select of columns (ordered by its columns ``order``)
    and its count (bounded as `paginate` bounds it) in one statement: the rows up to
    `COUNT_AHEAD` past the page, numbered by a window. The items are the statement's rows.
    ``stmt`` is kept (with its page and count statements): pass one built once, not anew per
    request."""
    page, size = page_number(param), per_page or current_app.config["PER_PAGE"]
    stop = (page - 1) * size + size + COUNT_AHEAD
    statements = _rows_page_statements(stmt, order, descending)
    values = {
        **params,
        "rows_page_stop": stop + 1,
        "rows_page_offset": (page - 1) * size,
        "rows_page_size": size,
    }
    rows = db.session.execute(statements.page, values).all()
    if rows:
        counted = int(rows[0][-1])
    elif page == 1:  # the first page is empty: so is the list
        counted = 0
    else:  # a page past the end: count alone
        counted = int(db.session.execute(statements.counting, values).scalar_one())
    return ListPage([row[:-1] for row in rows], page, size, min(counted, stop), more=counted > stop)
