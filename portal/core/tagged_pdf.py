"""A tagged PDF writer (PDF/UA-1) on fpdf2: a nested structure tree, marked content with MCIDs,
artifacts, /Lang, /MarkInfo, a displayed title and XMP metadata. `portal.core.documents` is the
API the portal uses; this module is its machinery.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast
from xml.sax.saxutils import escape

from flask import current_app
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import MethodReturnValue
from fpdf.prefs import ViewerPreferences
from fpdf.structure_tree import StructElem, StructTreeRoot, StructureTreeBuilder
from fpdf.syntax import PDFString

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
PLAIN_PUNCTUATION = str.maketrans({"–": "-", "„": '"', "“": '"', "’": "'", "·": "-", "•": "-"})
MARGIN = 20.0
LINE = 6.0
#: OpenType script and language tags of the right-to-left languages a document may contain
RTL_SHAPING = {"ar": ("arab", "ara"), "fa": ("arab", "fas")}


# --- the structure tree --------------------------------------------------------------------


class Elem(StructElem):
    """A structure element that may carry attributes (``/A``), e.g. a header cell's scope, and
    a language of its own (``/Lang``) when it is not in the document's language."""

    def __init__(self, struct_type: str, parent: Any, page_number: int | None = None) -> None:
        super().__init__(struct_type=struct_type, parent=parent, kids=[], page_number=page_number)
        self.a: str | None = None
        self.lang: PDFString | None = None


class StructureTree(StructureTreeBuilder):
    """fpdf2's builder knows only a flat list under ``Document``; this one nests (Table → TR →
    TD, L → LI → LBody). fpdf2 sets ``/Pg`` on the elements ``doc_struct_elem.k`` yields, so
    that view lists every element holding content; the real tree is ``document``."""

    def __init__(self) -> None:  # the parent's state, without its flat Document element
        self.struct_tree_root = StructTreeRoot()
        self.document = Elem("/Document", self.struct_tree_root)
        self.struct_tree_root.k.append(self.document)
        self.spid_per_page_number: dict[int, int] = {}
        self.elements: list[Elem] = []
        self.with_content: list[Elem] = []
        self.mcids: dict[int, int] = defaultdict(int)

    @property
    def doc_struct_elem(self) -> Any:  # type: ignore[override]
        view = Elem("/Document", None)
        view.k.extend(self.with_content)
        return view

    def open(self, struct_type: str, parent: Any) -> Elem:
        elem = Elem(struct_type, parent)
        parent.k.append(elem)
        self.elements.append(elem)
        return elem

    def content(self, elem: Elem, page: int) -> tuple[int, int]:
        """The next MCID on ``page`` for ``elem``, and the page's ParentTree key."""
        spid = self.spid_per_page_number.setdefault(page, len(self.spid_per_page_number))
        mcid = self.mcids[page]
        self.mcids[page] += 1
        elem.k.append(mcid)
        if elem.page_number() is None:
            elem._page_number = page
            self.with_content.append(elem)
        self.struct_tree_root.parent_tree.nums[spid].append(elem)
        return mcid, spid

    def next_mcid_for_page(self, page_number: int) -> int:
        return self.mcids[page_number]

    def empty(self) -> bool:
        return not self.elements

    def __iter__(self) -> Iterator[Any]:
        yield self.struct_tree_root
        yield self.document
        yield self.struct_tree_root.parent_tree
        yield from self.elements


# --- the writer ----------------------------------------------------------------------------


def _latin1(char: str) -> str:
    """A character the core font can print: itself, its base letter (Ş → S), or "?"."""
    try:
        char.encode("latin-1")
    except UnicodeEncodeError:
        base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
        return base[:1] or "?"
    return char


def _xmp(title: str, lang: str) -> str:
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li>'
        f'<rdf:li xml:lang="{escape(lang)}">{escape(title)}</rdf:li></rdf:Alt></dc:title>'
        f"<dc:language><rdf:Bag><rdf:li>{escape(lang)}</rdf:li></rdf:Bag></dc:language>"
        "<pdfuaid:part>1</pdfuaid:part>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )


