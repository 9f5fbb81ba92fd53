"""The shape in which each domain hands over what it holds about a person (GDPR Art. 15/20).

A domain module ``personal_data.py`` offers ``collect(user) -> list[Part]``; the privacy package
gathers the parts into the JSON and the readable PDF of the self-service export. A part has a
stable JSON key, a heading, its fields (stable keys, a label for people and, for stored codes,
the registry kind that names them) and its rows. Secrets and digests never enter a part.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from portal.core import labels
from portal.core.formatting import format_day, format_moment


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = ""  # the registry kind whose labels name the stored codes in the readable copy


@dataclass
class Part:
    key: str
    title: str
    fields: Sequence[Field]
    rows: list[dict[str, Any]] = field(default_factory=list)
    single: bool = False  # one object (JSON object), not a list of them

    def json(self) -> Any:
        rows = [{f.key: json_value(row.get(f.key)) for f in self.fields} for row in self.rows]
        if self.single:
            return rows[0] if rows else None
        return rows

    def text_rows(self) -> list[list[str]]:
        return [[display(row.get(f.key), f.kind) for f in self.fields] for row in self.rows]


def json_value(value: Any) -> Any:
    """Dates and times as ISO 8601 (times in UTC, as stored); lists element by element."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value


def display(value: Any, kind: str = "") -> str:
    """A value as people read it: local dates and times, yes/no, codes by their label."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if isinstance(value, datetime):
        return format_moment(value)
    if isinstance(value, date):
        return format_day(value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else "–"
    if isinstance(value, float):
        return format_decimal(value, format="#,##0.##")
    if isinstance(value, (list, tuple)):
        return ", ".join(display(v, kind) for v in value) or "–"
    if kind:
        return labels.label(kind, value)
    return str(value)
