"""Browser: a volunteer downloads their data (JSON and PDF), then asks to delete their account,
opens the confirmation link from the outbox, confirms with the password, and can no longer log
in; axe finds no serious issue on the pages of the way."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests import factories, factories_plans
from tests.e2e.test_accessibility import log_in, serious_violations
from tests.factories_auth import link_to, outbox

pytestmark = pytest.mark.e2e

EMAIL = "yusuf.brandt@example.org"


def test_a_volunteer_deletes_their_account_through_the_mailed_link(page, live_server):
    town = factories.municipality("Ahausen")
    factories.volunteer(town, email=EMAIL, name="Yusuf Brandt")
    db.session.commit()

    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(EMAIL)
    page.get_by_label("Passwort", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/volunteer|/dashboard"))

    page.get_by_role("link", name="Sicherheit").click()
    assert serious_violations(page) == []
    with page.expect_download() as json_download:
        page.get_by_role("link", name="Als JSON herunterladen (maschinenlesbar)").click()
    exported = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))
    assert EMAIL in json.dumps(exported, ensure_ascii=False)
    assert "Yusuf Brandt" in json.dumps(exported, ensure_ascii=False)
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Als PDF herunterladen (zum Lesen)").click()
    assert Path(pdf_download.value.path()).read_bytes().startswith(b"%PDF-")

    page.get_by_role("link", name="Konto löschen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Konto löschen")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Löschung beantragen").click()
    expect(page.locator(".field-error, [id$='-error']").first).to_be_visible()  # the checkbox
    page.get_by_label(re.compile("Ich habe verstanden")).check()
    page.get_by_role("button", name="Löschung beantragen").click()
    expect(page.get_by_role("status")).to_contain_text("Bestätigungslink")
    expect(page.locator("[data-erasure=pending]")).to_be_visible()

    [mail] = outbox(EMAIL, "erasure_confirm")
    assert mail.body_text.count(live_server.url) == 1
    page.goto(link_to(mail, "/account/erasure/confirm/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Löschung bestätigen")
    assert serious_violations(page) == []
    page.get_by_label("Passwort", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Konto endgültig löschen").click()
    expect(page).to_have_url(re.compile(r"/account/erased$"))
    expect(page.locator("[data-erasure=done]")).to_be_visible()

    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(EMAIL)
    page.get_by_label("Passwort", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(
        page.get_by_text("E-Mail-Adresse oder Passwort ist nicht richtig.", exact=True)
    ).to_be_visible()
    assert outbox(EMAIL) == []


def test_the_client_erasure_page_has_no_serious_violations_also_when_refused(page):
    town = factories.municipality("Ahausen")
    factories.manager(town, email="m@example.org")
    record = factories_plans.client(town, name="Familie Haidari")
    db.session.commit()
    log_in(page, "m@example.org")
    page.goto(f"/plans/clients/{record.id}/erase")
    expect(page.get_by_role("heading", level=1)).to_contain_text("löschen")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Endgültig löschen").click()  # no reason, no confirmation
    expect(page.locator(".error-summary")).to_be_focused()
    assert serious_violations(page) == []
