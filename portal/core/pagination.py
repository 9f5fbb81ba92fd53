"""Pagination helpers: every list page goes through `paginate` (and `page_number`)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from portal.extensions import db

# No list holds that many pages; beyond it the offset would overflow the database's integers.
MAX_PAGE = 100_000


def page_number() -> int:
    """``?page=`` as a page number: 1 when missing or not a number, 404 beyond `MAX_PAGE`."""
    raw = (request.args.get("page") or "").strip()
    if not raw.isascii() or not raw.lstrip("-").isdigit():
        return 1
    if len(raw) > len(str(MAX_PAGE)) + 1 or int(raw) > MAX_PAGE:
        abort(404)
    return max(int(raw), 1)


def paginate(stmt: Select[Any], per_page: int | None = None) -> Pagination:
    """Paginate a select by ``?page=``; two queries (count and page), never more."""
    return db.paginate(
        stmt,
        page=page_number(),
        per_page=per_page or current_app.config["PER_PAGE"],
        error_out=False,
    )
