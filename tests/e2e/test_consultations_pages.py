"""Browser: axe finds no serious or critical violations on the staff pages of consultation hours
(the hours form, after a refused submit too, the page of a date with a booking and the day
list)."""

from __future__ import annotations

from datetime import date, time

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests import factories
from tests import factories_consultations as fc
from tests import factories_plans as fp
from tests.e2e.test_accessibility import log_in, serious_violations, submit_empty

pytestmark = pytest.mark.e2e


def test_the_consultation_pages_have_no_serious_violations(page, app):
    refs = factories.reference_data()
    gaggenau = refs["Gaggenau"]
    manager = factories.manager(gaggenau, email="keller@example.org", name="Sabine Keller")
    person = fp.client(gaggenau, name="Familie Haidari", manager_=manager)
    day = fc.next_consultation_day()
    hours = fc.hours(fc.place(gaggenau), manager, day.weekday(), date(2025, 1, 6),
                     booking="appointment", slot_minutes=30)  # fmt: skip
    fc.appointment(hours, day, time(9, 0), time(9, 30), person)
    db.session.commit()
    log_in(page, "keller@example.org")
    for path in (
        "/consultations/",
        f"/consultations/hours/{hours.id}",
        f"/consultations/hours/{hours.id}/on/{day.isoformat()}",
        f"/consultations/day?on={day.isoformat()}",
        f"/plans/clients/{person.id}/visits/new",
    ):
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        assert serious_violations(page) == [], path
    page.goto("/consultations/hours/new")
    submit_empty(page, "Speichern")
    assert serious_violations(page) == []
