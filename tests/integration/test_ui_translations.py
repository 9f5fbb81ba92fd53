"""The English catalog covers the foundation's strings; the merge script fills the catalog."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from tests.conftest import ROOT

FOUNDATION = [
    "portal/auth",
    "portal/core",
    "portal/navigation.py",
    "portal/__init__.py",
    "templates/base.html",
    "templates/_macros",
    "templates/auth",
    "templates/core/index.html",
    "templates/core/dashboard.html",
    "templates/core/_dashboard_admin.html",
    "templates/core/privacy.html",
    "templates/errors",
    "templates/email/_footer.txt",
    "templates/email/verify_email.txt",
    "templates/email/already_registered.txt",
    "templates/email/reset_password.txt",
    "templates/email/invitation.txt",
]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def foundation_msgids() -> set[str]:
    files: list[Path] = []
    for entry in FOUNDATION:
        path = ROOT / entry
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    msgids: set[str] = set()
    for path in files:
        if path.suffix == ".py":
            found = extract_from_file("python", str(path), keywords=KEYWORDS)
        elif path.suffix in (".html", ".txt"):
            found = extract_from_file(
                "jinja2", str(path), keywords=KEYWORDS, options={"extensions": "jinja2.ext.do"}
            )
        else:
            continue
        msgids.update(m[1] if isinstance(m[1], str) else m[1][0] for m in found)
    return msgids


def fragment() -> dict[str, str]:
    with (ROOT / "translations/fragments/foundation.po").open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


def test_every_foundation_string_has_an_english_translation():
    msgids = foundation_msgids()
    assert len(msgids) > 100
    translations = fragment()
    missing = sorted(m for m in msgids if not translations.get(m))
    assert missing == []


def test_translations_keep_their_placeholders():
    for msgid, msgstr in fragment().items():
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(msgstr)), msgid


def test_merge_script_updates_the_catalog_and_fills_it_from_fragments(tmp_path, monkeypatch):
    import scripts.merge_translations as merge_translations

    translations = tmp_path / "translations"
    (translations / "fragments").mkdir(parents=True)
    (translations / "en" / "LC_MESSAGES").mkdir(parents=True)
    monkeypatch.setattr(merge_translations, "TRANSLATIONS", translations)
    monkeypatch.setattr(merge_translations, "FRAGMENTS", translations / "fragments")

    existing = Catalog(locale="en")
    existing.add("Behalten", "Keep (edited by hand)")
    existing.add("Verschwunden", "Gone")
    with (translations / "en/LC_MESSAGES/messages.po").open("wb") as f:
        write_po(f, existing)
    for name, pairs in {
        "a.po": {"Neu": "New", "Behalten": "Keep"},
        "b.po": {"Auch neu": "Also new", "Neu": "Different"},
    }.items():
        catalog = Catalog(locale="en")
        for msgid, msgstr in pairs.items():
            catalog.add(msgid, msgstr)
        with (translations / "fragments" / name).open("wb") as f:
            write_po(f, catalog, omit_header=True)

    template = Catalog()
    for msgid in ("Behalten", "Neu", "Auch neu", "Offen"):
        template.add(msgid)
    catalog, untranslated, conflicts = merge_translations.merge(template)

    with (translations / "en/LC_MESSAGES/messages.po").open("rb") as f:
        written = {m.id: m.string for m in read_po(f) if m.id}
    assert written == {
        "Behalten": "Keep (edited by hand)",  # existing translations win
        "Neu": "New",  # first fragment wins
        "Auch neu": "Also new",
        "Offen": "",
    }
    assert untranslated == ["Offen"]
    assert len(conflicts) == 1 and "Neu" in conflicts[0]


@pytest.mark.parametrize("path", ["/login", "/signup", "/password/forgot", "/privacy", "/"])
def test_english_pages_have_no_german_left_in_the_layout(app, client, path):
    client.post("/language", data={"language": "en", "next": "/"})
    html = client.get(path).get_data(as_text=True)
    for german in ("Anmelden", "Registrieren", "Datenschutz", "Zum Inhalt springen", "Sprache"):
        assert german not in html, (path, german)
