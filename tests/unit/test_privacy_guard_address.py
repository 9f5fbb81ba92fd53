"""The client's street address and phone number are found in a text; a street alone is not."""

from __future__ import annotations

import pytest

from portal.core.privacy_guard import find_client_address

CONTACT = "Hauptstraße 12a, 76571 Gaggenau, Tel. 0151 2345678"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Treffen in der Hauptstraße 12a", "Hauptstraße 12a"),
        ("treffen: hauptstrasse 12 a", "hauptstrasse 12 a"),
        ("Hauptstr. 12a, zweiter Stock", "Hauptstr. 12a"),
        ("Ruf an: 0151 2345678", "0151 2345678"),
        ("Ruf an: 0151/2345678", "0151/2345678"),
    ],
)
def test_the_address_or_phone_is_found(text, found):
    assert find_client_address(text, CONTACT) == found


@pytest.mark.parametrize(
    "text",
    [
        "Treffpunkt Hauptstraße vor der Bäckerei",
        "Hauptstraße 14",
        "Lindenweg 12a",
        "Um 12 Uhr am Bahnhof",
        "Tel. 0151 9999999",
        "",
    ],
)
def test_other_places_and_numbers_pass(text):
    assert find_client_address(text, CONTACT) is None


def test_without_a_contact_nothing_is_found():
    assert find_client_address("Hauptstraße 12a", "") is None
