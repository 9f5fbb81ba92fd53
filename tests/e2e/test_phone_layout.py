"""Browser at phone widths (WCAG 1.4.10 Reflow): no page scrolls sideways at 320 px, for every
GET route of the URL map, every role and both languages; the menu folds behind a button and the
first task of the board is visible without scrolling on a 375 × 812 phone; references and
status badges stay in one piece.

The pages are those of the authorization matrix: its world (the objects of municipality A) gives
every rule a real object, and its table says which role may open which page.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.core.time import today_local
from portal.extensions import db
from tests import factories
from tests import factories_board as fb
from tests.integration.test_authorization_matrix import (  # noqa: F401 (the fixture `world`)
    CASES,
    EMAILS,
    EXPECTED,
    OK,
    url_for_case,
    world,
)

pytestmark = pytest.mark.e2e

NARROW = {"width": 320, "height": 640}
PHONE = {"width": 375, "height": 812}
ROLES = ("anonymous", "approved", "coordinator_a", "manager_a", "admin")
#: Not pages: files, a feed, PDFs and other downloads, a health check, the idle ping, and a
#: redirect that needs a pending sign-in.
NOT_PAGES = {
    "static",
    "core.healthz",
    "board.calendar_feed",
    "appointments.calendar_feed",
    "board.certificate",
    "privacy.own_data",
    "privacy.client_export",
    "oversight.report_file",
    "oversight.export_volunteers",
    "oversight.export_needs",
    "two_factor.challenge",
    "auth.session_ping",
    "consultation_hours.poster_pdf",
}
#: Pages that end the sign-in or spend a one-time token: opened last or not at all.
LAST = ("auth.verify_email", "auth.reset_password", "auth.accept_invitation")

OVERFLOW = """() => {
  const root = document.documentElement;
  const wide = [];
  if (root.scrollWidth > root.clientWidth) {
    for (const el of document.body.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      if (box.right > root.clientWidth + 1 && box.width > 0) {
        const cls = typeof el.className === "string" ? el.className.replace(/ /g, ".") : "";
        wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
                  (cls ? "." + cls : "") + " " + Math.round(box.right));
      }
    }
  }
  return {scroll: root.scrollWidth, client: root.clientWidth, wide: wide.slice(-4)};
}"""


WIDE_BOX = """() => {
  const box = document.createElement("div");
  box.style.width = "400px";
  box.style.height = "20px";
  document.querySelector("main").appendChild(box);
}"""


def get_pages(app, world_: dict, role: str) -> list[str]:
    urls = []
    for endpoint, _rule, method, fixed in CASES:
        if method != "GET" or endpoint in NOT_PAGES or EXPECTED[endpoint][role] != OK:
            continue
        urls.append((endpoint in LAST, url_for_case(app, endpoint, fixed, world_)))
    return [url for _last, url in sorted(urls)]


def sign_in(page: Page, role: str) -> None:
    if role == "anonymous":
        return
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(EMAILS[role])
    page.get_by_label("Passwort", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def to_english(page: Page) -> None:
    page.goto("/privacy")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways_at_320_px(browser, live_server, world, role):  # noqa: F811
    """One role's pages (a test per role: the five share out between the test processes)."""
    db.session.close()
    problems: list[str] = []
    opened = 0
    context = browser.new_context(base_url=live_server.url, locale="de-DE", viewport=NARROW)
    page = context.new_page()
    sign_in(page, role)
    pages = get_pages(live_server.app, world, role)
    for language in ("de", "en"):
        if language == "en":
            to_english(page)
        for url in pages:
            response = page.goto(url)
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            opened += 1
            found = page.evaluate(OVERFLOW)
            if found["scroll"] > found["client"]:
                problems.append(f"{role} {language} {url} ({page.url}): {found}")
    # The check sees a page that is too wide.
    page.evaluate(WIDE_BOX)
    assert page.evaluate(OVERFLOW)["scroll"] > NARROW["width"]
    context.close()
    assert problems == []
    assert opened == 2 * len(pages)  # every page of the role, in both languages


def test_the_roles_have_150_pages_between_them(app, world):  # noqa: F811
    """The test above opens every role's pages twice: at least 150 pages in all."""
    assert sum(2 * len(get_pages(app, world, role)) for role in ROLES) >= 150


def test_the_menu_folds_and_the_first_task_is_visible_on_a_phone(browser, live_server, app):
    world_ = fb.county()
    for day in range(1, 4):
        fb.once_need(
            world_["gaggenau"], starts_at=fb.local(today_local() + timedelta(days=day), 10)
        )
    db.session.commit()
    db.session.close()
    context = browser.new_context(base_url=live_server.url, locale="de-DE", viewport=PHONE)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill("lena@example.org")
    page.get_by_label("Passwort", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.goto("/board/")

    menu = page.locator("details[data-menu]")
    expect(menu).not_to_have_attribute("open", "")
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    expect(navigation).to_be_hidden()
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] <= 90

    first = page.locator(".board-list > li.card").first
    box = first.bounding_box()
    assert box is not None
    heading = first.locator("h2").bounding_box()
    assert heading is not None and heading["y"] + heading["height"] <= PHONE["height"], heading
    assert box["y"] < PHONE["height"]

    # The button opens the menu (no script needed), and closes it again.
    page.get_by_text("Menü", exact=True).click()
    expect(navigation).to_be_visible()
    expect(page.get_by_role("link", name="Aufgaben finden")).to_be_visible()
    page.get_by_text("Menü", exact=True).click()
    expect(navigation).to_be_hidden()

    # Wide screens show the menu open, without the button.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(navigation).to_be_visible()
    expect(page.locator(".menu-button")).to_be_hidden()
    context.close()


def test_references_and_badges_stay_on_one_line(browser, live_server, app):
    from tests import factories_plans as fp

    places = factories.reference_data()
    keller = factories.manager(office_=places["Gaggenau"].office, email="keller@example.org")
    person = fp.client(places["Gaggenau"], manager_=keller)
    goal = fp.goal(person)
    fp.step(goal, text="Ein sehr langer Schritt " * 6)
    db.session.commit()
    url = f"/plans/clients/{person.id}/plan"
    db.session.close()
    context = browser.new_context(base_url=live_server.url, locale="de-DE", viewport=NARROW)
    page = context.new_page()
    sign_in_as(page, "keller@example.org")
    for path in (url, "/plans/clients"):
        page.goto(path)
        lines = page.evaluate(
            """() => [...document.querySelectorAll('.ref, .badge')].map(
                 el => [el.textContent.trim(), el.getClientRects().length])"""
        )
        assert lines, path
        assert all(count == 1 for _text, count in lines), lines
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    context.close()


def sign_in_as(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
