"""Accessible PDF documents (PDF/UA-1): one small API that every PDF of the portal uses.

A document is a title, a language and a list of blocks::

    from portal.core import documents as doc

    pdf_bytes = doc.render(
        title="Ehrenamtsnachweis",
        lang="de",
        blocks=[
            doc.Heading("Ehrenamtsnachweis"),             # H1 (level=2 → H2, level=3 → H3)
            doc.Paragraph("Hiermit wird bestätigt …"),     # P (small=True: smaller print)
            doc.KeyValues([("Name", "Erika Muster")]),     # Table: TR → TH (row scope) + TD
            doc.Table(["Bereich", "Stunden"], [["Nachhilfe", "3"]]),  # Table: TR → TH/TD
            doc.BulletList(["erstens", "zweitens"]),       # L → LI → Lbl + LBody
            doc.SignatureLine(),                           # P + P below two lines to sign on
        ],
    )

``render`` opens every document with the issuing office and its contact (``issuer_lines``,
from the OPERATOR_* settings), writes the blocks in reading order and numbers the pages.

What makes it a tagged PDF: a structure tree (``/StructTreeRoot`` → ``Document`` → the blocks'
elements, each text run a marked-content sequence with its MCID and a ``/ParentTree`` entry),
``/MarkInfo << /Marked true >>``, the document language ``/Lang``, a title shown by viewers
(``/DisplayDocTitle``), XMP metadata declaring PDF/UA-1, embedded fonts (DejaVu Sans) and page
numbers and rules marked as artifacts. Text is left-aligned; a block never breaks inside a page
(a long paragraph continues as a second paragraph on the next page; a table row stays whole).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.core.tagged_pdf import LINE, Elem, TaggedPdf

# --- the blocks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1 → H1, 2 → H2, 3 → H3
    lang: str = ""  # a part in another language than the document's (see `render`)


@dataclass(frozen=True)
class Paragraph:
    text: str
    small: bool = False
    bold: bool = False
    lang: str = ""


@dataclass(frozen=True)
class KeyValues:
    """Label/value pairs: a two-column table whose first cells are row headers."""

    rows: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Table:
    """A table with one header row; ``widths`` are relative column widths (default equal),
    ``size`` the font size of its cells (smaller for wide tables of figures)."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float] = ()
    size: float = 10.5


@dataclass(frozen=True)
class BulletList:
    items: Sequence[str]
    lang: str = ""


@dataclass(frozen=True)
class SignatureLine:
    """Two lines to sign on: place and date, signature and stamp (labels default to German)."""

    left: str = ""
    right: str = ""
    note: str = ""


Block = Heading | Paragraph | KeyValues | Table | BulletList | SignatureLine


def issuer_lines() -> list[str]:
    """The issuing office and its contact, from the settings."""
    config = current_app.config
    contact = _(
        "Telefon %(phone)s · E-Mail %(email)s",
        phone=config["OPERATOR_PHONE"],
        email=config["OPERATOR_EMAIL"],
    )
    return [
        config["OPERATOR_NAME"],
        config["OPERATOR_UNIT"],
        config["OPERATOR_ADDRESS"],
        contact,
    ]


# --- the blocks on paper -------------------------------------------------------------------

HEADING_SIZES = {1: 17.0, 2: 13.0, 3: 11.5}


def _heading(pdf: TaggedPdf, block: Heading) -> None:
    level = min(max(block.level, 1), 3)
    pdf.ln(3 if level > 1 else 1)
    pdf.ensure(LINE * 4)  # a heading keeps company with what follows
    pdf.font(HEADING_SIZES[level], bold=True)
    pdf.text_block(pdf.tree.document, f"/H{level}", block.text)
    pdf.ln(1.5)


def _paragraph(pdf: TaggedPdf, block: Paragraph) -> None:
    pdf.font(8.5 if block.small else 10.5, bold=block.bold)
    pdf.text_block(pdf.tree.document, "/P", block.text)
    pdf.ln(2)


def _row(
    pdf: TaggedPdf,
    table: Elem,
    cells: list[tuple[str, str, str]],
    widths: list[float],
    size: float = 10.5,
) -> None:
    """One table row: cells are (tag, scope, text); the row never breaks across pages."""
    wrapped = []
    for (tag, _scope, value), width in zip(cells, widths, strict=True):
        pdf.font(size, bold=tag == "/TH")
        wrapped.append(pdf.lines(width - 2, value or " "))
    height = max(len(lines) for lines in wrapped) * LINE + 1.5
    pdf.ensure(height)
    row = pdf.tree.open("/TR", table)
    top, x = pdf.get_y(), pdf.l_margin
    for (tag, scope, _value), width, lines in zip(cells, widths, wrapped, strict=True):
        cell = pdf.tree.open(tag, row)
        if scope:
            cell.a = f"<</O /Table /Scope /{scope}>>"
        pdf.font(size, bold=tag == "/TH")
        pdf.set_xy(x, top + 0.75)
        with pdf.marked(cell):
            pdf.put_lines(lines, width - 2)
        x += width
    pdf.set_xy(pdf.l_margin, top + height)
    pdf.rule(pdf.l_margin, pdf.l_margin + sum(widths), top + height)


