"""Browser: the legal pages have no serious or critical axe violations in German and English,
fit a phone, and each is reached by a click in the footer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from tests import factories
from tests.e2e.test_accessibility import PHONE, serious_violations

pytestmark = pytest.mark.e2e

LEGAL = ["/privacy", "/imprint", "/accessibility", "/easy-read"]
FOOTER_LINKS = {
    "de": {
        "Datenschutz": "/privacy",
        "Impressum": "/imprint",
        "Barrierefreiheit": "/accessibility",
        "Leichte Sprache": "/easy-read",
    },
    "en": {
        "Privacy": "/privacy",
        "Imprint": "/imprint",
        "Accessibility": "/accessibility",
        "Easy read": "/easy-read",
    },
}


def choose(page: Page, language: str) -> None:
    page.goto("/")
    if language == "en":
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def sign_in(page: Page, email: str, lands_on: str) -> None:
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(lands_on))


@pytest.fixture
def admin(app) -> str:
    user = factories.admin(email="admin@example.org", name="Anna Admin")
    user.privacy_version = ""  # has not yet acknowledged the notice
    db.session.commit()
    return user.email


@pytest.mark.parametrize("language", ["de", "en"])
def test_legal_pages_have_no_serious_violations(page, language):
    choose(page, language)
    for path in LEGAL:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert serious_violations(page) == [], path
    # The feedback form's error state too.
    page.goto("/accessibility")
    page.locator("#feedback ~ form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert serious_violations(page) == []


@pytest.mark.parametrize("language", ["de", "en"])
def test_acknowledgement_and_records_have_no_serious_violations(page, admin, language):
    choose(page, language)
    sign_in(page, admin, r"/privacy/acknowledge")
    if language == "en":  # signing in takes the account's language
        page.get_by_role("button", name="English").click()
    assert serious_violations(page) == []
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    page.goto("/admin/records-of-processing")
    expect(page.locator("h1")).to_have_count(1)
    assert serious_violations(page) == []


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_legal_page_is_a_click_away_in_the_footer(page, admin, language):
    choose(page, language)
    for signed_in in (False, True):
        if signed_in:
            sign_in(page, admin, r"/privacy/acknowledge")
            page.locator("main form button[type=submit]").click()
            expect(page).to_have_url(re.compile(r"/dashboard$"))
            if language == "en":
                page.get_by_role("button", name="English").click()
        for name, path in FOOTER_LINKS[language].items():
            footer = page.get_by_role("contentinfo")
            footer.get_by_role("link", name=name, exact=True).click()
            expect(page).to_have_url(re.compile(re.escape(path) + "$"))
            expect(page.locator("h1")).to_be_visible()


@pytest.mark.parametrize("path", [*LEGAL, "/admin/records-of-processing"])
def test_legal_pages_fit_a_phone(page, admin, path):
    page.set_viewport_size(PHONE)
    if path.startswith("/admin"):
        sign_in(page, admin, r"/privacy/acknowledge")
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/dashboard$"))
    page.goto(path)
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
