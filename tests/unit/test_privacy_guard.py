"""The privacy guard finds a client's name or reference in free text, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from portal.core.privacy_guard import find_client_identity, fold


@dataclass
class Person:
    name: str
    reference: str = "RA-2026-0001"


@pytest.mark.parametrize(
    ("name", "text", "found"),
    [
        ("Jürgen Müller", "Treffen mit Herrn Müller", "Müller"),
        ("Jürgen Müller", "Treffen mit Herrn MUELLER", "MUELLER"),
        ("Jürgen Müller", "treffen mit muller", "muller"),
        ("Jürgen Mueller", "Familie Müller sucht Hilfe", "Müller"),
        ("Jürgen Müller", "Jurgen braucht Hilfe", "Jurgen"),
        ("Jürgen Müller", "Jürgen Müller braucht Hilfe", "Jürgen"),
        ("Ali Hassan", "ALI braucht Hilfe", "ALI"),
        ("Ali Hassan", "Hilfe für ali.", "ali"),
        ("Zoë Çelik", "Termin mit Zoe Celik", "Zoe"),
        ("Ayşe Yılmaz", "Frau yilmaz", "yilmaz"),
        ("Familie Haidari", "Besuch bei HAIDARI", "HAIDARI"),
        ("Omar Al-Hassan", "Treffpunkt bei al-hassan", "hassan"),
        ("مريم", "تعلم مع مريم", "مريم"),
    ],
)
def test_finds_the_name_whatever_its_case_accents_and_umlauts(name, text, found):
    assert find_client_identity(text, Person(name)) == found


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Ali Hassan", "Alina und Alibaba, Hassani"),
        ("Familie Haidari", "Aktivität für die ganze Familie"),
        ("Omar Al-Hassan", "Al Andalus Restaurant"),
        ("Jürgen Müller", "Müllerstraße 3"),
        ("Jürgen Müller", "Begleitung zum Jobcenter"),
        ("Li Wu", "Wunsch nach Lieblingsfarben"),
    ],
)
def test_no_match_inside_other_words_or_on_household_words(name, text):
    assert find_client_identity(text, Person(name)) is None


@pytest.mark.parametrize(
    "text",
    ["Akte RA-2026-0001", "ra-2026-0001", "RA 2026 0001", "RA20260001", "(RA/2026/0001)"],
)
def test_finds_the_clients_reference_in_any_spelling(text, app):
    assert find_client_identity(text, Person("Omar Hassan")) is not None


def test_any_client_reference_is_refused_even_without_a_client(app):
    assert find_client_identity("Siehe Akte RA-2025-0173", None) == "RA-2025-0173"
    assert find_client_identity("Bus RA-Linie 2025", None) is None
    assert find_client_identity("XRA-2025-0173", None) is None


def test_empty_text_or_no_client_name_finds_nothing(app):
    assert find_client_identity("", Person("Ali")) is None
    assert find_client_identity(None, Person("Ali")) is None
    assert find_client_identity("Ali", None) is None


def test_fold_gives_one_spelling():
    assert fold("MÜLLER") == fold("Mueller") == fold("Muller") == fold("müller")
    assert fold("Straße") == fold("STRASSE")
    assert fold("Ali") != fold("Alina")
