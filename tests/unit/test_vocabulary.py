"""One vocabulary: every code that people see is labelled in one place, the registry
(portal/core/labels.py); docs/glossary.md lists the same German and English terms; the German is
gender-fair in one form; dates, times and durations have one format each.

The scans read the sources (Python through its syntax tree, templates through Jinja's), so they
do not depend on formatting, and they are deterministic. They fail on the kinds of duplicates the
portal used to have: a dict of status labels inline in a template (``{"active": _("aktiv"),
...}[status]``), a choice list of codes with their own texts (``SelectChoice(ONCE,
_l("einmalig"))``), a label table a view passes to a template (``status_labels=...``), a label
written by hand (``_("abgeschlossen")``) or translated from the stored value (``_(m.kind)``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_file
from babel.support import Translations
from jinja2 import Environment, nodes

import portal.models
from portal.core.labels import REGISTRY, source_text
from portal.needs.models import CalendarFeedToken
from portal.volunteers.decisions import ACTION_LABELS
from portal.volunteers.models import VolunteerEvent
from tests.conftest import ROOT

REGISTRY_FILE = ROOT / "portal/core/labels.py"
GLOSSARY = ROOT / "docs/glossary.md"
MO_FILE = ROOT / "translations/en/LC_MESSAGES/messages.mo"
GETTEXT = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext"}
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}


# --- the sources ------------------------------------------------------------------------------


def python_files() -> list[Path]:
    return sorted(p for p in (ROOT / "portal").rglob("*.py") if "__pycache__" not in p.parts)


def template_files() -> list[Path]:
    return sorted(p for p in (ROOT / "templates").rglob("*") if p.suffix in (".html", ".txt"))


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


@cache
def jinja() -> Environment:
    return Environment(autoescape=True, extensions=["jinja2.ext.do", "jinja2.ext.i18n"])


@cache
def template_tree(path: Path) -> nodes.Template:
    return jinja().parse(path.read_text(encoding="utf-8"))


def msgids(path: Path) -> Iterator[tuple[int, str]]:
    """(line, msgid) of every gettext call of a file, extracted as the catalog extracts them."""
    if path.suffix == ".py":
        found = extract_from_file("python", str(path), keywords=KEYWORDS)
    else:
        found = extract_from_file(
            "jinja2", str(path), keywords=KEYWORDS, options={"extensions": "jinja2.ext.do"}
        )
    for line, message, _comments, _context in found:
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                yield line, text


# --- the registry, the English catalog and the glossary ----------------------------------------


@cache
def english() -> Translations:
    assert MO_FILE.exists(), "compile the catalog first: make translations"
    return Translations.load(str(ROOT / "translations"), ["en"])


def english_of(text: Any) -> str:
    """The English of a registry label (labels that are not msgids, such as the names of the UI
    languages, are the same in every language)."""
    return english().gettext(source_text(text)) if hasattr(text, "_args") else str(text)


def registry_msgids() -> dict[str, list[tuple[str, Any]]]:
    """German label -> the (kind, code) pairs it labels."""
    found: dict[str, list[tuple[str, Any]]] = {}
    for kind, labels in REGISTRY.items():
        for code, text in labels.items():
            if hasattr(text, "_args"):
                found.setdefault(source_text(text), []).append((kind, code))
    return found


def codes() -> set[Any]:
    """Every code of the registry and every decision of the coordination (buttons)."""
    return {code for labels in REGISTRY.values() for code in labels if code != ""} | set(
        ACTION_LABELS
    )


Row = tuple[str, str, str]


@cache
def glossary() -> dict[str, list[Row]]:
    """The tables of docs/glossary.md: "terms" (domain terms) and one per registry kind."""
    tables: dict[str, list[Row]] = {}
    section: str | None = None
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^#{2,3} (.*)$", line)
        if heading:
            title = heading.group(1)
            kind = re.fullmatch(r"`(\w+)`", title)
            section = kind.group(1) if kind else ("terms" if "Fachbegriffe" in title else None)
            continue
        if section is None or not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[:3] == ["German term", "English term", "code name"] or set(line) <= set("|-"):
            continue
        assert len(cells) == 3, f"a glossary row needs three cells: {line}"
        tables.setdefault(section, []).append((cells[0], cells[1], cells[2]))
    return tables


def code_cell(cell: str) -> str:
    match = re.fullmatch(r"`([^`]*)`", cell)
    assert match, f"a code name is written as `code`: {cell}"
    return "" if match.group(1) == '""' else match.group(1)


def test_the_glossary_has_a_table_for_every_kind_of_the_registry():
    assert set(glossary()) == {"terms", *REGISTRY}


@pytest.mark.parametrize("kind", list(REGISTRY))
def test_the_glossary_lists_each_code_with_the_registry_and_the_english_catalog(kind):
    listed = {code_cell(code): (de, en) for de, en, code in glossary()[kind]}
    assert len(listed) == len(glossary()[kind]), f"a code of {kind} is listed twice"
    expected = {
        str(code): (source_text(text), english_of(text)) for code, text in REGISTRY[kind].items()
    }
    assert listed == expected


@pytest.mark.parametrize("kind", list(REGISTRY))
def test_within_a_kind_every_code_has_its_own_label_in_both_languages(kind):
    labels = REGISTRY[kind]
    german = [source_text(text) for text in labels.values()]
    english_labels = [english_of(text) for text in labels.values()]
    assert len(set(german)) == len(german)
    assert len(set(english_labels)) == len(english_labels)
    assert all(german) and all(english_labels)


def test_the_registry_source_labels_no_code_twice():
    """A dict literal with a repeated key keeps the last label silently."""
    tree = ast.parse(REGISTRY_FILE.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [ast.unparse(k) for k in node.keys if k is not None]
            assert len(keys) == len(set(keys)), f"line {node.lineno}: a code labelled twice"


def _resolve(name: str) -> Any:
    namespace = {n: getattr(portal.models, n) for n in portal.models.__all__}
    namespace |= {"VolunteerEvent": VolunteerEvent, "CalendarFeedToken": CalendarFeedToken}
    first, *rest = name.split(".")
    if first in namespace:
        target: Any = namespace[first]
    elif first == "portal":
        target = import_module("portal")
    else:
        target = import_module(f"portal.{first}")
        while rest and not hasattr(target, rest[0]):
            target = import_module(f"{target.__name__}.{rest.pop(0)}")
    for part in rest:
        target = getattr(target, part)
    return target


def test_every_domain_term_names_where_it_lives_in_the_code():
    terms = glossary()["terms"]
    assert len(terms) > 40
    for german, english_term, code in terms:
        assert german and english_term, code
        for name in re.findall(r"`([^`]+)`", code) or [code]:
            assert _resolve(name) is not None, f"{german}: {name} does not exist"


def test_domain_terms_that_the_ui_shows_have_the_ui_english():
    catalog = english()._catalog  # type: ignore[attr-defined]
    for german, english_term, _code in glossary()["terms"]:
        if german in catalog:
            assert english_term == catalog[german], german


def test_the_gender_fair_forms_are_glossary_terms():
    german = {row[0] for row in glossary()["terms"]}
    assert {
        "Ehrenamtliche",
        "Klientin oder Klient",
        "Klientinnen und Klienten",
        "Integrationsmanagement",
        "Integrationsmanagerin oder Integrationsmanager",
        "Integrationsmanagerinnen und Integrationsmanager",
        "Koordination",
        "Koordinatorinnen und Koordinatoren",
    } <= german


# --- no label of a code anywhere but in the registry -------------------------------------------


def _code_of(node: ast.AST) -> Any:
    """The code a key stands for: a literal, or a constant's name (ONCE, NeedStatus.DRAFT)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int)):
        return node.value
    if isinstance(node, ast.Name):
        return node.id.lower()
    if isinstance(node, ast.Attribute):
        return node.attr.lower()
    return None


