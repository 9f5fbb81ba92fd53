"""Dashboard figures for a period and a set of municipalities, each one grouped SQL query
(so a dashboard issues the same number of queries for ten needs as for ten thousand).

Nothing here names a person: only counts, sums and a median leave the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, union_all

from portal.core.collation import german
from portal.core.time import local_to_utc, today_local, utcnow
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.needs.models import Assignment, Need, NeedCategory, NeedLanguage, NeedStatus
from portal.needs.report_models import Report
from portal.oversight.periods import Period
from portal.oversight.report import category_minutes
from portal.security import scope_to
from portal.volunteers.models import (
    VolunteerEvent,
    VolunteerLanguage,
    VolunteerProfile,
    VolunteerStatus,
)


@dataclass
class Figures:
    volunteers_by_status: list[tuple[str, int]]
    needs: list[tuple[str, int]]
    median_days_to_claim: float | None
    hours_by_category: list[tuple[str, float]]
    hours_by_month: list[tuple[str, float]]
    unfilled_by_category: list[tuple[str, int]]
    languages: list[tuple[str, int, int]]
    unfilled_by_municipality: list[tuple[str, int]]
    volunteers_over_time: list[tuple[str, dict[str, int]]]


def _pairs(stmt: Any) -> dict[str, int]:
    return {row[0]: int(row[1] or 0) for row in db.session.execute(stmt)}


def _bounds(period: Period) -> tuple[datetime, datetime]:
    start = local_to_utc(datetime.combine(period.first, time()))
    end = local_to_utc(datetime.combine(period.last + timedelta(days=1), time()))
    return start, end


def volunteers_by_status(ids: set[int] | None) -> list[tuple[str, int]]:
    stmt = select(VolunteerProfile.status, func.count()).group_by(VolunteerProfile.status)
    found = _pairs(scope_to(stmt, VolunteerProfile.home_municipality_id, ids))
    return [(s.value, int(found.get(s.value, 0))) for s in VolunteerStatus]


def needs_in_period(period: Period, ids: set[int] | None) -> list[tuple[str, int]]:
    """Needs published, filled (fully claimed now), completed and cancelled in the period."""
    start, end = _bounds(period)
    published = and_(Need.published_at >= start, Need.published_at < end)
    closed = and_(Need.closed_at >= start, Need.closed_at < end)

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    stmt = select(
        count(published),
        count(and_(published, Need.status == NeedStatus.FILLED)),
        count(and_(closed, Need.status == NeedStatus.COMPLETED)),
        count(and_(closed, Need.status == NeedStatus.CANCELLED)),
    ).where(or_(published, closed))
    row = db.session.execute(scope_to(stmt, Need.municipality_id, ids)).one()
    keys = ("published", "filled", "completed", "cancelled")
    return [(key, int(value)) for key, value in zip(keys, row, strict=True)]


def _days_between(later: Any, earlier: Any) -> Any:
    """Days (fractional) from ``earlier`` to ``later``, in either database's own arithmetic."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def median_days_to_claim(period: Period, ids: set[int] | None) -> float | None:
    """Median days from publishing to the first claim, of needs published in the period;
    computed in SQL (window functions), one row or two leave the database."""
    start, end = _bounds(period)
    first_claim = (
        select(Assignment.need_id, func.min(Assignment.claimed_at).label("claimed"))
        .group_by(Assignment.need_id)
        .subquery()
    )
    days = _days_between(first_claim.c.claimed, Need.published_at).label("days")
    durations = scope_to(
        select(days)
        .join(first_claim, first_claim.c.need_id == Need.id)
        .where(Need.published_at >= start, Need.published_at < end),
        Need.municipality_id,
        ids,
    ).subquery()
    ranked = select(
        durations.c.days,
        func.row_number().over(order_by=durations.c.days).label("n"),
        func.count().over().label("total"),
    ).subquery()
    middle = select(func.avg(ranked.c.days)).where(
        ranked.c.n.in_(
            [
                (ranked.c.total + 1) // 2,  # integer division: the middle one or two
                (ranked.c.total + 2) // 2,
            ]
        )
    )
    value = db.session.scalar(middle)
    return None if value is None else round(float(value), 1)


def hours(
    period: Period, ids: set[int] | None
) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """Reported hours by category and by month (one query grouped by both)."""
    month = func.substr(func.cast(Report.activity_on, db.String), 1, 7).label("month")
    by_category: dict[str, int] = {}
    by_month: dict[str, int] = {}
    for key, category, minutes in db.session.execute(category_minutes(period, ids, month)):
        by_category[category] = by_category.get(category, 0) + int(minutes or 0)
        by_month[key] = by_month.get(key, 0) + int(minutes or 0)
    return (
        [(c.value, round(by_category.get(c.value, 0) / 60, 1)) for c in NeedCategory],
        [(key, round(by_month[key] / 60, 1)) for key in sorted(by_month)],
    )


