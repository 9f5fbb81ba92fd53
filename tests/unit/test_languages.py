"""Volunteers, clients and needs speak of languages with the same codes, so they match."""

from __future__ import annotations

from portal.core.labels import LANGUAGES, REGISTRY
from portal.volunteers import profiles


def test_one_language_list_serves_every_domain():
    assert REGISTRY["language"] is LANGUAGES
    assert profiles.LANGUAGES is LANGUAGES


def test_codes_are_iso_639_as_the_issue_lists_them():
    assert set(LANGUAGES) == {
        "de", "ar", "prs", "fa", "kmr", "ps", "ti", "so", "tr", "uk", "ru", "en", "fr",
        "es", "zh", "sq", "hr", "ro", "cs",
    }  # fmt: skip
