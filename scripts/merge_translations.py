"""Merge the translation fragments into the English catalog.

1. Extract every msgid of the project into ``translations/messages.pot``.
2. Update ``translations/en/LC_MESSAGES/messages.po`` from it (new msgids added, vanished ones
   dropped).
3. Set every msgstr from ``translations/fragments/*.po`` (plain msgid/msgstr pairs that each
   domain writes for its own strings; the first fragment in name order wins). The fragments are
   the source: a fragment's translation replaces the catalog's, and a catalog translation that
   no fragment has is kept.
4. Report how many msgids remain untranslated (exit status 0 either way; ``--strict`` makes it
   1 when any remain) and where two fragments translate one msgid differently.
5. Update every other catalog (``translations/<lang>/``: the public pages' languages Arabic,
   Farsi, Ukrainian, Turkish) from the template the same way: new msgids are added empty,
   vanished ones dropped, translations and translators' comments kept. These catalogs are their
   own source (translators edit them directly); they translate the public pages only, and
   ``tests/integration/test_public_languages.py`` names every string a public page shows that
   they lack. Each translation carries the translator comment ``# review: ...`` until a native
   speaker has checked it (REVIEW_NOTE; remove the line when done).

``--extract-only`` stops after step 1 (``make extract-messages``); ``make update-translations``
runs all steps. English for msgids no domain fragment covers goes into
``translations/fragments/zz_completion.po``.

Run it from anywhere: ``python scripts/merge_translations.py``; then ``pybabel compile -d
translations`` (or ``make translations``) builds the .mo files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
FRAGMENTS = TRANSLATIONS / "fragments"
LOCALE = "en"
#: The translator comment on every translation not yet checked by a native speaker.
REVIEW_NOTE = "review: hand-written, needs a native speaker's check"


def extract() -> Catalog:
    """Run ``pybabel extract`` over the project (templates/_macros included: Babel skips
    directories starting with an underscore unless told otherwise)."""
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "--sort-output",
            "--ignore-dirs",
            ".* __pycache__ node_modules",
            "-o",
            str(POT),
            str(ROOT),
        ]
    )
    with POT.open("rb") as f:
        return read_po(f)


def _is_empty(string: str | tuple[str, ...] | None) -> bool:
    if isinstance(string, (tuple, list)):
        return not any(string)
    return not string


def read_fragments() -> tuple[dict[object, object], list[str]]:
    """msgid -> msgstr from every fragment (first fragment wins), plus conflict notes."""
    translations: dict[object, object] = {}
    source: dict[object, str] = {}
    conflicts: list[str] = []
    for path in sorted(FRAGMENTS.glob("*.po")):
        with path.open("rb") as f:
            fragment = read_po(f, locale=LOCALE)
        for message in fragment:
            if not message.id or _is_empty(message.string):
                continue
            if message.id in translations:
                if translations[message.id] != message.string:
                    conflicts.append(
                        f"{path.name}: {message.id!r} differs from {source[message.id]};"
                        f" kept the translation of {source[message.id]}"
                    )
                continue
            translations[message.id] = message.string
            source[message.id] = path.name
    return translations, conflicts


def merge(template: Catalog) -> tuple[Catalog, list[str], list[str]]:
    po_path = TRANSLATIONS / LOCALE / "LC_MESSAGES" / "messages.po"
    if po_path.exists():
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=LOCALE)
    else:
        po_path.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(locale=LOCALE)
    catalog.update(template, no_fuzzy_matching=True)
    fragments, conflicts = read_fragments()
    untranslated: list[str] = []
    for message in catalog:
        if not message.id:
            continue
        # The fragments are the source: their translation replaces whatever the catalog had.
        if message.id in fragments:
            message.string = fragments[message.id]
        if message.fuzzy and not _is_empty(message.string):
            message.flags.discard("fuzzy")
        if _is_empty(message.string):
            untranslated.append(str(message.id))
    with po_path.open("wb") as f:
        write_po(f, catalog, ignore_obsolete=True, width=100)
    return catalog, untranslated, conflicts


def other_locales() -> list[str]:
    return sorted(
        path.name
        for path in TRANSLATIONS.iterdir()
        if path.is_dir()
        and path.name not in {LOCALE, FRAGMENTS.name}
        and (path / "LC_MESSAGES" / "messages.po").exists()
    )


def update_other(locale: str, template: Catalog) -> tuple[int, int]:
    """Bring one public-page catalog in line with the template: (translated, awaiting review)."""
    po_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as f:
        catalog = read_po(f, locale=locale)
    catalog.update(template, no_fuzzy_matching=True)
    with po_path.open("wb") as f:
        write_po(f, catalog, ignore_obsolete=True, width=100)
    done = [m for m in catalog if m.id and not _is_empty(m.string)]
    return len(done), sum(1 for m in done if REVIEW_NOTE in m.user_comments)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="fail if msgids stay untranslated")
    parser.add_argument("--list", action="store_true", help="print the untranslated msgids")
    parser.add_argument(
        "--extract-only", action="store_true", help=f"only write {POT.relative_to(ROOT)}"
    )
    args = parser.parse_args(argv)

    template = extract()
    if args.extract_only:
        print(f"{sum(1 for m in template if m.id)} msgids extracted to {POT.relative_to(ROOT)}")
        return 0
    catalog, untranslated, conflicts = merge(template)
    total = sum(1 for m in catalog if m.id)
    for note in conflicts:
        print(f"conflict: {note}", file=sys.stderr)
    done = total - len(untranslated)
    print(f"{total} msgids, {done} translated, {len(untranslated)} untranslated")
    for locale in other_locales():
        translated, to_review = update_other(locale, template)
        print(f"{locale}: {translated} translated (public pages), {to_review} awaiting review")
    if args.list:
        for msgid in untranslated:
            print(f"  {msgid}")
    return 1 if args.strict and untranslated else 0


if __name__ == "__main__":
    sys.exit(main())
