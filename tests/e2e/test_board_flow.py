"""Browser walk through the claim loop: a volunteer filters the board, claims a need and files
a report; the manager acknowledges the report and completes the need."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.core.time import today_local
from portal.extensions import db
from portal.needs.models import Assignment, AssignmentStatus, Need, NeedStatus
from portal.needs.report_models import Report
from tests import factories_board as fb

pytestmark = pytest.mark.e2e


def login(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill("Sicheres-Passwort-1")
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/dashboard"))


def logout(page: Page) -> None:
    page.get_by_role("button", name="Abmelden").click()


def test_volunteer_claims_and_reports_manager_acknowledges_and_completes(page: Page, app):
    world = fb.county()
    profile = world["profile"]
    profile.languages = {"de": "native", "ar": "good"}
    need = fb.once_need(
        world["gaggenau"],
        title="Begleitung zur Ausländerbehörde",
        created_by=world["manager"],
        languages=["ar"],
        starts_at=fb.local(today_local() + timedelta(days=2), 10),
    )
    fb.once_need(world["gaggenau"], title="Wohnungsbesichtigung", languages=["uk"])
    db.session.commit()
    need_id = need.id
    db.session.close()

    # the volunteer filters the board
    login(page, "lena@example.org")
    page.goto("/board/")
    expect(page.get_by_role("link", name="Wohnungsbesichtigung")).to_be_visible()
    page.get_by_label("Sprache").select_option("ar")
    page.get_by_role("button", name="Filtern").click()
    expect(page.get_by_role("link", name="Wohnungsbesichtigung")).to_have_count(0)

    # ... claims in one confirmed step
    page.get_by_role("link", name="Begleitung zur Ausländerbehörde").click()
    expect(page.locator("#meeting-point")).to_have_count(0)
    page.get_by_role("link", name="Aufgabe übernehmen").click()
    page.get_by_role("button", name="Verbindlich übernehmen").click()
    expect(
        page.get_by_text("Sie haben „Begleitung zur Ausländerbehörde“ übernommen")
    ).to_be_visible()
    expect(page.locator("#meeting-point")).to_contain_text("Vor dem Rathaus")
    expect(page.locator("#manager-contact")).to_contain_text("keller@example.org")

    # ... and files a report with a concern
    page.get_by_role("link", name="Bericht abgeben").click()
    page.get_by_label("Datum des Einsatzes").fill(today_local().isoformat())
    page.get_by_label("Dauer in Stunden").fill("1,5")
    page.get_by_label("Was ist passiert?").fill("Termin wahrgenommen, Antrag abgegeben.")
    page.get_by_label("Dringendes Anliegen (optional)").fill(
        "Die Familie braucht dringend Winterkleidung."
    )
    page.get_by_role("button", name="Bericht absenden").click()
    expect(page.get_by_text("Ihr Anliegen wurde sofort weitergeleitet")).to_be_visible()
    logout(page)

    # the manager acknowledges the report on the need's page and completes the need
    login(page, "keller@example.org")
    page.goto(f"/needs/{need_id}")
    report = page.locator(".report-concern")
    expect(report).to_contain_text("Winterkleidung")
    report.get_by_role("button", name="Bericht bestätigen").click()
    expect(page.get_by_text("Bericht bestätigt.")).to_be_visible()
    expect(page.locator(".report-concern")).to_contain_text("Bestätigt am")
    page.get_by_role("button", name="Abschließen").click()
    expect(page.get_by_text("abgeschlossen").first).to_be_visible()

    db.session.rollback()
    assert db.session.get(Need, need_id).status == NeedStatus.COMPLETED
    claim = db.session.scalars(db.select(Assignment).where(Assignment.need_id == need_id)).one()
    assert claim.status == AssignmentStatus.COMPLETED
    report_row = db.session.scalars(db.select(Report)).one()
    assert report_row.acknowledged_by_id is not None and report_row.concern_raised
