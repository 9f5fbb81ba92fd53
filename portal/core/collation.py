"""German sort order for names (municipalities, offices, people) on both databases.

German readers expect Ä/Ö/Ü sorted as A/O/U, ß as ss, and no difference between upper and lower
case (DIN 5007-1): Muggensturm, Oberweier, Ötigheim, Ottersweier. Byte order puts Ötigheim after
Z. One SQL expression serves every list:

    select(Municipality).order_by(german(Municipality.name))

It compiles per dialect:

- SQLite: ``name COLLATE german``, a collation that ``register_sqlite`` adds to every connection
  (portal/__init__.py ``configure_sqlite``); it folds any accent, not only the German ones.
- PostgreSQL: ``name COLLATE "de-x-icu"`` when the server has ICU (``detect_postgresql`` looks
  once, on the first connection); otherwise the portable expression below.
- Any other database: the portable expression: ``lower()`` with the umlauts and ß replaced
  (SQLite's and a C-locale PostgreSQL's ``lower()`` only know ASCII, hence the upper case
  umlauts in the table). Other accents then sort after z; ICU and the SQLite collation fold
  them too.

Python code that sorts names it already holds uses ``german_key``, the same rule.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

SQLITE_COLLATION = "german"
ICU_COLLATION = "de-x-icu"

# The German letters, upper and lower case: SQLite's lower() leaves non-ASCII letters as they
# are. (Kept short: SQLite's parser refuses deeply nested calls.)
FOLDS: tuple[tuple[str, str], ...] = (
    ("Ä", "a"), ("ä", "a"), ("Ö", "o"), ("ö", "o"), ("Ü", "u"), ("ü", "u"), ("ß", "ss"),
)  # fmt: skip


def german_key(text: str | None) -> tuple[str, str]:
    """The sort key of a name in German order: accents and case folded (ß = ss), then the name
    itself so that the order is total (Buhl before Bühl)."""
    text = text or ""
    decomposed = unicodedata.normalize("NFKD", text)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base.replace("ı", "i").casefold(), text


def _compare(a: str | None, b: str | None) -> int:
    left, right = german_key(a), german_key(b)
    return (left > right) - (left < right)


def register_sqlite(dbapi_connection: Any) -> None:
    """Add the ``german`` collation to a new SQLite connection."""
    dbapi_connection.create_collation(SQLITE_COLLATION, _compare)


def detect_postgresql(engine: Engine) -> None:
    """On the first connection, note whether the server offers the ICU German collation."""

    @event.listens_for(engine, "first_connect")
    def look(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1 FROM pg_collation WHERE collname = %s", (ICU_COLLATION,))
            found = cursor.fetchone() is not None
        finally:
            cursor.close()
            dbapi_connection.rollback()
        engine.dialect.german_collation = ICU_COLLATION if found else None  # type: ignore[attr-defined]


class german(ColumnElement[Any]):
    """``german(column)``: the column's values in German sort order (for ORDER BY)."""

    inherit_cache = True
    _traverse_internals = [("element", InternalTraversal.dp_clauseelement)]  # noqa: RUF012

    def __init__(self, element: ColumnElement[Any] | Any) -> None:
        self.element = element
        self.type = element.type


def _portable(element: str) -> str:
    sql = f"lower({element})"
    for letter, plain in FOLDS:
        sql = f"replace({sql}, '{letter}', '{plain}')"
    return sql


@compiles(german)
def _compile_default(node: german, compiler: SQLCompiler, **kw: Any) -> str:
    return _portable(compiler.process(node.element, **kw))


@compiles(german, "sqlite")
def _compile_sqlite(node: german, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{compiler.process(node.element, **kw)} COLLATE {SQLITE_COLLATION}"


@compiles(german, "postgresql")
def _compile_postgresql(node: german, compiler: SQLCompiler, **kw: Any) -> str:
    element = compiler.process(node.element, **kw)
    collation = getattr(compiler.dialect, "german_collation", None)
    if collation:
        return f'{element} COLLATE "{collation}"'
    return _portable(element)
