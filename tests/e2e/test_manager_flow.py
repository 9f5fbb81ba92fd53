"""Browser: a manager creates a client and a plan step and publishes a need from it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.core.time import today_local
from portal.extensions import db
from portal.needs.models import Need
from portal.plans.models import Client, Step
from tests import factories

pytestmark = pytest.mark.e2e


def test_manager_creates_client_step_and_publishes_a_need(page, live_server):
    towns = factories.reference_data()
    factories.manager(office_=towns["Gaggenau"].office, email="keller@example.org")
    db.session.commit()
    db.session.remove()  # end the read: SQLite holds the write lock of BEGIN IMMEDIATE

    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill("keller@example.org")
    page.get_by_label("Passwort", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))

    page.get_by_role("link", name="Klientinnen und Klienten").first.click()
    page.get_by_role("link", name="Klientin oder Klient anlegen").click()
    page.get_by_label("Name", exact=True).fill("Familie Noori")
    page.get_by_label("Gemeinde").select_option(label="Gaggenau")
    page.get_by_label("Dari").check()
    page.get_by_label("Erwachsene im Haushalt").fill("2")
    page.get_by_label("Kinder: Geburtsjahre").fill("2015, 2018")
    page.get_by_role("button", name="Speichern").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"Integrationsplan RA-\d{4}-\d{4}"))

    page.get_by_role("link", name="Ziel anlegen").first.click()
    page.get_by_label("Bereich").select_option(label="Sprache")
    page.get_by_label("Ziel", exact=True).fill("Herr Noori erreicht B1.")
    page.get_by_role("button", name="Speichern").click()

    page.get_by_role("link", name="Schritt anlegen").click()
    page.get_by_label("Schritt", exact=True).fill("Sprachpraxis mit einer/m Ehrenamtlichen")
    due = today_local() + timedelta(days=30)
    page.get_by_label("Fällig am").fill(due.isoformat())
    page.get_by_label("Wer handelt?").select_option(label="Ehrenamtliche")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Sprachpraxis mit einer/m Ehrenamtlichen")).to_be_visible()

    page.get_by_role("link", name="Bedarf veröffentlichen").click()
    expect(page.get_by_text("Diesen Text lesen die Ehrenamtlichen.")).to_be_visible()
    page.get_by_label("Kategorie").select_option(label="Sprachpraxis")
    page.get_by_label("Titel").fill("Deutsch sprechen im Alltag")
    page.get_by_label("Öffentliche Beschreibung").fill(
        "Ein Mann möchte beim Einkaufen und Spazierengehen Deutsch üben."
    )
    page.get_by_label("Interne Notizen").fill("Familie Noori, bitte vorher anrufen.")
    day = (today_local() + timedelta(days=6)).isoformat()
    page.get_by_label("Beginn").fill(f"{day}T10:00")
    page.get_by_label("Ende").fill(f"{day}T11:30")
    page.get_by_role("button", name="Veröffentlichen", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Deutsch sprechen im Alltag")
    expect(page.get_by_role("status")).to_contain_text("Der Bedarf ist veröffentlicht.")

    db.session.expire_all()
    client = db.session.scalars(select(Client)).one()
    step = db.session.scalars(select(Step)).one()
    need = db.session.scalars(select(Need)).one()
    assert client.name == "Familie Noori"
    assert client.languages == ["prs"] or "prs" in client.languages
    assert need.source_step_id == step.id
    assert need.status == "open"
    assert step.status == "in_progress"
    assert client.name not in need.public_description
    db.session.rollback()


def test_manager_pages_have_no_serious_accessibility_violations(page, live_server):
    from tests import factories_plans as fp
    from tests.e2e.test_accessibility import serious_violations

    towns = factories.reference_data()
    keller = factories.manager(office_=towns["Gaggenau"].office, email="keller@example.org")
    person = fp.client(towns["Gaggenau"], manager_=keller)
    step = fp.step(fp.goal(person), due_on=today_local() - timedelta(days=2))
    need = fp.need(towns["Gaggenau"], source_step=step)
    person.plan.next_review_on = today_local()
    db.session.commit()
    urls = [
        "/plans/",
        "/plans/clients",
        "/plans/clients/new",
        f"/plans/clients/{person.id}",
        f"/plans/clients/{person.id}/plan",
        f"/plans/goals/{step.goal_id}/steps/new",
        "/needs/",
        f"/needs/new?step_id={step.id}",
        f"/needs/{need.id}",
        f"/needs/{need.id}/cancel",
    ]
    db.session.remove()

    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill("keller@example.org")
    page.get_by_label("Passwort", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    problems: list[str] = []
    for url in [*urls, "/needs/new"]:
        page.goto(url)
        if url == "/needs/new":  # the error state of the form, too
            page.get_by_role("button", name="Als Entwurf speichern").click()
            expect(page.locator(".error-summary")).to_be_visible()
        problems += [f"{url}: {found}" for found in serious_violations(page)]
    assert problems == []
