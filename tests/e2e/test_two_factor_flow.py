"""Browser: a manager whose role requires a second factor enrols an authenticator app (QR code
and key on the page), keeps the recovery codes, logs out, and logs in with password and code;
the idle warning is on the staff pages."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from portal.auth import signin
from portal.extensions import db
from tests import factories
from tests.e2e.test_accessibility import serious_violations

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.app_config(TWO_FACTOR_REQUIRED_ROLES=("coordinator", "manager", "admin")),
]


def log_in_with_password(page) -> None:
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill("keller@example.org")
    page.get_by_label("Passwort", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def test_a_manager_enrols_totp_and_logs_in_with_it(page, live_server):
    towns = factories.reference_data()
    factories.manager(towns["Gaggenau"], email="keller@example.org", name="Sabine Keller")
    db.session.commit()
    db.session.remove()  # end the read: SQLite holds the write lock of BEGIN IMMEDIATE

    log_in_with_password(page)
    expect(page).to_have_url(re.compile(r"/account/two-factor/setup$"))
    expect(page.get_by_role("status")).to_contain_text("vorgeschrieben")
    page.goto("/needs/")  # nothing else opens before the second factor is set up
    expect(page).to_have_url(re.compile(r"/account/two-factor/setup$"))

    page.get_by_role("button", name="Einrichtung beginnen").click()
    expect(page.locator("figure.qr-code svg")).to_be_visible()
    assert serious_violations(page) == []
    secret = page.locator("[data-secret]").inner_text().strip()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Einrichtung abschließen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wiederherstellungscodes")
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    assert serious_violations(page) == []
    page.get_by_role("link", name="Ich habe die Codes gesichert, weiter").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.locator("body")).to_have_attribute("data-idle-seconds", "1800")

    page.get_by_role("button", name="Abmelden").click()
    expect(page).to_have_url(re.compile(r"/login$"))

    log_in_with_password(page)
    expect(page).to_have_url(re.compile(r"/login/two-factor$"))
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Bestätigen").click()
    expect(page.locator("#code-error")).to_contain_text("Dieser Code stimmt nicht")
    assert serious_violations(page) == []
    next_code = pyotp.TOTP(secret).at(time.time() + 30)  # the enrolment used the current one
    page.get_by_label("Code").fill(next_code)
    page.get_by_role("button", name="Bestätigen").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Guten Tag, Sabine Keller")
    page.get_by_role("link", name="Bedarfe").first.click()
    expect(page).to_have_url(re.compile(r"/needs/$"))
    page.get_by_role("link", name="Sicherheit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldung und Sicherheit")
    assert serious_violations(page) == []


@pytest.mark.app_config(STAFF_IDLE_MINUTES=0.25)
def test_the_idle_warning_counts_down_and_keeps_the_session(page, live_server, monkeypatch):
    towns = factories.reference_data()
    factories.manager(towns["Gaggenau"], email="keller@example.org", name="Sabine Keller")
    live_server.app.config["TWO_FACTOR_REQUIRED_ROLES"] = ()
    db.session.commit()
    db.session.remove()
    # The idle time passes on both clocks at once, the browser's (Playwright's clock drives the
    # page's timers and Date) and the server's (signin.now): the test waits out no idle time.
    moved = {"seconds": 0.0}
    monkeypatch.setattr(signin, "now", lambda: time.time() + moved["seconds"])

    def idle_for(seconds: float) -> None:
        moved["seconds"] += seconds
        page.clock.fast_forward(round(seconds * 1000))  # each timer fires once, not per second

    page.clock.install()
    log_in_with_password(page)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    # The warning's script (deferred) starts its clock when it runs: let it run before time moves.
    page.wait_for_load_state("load")
    warning = page.get_by_role("alertdialog")
    expect(warning).to_be_hidden()
    # 15 seconds idle: the warning shows for the last half of it (here: 12 seconds at most).
    idle_for(8)
    expect(warning).to_be_visible(timeout=4_000)
    expect(warning).to_contain_text("Sie werden bald abgemeldet")
    page.get_by_role("button", name="Angemeldet bleiben").click()
    expect(warning).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    # Left alone, the page reloads when the time is up and the server asks for the log-in.
    idle_for(19)
    expect(page).to_have_url(re.compile(r"/login\?next="), timeout=6_000)
    expect(page.get_by_role("status")).to_contain_text("Inaktivität")
