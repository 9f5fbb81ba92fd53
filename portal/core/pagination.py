"""Pagination helpers: every list page goes through `paginate`."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from portal.extensions import db


def paginate(stmt: Select[Any], per_page: int | None = None) -> Pagination:
    """Paginate a select by ``?page=``; two queries (count and page), never more."""
    page = request.args.get("page", 1, type=int) or 1
    return db.paginate(
        stmt,
        page=max(page, 1),
        per_page=per_page or current_app.config["PER_PAGE"],
        error_out=False,
    )
