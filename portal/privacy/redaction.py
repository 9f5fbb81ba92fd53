"""Remove a person's identifying words from the free text that others wrote about them.

A name (or e-mail address, or phone number) can sit in any free text: the body of an e-mail
in the outbox, an audit event's details, a manager's notes, a report. On erasure, every
column that holds free text is searched (one query per column, narrowed in SQL with a
case-insensitive LIKE per word) and the matching rows get the words replaced by ``[…]``.

Free text means: every ``Text`` column, every JSON column, and the short texts listed in
``FREE_TEXT_STRINGS`` (a subject, a title). Columns that hold other people's own identity
(a user's name or e-mail, another client's name) are never touched: a namesake keeps their name.
Names are matched as whole words (the first name "Ali" is not removed from "Alina"),
e-mail addresses and phone numbers as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Column, String, Table, Text, cast, or_, select, update

from portal.core.inputs import like_escaped
from portal.extensions import db

REDACTED = "[…]"
BATCH = 500

#: Short text columns (not ``Text``) that are free text written by someone.
FREE_TEXT_STRINGS = {
    ("outbound_email", "subject"),
    ("need", "title"),
    ("announcement", "subject"),
}


@dataclass(frozen=True)
class Needles:
    """What identifies the person: name words (matched as words) and literal strings."""

    words: tuple[str, ...]
    literals: tuple[str, ...]

    @classmethod
    def of(cls, name: str = "", email: str = "", phone: str = "") -> Needles:
        words = tuple(dict.fromkeys(w for w in re.split(r"[\s,;/()]+", name) if len(w) >= 2))
        literals = tuple(x.strip() for x in (email, phone) if len(x.strip()) >= 4)
        return cls(words, literals)

    def __bool__(self) -> bool:
        return bool(self.words or self.literals)

    def patterns(self) -> list[str]:
        """LIKE patterns (lower case) that find a candidate row; JSON may store non-ASCII
        letters escaped (\\u00fc), so the escaped spelling is searched too."""
        found = []
        for needle in self.words + self.literals:
            for spelling in {needle, json.dumps(needle)[1:-1]}:
                found.append("%" + like_escaped(spelling.lower(), "\\") + "%")
        return found

    def regex(self) -> re.Pattern[str]:
        parts = [rf"(?<!\w){re.escape(w)}(?!\w)" for w in sorted(self.words, key=len, reverse=True)]
        parts += [re.escape(x) for x in self.literals]
        return re.compile("|".join(parts), re.IGNORECASE)


def redact_text(text: str | None, needles: Needles) -> str | None:
    if not text or not needles:
        return text
    return needles.regex().sub(REDACTED, text)


def redact_value(value: Any, needles: Needles) -> Any:
    """A JSON value with every string (keys too) redacted."""
    if isinstance(value, str):
        return redact_text(value, needles)
    if isinstance(value, list):
        return [redact_value(v, needles) for v in value]
    if isinstance(value, dict):
        return {redact_text(k, needles): redact_value(v, needles) for k, v in value.items()}
    return value


def free_text_columns() -> Iterable[tuple[Table, Column[Any]]]:
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, Text | JSON) or (
                isinstance(column.type, String) and (table.name, column.name) in FREE_TEXT_STRINGS
            ):
                yield table, column


def _matches(column: Column[Any], needles: Needles) -> Any:
    text = cast(column, Text) if isinstance(column.type, JSON) else column
    from sqlalchemy import func

    lowered = func.lower(text)
    return or_(*(lowered.like(p, escape="\\") for p in needles.patterns()))


def redact_everywhere(needles: Needles, skip: Iterable[tuple[str, str]] = ()) -> int:
    """Redact ``needles`` from every free-text column (caller's transaction); the number of
    values changed. ``skip`` names (table, column) pairs the caller handles itself."""
    if not needles:
        return 0
    skipped = set(skip)
    pattern = needles.regex()
    changed = 0
    for table, column in free_text_columns():
        if (table.name, column.name) in skipped:
            continue
        keys = list(table.primary_key.columns)
        stmt = select(*keys, column).where(_matches(column, needles))
        for row in db.session.execute(stmt).all():
            value = row[-1]
            if isinstance(column.type, JSON):
                new = redact_value(value, needles)
            else:
                new = pattern.sub(REDACTED, value) if value else value
            if new == value:
                continue  # a LIKE hit inside a longer word: nothing to redact
            where = [key == row[i] for i, key in enumerate(keys)]
            db.session.execute(update(table).where(*where).values({column.name: new}))
            changed += 1
    return changed