def _is_gettext(node: ast.AST | None) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in GETTEXT
    )


def python_label_tables(path: Path) -> list[str]:
    """code -> translated text pairs in dicts, tuples and SelectChoice(...) of a Python file;
    gettext of something that is not a literal (a stored value translated on the fly)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed: set[int] = set()
    if path == ROOT / "portal/volunteers/decisions.py":
        for node in ast.walk(tree):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else []
            targets += node.targets if isinstance(node, ast.Assign) else []
            if any(isinstance(t, ast.Name) and t.id == "ACTION_LABELS" for t in targets):
                allowed.add(id(node.value))  # type: ignore[attr-defined]
    known = codes()
    found: list[str] = []
    for node in ast.walk(tree):
        pairs: list[tuple[ast.AST, ast.AST]] = []
        if isinstance(node, ast.Dict) and id(node) not in allowed:
            pairs = [(k, v) for k, v in zip(node.keys, node.values, strict=True) if k is not None]
        elif isinstance(node, ast.Tuple) and len(node.elts) == 2:
            pairs = [(node.elts[0], node.elts[1])]
        elif isinstance(node, ast.Call) and len(node.args) >= 2:
            pairs = [(node.args[0], node.args[1])]
        for key, value in pairs:
            code = _code_of(key)
            if code != "" and code in known and _is_gettext(value):
                found.append(f"{rel(path)}:{node.lineno}: {code!r} labelled here")
        if _is_gettext(node) and not (
            node.args and isinstance(node.args[0], ast.Constant)  # type: ignore[attr-defined]
        ):
            found.append(f"{rel(path)}:{node.lineno}: gettext of a value, not of a text")
    return found


def _jinja_gettext(node: nodes.Node) -> bool:
    return (
        isinstance(node, nodes.Call)
        and isinstance(node.node, nodes.Name)
        and node.node.name in GETTEXT
    )


OPTION = re.compile(r'<option\s+value="([^"{}]*)"[^>]*>(.*?)</option>', re.S)


def template_label_tables(path: Path) -> list[str]:
    """Inline label dicts, gettext of a value, and <option>s of a code with their own text."""
    known = {str(code) for code in codes()}
    found: list[str] = []
    for node in template_tree(path).find_all((nodes.Dict, nodes.Call)):
        if isinstance(node, nodes.Dict):
            for pair in node.items:
                if (
                    isinstance(pair.key, nodes.Const)
                    and str(pair.key.value) in known
                    and _jinja_gettext(pair.value)
                ):
                    found.append(f"{rel(path)}:{node.lineno}: {pair.key.value!r} labelled here")
        elif _jinja_gettext(node) and not (node.args and isinstance(node.args[0], nodes.Const)):
            found.append(f"{rel(path)}:{node.lineno}: gettext of a value, not of a text")
    for value, content in OPTION.findall(path.read_text(encoding="utf-8")):
        if value in known and "|label(" not in content.replace(" ", ""):
            found.append(f"{rel(path)}: <option value={value!r}> labelled by hand")
    return found


def test_no_code_is_labelled_outside_the_registry():
    found = [
        *(f for path in python_files() if path != REGISTRY_FILE for f in python_label_tables(path)),
        *(f for path in template_files() for f in template_label_tables(path)),
    ]
    assert found == []


def test_the_scan_finds_the_duplicates_the_portal_used_to_have(tmp_path):
    """The scan itself, on the kinds of duplicates this test exists for."""
    page = tmp_path / "page.html"
    page.write_text(
        '{{ {"active": _("läuft"), "completed": _("abgeschlossen")}[a.status] }}\n'
        "{{ _(m.kind) }}\n"
        '<select><option value="closed">{{ _("abgeschlossen") }}</option></select>\n',
        encoding="utf-8",
    )
    module = tmp_path / "forms.py"
    module.write_text(
        "KINDS = [SelectChoice(ONCE, _l('einmalig')), SelectChoice(WEEKLY, _l('wöchentlich'))]\n"
        "STATUS = {NeedStatus.DRAFT: _l('Entwurf'), 'approve': _l('Freigeben')}\n"
        "PAIRS = [('tutoring', _l('Nachhilfe')), (3, _l('Donnerstag'))]\n",
        encoding="utf-8",
    )
    assert len(template_label_tables(page)) == 4
    assert len(python_label_tables(module)) == 6
    # a status written by hand next to a comparison, and the old inline tables' texts
    status = tmp_path / "status.html"
    status.write_text(
        '{% if a.status == "completed" %}{{ _("abgeschlossen") }}{% endif %}'
        '{{ _("Sprache") }}',  # a domain term (a heading): allowed
        encoding="utf-8",
    )
    assert [f.split(": ", 1)[1][:15] for f in hand_written_labels([status])] == ["'abgeschlossen'"]
    # abgeschlossen (dict and option), Entwurf, wöchentlich, Donnerstag
    assert len(hand_written_labels([page, module])) == 5


# The same words are domain terms in their own right (headings, field labels): allowed when the
# glossary lists them as domain terms. Any other registry label written by hand is a duplicate.
def hand_written_labels(paths: list[Path]) -> list[str]:
    labels = registry_msgids()
    terms = {row[0] for row in glossary()["terms"]}
    return [
        f"{rel(path)}:{line}: {text!r} is the label of {labels[text]}"
        for path in paths
        if path != REGISTRY_FILE
        for line, text in msgids(path)
        if text in labels and text not in terms
    ]


def test_no_registry_label_is_written_by_hand():
    assert hand_written_labels([*python_files(), *template_files()]) == []


ALLOWED_LABEL_VARIABLES = {
    "action_labels",  # the coordination's buttons (decisions.ACTION_LABELS)
}


def test_views_pass_no_label_tables_and_templates_use_none():
    found: list[str] = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.keyword)
                and node.arg
                and node.arg.endswith("_labels")
                and node.arg not in ALLOWED_LABEL_VARIABLES
            ):
                found.append(f"{rel(path)}:{node.value.lineno}: {node.arg}")
            if isinstance(node, ast.Dict):
                for key in node.keys:
                    if isinstance(key, ast.Constant) and str(key.value).endswith("_labels"):
                        found.append(f"{rel(path)}:{node.lineno}: {key.value}")
    for path in template_files():
        for name in template_tree(path).find_all(nodes.Name):
            if name.name.endswith("_labels") and name.name not in ALLOWED_LABEL_VARIABLES:
                found.append(f"{rel(path)}:{name.lineno}: {name.name}")
    assert found == []


def test_no_template_wraps_the_label_filter_in_a_macro():
    for path in template_files():
        for macro in template_tree(path).find_all(nodes.Macro):
            assert not macro.name.endswith("_name"), f"{rel(path)}: macro {macro.name}"


# --- gender-fair German, one form ---------------------------------------------------------------

FORBIDDEN = [
    re.compile(r"\w/(?:r|e|n|m|in|innen)\b"),  # Ehrenamtliche/r, Klient/in, ein/e, einer/m
    re.compile(r"\w[*:_]innen\b"),
    re.compile(r"[a-zäöüß]Innen\b"),
    re.compile(r"\((?:in|innen|r)\)"),
    re.compile(r"\bEhrenamtlicher\b"),
    re.compile(r"\s-manager"),  # Integrationsmanagerinnen und -manager
    re.compile(r"\b(?:Ansprechpartner|Mitarbeiter|Benutzer|Nutzer|Teilnehmer|Bewerber)\w*"),
]
# Masculine forms only inside the pair form ("Klientin oder Klient", "Koordinatorinnen und
# Koordinatoren").
PAIRS = [
    (
        re.compile(r"Klientin(?:nen)? (?:oder|und) (?:de[mnr] |diese[mnr]? )?Klient(?:en)?\b"),
        re.compile(r"\bKlient(?:en)?\b"),
    ),
    (
        re.compile(r"Integrationsmanagerin(?:nen)? (?:oder|und) Integrationsmanager(?:n)?\b"),
        re.compile(r"\bIntegrationsmanager(?:n)?\b"),
    ),
    (
        re.compile(r"Koordinatorin(?:nen)? (?:oder|und) Koordinator(?:en)?\b"),
        re.compile(r"\bKoordinator(?:en)?\b"),
    ),
]


def gender_problems(text: str) -> list[str]:
    problems = [m.group(0) for pattern in FORBIDDEN for m in pattern.finditer(text)]
    for pair, masculine in PAIRS:
        problems += masculine.findall(pair.sub("", text))
    return problems


def test_the_gender_rule_itself():
    assert gender_problems("Als Ehrenamtliche/r bewerben") == ["e/r"]
    assert gender_problems("Klient/in anlegen")
    assert gender_problems("Soll ein/e Ehrenamtliche helfen")
    assert gender_problems("die Integrationsmanagerinnen und -manager")
    assert gender_problems("der Klient wird informiert") == ["Klient"]
    assert gender_problems("jede*r Koordinator:in")
    assert gender_problems("Klientinnen und Klienten; Klientin oder Klient") == []
    assert gender_problems("diese Klientin oder diesen Klienten") == []
    assert gender_problems("Integrationsmanagerin oder Integrationsmanager") == []
    assert gender_problems("Koordinatorinnen und Koordinatoren, Ansprechperson") == []


def test_german_is_gender_fair_in_one_form():
    found = [
        f"{rel(path)}:{line}: {problems} in {text!r}"
        for path in [*python_files(), *template_files()]
        for line, text in msgids(path)
        if (problems := gender_problems(text))
    ]
    assert found == []


# --- one way to show dates, times and durations ----------------------------------------------

OLD_DATE_FORMATTING = re.compile(
    r"local_dt|local_date|strftime|format_date|format_datetime|format_time|%02d/|%d/%"
)


def test_templates_format_dates_and_times_only_with_the_core_filters():
    found = [
        f"{rel(path)}: {match.group(0)}"
        for path in template_files()
        for match in OLD_DATE_FORMATTING.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_python_formats_dates_only_in_the_formatting_module():
    found: list[str] = []
    for path in python_files():
        if path == ROOT / "portal/core/formatting.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in ("flask_babel", "babel.dates"):
                names = {alias.name for alias in node.names}
                if names & {"format_date", "format_datetime", "format_time", "format_timedelta"}:
                    found.append(f"{rel(path)}:{node.lineno}")
            if isinstance(node, ast.Attribute) and node.attr == "strftime":
                found.append(f"{rel(path)}:{node.lineno}: strftime")
    assert found == []


def _minutes_outside_hours(node: nodes.Node, inside: bool = False) -> Iterator[int]:
    if isinstance(node, nodes.Filter) and node.name in ("hours", "hours_number"):
        inside = True
    shown = (isinstance(node, nodes.Getattr) and node.attr in ("minutes", "duration_minutes")) or (
        isinstance(node, nodes.Name) and node.name == "minutes" and node.ctx == "load"
    )
    if shown and not inside:
        yield node.lineno
    for child in node.iter_child_nodes():
        yield from _minutes_outside_hours(child, inside)


def test_durations_are_shown_in_hours():
    found = [
        f"{rel(path)}:{line}"
        for path in template_files()
        for line in _minutes_outside_hours(template_tree(path))
    ]
    assert found == []
    minutes = [
        f"{rel(path)}:{line}: {text!r}"
        for path in [*python_files(), *template_files()]
        for line, text in msgids(path)
        if re.search(r"\bMin(?:uten|\.)", text)
        and "einige Minuten" not in text
        and "einigen Minuten" not in text
        and "wenigen Minuten" not in text  # waiting times, not durations of work
        and "endet Ihre Anmeldung" not in text  # the idle sign-out countdown
    ]
    assert minutes == []
