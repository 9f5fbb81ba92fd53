"""Browser: each statistics page, opened as its role, shows a chart with its data table and
the report's tables; axe finds no serious issue; nothing scrolls sideways at 320 px."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from portal.auth.models import Role
from portal.extensions import db
from tests import factories
from tests import factories_board as fb
from tests.e2e.test_accessibility import log_in, serious_violations

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(app) -> dict[str, str]:
    places = factories.reference_data()
    gaggenau = places["Gaggenau"]
    factories.coordinator(gaggenau, email="k@example.org")
    factories.manager(gaggenau, email="m@example.org")
    factories.user("admin@example.org", roles=[(Role.ADMIN, None, None)])
    factories.user("lead@example.org", roles=[(Role.OFFICE_LEAD, None, gaggenau.office_id)])
    published = datetime(2026, 1, 10, 9)
    for days in (1, 2, 4):
        need = fb.once_need(gaggenau)
        need.published_at = published
        fb.assignment(
            need,
            fb.profile_of(factories.volunteer(gaggenau)),
            claimed_at=published + timedelta(days=days),
        )
    fb.once_need(gaggenau)  # nobody has claimed it yet: volunteers are missing in Gaggenau
    db.session.commit()
    return {
        "coordinator": "k@example.org",
        "manager": "m@example.org",
        "admin": "admin@example.org",
        "office_lead": "lead@example.org",
    }


@pytest.mark.parametrize("role", ["coordinator", "manager", "admin", "office_lead"])
def test_statistics_show_a_chart_and_its_table(page, people, role):
    log_in(page, people[role])
    page.goto("/oversight/dashboard?kind=quarter&year=2026&number=1")
    chart = page.locator("figure.chart").first
    expect(chart.locator("svg[role=img]")).to_be_visible()
    chart.locator("summary").click()
    expect(chart.locator("table")).to_be_visible()
    # the volunteers over the months: lines, and a table of months by status
    lines = page.locator("figure#chart-volunteers-time")
    expect(lines.locator("svg[role=img]")).to_be_visible()
    expect(lines.locator("svg polyline")).to_have_count(4)  # one line per status
    lines.locator("summary").click()
    expect(lines.locator("table tbody tr")).to_have_count(3)
    places = page.locator("figure#chart-unfilled-places")
    places.locator("summary").click()
    expect(places.locator("table th[scope=row]").first).to_be_visible()
    assert serious_violations(page) == []
    page.goto("/oversight/report?kind=quarter&year=2026&number=1")
    expect(page.locator("table[data-table=overview]")).to_be_visible()
    assert serious_violations(page) == []


def test_statistics_fit_a_phone(page, people):
    page.set_viewport_size({"width": 320, "height": 700})
    log_in(page, people["admin"])
    for path in ("/oversight/dashboard", "/oversight/report"):
        page.goto(path)
        for summary in page.locator("details.chart-data summary").all():
            summary.click()
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