def _table(pdf: TaggedPdf, block: Table) -> None:
    relative = list(block.widths) or [1.0] * len(block.header)
    widths = [pdf.epw * part / sum(relative) for part in relative]
    table = pdf.tree.open("/Table", pdf.tree.document)
    _row(pdf, table, [("/TH", "Column", h) for h in block.header], widths, block.size)
    for values in block.rows:
        _row(pdf, table, [("/TD", "", str(v)) for v in values], widths, block.size)
    pdf.ln(3)


def _key_values(pdf: TaggedPdf, block: KeyValues) -> None:
    widths = [pdf.epw * 0.35, pdf.epw * 0.65]
    table = pdf.tree.open("/Table", pdf.tree.document)
    for key, value in block.rows:
        _row(pdf, table, [("/TH", "Row", key), ("/TD", "", value)], widths)
    pdf.ln(3)


def _bullets(pdf: TaggedPdf, block: BulletList) -> None:
    pdf.font()
    items = pdf.mark_lang(pdf.tree.open("/L", pdf.tree.document))
    rtl = pdf.align == "R"  # the bullet stands at the start of the line: right, right to left
    for value in block.items:
        pdf.ensure(LINE)
        item = pdf.tree.open("/LI", items)
        label = pdf.tree.open("/Lbl", item)
        top = pdf.get_y()
        pdf.set_x(pdf.l_margin + pdf.epw - 6 if rtl else pdf.l_margin)
        with pdf.marked(label):
            pdf.cell(6, LINE, pdf.text_of("•"), align="C")
        pdf.set_xy(pdf.l_margin if rtl else pdf.l_margin + 6, top)
        pdf.text_block(item, "/LBody", value, width=pdf.epw - 6)
    pdf.ln(2)


def _signature(pdf: TaggedPdf, block: SignatureLine) -> None:
    pdf.ensure(40)
    if block.note:
        _paragraph(pdf, Paragraph(block.note))
    pdf.ln(16)
    top = pdf.get_y()
    half = (pdf.epw - 10) / 2
    left_x, right_x = pdf.l_margin, pdf.l_margin + half + 10
    pdf.rule(left_x, left_x + half, top)
    pdf.rule(right_x, right_x + half, top)
    pdf.font(8.5)
    labels = (block.left or _("Ort, Datum"), block.right or _("Unterschrift / Stempel"))
    for x, value in zip((left_x, right_x), labels, strict=True):
        pdf.set_xy(x, top + 1)
        elem = pdf.tree.open("/P", pdf.tree.document)
        with pdf.marked(elem):
            pdf.multi_cell(half, LINE, pdf.text_of(value), align="L")
    pdf.set_xy(pdf.l_margin, top + LINE + 3)


RENDERERS: dict[type, Any] = {
    Heading: _heading,
    Paragraph: _paragraph,
    Table: _table,
    KeyValues: _key_values,
    BulletList: _bullets,
    SignatureLine: _signature,
}


def current_lang() -> str:
    """The language of the current request's texts ("de" or "en")."""
    locale = get_locale()
    return locale.language if locale is not None else "de"


def render(
    title: str,
    lang: str,
    blocks: Sequence[Block],
    *,
    issuer: bool = True,
    landscape: bool = False,
) -> bytes:
    """The tagged PDF of ``blocks``; ``lang`` is "de" or "en" (the reader's language), ``title``
    the document title viewers show. ``issuer=False`` leaves out the issuing office;
    ``landscape`` turns the pages (for wide tables). A heading, paragraph or list with a ``lang``
    of its own is a part in that language (``/Lang`` on its elements); Arabic and Farsi parts
    are shaped and set right to left."""
    pdf = TaggedPdf(title, lang, landscape)
    if issuer:
        pdf.font(8.5)
        pdf.text_block(pdf.tree.document, "/P", "\n".join(issuer_lines()))
        pdf.ln(4)
    for block in blocks:
        text = " ".join(getattr(block, "items", ())) or getattr(block, "text", "")
        with pdf.language(getattr(block, "lang", ""), text):
            RENDERERS[type(block)](pdf, block)
    return bytes(pdf.output())