class TaggedPdf(FPDF):
    """FPDF that writes every text run inside a tagged marked-content sequence."""

    def __init__(self, title: str, lang: str, landscape: bool = False) -> None:
        super().__init__(orientation="L" if landscape else "P", format="A4")
        self.tree = StructureTree()
        self.struct_builder = self.tree
        self.doc_title = title
        self.family = "Helvetica"
        for folder in FONT_DIRS:
            regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
            if regular.exists() and bold.exists():
                self.add_font("DejaVu", "", str(regular))
                self.add_font("DejaVu", "B", str(bold))
                self.family = "DejaVu"
                break
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.set_title(title)
        self.set_lang(lang)
        self.set_creator(current_app.config["OPERATOR_NAME"])
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)
        self.set_xmp_metadata(_xmp(title, lang))
        self.doc_lang = lang
        #: the language of the part being written, when it is not the document's
        self.part_lang: str | None = None
        self.align = "L"
        self.alias_nb_pages()
        self.add_page()

    # text runs and artifacts

    def text_of(self, value: str) -> str:
        """What the font can print (the core font only knows Latin-1)."""
        if self.family == "DejaVu":
            return value
        value = value.translate(PLAIN_PUNCTUATION)
        return "".join(_latin1(char) for char in value)

    def font(self, size: float = 10.5, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)

    @contextmanager
    def marked(self, elem: Elem) -> Iterator[None]:
        mcid, spid = self.tree.content(elem, self.page)
        self.pages[self.page].struct_parents = spid
        self._out(f"{elem.s} <</MCID {mcid}>> BDC")
        yield
        self._out("EMC")

    @contextmanager
    def artifact(self) -> Iterator[None]:
        self._out("/Artifact BMC")
        yield
        self._out("EMC")

    def rule(self, x1: float, x2: float, y: float) -> None:
        with self.artifact():
            self.set_draw_color(120, 120, 120)
            self.line(x1, y, x2, y)

    def footer(self) -> None:
        # fpdf2 fills in the page count ({nb}) only in text it has not shaped
        shaping, self.text_shaping = self.text_shaping, None
        with self.artifact():
            self.set_y(-14)
            self.font(8)
            page = _("Seite %(page)s von %(pages)s", page=self.page_no(), pages="{nb}")
            self.cell(0, 5, self.text_of(f"{self.doc_title} · {page}"), align="L")
        self.text_shaping = shaping

    @contextmanager
    def language(self, lang: str, text: str = "") -> Iterator[None]:
        """Write a part in ``lang``: its elements carry ``/Lang``; Arabic and Farsi are shaped
        (HarfBuzz, letters joined) and set right to left, right-aligned. A ``text`` without a
        right-to-left letter (a phone number) stays left to right, right-aligned: in a
        right-to-left line ``07222 381-0`` would read ``381-0 07222``."""
        if not lang or lang == self.doc_lang:
            yield
            return
        shaping = RTL_SHAPING.get(lang)
        if shaping is not None and self.family == "DejaVu":
            script, language = shaping
            rtl = any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)
            self.set_text_shaping(
                True, direction="rtl" if rtl else "ltr", script=script, language=language
            )
            self.align = "R"
        self.part_lang = lang
        try:
            yield
        finally:
            self.part_lang = None
            self.align = "L"
            self.set_text_shaping(False)

    def mark_lang(self, elem: Elem) -> Elem:
        """Give ``elem`` the language of the part being written."""
        if self.part_lang:
            elem.lang = PDFString(self.part_lang)
        return elem

    # layout

    @property
    def room(self) -> float:
        return self.h - MARGIN - 10 - self.get_y()

    def ensure(self, height: float) -> None:
        if height > self.room and self.get_y() > MARGIN + 1:
            self.add_page()

    def lines(self, width: float, value: str) -> list[str]:
        """``value`` broken into lines of at most ``width`` (in the current font)."""
        value = self.text_of(value)
        if "\n" not in value and self.get_string_width(value) <= width - 2 * self.c_margin:
            return [value]  # the common case, without fpdf2's (slow) line breaking
        result = self.multi_cell(width, LINE, value, dry_run=True, output=MethodReturnValue.LINES)
        return list(cast(list[str], result)) or [""]

    def put_lines(self, lines: list[str], width: float) -> None:
        """Lines from ``lines()``, one below the other from the current position, aligned at the
        start of the line (left; right in a right-to-left part)."""
        for line in lines:
            self.cell(width, LINE, line, align=self.align, new_x="LEFT", new_y="NEXT")

    def text_block(self, parent: Elem, tag: str, value: str, width: float = 0) -> None:
        """One paragraph-like element; continues as a second element on the next page."""
        width = width or self.epw
        pending = self.lines(width, value)
        while pending:
            fitting = max(1, min(len(pending), int(self.room // LINE)))
            if self.room < LINE:
                self.add_page()
                continue
            elem = self.mark_lang(self.tree.open(tag, parent))
            with self.marked(elem):
                self.put_lines(pending[:fitting], width)
            self.set_x(self.l_margin)
            pending = pending[fitting:]
