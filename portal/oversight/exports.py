"""Files for download: CSV (semicolon-separated, UTF-8 with BOM, as German spreadsheets
expect) and XLSX (openpyxl: a bold header row, a bold totals row, fitted column widths).

A sheet is plain data: a title, a header and rows of cells (strings or numbers). Every export
is audited by the service that asks for it (`record_export`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from portal.audit.services import record
from portal.core.transaction import unit_of_work

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
MAX_WIDTH = 60


@dataclass
class Sheet:
    title: str
    header: list[str]
    rows: list[list[Any]]
    #: the last row is a totals row (set in bold)
    totals: bool = False


def csv_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The sheets one after the other, each with its title line, separated by a blank line."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for i, sheet in enumerate(sheets):
        if i:
            writer.writerow([])
        if len(sheets) > 1:
            writer.writerow([sheet.title])
        writer.writerow(sheet.header)
        writer.writerows(_safe(row) for row in sheet.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe(row: list[Any]) -> list[Any]:
    """Defuse formula injection: text starting with = + - @ gets a leading apostrophe."""
    return [f"'{v}" if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row]


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = book.create_sheet(_sheet_name(sheet.title))
        ws.append(sheet.header)
        for row in sheet.rows:
            ws.append(_safe(row))
        for cell in ws[1]:
            cell.font, cell.fill = bold, HEADER_FILL
        if sheet.totals and sheet.rows:
            for cell in ws[ws.max_row]:
                cell.font = bold
        ws.freeze_panes = "B2"
        for index, column in enumerate(zip(sheet.header, *sheet.rows, strict=False), start=1):
            width = max(len(str(v)) for v in column if v is not None) + 2
            ws.column_dimensions[get_column_letter(index)].width = min(width, MAX_WIDTH)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(title: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in title)
    return clean[:31]


def render(sheets: Sequence[Sheet], fmt: str) -> tuple[bytes, str]:
    """The file and its media type for ``fmt`` ("csv" or "xlsx")."""
    if fmt == "xlsx":
        return xlsx_bytes(sheets), XLSX_TYPE
    return csv_bytes(sheets), CSV_TYPE


@unit_of_work()
def record_export(actor: Any, what: str, fmt: str, **details: Any) -> None:
    """Every export leaves an audit event: who took which data out, in what form."""
    record("export.downloaded", actor=actor, object_type=what, format=fmt, **details)
