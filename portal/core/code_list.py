"""A short list of codes held on the row it belongs to (e.g. a need's wanted languages, also kept
as link rows), so that a filter on one code is a condition on the row an index can answer:
PostgreSQL stores a ``varchar[]`` (a GIN index finds the rows holding a code), SQLite the codes
joined by commas, matched with ``LIKE``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Boolean, String, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, TypeEngine

CODE_LENGTH = 8


class CodeList(TypeDecorator[list[str]]):
    """Codes in their order, repeats dropped: ``varchar(8)[]`` on PostgreSQL, ``"ar,de"`` on
    SQLite (a code never holds a comma)."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(String(CODE_LENGTH)))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Iterable[str] | None, dialect: Dialect) -> Any:
        codes = list(dict.fromkeys(value or ()))
        if any("," in code for code in codes):
            raise ValueError(f"a code holds a comma: {codes!r}")
        return codes if dialect.name == "postgresql" else ",".join(codes)

    def process_result_value(self, value: Any, dialect: Dialect) -> list[str]:
        if not value:
            return []
        return list(value) if dialect.name == "postgresql" else str(value).split(",")


def clause_of(expression: Any) -> Any:
    """The SQL expression of ``expression`` (a mapped attribute's column), as the elements
    below hold it: so that SQLAlchemy can copy and adapt them (e.g. to another FROM)."""
    if hasattr(expression, "__clause_element__"):
        return expression.__clause_element__()
    return expression


class HasCode(ColumnElement[bool]):
    """Whether the `CodeList` ``column`` holds ``code`` (a value or a bind parameter).
    ``looked_up``: on PostgreSQL in the form the GIN index on the column answers (``@>``);
    else as a test of each row read otherwise (``= ANY``, which that index does not answer:
    the rows are read in another index's order, and the test only drops some of them)."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's declaration)
        ("column", InternalTraversal.dp_clauseelement),
        ("code", InternalTraversal.dp_clauseelement),
        ("looked_up", InternalTraversal.dp_boolean),
    ]

    def __init__(self, column: Any, code: Any, looked_up: bool = True) -> None:
        self.column = clause_of(column)
        self.code = clause_of(code)
        self.looked_up = looked_up


def has_code(column: Any, code: Any, looked_up: bool = True) -> HasCode:
    """``code``: a string, or a column or bind parameter; ``looked_up``: see `HasCode`."""
    if isinstance(code, str):
        return HasCode(column, literal(code, String), looked_up)
    return HasCode(column, code, looked_up)


@compiles(HasCode)
def _has_code(element: HasCode, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    code = compiler.process(element.code, **kw)
    return f"(',' || {column} || ',' LIKE '%,' || {code} || ',%')"


@compiles(HasCode, "postgresql")
def _has_code_postgresql(element: HasCode, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    code = compiler.process(element.code, **kw)
    if not element.looked_up:
        return f"(CAST({code} AS VARCHAR({CODE_LENGTH})) = ANY({column}))"
    # "contains", the operator the GIN index on the column answers
    return f"{column} @> ARRAY[CAST({code} AS VARCHAR({CODE_LENGTH}))]"


class HasAnyCode(ColumnElement[bool]):
    """Whether the `CodeList` ``column`` holds any of the codes ``codes`` selects (an
    uncorrelated SELECT of one code column, e.g. a person's languages). On PostgreSQL the codes
    are read once per statement into an array and each row is compared with it (``&&``);
    elsewhere an EXISTS tests each row (`has_code`)."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's declaration)
        ("column", InternalTraversal.dp_clauseelement),
        ("codes", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: Any, codes: Any) -> None:
        self.column = clause_of(column)
        self.codes = codes


def has_any_code(column: Any, codes: Any) -> HasAnyCode:
    """``codes``: a SELECT of one column of codes that does not refer to ``column``'s row."""
    return HasAnyCode(column, codes)


@compiles(HasAnyCode)
def _has_any_code(element: HasAnyCode, compiler: Any, **kw: Any) -> str:
    codes = element.codes
    each = codes.where(has_code(element.column, codes.selected_columns[0])).exists()
    return str(compiler.process(each, **kw))


@compiles(HasAnyCode, "postgresql")
def _has_any_code_postgresql(element: HasAnyCode, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    codes = compiler.process(element.codes, **kw)
    return f"({column} && CAST(ARRAY({codes}) AS VARCHAR({CODE_LENGTH})[]))"