def unfilled_by_category(ids: set[int] | None) -> list[tuple[str, int]]:
    """Open needs still short of volunteers, by category."""
    stmt = (
        select(Need.category, func.count())
        .where(Need.status == NeedStatus.OPEN, Need.taken < Need.capacity)
        .group_by(Need.category)
    )
    found = _pairs(scope_to(stmt, Need.municipality_id, ids))
    return [(c.value, int(found.get(c.value, 0))) for c in NeedCategory]


UNFILLED_PLACES = 30
"""At most this many municipalities in "unfilled needs by municipality": a county's every one;
of a state's 1,100, those where volunteers are missing most (a chart and table of 1,100 rows
made the page 430 KB)."""


def unfilled_by_municipality(ids: set[int] | None) -> list[tuple[str, int]]:
    """Open needs still short of volunteers, by municipality (where volunteers are missing):
    the municipalities in scope, the most wanting first, at most `UNFILLED_PLACES`."""
    wanting = func.count(Need.id)
    stmt = (
        select(Municipality.name, wanting)
        .outerjoin(
            Need,
            and_(
                Need.municipality_id == Municipality.id,
                Need.status == NeedStatus.OPEN,
                Need.taken < Need.capacity,
            ),
        )
        .group_by(Municipality.id, Municipality.name)
        .order_by(wanting.desc(), german(Municipality.name))
        .limit(UNFILLED_PLACES)
    )
    rows = db.session.execute(scope_to(stmt, Municipality.id, ids))
    return [(name, int(count)) for name, count in rows]


def months_of(period: Period) -> list[tuple[str, datetime]]:
    """("YYYY-MM", end of that month as naive UTC) for the period's months up to today."""
    today = today_local()
    result = []
    year, month = period.first.year, period.first.month
    while (year, month) <= (period.last.year, period.last.month):
        if (year, month) > (today.year, today.month):
            break
        following = (year + month // 12, month % 12 + 1)
        end = local_to_utc(datetime.combine(datetime(*following, 1).date(), time()))
        result.append((f"{year:04d}-{month:02d}", min(end, utcnow())))
        year, month = following
    return result


def volunteers_over_time(period: Period, ids: set[int] | None) -> list[tuple[str, dict[str, int]]]:
    """Volunteers by status at the end of each month of the period (one query): the status of
    the last status change before the month's end, or the current status for a volunteer
    without a recorded history; counted from the application on."""
    months = months_of(period)
    if not months:
        return []
    ends = union_all(
        *(
            select(literal(i).label("n"), literal(end).label("until"))
            for i, (_key, end) in enumerate(months)
        )
    ).subquery()
    latest = (
        select(VolunteerEvent.to_status)
        .where(
            VolunteerEvent.volunteer_id == VolunteerProfile.id,
            VolunteerEvent.at < ends.c.until,
            VolunteerEvent.to_status != "",
        )
        .order_by(VolunteerEvent.at.desc(), VolunteerEvent.id.desc())
        .limit(1)
        .correlate(VolunteerProfile, ends)
        .scalar_subquery()
    )
    statuses = scope_to(
        select(ends.c.n.label("n"), func.coalesce(latest, VolunteerProfile.status).label("s"))
        .select_from(VolunteerProfile)
        .join(ends, VolunteerProfile.submitted_at < ends.c.until),
        VolunteerProfile.home_municipality_id,
        ids,
    ).subquery()
    stmt = select(statuses.c.n, statuses.c.s, func.count()).group_by(statuses.c.n, statuses.c.s)
    counts = {(int(n), status): int(count) for n, status, count in db.session.execute(stmt)}
    return [
        (key, {s.value: counts.get((i, s.value), 0) for s in VolunteerStatus})
        for i, (key, _end) in enumerate(months)
    ]


def languages(ids: set[int] | None) -> list[tuple[str, int, int]]:
    """(language, open needs asking for it, approved volunteers speaking it), most asked first."""
    asked_stmt = (
        select(NeedLanguage.code, func.count())
        .join(Need, Need.id == NeedLanguage.need_id)
        .where(Need.status.in_((NeedStatus.OPEN, NeedStatus.FILLED)))
        .group_by(NeedLanguage.code)
    )
    spoken_stmt = (
        select(VolunteerLanguage.code, func.count())
        .join(VolunteerProfile, VolunteerProfile.id == VolunteerLanguage.volunteer_id)
        .where(VolunteerProfile.status == VolunteerStatus.APPROVED)
        .group_by(VolunteerLanguage.code)
    )
    asked = _pairs(scope_to(asked_stmt, Need.municipality_id, ids))
    spoken = _pairs(scope_to(spoken_stmt, VolunteerProfile.home_municipality_id, ids))
    codes = sorted(set(asked) | set(spoken), key=lambda c: (-asked.get(c, 0), c))
    return [(c, int(asked.get(c, 0)), int(spoken.get(c, 0))) for c in codes]


def figures(period: Period, ids: set[int] | None) -> Figures:
    by_category, by_month = hours(period, ids)
    return Figures(
        volunteers_by_status(ids),
        needs_in_period(period, ids),
        median_days_to_claim(period, ids),
        by_category,
        by_month,
        unfilled_by_category(ids),
        languages(ids),
        unfilled_by_municipality(ids),
        volunteers_over_time(period, ids),
    )
