"""The Pakt-für-Integration report as a print-friendly, tagged PDF: the same tables and the
same published cells as the page, the CSV and the XLSX (all read `report.Table.published`)."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.core import documents as doc
from portal.core.formatting import format_day
from portal.oversight.periods import Period
from portal.oversight.report import Table, legend, notes


def render_report(period: Period, tables: list[Table]) -> bytes:
    title = _("Bericht Pakt für Integration")
    blocks: list[doc.Block] = [
        doc.Heading(title),
        doc.Paragraph(f"{period.label}: {format_day(period.first)} – {format_day(period.last)}"),
        doc.Paragraph(legend(), small=True),
    ]
    for table in tables:
        blocks.append(doc.Heading(table.title, level=2))
        widths = [1.3, *([1.0] * (len(table.header) - 1))]
        blocks.append(doc.Table(table.header, table.published(), widths, size=8))
    blocks.append(doc.Paragraph(notes(), small=True))
    return doc.render(f"{title} · {period.label}", doc.current_lang(), blocks, landscape=True)
