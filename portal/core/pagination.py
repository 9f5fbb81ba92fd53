"""Pagination helpers: every list page goes through `paginate` (and `page_number`)."""

from __future__ import annotations

import math
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


class BoundedPagination(SelectPagination):
    """Flask-SQLAlchemy's pagination with a bounded count: the rows up to `COUNT_AHEAD` past the
    current page, read in the list's own order (so by the index that serves the page); ``more``
    tells that the list goes on beyond ``total``."""

    more = False

    def _query_count(self) -> int:
        stmt = self._query_args["select"]
        stop = self._query_offset + self.per_page + COUNT_AHEAD
        sub = stmt.options(lazyload("*")).limit(stop + 1).subquery()
        found = self._query_args["session"].execute(select(func.count()).select_from(sub))
        counted = int(found.scalar() or 0)
        self.more = counted > stop
        return min(counted, stop)


def paginate(stmt: Select[Any], per_page: int | None = None) -> BoundedPagination:
    """Paginate a select by ``?page=``; two queries (bounded count and page), never more."""
    return BoundedPagination(
        select=stmt,
        session=db.session(),
        page=page_number(),
        per_page=per_page or current_app.config["PER_PAGE"],
        error_out=False,
    )


def count_upto(stmt: Select[Any], limit: int) -> int:
    """The rows of ``stmt``, counted up to ``limit`` + 1 (a start page's "more than 100")."""
    return counts_upto([stmt], limit)[0]


def counts_upto(stmts: list[Select[Any]], limit: int) -> list[int]:
    """`count_upto` of each statement, all in one statement (one round trip for a start
    page's figures)."""
    counts = [
        select(func.count())
        .select_from(stmt.options(lazyload("*")).limit(limit + 1).subquery())
        .scalar_subquery()
        for stmt in stmts
    ]
    row = db.session.execute(select(*counts)).one()
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
