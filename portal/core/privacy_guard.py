"""Keep a client's identity out of the free text that volunteers see.

A manager writes a need's title, description and meeting point for volunteers; the same holds for
any later text a volunteer reads (messages on a task, e-mails). `find_client_identity` says
whether such a text names the client (first name, surname or full name) or carries a client
reference; `identity_errors` turns that into one message per field, for any service to raise.

Matching is on whole words, ignoring case and accents: "MÜLLER", "Mueller" and "Muller" all
name "Müller", "ALI" names "Ali", but "Alina" does not. Words such as "Familie" or "al" in a
client's name ("Familie Haidari", "Al-Hassan") identify nobody and are not matched alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Protocol

from flask import current_app, has_app_context
from flask_babel import gettext as _

#: Letters that accent stripping (NFKD) leaves alone or folds wrongly.
_FOLD = str.maketrans(
    {"ß": "ss", "ẞ": "ss", "ı": "i", "ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th"}
)
#: Umlauts written out (Müller → Mueller) and umlauts dropped (Muller) become one form.
_UMLAUT_PAIRS = re.compile(r"ae|oe|ue")
_WORD = re.compile(r"[^\W_]+")
#: Words in a name that identify nobody on their own: household words, titles and particles.
NOT_IDENTIFYING = frozenset(
    {
        "familie", "family", "fam", "haushalt", "household", "herr", "frau", "hr", "fr", "mr",
        "mrs", "ms", "dr", "und", "and", "u", "von", "van", "vom", "zu", "der", "den", "de",
        "del", "da", "di", "du", "la", "le", "al", "el", "ul", "bin", "ben", "ibn", "abu",
        "bint", "kinder", "children",
    }
)  # fmt: skip


class HasIdentity(Protocol):
    """What identifies a client: the name (managers only) and the pseudonymous reference."""

    name: str
    reference: str


def fold(word: str) -> str:
    """One spelling for a word, whatever its case, accents and way of writing umlauts."""
    text = unicodedata.normalize("NFKC", word).casefold().translate(_FOLD)
    # the German umlauts first, so that "ü" and "ue" meet
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = "".join(
        c
        for c in unicodedata.normalize("NFKD", text)
        if not unicodedata.combining(c)  # an accent, or a decomposed umlaut's dots
    )
    return _UMLAUT_PAIRS.sub(lambda m: m.group(0)[0], text)


def name_words(name: str) -> set[str]:
    """The words of a name that identify its bearer, folded."""
    words = {fold(w) for w in _WORD.findall(name)}
    return {w for w in words if len(w) >= 2 and w not in NOT_IDENTIFYING and not w.isdigit()}


def reference_pattern(prefix: str | None = None) -> re.Pattern[str]:
    """Any client reference (RA-2026-0173, also "ra 2026 0173" or "RA20260173")."""
    if prefix is None:
        prefix = current_app.config["COUNTY_REFERENCE_PREFIX"] if has_app_context() else "RA"
    return re.compile(
        rf"(?<![^\W_]){re.escape(prefix)}[\s_/.-]?\d{{4}}[\s_/.-]?\d{{3,6}}(?![^\W_])",
        re.IGNORECASE,
    )


def _own_reference_pattern(reference: str) -> re.Pattern[str] | None:
    parts = _WORD.findall(reference)
    if not parts:
        return None
    joined = r"[\s_/.-]?".join(re.escape(p) for p in parts)
    return re.compile(rf"(?<![^\W_]){joined}(?![^\W_])", re.IGNORECASE)


def find_client_identity(text: str | None, client: HasIdentity | None) -> str | None:
    """The words of ``text`` that name ``client`` or give a client reference (as written in
    ``text``), or None when the text identifies nobody. Without a client only references
    are looked for."""
    if not text:
        return None
    patterns = [reference_pattern()]
    own = _own_reference_pattern(client.reference) if client and client.reference else None
    if own is not None:
        patterns.insert(0, own)
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return match.group(0)
    names = name_words(client.name) if client and client.name else set()
    if not names:
        return None
    for match in _WORD.finditer(text):
        if fold(match.group(0)) in names:
            return match.group(0)
    return None


def identity_errors(
    texts: Mapping[str, tuple[str, str | None]], client: HasIdentity | None
) -> dict[str, str]:
    """One message per field whose text identifies ``client``. ``texts`` maps a field name to
    (the field's label as the form shows it, its text)."""
    errors: dict[str, str] = {}
    for field, (label, text) in texts.items():
        found = find_client_identity(text, client)
        if found is not None:
            errors[field] = _(
                "„%(field)s“ enthält „%(found)s“ – das verrät, um wen es geht. Ehrenamtliche "
                "sehen dieses Feld; bitte schreiben Sie es ohne Namen und ohne Aktenzeichen.",
                field=label,
                found=found,
            )
    return errors


# --- the client's address and phone (messages and announcements) ------------------------------

_STREET = re.compile(
    r"([^\W\d_][\w.'-]*?(?:straße|strasse|str\.|weg|platz|gasse|allee|ring|damm|ufer|steig|pfad|"
    r"hof|berg|feld|markt))\s*(\d+\s*[a-z]?)(?![\w])",
    re.IGNORECASE,
)
_PHONE = re.compile(r"\+?\d[\d /-]{5,}\d")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def find_client_address(text: str | None, contact: str | None) -> str | None:
    """The words of ``text`` that give the street and house number or a phone number of the
    client's ``contact`` (as written in ``text``), else None. A street alone (a meeting point
    "Bahnhofstraße") is fine; with the client's house number it is their address."""
    if not text or not contact:
        return None
    for match in _STREET.finditer(contact):
        street, number = fold(match.group(1)).rstrip("."), fold(match.group(2)).replace(" ", "")
        street = street.replace("strasse", "str").replace("straße", "str")
        for found in _STREET.finditer(text):
            candidate = fold(found.group(1)).rstrip(".").replace("strasse", "str")
            if candidate == street and fold(found.group(2)).replace(" ", "") == number:
                return found.group(0)
    phones = {_digits(p) for p in _PHONE.findall(contact)}
    for found in _PHONE.finditer(text):
        if _digits(found.group(0)) in phones:
            return found.group(0)
    return None


def address_errors(
    texts: Mapping[str, tuple[str, str | None]], contact: str | None
) -> dict[str, str]:
    """One message per field whose text gives the client's address or phone number."""
    errors: dict[str, str] = {}
    for field, (label, text) in texts.items():
        found = find_client_address(text, contact)
        if found is not None:
            errors[field] = _(
                "„%(field)s“ enthält „%(found)s“ – das ist die Anschrift oder Telefonnummer der "
                "begleiteten Person. Bitte schreiben Sie es ohne diese Angaben.",
                field=label,
                found=found,
            )
    return errors
