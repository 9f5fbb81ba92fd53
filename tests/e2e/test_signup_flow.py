"""Browser: sign up → open the verification link from the outbox → log in → dashboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories_auth import link_to, outbox

pytestmark = pytest.mark.e2e

PASSWORD = "Ein-gutes-Passwort-7"


def test_sign_up_verify_log_in_and_see_the_dashboard(page, live_server):
    page.goto("/signup")
    expect(page.get_by_role("heading", level=1)).to_have_text("Konto anlegen")
    page.get_by_label("Name").fill("Fatma Yılmaz")
    page.get_by_label("E-Mail-Adresse").fill("Fatma@Example.org")
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_label("Passwort wiederholen").fill(PASSWORD)
    page.get_by_role("button", name="Registrieren").click()

    expect(page).to_have_url(re.compile(r"/signup/check-mail$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bitte prüfen Sie Ihr Postfach")

    [mail] = outbox("fatma@example.org", "verify_email")
    assert mail.body_text.count(live_server.url) == 1  # the link points at this server
    page.goto(link_to(mail, "/verify/"))
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_contain_text("Ihre E-Mail-Adresse ist bestätigt")

    page.get_by_label("E-Mail-Adresse").fill("fatma@example.org")
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()

    # A new account first acknowledges the privacy notice, then lands where it was going.
    expect(page).to_have_url(re.compile(r"/privacy/acknowledge"))
    page.get_by_role("button", name="Gelesen – weiter").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Guten Tag, Fatma Yılmaz")
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()

    # Log out through the header form (a POST with the CSRF token).
    page.get_by_role("button", name="Abmelden").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_contain_text("Sie haben sich abgemeldet.")
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_switching_to_english_in_the_footer(page, live_server):
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.goto("/signup")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
