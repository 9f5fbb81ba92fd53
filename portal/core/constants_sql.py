"""The constants of a statement written into its SQL. SQLAlchemy sends every Python value in an
expression as a bind parameter (`x * 3600` has one): a statement built once and run on every
request (the board's has about 140, of which some 110 are such constants) then converts and
sends each of them on every run, and PostgreSQL's generic plan of the prepared statement does
not know them. `inline_constants` writes whole numbers and enumeration values in as literals,
once, when the statement is built; named bind parameters (the request's values) stay."""

from __future__ import annotations

import enum
from typing import Any, TypeVar, cast

from sqlalchemy import literal_column
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter

Statement = TypeVar("Statement", bound=visitors.ExternallyTraversible)


def _literal(bind: BindParameter[Any]) -> Any:
    value = bind.value
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None  # left as a bind parameter
    if isinstance(value, int):
        return literal_column(str(int(value)), type_=bind.type)
    return literal_column("'" + value.replace("'", "''") + "'", type_=bind.type)


def inline_constants(statement: Statement) -> Statement:
    """``statement`` with the constants of its expressions as literals: only the anonymous bind
    parameters SQLAlchemy made for Python values, never one made with ``bindparam(name)``."""

    def replace(element: Any, **_kw: Any) -> Any:
        if (
            isinstance(element, BindParameter)
            and element.unique
            and element.callable is None
            and not element.expanding
        ):
            return _literal(element)
        return None

    return cast(Statement, visitors.replacement_traverse(statement, {}, replace))
