"""The demo county has a year of plausible history: volunteers of every status at home in all
23 municipalities, 80 clients with plans in every area, 300 needs over the past twelve months
and the coming weeks with claims, reports and hours, so that every dashboard shows something."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import distinct, func, select

from portal.core.time import today_local, utcnow
from portal.demo import seed
from portal.extensions import db
from portal.needs.models import Assignment, Need
from portal.needs.report_models import Report
from portal.oversight import figures, report
from portal.oversight.periods import Period
from portal.plans.models import Client, Goal, IntegrationPlan, Step
from portal.volunteers.models import ConductCertificateCheck, VolunteerProfile


def _count(stmt) -> int:
    return db.session.scalar(stmt) or 0


def test_the_demo_county_has_a_year_of_history_in_every_municipality(app):
    seed()
    today, now = today_local(), utcnow()
    volunteers = list(db.session.scalars(select(VolunteerProfile)))
    assert len(volunteers) == 60
    assert {v.status for v in volunteers} == {"pending", "approved", "rejected", "suspended"}
    assert len({v.home_municipality_id for v in volunteers}) == 23
    assert len({code for v in volunteers for code in v.languages}) >= 10
    expiring = select(func.count()).where(
        ConductCertificateCheck.valid_until.between(today, today + timedelta(weeks=8))
    )
    assert _count(expiring) >= 3

    clients = list(db.session.scalars(select(Client)))
    assert len(clients) == 80
    assert all(re.fullmatch(r"RA-\d{4}-\d{4}", c.reference) for c in clients)
    assert len({c.municipality_id for c in clients}) == 23
    areas = set(db.session.scalars(select(distinct(Goal.area))))
    assert len(areas) == 6
    assert {"achieved", "dropped"} <= set(db.session.scalars(select(distinct(Goal.status))))
    partners = set(db.session.scalars(select(distinct(Step.partner)).where(Step.status == "done")))
    assert {"jobcenter", "employment_agency", "language_school", "youth_office"} <= partners
    overdue = select(func.count()).where(IntegrationPlan.next_review_on < today)
    assert _count(overdue) >= 5

    assert _count(select(func.count()).select_from(Need)) == 300
    assert _count(select(func.count(distinct(Need.municipality_id)))) == 23
    statuses = set(db.session.scalars(select(distinct(Need.status))))
    assert {"open", "filled", "completed", "cancelled"} <= statuses
    months = {
        (n.published_at.year, n.published_at.month)
        for n in db.session.scalars(select(Need).where(Need.published_at.is_not(None)))
    }
    assert len(months) >= 12
    assert _count(select(func.count()).where(Need.starts_on > today)) >= 10
    assert _count(select(func.count()).select_from(Assignment)) >= 200
    assert _count(select(func.sum(Report.minutes))) >= 500 * 60
    assert _count(select(func.count()).where(Report.concern_raised)) >= 2
    unacknowledged = select(func.count()).where(Report.acknowledged_at.is_(None))
    assert _count(unacknowledged) >= 5
    assert _count(select(func.count()).where(Need.source_step_id.is_not(None))) >= 20
    assert all(
        n.published_at is None or n.published_at <= now for n in db.session.scalars(select(Need))
    )

    # the county's figures for the past year: something real in every chart and table
    year = Period("year", today.year - 1, 1) if today.month < 7 else Period("year", today.year, 1)
    numbers = figures.figures(year, None)
    assert all(value > 0 for key, value in numbers.needs if key != "filled")
    assert numbers.median_days_to_claim is not None
    assert sum(h for _c, h in numbers.hours_by_category if h > 0) > 100
    assert len([h for _m, h in numbers.hours_by_month if h > 0]) >= 6
    assert sum(n for _c, n in numbers.unfilled_by_category) > 0
    assert sum(n > 0 for _m, n in numbers.unfilled_by_municipality) >= 5
    assert all(sum(counts.values()) > 0 for _m, counts in numbers.volunteers_over_time)
    tables = {t.key: t for t in report.build(year, None)}
    assert all(v > 0 for v in tables["overview"].values[-1])
