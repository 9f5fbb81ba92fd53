"""Browser: every long form, sent empty, answers with the error summary in focus (no script
needed: autofocus), "Fehler:" at the start of the title, and links that lead to the fields."""

from __future__ import annotations

import re
from contextlib import suppress

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from portal.extensions import db
from tests import factories
from tests.integration.test_authorization_matrix import EMAILS, world  # noqa: F401

pytestmark = pytest.mark.e2e

#: role -> (page, the button that sends the form)
FORMS = {
    "anonymous": [
        ("/volunteer/signup", "Bewerbung absenden"),
        ("/signup", "Registrieren"),
        ("/login", "Anmelden"),
    ],
    "admin": [
        ("/volunteer/apply", "Bewerbung absenden"),
        ("/admin/users/invite", "Einladung senden"),
        ("/admin/municipalities/new", "Speichern"),
        ("/admin/offices/new", "Speichern"),
    ],
    "manager_a": [
        ("/needs/new", "Als Entwurf speichern"),
        ("/plans/clients/new", "Speichern"),
        ("/plans/clients/{client}/goals/new", "Speichern"),
        ("/plans/goals/{goal}/steps/new", "Speichern"),
    ],
    "approved": [("/board/assignments/{assignment}/withdraw", "Aufgabe zurückgeben")],
}

SUMMARY_FOCUSED = "() => document.activeElement.classList.contains('error-summary')"
FOCUSED = """() => ({
  summary: document.activeElement.classList.contains("error-summary"),
  title: document.title,
  links: [...document.querySelectorAll(".error-summary a")].map(a => a.getAttribute("href")),
})"""


def sign_in(page: Page, role: str) -> None:
    if role == "anonymous":
        return
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(EMAILS[role])
    page.get_by_label("Passwort", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def wait_for_focused_summary(page: Page) -> None:
    """The answer's error summary takes the focus once the browser has parsed the page (the
    form's own page never has it): wait for that, or for the time to run out, which the
    checks below then report."""
    with suppress(PlaywrightTimeout):
        page.wait_for_function(SUMMARY_FOCUSED, timeout=5_000)


def test_each_long_form_sent_empty_focuses_the_error_summary(browser, live_server, world):  # noqa: F811
    db.session.close()
    problems = []
    for role, forms in FORMS.items():
        context = browser.new_context(base_url=live_server.url, locale="de-DE")
        page = context.new_page()
        sign_in(page, role)
        for path, button in forms:
            page.goto(path.format(**world))
            page.locator("main").get_by_role("button", name=button, exact=True).click()
            wait_for_focused_summary(page)
            state = page.evaluate(FOCUSED)
            if not state["summary"] or not state["title"].startswith("Fehler: "):
                problems.append(f"{path}: {state}")
                continue
            # Each error is a link to its field; following the first one focuses the field.
            target = state["links"][0] if state["links"] else None
            if target is None or page.locator(target).count() != 1:
                problems.append(f"{path}: no field behind the first link {state['links']}")
                continue
            page.locator(".error-summary a").first.click()
            if page.evaluate("'#' + document.activeElement.id") != target:
                problems.append(f"{path}: the link {target} does not reach its field")
        context.close()
    assert problems == []


def test_the_english_title_starts_with_error(page):
    page.goto("/privacy")
    page.get_by_role("button", name="English").click()
    page.goto("/signup")
    page.locator("main").get_by_role("button", name="Sign up", exact=True).click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".error-summary")).to_be_focused()  # autofocus: once the page is parsed
