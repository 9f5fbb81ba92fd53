"""Browser: the public pages in their six languages. Arabic and Farsi are laid out right to left
(the header, the navigation, the skip link, form fields mirror), and axe finds no serious or
critical violation on any public page in any language, with a form's error state included."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portal.core.labels import REGISTRY
from portal.core.time import today_local
from portal.extensions import db
from tests import factories
from tests import factories_consultations as fc
from tests.e2e.test_accessibility import PHONE, serious_violations

pytestmark = pytest.mark.e2e

LANGUAGES = ["de", "en", "ar", "fa", "uk", "tr"]
PUBLIC = [
    "/",
    "/login",
    "/signup",
    "/volunteer/signup",
    "/password/forgot",
    "/privacy",
    "/imprint",
    "/accessibility",
    "/easy-read",
    "/password/reset/kaputt",
    "/gibt-es-nicht",
]


@pytest.fixture
def county(app) -> list[str]:
    """The demo county with consultation hours in Gaggenau (one date cancelled, one moved);
    the public pages to check, the consultation pages included."""
    refs = factories.reference_data()
    gaggenau = refs["Gaggenau"]
    room = fc.place(gaggenau, "Rathaus Gaggenau, Zimmer 12", address="Hauptstraße 71")
    hall = fc.place(gaggenau, "Rathaus Gaggenau, Sitzungssaal", address="Hauptstraße 71")
    today = today_local()
    hours = fc.hours(room, None, today.weekday(), today, languages=("de", "ar", "fa", "uk"))
    fc.hours(
        room,
        None,
        (today.weekday() + 1) % 7,
        today,
        booking="appointment",
        slot_minutes=20,
        languages=("tr",),
    )
    fc.exception(hours, today + timedelta(days=7), note="Urlaub")
    fc.exception(hours, today + timedelta(days=14), kind="moved", place_=hall)
    db.session.commit()
    return [*PUBLIC, "/consultation-hours/", f"/consultation-hours/{gaggenau.id}"]


def choose(page: Page, language: str) -> None:
    """Pick a language with the switch, by its own name."""
    page.goto("/login")
    page.locator("#language-switch").get_by_role(
        "button", name=REGISTRY["public_language"][language], exact=True
    ).click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def box(page: Page, selector: str) -> dict[str, Any]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return dict(found)


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_arabic_and_farsi_pages_are_mirrored(page, county, language):
    choose(page, language)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    width = page.viewport_size["width"]
    row, brand, account = (
        box(page, ".header-row"),
        box(page, ".brand"),
        box(page, ".account-public"),
    )
    # the brand starts at the right, the account's links follow to its left
    assert brand["x"] > account["x"]
    assert row["x"] + row["width"] - (brand["x"] + brand["width"]) < 20
    first, second = box(page, ".account-public a >> nth=0"), box(page, ".account-public a >> nth=1")
    assert first["x"] > second["x"]
    legal = page.locator(".legal-nav a")
    assert legal.nth(0).bounding_box()["x"] > legal.nth(1).bounding_box()["x"]  # type: ignore[index]
    # the skip link appears at the right edge when focused
    page.keyboard.press("Tab")
    skip = box(page, ".skip-link")
    assert skip["x"] + skip["width"] > width - 5
    # form fields: the label and the field start at the right
    page.goto("/login")
    label, field = box(page, "label[for=email]"), box(page, "#email")
    assert abs((label["x"] + label["width"]) - (field["x"] + field["width"])) < 2


def test_german_pages_stay_left_to_right(page, county):
    page.goto("/")
    expect(page.locator("html")).not_to_have_attribute("dir", "rtl")
    first, second = box(page, ".account-public a >> nth=0"), box(page, ".account-public a >> nth=1")
    assert first["x"] < second["x"]
    assert box(page, ".brand")["x"] < box(page, ".account-public")["x"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_have_no_serious_violations_in_every_language(page, county, language):
    choose(page, language)
    failures = {}
    for path in county:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        found = serious_violations(page)
        if found:
            failures[path] = found
    # the error states of the forms
    for path, button in [("/login", 0), ("/volunteer/signup", 0), ("/accessibility", 0)]:
        page.goto(path)
        page.locator("main form[novalidate] button[type=submit]").nth(button).click()
        expect(page.locator(".error-summary")).to_be_visible()
        found = serious_violations(page)
        if found:
            failures[f"{path} (errors)"] = found
    assert failures == {}


@pytest.mark.parametrize("language", ["ar", "fa", "uk", "tr"])
def test_public_pages_fit_a_phone_in_every_language(page, county, language):
    page.set_viewport_size(PHONE)
    choose(page, language)
    for path in county:
        page.goto(path)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], path


def test_the_header_leads_to_the_language_switch_by_the_languages_own_names(page, county):
    page.goto("/")
    link = page.locator(".language-link")
    expect(link.locator('[lang="ar"]')).to_have_text("العربية")
    link.click()
    expect(page.locator("#language-switch")).to_be_in_viewport()
    page.locator("#language-switch").get_by_role("button", name="Українська").click()
    expect(page.locator("h1")).to_have_text(
        "Облаштовуємося разом: волонтерство в інтеграційній роботі"
    )
