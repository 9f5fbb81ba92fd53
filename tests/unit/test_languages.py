"""Volunteers, clients and needs speak of languages with the same codes, so they match."""

from __future__ import annotations

from portal.board import forms as board_forms
from portal.core.languages import LANGUAGES
from portal.plans import labels
from portal.volunteers import services as volunteer_services


def test_one_language_list_serves_every_domain():
    assert labels.KINDS["language"] is LANGUAGES
    assert volunteer_services.LANGUAGES is LANGUAGES
    assert board_forms.LANGUAGES is LANGUAGES


def test_codes_are_iso_639_as_the_issue_lists_them():
    assert set(LANGUAGES) == {
        "de", "ar", "prs", "fa", "kmr", "ps", "ti", "so", "tr", "uk", "ru", "en", "fr",
    }  # fmt: skip
