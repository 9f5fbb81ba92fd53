"""Browser: pages work under the Content-Security-Policy (no 'unsafe-inline') and the browser
reports no violation: styles come from portal.css, scripts from static/js."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.core.errors import NotAllowed
from portal.extensions import db
from tests import factories
from tests import factories_board as fb

pytestmark = pytest.mark.e2e

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def test_pages_show_no_csp_violation(page, live_server):
    def refuse() -> str:
        raise NotAllowed("Das geht so nicht.")

    live_server.app.add_url_rule("/_test/refuse", "test_refuse", refuse)
    world = fb.county()
    need = fb.once_need(world["gaggenau"], title="Begleitung Landratsamt")
    claim = fb.assignment(need, world["profile"])
    fb.report(claim, need.starts_at.date(), 60, concern_raised=True, concern="Bitte anrufen.")
    db.session.commit()
    need_id = need.id
    db.session.remove()

    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.add_init_script(RECORD_VIOLATIONS)

    def violations() -> list[str]:
        return list(page.evaluate("window.__cspViolations"))

    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill("keller@example.org")
    page.get_by_label("Passwort", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    assert violations() == []

    # The need page: the concern report is styled by a class, texts keep their line breaks.
    page.goto(f"/needs/{need_id}")
    concern = page.locator(".report-concern")
    expect(concern).to_be_visible()
    assert concern.evaluate("e => getComputedStyle(e).borderLeftStyle") == "solid"
    description = page.locator("p.pre-line").first
    assert description.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-line"
    assert violations() == []

    # The need form: its script (a file) shows only the fieldset of the chosen schedule kind.
    page.goto("/needs/new")
    weekly = page.locator('fieldset[data-schedule-kind="weekly"]')
    expect(weekly).to_be_hidden()
    page.get_by_label("wöchentlich").check()
    expect(weekly).to_be_visible()
    assert violations() == []

    # A refusal page: "Zurück" goes back in the history through a script file.
    page.goto("/_test/refuse")
    expect(page.get_by_role("alert")).to_have_text("Das geht so nicht.")
    page.get_by_role("link", name="Zurück").click()
    expect(page).to_have_url(re.compile(r"/needs/new$"))

    page.goto("/gibt-es-nicht")
    expect(page.get_by_role("heading", level=1)).to_have_text("Seite nicht gefunden")
    assert violations() == []
    assert not [m for m in console if "Content Security Policy" in m], console

    # The policy is enforced (and the recorder works): an injected inline script is blocked.
    page.evaluate(
        """() => { const s = document.createElement("script");
        s.textContent = "window.__injected = true"; document.body.appendChild(s); }"""
    )
    expect(page.locator("body")).to_be_visible()
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__injected === undefined")
    assert any(v.startswith("script-src") for v in violations())
