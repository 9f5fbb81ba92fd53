"""The self-service data export (GDPR Art. 15 access, Art. 20 portability) for every account.

Each domain hands over its part (``<domain>/personal_data.py``: ``collect(user) -> [Part]``);
this module gathers them into

- JSON (machine-readable, stable keys)::

    {"format": "ehrenamtsportal.personal-data", "version": 1,
     "generated_at": "2026-11-29T22:00:00Z", "controller": {...the operator...},
     "parts": {"account": {...}, "memberships": [...], "sign_in_sessions": [...],
               "two_factor": {...}, "trusted_devices": [...],
               "volunteer_profile": {...}, "languages": [...], "interests": [...],
               "available_times": [...], "conduct_certificate_checks": [...],
               "volunteer_events": [...], "assignments": [...], "reports": [...],
               "hours": [...], "messages": [...], "audit_events": [...]}}

  (the volunteer parts only for accounts with a volunteer profile); times are UTC, ISO 8601;
  codes are the portal's codes (docs/glossary.md names them);
- a readable, tagged PDF with the same content.

Every download is written to the audit trail (``account.data_exported``, with the format).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from portal.announcements import personal_data as announcement_data
from portal.audit import personal_data as audit_data
from portal.audit.services import record_about
from portal.auth import personal_data as account_data
from portal.auth.models import User
from portal.consultations import personal_data as consultation_data
from portal.conversations import personal_data as conversation_data
from portal.core import documents as doc
from portal.core.personal_data import Part, json_value
from portal.core.time import utcnow
from portal.core.transaction import unit_of_work
from portal.needs import personal_data as needs_data
from portal.notifications import personal_data as outbox_data
from portal.volunteers import personal_data as volunteer_data

FORMAT = "ehrenamtsportal.personal-data"
VERSION = 1
#: The domains' contributions, in the order of the export (the domains never import this module).
COLLECTORS: tuple[Callable[[User], list[Part]], ...] = (
    account_data.collect,
    volunteer_data.collect,
    needs_data.collect,
    conversation_data.collect,
    announcement_data.collect,
    consultation_data.collect,
    outbox_data.collect,
    audit_data.collect,
)
#: A list with at most this many fields is a table; longer records are one table each.
TABLE_COLUMNS = 4
#: The readable copy shows the newest this many records of a part (all are in the JSON): a
#: long audit trail would make a PDF of hundreds of pages that takes long to write.
PDF_RECORDS = 200


def gather(user: User) -> list[Part]:
    return [part for collect in COLLECTORS for part in collect(user)]


def controller() -> dict[str, str]:
    config = current_app.config
    return {
        key.lower(): config[f"OPERATOR_{key}"]
        for key in ("NAME", "UNIT", "ADDRESS", "PHONE", "EMAIL")
    }


def as_json(parts: list[Part]) -> bytes:
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": json_value(utcnow()),
        "controller": controller(),
        "parts": {part.key: part.json() for part in parts},
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def part_blocks(part: Part, level: int = 2) -> list[doc.Block]:
    """A part as document blocks: a heading, then a key/value table, a table or one key/value
    table per record."""
    blocks: list[doc.Block] = [doc.Heading(part.title, level)]
    texts = part.text_rows()
    labels = [f.label for f in part.fields]
    if len(texts) > PDF_RECORDS:
        note = _(
            "Die neuesten %(shown)s von %(total)s Einträgen; alle stehen in der JSON-Fassung.",
            shown=PDF_RECORDS,
            total=len(texts),
        )
        blocks.append(doc.Paragraph(note))
        texts = texts[-PDF_RECORDS:]
    if not texts:
        blocks.append(doc.Paragraph(_("Keine Einträge.")))
    elif part.single or len(labels) > TABLE_COLUMNS:
        for number, row in enumerate(texts, start=len(part.rows) - len(texts) + 1):
            if not part.single:
                blocks.append(doc.Paragraph(f"{part.title} {number}", bold=True))
            blocks.append(doc.KeyValues(list(zip(labels, row, strict=True))))
    else:
        blocks.append(doc.Table(labels, texts))
    return blocks


def as_pdf(user: User, parts: list[Part]) -> bytes:
    title = _("Ihre Daten im Ehrenamtsportal")
    blocks: list[doc.Block] = [
        doc.Heading(title),
        doc.Paragraph(
            _(
                "Auskunft nach Art. 15 DSGVO für %(name)s: alle Daten, die das Ehrenamtsportal "
                "über Ihr Konto speichert. Eine maschinenlesbare Fassung (JSON) können Sie "
                "ebenfalls herunterladen.",
                name=user.display_name,
            )
        ),
    ]
    for part in parts:
        blocks += part_blocks(part)
    return doc.render(title, doc.current_lang(), blocks)


@unit_of_work()
def export_own_data(actor: User, fmt: str) -> bytes:
    """The actor's own data as ``fmt`` ("json" or "pdf"); the download is audited."""
    parts = gather(actor)
    record_about("account.data_exported", actor, actor, None, format=fmt)
    return as_json(parts) if fmt == "json" else as_pdf(actor, parts)
