"""The portal's PDFs are tagged (PDF/UA-1): a structure tree in reading order whose marked
content matches the pages, /Lang, /MarkInfo, a displayed title, embedded fonts; and the
certificate names its issuer, a contact and a signature line, and gives the total once."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from portal.core import documents as doc
from portal.extensions import db
from portal.needs.certificate import render_certificate
from tests import factories_board as fb

MARKED = re.compile(rb"/(\w+)\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")


def _resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def structure(reader: PdfReader) -> list[tuple[int, str, DictionaryObject]]:
    """(depth, type, element) of the structure tree in document order."""
    found: list[tuple[int, str, DictionaryObject]] = []

    def walk(elem: DictionaryObject, depth: int) -> None:
        found.append((depth, str(elem["/S"])[1:], elem))
        kids = elem.get("/K", [])
        for kid in kids if isinstance(kids, ArrayObject) else [kids]:
            kid = _resolve(kid)
            if isinstance(kid, DictionaryObject) and "/S" in kid:
                walk(kid, depth + 1)

    root = reader.trailer["/Root"]["/StructTreeRoot"]
    kids = root["/K"]
    for kid in kids if isinstance(kids, ArrayObject) else [kids]:
        walk(_resolve(kid), 0)
    return found


def check_tagged(data: bytes, lang: str, title: str) -> PdfReader:
    """Asserts the PDF/UA essentials and that every text run is tagged or an artifact, with its
    MCID pointing (through the ParentTree) back to the element that holds it."""
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == lang
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a PDF boolean)
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert reader.metadata is not None and reader.metadata.title == title
    assert b"<pdfuaid:part>1</pdfuaid:part>" in root["/Metadata"].get_object().get_data()
    parent_tree = root["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    parents = {int(parent_tree[i]): parent_tree[i + 1] for i in range(0, len(parent_tree), 2)}
    for page in reader.pages:
        content = page.get_contents().get_data()
        _assert_no_untagged_text(content)
        marks = [(tag.decode(), int(mcid)) for tag, mcid in MARKED.findall(content)]
        assert marks, "every page has tagged content"
        elems = parents[int(page["/StructParents"])]
        assert len(elems) == len(marks)
        for tag, mcid in marks:
            elem = _resolve(elems[mcid])
            assert str(elem["/S"]) == f"/{tag}"
            assert mcid in list(elem["/K"])
            assert _resolve(elem["/Pg"]).indirect_reference == page.indirect_reference
        for font in page["/Resources"]["/Font"].values():
            descendant = _resolve(font)["/DescendantFonts"][0]
            assert "/FontFile2" in _resolve(descendant)["/FontDescriptor"]  # embedded
    return reader


def _assert_no_untagged_text(content: bytes) -> None:
    depth = 0
    for token in re.findall(rb"BDC|BMC|EMC|Tj|TJ", content):
        if token in (b"BDC", b"BMC"):
            depth += 1
        elif token == b"EMC":
            depth -= 1
        else:
            assert depth > 0, "text outside marked content"


def text_of(reader: PdfReader) -> str:
    return " ".join("\n".join(p.extract_text() for p in reader.pages).split())


def test_every_block_type_becomes_its_structure_element_in_reading_order(app):
    blocks: list[doc.Block] = [
        doc.Heading("Titel des Dokuments"),
        doc.Paragraph("Ein einleitender Absatz."),
        doc.Heading("Abschnitt", level=2),
        doc.KeyValues([("Name", "Erika Muster"), ("Ort", "Bühl")]),
        doc.Table(["Bereich", "Stunden"], [["Lernhilfe", "3"], ["Begleitung", "1,5"]]),
        doc.BulletList(["erster Punkt", "zweiter Punkt"]),
        doc.SignatureLine(),
    ]
    with app.test_request_context():
        data = doc.render("Testdokument", "de", blocks)
    reader = check_tagged(data, "de", "Testdokument")
    types = [(depth, kind) for depth, kind, _e in structure(reader)]
    assert types == [
        (0, "Document"),
        (1, "P"),  # the issuing office
        (1, "H1"),
        (1, "P"),
        (1, "H2"),
        (1, "Table"),
        *[(2, "TR"), (3, "TH"), (3, "TD")] * 2,
        (1, "Table"),
        (2, "TR"), (3, "TH"), (3, "TH"),
        *[(2, "TR"), (3, "TD"), (3, "TD")] * 2,
        (1, "L"),
        *[(2, "LI"), (3, "Lbl"), (3, "LBody")] * 2,
        (1, "P"),
        (1, "P"),
    ]  # fmt: skip
    scopes = [str(e["/A"]["/Scope"]) for _d, kind, e in structure(reader) if kind == "TH"]
    assert scopes == ["/Row", "/Row", "/Column", "/Column"]
    text = text_of(reader)
    order = [
        *("Landratsamt Rastatt", "Telefon 07222 381-0", "Titel des Dokuments", "einleitender"),
        *("Abschnitt", "Erika Muster", "Bühl", "Bereich", "Lernhilfe", "Begleitung"),
        *("erster Punkt", "zweiter Punkt", "Ort, Datum", "Unterschrift / Stempel"),
        "Seite 1 von 1",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)


def test_a_long_paragraph_continues_tagged_on_the_next_page(app):
    with app.test_request_context():
        data = doc.render("Lang", "en", [doc.Paragraph("Wort " * 1500)])
    reader = check_tagged(data, "en", "Lang")
    assert len(reader.pages) >= 2
    pages = {_resolve(e["/Pg"]).indirect_reference for _d, k, e in structure(reader) if k == "P"}
    assert len(pages) == len(reader.pages)


@pytest.fixture
def world(app) -> dict[str, Any]:
    data = fb.county()
    db.session.commit()
    return data


def test_the_certificate_names_issuer_contact_signature_and_the_total_once(world, app):
    rows = [("tutoring", 2, 150), ("accompanying", 1, 90)]
    with app.test_request_context():
        data = render_certificate(world["profile"], date(2026, 1, 1), date(2026, 6, 30), rows)
    reader = check_tagged(data, "de", "Ehrenamtsnachweis")
    text = text_of(reader)
    config = app.config
    for part in (config["OPERATOR_NAME"], config["OPERATOR_UNIT"], config["OPERATOR_ADDRESS"],
                 config["OPERATOR_PHONE"], config["OPERATOR_EMAIL"]):  # fmt: skip
        assert part in text, part
    assert "Ort, Datum" in text and "Unterschrift / Stempel" in text
    assert text.count("Gesamtstunden: 4 (3 Einsätze)") == 1
    assert text.count("Gesamtstunden") == 1 and "Insgesamt" not in text
    assert "Lernhilfe und Nachhilfe 2 2,5" in text and "Begleitung zu Terminen 1 1,5" in text
    types = [kind for _d, kind, _e in structure(reader)]
    assert types[:4] == ["Document", "P", "H1", "P"] and "Table" in types


def test_the_pdfs_speak_the_language_of_their_reader(world, client, auth):
    user = world["volunteer"] if "volunteer" in world else world["profile"].user
    user.locale = "en"
    db.session.commit()
    auth.login(user.email)
    certificate = client.get("/board/certificate?date_from=2026-01-01&date_to=2026-12-31")
    reader = check_tagged(certificate.data, "en", "Certificate of volunteer work")
    assert "Signature / stamp" in text_of(reader)
    export = client.get("/account/data.pdf")
    reader = check_tagged(export.data, "en", "Your data in the volunteer portal")
    assert "Account" in text_of(reader)


def test_without_the_font_the_core_font_prints_base_letters(app, monkeypatch):
    """A machine without DejaVu (``make fonts`` installs it) still gets a readable, tagged
    document; the core font cannot print every letter, so Ş becomes S."""
    from portal.core import tagged_pdf

    monkeypatch.setattr(tagged_pdf, "FONT_DIRS", ())
    with app.test_request_context():
        data = doc.render("Kern", "de", [doc.Paragraph("Şahin – „Grüße“"), doc.BulletList(["x"])])
    reader = PdfReader(io.BytesIO(data))
    assert 'Sahin - "Grüße"' in text_of(reader)
    assert [kind for _d, kind, _e in structure(reader)][-4:] == ["L", "LI", "Lbl", "LBody"]
