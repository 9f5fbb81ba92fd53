"""The erasure proof: every column of every table, searched for a person's identifiers."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import MetaData, select

from portal.extensions import db


def _texts(value: Any) -> list[str]:
    if value is None or isinstance(value, bool | int | float):
        return []
    if isinstance(value, dict | list):
        return [json.dumps(value, ensure_ascii=False), json.dumps(value)]
    if isinstance(value, bytes):
        return [value.decode("utf-8", "replace")]
    return [str(value)]


def find_person(names: list[str], literals: list[str], *, skip: tuple[str, ...] = ()) -> list[str]:
    """Where (table.column) any of ``names`` (as whole words) or ``literals`` (anywhere)
    occurs, case-insensitively, in any column of any table reflected from the database
    (not only the models: a table the code forgot is scanned too)."""
    db.session.rollback()
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    parts = [rf"(?<!\w){re.escape(n)}(?!\w)" for n in names] + [re.escape(x) for x in literals]
    needle = re.compile("|".join(parts), re.IGNORECASE)
    found = []
    for table in metadata.sorted_tables:
        if table.name in skip:
            continue
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                for text in _texts(value):
                    match = needle.search(text)
                    if match:
                        found.append(f"{table.name}.{column}: {match.group(0)!r} in {text[:120]!r}")
                        break
    db.session.rollback()
    return found


def count_rows() -> int:
    """How many rows the scan reads (to show it is not scanning an empty database)."""
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    total = 0
    for table in metadata.sorted_tables:
        total += len(db.session.execute(select(table)).all())
    db.session.rollback()
    return total
