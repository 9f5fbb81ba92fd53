"""The English catalog (messages.po) translates every msgid of the code and templates, the
fragments agree with it, and the merge script fills it from the fragments."""

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


def fragments() -> dict[object, object]:
    """msgid -> msgstr of every fragment (translations/fragments/*.po, first one wins)."""
    import scripts.merge_translations as merge_translations

    return merge_translations.read_fragments()[0]


def test_every_foundation_string_has_an_english_translation():
    msgids = foundation_msgids()
    assert len(msgids) > 100
    translations = fragments()
    missing = sorted(m for m in msgids if not translations.get(m))
    assert missing == []


def test_translations_keep_their_placeholders():
    for msgid, msgstr in fragments().items():
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        strings = msgstr if isinstance(msgstr, tuple) else (msgstr,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(str(string))) == expected, msgid


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
    existing.add("Nur hier", "Only here")
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
    for msgid in ("Behalten", "Nur hier", "Neu", "Auch neu", "Offen"):
        template.add(msgid)
    catalog, untranslated, conflicts = merge_translations.merge(template)

    with (translations / "en/LC_MESSAGES/messages.po").open("rb") as f:
        written = {m.id: m.string for m in read_po(f) if m.id}
    assert written == {
        "Behalten": "Keep",  # the fragments are the source
        "Nur hier": "Only here",  # kept: no fragment has it
        "Neu": "New",  # first fragment wins
        "Auch neu": "Also new",
        "Offen": "",
    }
    assert untranslated == ["Offen"]
    assert len(conflicts) == 1 and "Neu" in conflicts[0]


CATALOG = ROOT / "translations/en/LC_MESSAGES/messages.po"


def english_catalog() -> Catalog:
    """The catalog's source (messages.po), not the compiled .mo that may be stale."""
    with CATALOG.open("rb") as f:
        return read_po(f, locale="en")


def translated(string: str | tuple[str, ...] | None) -> bool:
    if isinstance(string, (tuple, list)):
        return bool(string) and all(string)
    return bool(string)


def source_msgids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> set[object]:
    """Every msgid of the code and templates, extracted the way the merge script does it
    (into a temporary .pot: the real one stays untouched)."""
    import scripts.merge_translations as merge_translations

    monkeypatch.setattr(merge_translations, "POT", tmp_path / "messages.pot")
    return {m.id for m in merge_translations.extract() if m.id}


def test_every_msgid_of_the_sources_has_an_english_translation(tmp_path, monkeypatch):
    """Run `make update-translations` (and put English for new strings into a fragment) when
    this fails: it lists the msgids without English."""
    catalog = english_catalog()
    msgids = source_msgids(tmp_path, monkeypatch)
    assert len(msgids) > 500
    missing = sorted(
        str(msgid)
        for msgid in msgids
        if msgid not in catalog or not translated(catalog[msgid].string)
    )
    assert missing == []


def test_the_english_catalog_has_no_untranslated_or_fuzzy_entry():
    catalog = english_catalog()
    untranslated = [str(m.id) for m in catalog if m.id and not translated(m.string)]
    fuzzy = [str(m.id) for m in catalog if m.id and m.fuzzy]
    assert (untranslated, fuzzy) == ([], [])
    assert catalog.num_plurals == 2


def test_the_english_catalog_keeps_placeholders_and_plural_forms():
    for message in english_catalog():
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            assert isinstance(message.string, tuple) and len(message.string) == 2, message.id
            for msgid, msgstr in zip(message.id, message.string, strict=True):
                assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(msgstr)), msgid
        else:
            found = set(PLACEHOLDER.findall(message.string))
            assert set(PLACEHOLDER.findall(message.id)) == found, message.id


def test_the_fragments_agree_and_reproduce_the_catalog():
    """translations/fragments/*.po are the source: no two translate a msgid differently, and
    every translation in the catalog is the one the fragments give."""
    import scripts.merge_translations as merge_translations

    fragments, conflicts = merge_translations.read_fragments()
    assert conflicts == []
    differing = [str(m.id) for m in english_catalog() if m.id and fragments.get(m.id) != m.string]
    assert differing == []


@pytest.mark.parametrize("path", ["/login", "/signup", "/password/forgot", "/privacy", "/"])
def test_english_pages_have_no_german_left_in_the_layout(app, client, path):
    client.post("/language", data={"language": "en", "next": "/"})
    html = client.get(path).get_data(as_text=True)
    # The names of the data-protection officer and the authority are settings, not layout.
    for setting in ("DPO_NAME", "DPO_EMAIL", "SUPERVISORY_AUTHORITY"):
        html = html.replace(app.config[setting], "")
    for german in ("Anmelden", "Registrieren", "Datenschutz", "Zum Inhalt springen", "Sprache"):
        assert german not in html, (path, german)
