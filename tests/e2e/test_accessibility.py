"""Browser: axe finds no serious or critical violations; phone width; visible focus."""

from __future__ import annotations

import re
from weakref import WeakSet

import pytest
from axe_playwright_python.base import AXE_SCRIPT, AxeResults
from axe_playwright_python.sync_playwright import DEFAULT_OPTIONS, Axe
from playwright.sync_api import BrowserContext, Page, expect

from portal.auth.models import Role
from portal.extensions import db
from tests import factories

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}


#: Browser contexts whose pages start with axe loaded (an init script): sending the 570 kB
#: script to every page checked cost more than a page load.
PRELOADED: WeakSet[BrowserContext] = WeakSet()


def serious_violations(page: Page) -> list[str]:
    """axe's serious and critical violations on the page (as ``Axe().run(page)``, with axe
    loaded once per page: by the context's init script once a page of it was checked)."""
    if page.context not in PRELOADED:
        page.context.add_init_script(script=AXE_SCRIPT)
        PRELOADED.add(page.context)
    if page.evaluate("typeof axe") == "undefined":
        page.evaluate(AXE_SCRIPT)
    options = Axe._format_script_args(options=DEFAULT_OPTIONS)
    results = AxeResults(page.evaluate(f"axe.run({options}).then(results => {{return results;}})"))
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def staff_user(app) -> str:
    """A user with every role, so that the dashboard shows all navigation sections."""
    refs = factories.reference_data()
    gaggenau = refs["Gaggenau"]
    factories.user(
        "alle@example.org",
        name="Alex Allrounder",
        roles=[
            (Role.VOLUNTEER, None, None),
            (Role.COORDINATOR, gaggenau.id, None),
            (Role.MANAGER, None, gaggenau.office_id),
            (Role.ADMIN, None, None),
        ],
    )
    db.session.commit()
    return "alle@example.org"


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def submit_empty(page: Page, button: str) -> None:
    """Send the form without input, so that the page shows its error state too."""
    page.get_by_role("button", name=button).click()
    expect(page.locator(".error-summary")).to_be_visible()


def test_login_page_has_no_serious_violations(page):
    page.goto("/login")
    assert serious_violations(page) == []
    submit_empty(page, "Anmelden")
    assert serious_violations(page) == []


def test_signup_page_has_no_serious_violations(page):
    page.goto("/signup")
    assert serious_violations(page) == []
    submit_empty(page, "Registrieren")
    assert serious_violations(page) == []


def test_dashboard_has_no_serious_violations(page, staff_user):
    log_in(page, staff_user)
    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_be_visible()
    assert serious_violations(page) == []


def test_error_page_has_no_serious_violations(page):
    page.goto("/gibt-es-nicht")
    assert serious_violations(page) == []


@pytest.mark.parametrize("path", ["/login", "/signup", "/", "/privacy"])
def test_pages_fit_a_phone_without_horizontal_scrolling(page, path):
    page.set_viewport_size(PHONE)
    page.goto(path)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"]


def test_dashboard_fits_a_phone(page, staff_user):
    page.set_viewport_size(PHONE)
    log_in(page, staff_user)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(page) == []


FOCUS_STYLE = """() => {
  const s = getComputedStyle(document.activeElement);
  return {tag: document.activeElement.tagName, outline: s.outlineStyle,
          width: parseFloat(s.outlineWidth), shadow: s.boxShadow};
}"""


def test_keyboard_focus_is_visible(page):
    page.goto("/login")
    page.keyboard.press("Tab")
    # The first stop is the skip link, which becomes visible on focus.
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0
    style = page.evaluate(FOCUS_STYLE)
    assert style["outline"] != "none" and style["width"] >= 2

    # Form fields, buttons and links all show a focus ring.
    for locator in (
        page.get_by_label("E-Mail-Adresse"),
        page.get_by_role("button", name="Anmelden"),
        page.get_by_role("link", name="Passwort vergessen?"),
    ):
        locator.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        expect(locator).to_be_focused()
        style = page.evaluate(FOCUS_STYLE)
        assert style["outline"] != "none" and style["width"] >= 2, style


def test_skip_link_moves_to_the_main_content(page):
    page.goto("/login")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_check_catches_a_broken_form(page):
    """The axe check is not vacuous: a field without its label is reported as critical."""
    page.goto("/login")
    page.evaluate("document.querySelector('label[for=email]').remove()")
    assert any(v.startswith("label (critical)") for v in serious_violations(page))
