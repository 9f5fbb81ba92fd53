"""Browser: a volunteer signs up → verifies the address → the coordinator approves → the
volunteer sees "freigegeben"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.e2e

PASSWORD = "Ein-gutes-Passwort-7"


def _link(recipient: str, template: str, path: str) -> str:
    db.session.expire_all()
    mail = db.session.scalar(
        select(OutboundEmail).where(
            OutboundEmail.recipient == recipient, OutboundEmail.template == template
        )
    )
    assert mail is not None
    match = re.search(r"https?://\S+" + re.escape(path) + r"\S*", mail.body_text)
    db.session.rollback()  # end the read: SQLite holds the write lock of BEGIN IMMEDIATE
    assert match is not None
    return match.group(0)


def _login(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_sign_up_approve_and_see_approved(page, live_server):
    towns = factories.reference_data()
    factories.coordinator(towns["Gaggenau"], email="koordination@example.org", name="Thomas Wagner")
    db.session.commit()

    page.goto("/")
    page.get_by_role("link", name="Als Ehrenamtliche mitmachen").click()
    expect(page).to_have_url(re.compile(r"/volunteer/signup$"))
    page.get_by_label("Name", exact=True).fill("Samira Haddad")
    page.get_by_label("E-Mail-Adresse").fill("samira@example.org")
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_label("Passwort wiederholen").fill(PASSWORD)
    page.get_by_label("Wohngemeinde").select_option(label="Gaggenau")
    page.locator("#lang_de").select_option("fluent")
    page.locator("#lang_ar").select_option("native")
    page.get_by_label("Sprachpraxis").check()
    page.get_by_label("Dienstag nachmittags").check()
    page.get_by_label("Was möchten Sie uns über sich sagen?").fill("Ich spreche Arabisch.")
    page.locator("#consent").check()
    page.locator("#pledge").check()
    page.get_by_role("button", name="Bewerbung absenden").click()
    expect(page).to_have_url(re.compile(r"/signup/check-mail$"))

    page.goto(_link("samira@example.org", "verify_email", "/verify/"))
    expect(page.get_by_role("status")).to_contain_text("Ihre E-Mail-Adresse ist bestätigt")
    _login(page, "samira@example.org", PASSWORD)
    page.goto("/volunteer/")
    expect(page.locator(".next-step")).to_have_text(
        "Wir warten auf die Rückmeldung des Rathauses Gaggenau."
    )
    expect(page.get_by_text("Thomas Wagner")).to_be_visible()
    page.get_by_role("button", name="Abmelden").click()

    _login(page, "koordination@example.org", factories.PASSWORD)
    page.get_by_role("link", name="Ehrenamtliche", exact=True).first.click()
    page.get_by_role("link", name="Samira Haddad").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Samira Haddad")
    page.get_by_role("button", name="Freigeben").click()
    expect(page.get_by_role("status")).to_contain_text("Samira Haddad ist freigegeben.")
    page.get_by_role("button", name="Abmelden").click()

    _login(page, "samira@example.org", PASSWORD)
    page.goto("/volunteer/")
    expect(page.locator("[data-status]")).to_have_text("freigegeben")
    expect(page.locator(".next-step")).to_contain_text("Ihre Bewerbung ist freigegeben.")
    _link("samira@example.org", "volunteer_approved", "/volunteer/")
