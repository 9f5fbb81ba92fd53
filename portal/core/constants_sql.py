"""The whole-number constants of a statement written into its SQL. SQLAlchemy sends every
Python value in an expression as a bind parameter (`x * 3600` has one): a statement built once
and run on every request (the board's has about 140, most of them such numbers) then converts
and sends each of them on every run. `inline_constants` writes whole numbers in as literals,
once, when the statement is built; named bind parameters (the request's values) stay.

Words stay bind parameters (a need's status, a schedule's kind): written in, they made
PostgreSQL plan the board's prepared statement anew on every run at 200,000 needs (a custom plan
in 25 of 25 runs, pg_prepared_statements) instead of reusing its generic plan: about 4 ms more
database time per board."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from sqlalchemy import String, literal_column
from sqlalchemy.sql import ColumnElement, visitors
from sqlalchemy.sql.elements import BindParameter

Statement = TypeVar("Statement", bound=visitors.ExternallyTraversible)


def inline_constants(statement: Statement) -> Statement:
    """``statement`` with the whole numbers of its expressions as literals: only the anonymous
    bind parameters SQLAlchemy made for Python values, never one made with ``bindparam(name)``."""

    def replace(element: Any, **_kw: Any) -> Any:
        if (
            isinstance(element, BindParameter)
            and element.unique
            and element.callable is None
            and not element.expanding
            and type(element.value) is int
        ):
            return literal_column(str(element.value), type_=element.type)
        return None

    return cast(Statement, visitors.replacement_traverse(statement, {}, replace))


def written_in(word: str) -> ColumnElement[str]:
    """``word`` written into the SQL as a quoted literal when the statement is compiled, for a
    word the plan must see (a partial index's condition). ``literal(word, literal_execute=True)``
    writes the same SQL, but SQLAlchemy writes it in on every run, rewriting the whole compiled
    text of the statement (the board's is 15-19 KB)."""
    return literal_column("'" + word.replace("'", "''") + "'", String)
