"""Stored codes: every enumeration is a `StrEnum` whose values are what the column holds, and the
column carries a CHECK constraint listing exactly those values (`check_in`), so the database
refuses a code the application does not know.

Members compare equal to (and hash like) their strings, so code may compare a loaded value with
``NeedStatus.OPEN`` and dictionaries keyed by plain codes (the label registry) find them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Protocol, TypeVar

from sqlalchemy import CheckConstraint


class CodeEnum(StrEnum):
    """A `StrEnum` of stored codes, with a membership test for plain strings (on Python 3.11
    ``"open" in NeedStatus`` raises TypeError instead of answering)."""

    @classmethod
    def has(cls, value: object) -> bool:
        """Whether ``value`` is one of the codes (a member or its string)."""
        return isinstance(value, str) and value in cls._value2member_map_


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def check_in(
    column: str, codes: Iterable[str], *, extra: Iterable[str] = (), name: str | None = None
) -> CheckConstraint:
    """``CHECK (column IN ('a', 'b', ...))`` for the codes of an enum (plus ``extra`` values such
    as the empty string), named ``<column>_known``; the naming convention makes it
    ``ck_<table>_<column>_known``."""
    values = [str(v) for v in extra] + [str(v) for v in codes]
    listed = ", ".join(_quote(v) for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name or f"{column}_known")


class OrderedCode(Protocol):
    """A link row holding one code at a position (e.g. a need's wanted language)."""

    code: str
    position: int


R = TypeVar("R", bound=OrderedCode)


def ordered_rows(existing: Iterable[R], codes: Iterable[str], make: Callable[[str], R]) -> list[R]:
    """Link rows for ``codes`` in the given order (repeats dropped), reusing the rows that
    already hold a code so that unchanged rows are not deleted and inserted again."""
    kept = {row.code: row for row in existing}
    rows = []
    for position, code in enumerate(dict.fromkeys(codes)):
        row = kept.get(code) or make(code)
        row.position = position
        rows.append(row)
    return rows
