"""Read side of needs: a volunteer's tasks, hours and calendar, the manager's lists of needs,
claims and reports. Every function issues a fixed number of statements.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Date, Integer, Select, String, and_, bindparam, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal.auth.models import User
from portal.core.pagination import Bound
from portal.core.time import to_local, today_local, utcnow
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.needs import schedule
from portal.needs.board_order import Period
from portal.needs.models import Assignment, AssignmentStatus, Need, NeedStatus, ScheduleKind
from portal.needs.report_models import Report
from portal.plans.models import Goal, IntegrationPlan, Step
from portal.security import managed_municipality_ids, scope_params, scope_shape, scope_to_param
from portal.volunteers.models import VolunteerProfile


def ended(now: Any, today: Any) -> Any:
    """SQL: the need's schedule is over: a weekly need's last day lies before ``today``, a
    one-off need ended before ``now`` (values or bind parameters)."""
    weekly = Need.schedule_kind == ScheduleKind.WEEKLY
    return or_(
        and_(weekly, Need.ends_on.is_not(None), Need.ends_on < today),
        and_(~weekly, func.coalesce(Need.ends_at, Need.starts_at) < now),
    )


def upcoming_claims(
    stmt: Select[Any], volunteer: Any, now: Any, today: Any, period: Period
) -> Select[Any]:
    """``stmt`` (a select of the caller's columns from `Assignment`) joined to the need and cut
    to the volunteer's upcoming claims: active, on a live need whose schedule has not ended
    (`ended`), soonest first by the next appointment from the period's first day
    (`Period.next_key`, its values in ``period.params()``). The one home of that rule for the
    pages (`portal.needs.own_tasks`) and the calendar feed (`upcoming_assignments`);
    ``volunteer``, ``now`` and ``today`` are values or bind parameters."""
    return (
        stmt.join(Need, Need.id == Assignment.need_id)
        .where(*upcoming_claim(volunteer, now, today))
        .order_by(period.next_key(), Assignment.id)
    )


def upcoming_claim(volunteer: Any, now: Any, today: Any) -> tuple[Any, ...]:
    """SQL: the conditions on `Assignment` and its `Need` of an upcoming claim of
    ``volunteer``: active, on a live need whose schedule has not ended (`ended`)."""
    return (
        Assignment.volunteer_id == volunteer,
        Assignment.status == AssignmentStatus.ACTIVE,
        Need.status.in_((NeedStatus.OPEN, NeedStatus.FILLED)),
        ~ended(now, today),
    )


def upcoming_assignments(profile: VolunteerProfile, limit: int = 50) -> list[Assignment]:
    """`upcoming_claims` as mapped objects with need and municipality, the first ``limit`` of
    them: for the calendar feed. The pages read rows (`portal.needs.own_tasks`)."""
    now, today = utcnow(), today_local()
    period = Period(now, today, None)
    stmt = upcoming_claims(select(Assignment), profile.id, now, today, period)
    return list(
        db.session.scalars(
            stmt.options(contains_eager(Assignment.need).joinedload(Need.municipality)).limit(
                limit
            ),
            period.params(),
        ).unique()
    )


@dataclass
class Hours:
    total_minutes: int = 0
    by_year: list[tuple[int, int]] = field(default_factory=list)
    by_month: list[tuple[int, int, int]] = field(default_factory=list)
    this_year: int = 0


def hours(profile: VolunteerProfile) -> Hours:
    """Reported minutes per year and per month, summed in SQL (one query, one row a month) from
    ``ix_report_volunteer_hours`` alone."""
    year = func.extract("year", Report.activity_on)
    month = func.extract("month", Report.activity_on)
    rows = db.session.execute(
        select(year, month, func.sum(Report.minutes))
        .where(Report.volunteer_id == profile.id)
        .group_by(year, month)
    ).all()
    years: dict[int, int] = defaultdict(int)
    months: dict[tuple[int, int], int] = {}
    for y, m, minutes in rows:
        years[int(y)] += int(minutes or 0)
        months[(int(y), int(m))] = int(minutes or 0)
    this_year = today_local().year
    return Hours(
        total_minutes=sum(years.values()),
        by_year=sorted(years.items(), reverse=True),
        by_month=[(y, m, v) for (y, m), v in sorted(months.items(), reverse=True)],
        this_year=years.get(this_year, 0),
    )


def hours_by_category(
    profile: VolunteerProfile, date_from: date, date_to: date
) -> list[tuple[str, int, int]]:
    """(category, number of reported activities, minutes) for the certificate of work."""
    rows = db.session.execute(
        select(Need.category, func.count(Report.id), func.sum(Report.minutes))
        .select_from(Report)
        .join(Assignment, Assignment.id == Report.assignment_id)
        .join(Need, Need.id == Assignment.need_id)
        .where(
            Report.volunteer_id == profile.id,
            Report.activity_on >= date_from,
            Report.activity_on <= date_to,
        )
        .group_by(Need.category)
        .order_by(Need.category)
    ).all()
    return [(category, int(count), int(minutes or 0)) for category, count, minutes in rows]


def calendar_occurrences(
    profile: VolunteerProfile, days: int = 120
) -> list[tuple[Assignment, datetime, datetime]]:
    """Upcoming appointments of the volunteer's active claims (weekly ones expanded)."""
    now, today = utcnow(), today_local()
    result = []
    for assignment in upcoming_assignments(profile, limit=200):
        for start, end in schedule.occurrences(
            assignment.need, today, today + timedelta(days=days)
        ):
            if end > now:
                result.append((assignment, start, end))
    result.sort(key=lambda r: r[1])
    return result


def need_for_volunteer(need_id: int) -> Need | None:
    """A need as the volunteer's need page shows it, with municipality and office, in one
    statement (the wanted languages are on the need row)."""
    return (
        db.session.scalars(
            select(Need)
            .where(Need.id == need_id)
            .options(joinedload(Need.municipality).joinedload(Municipality.office))
        )
        .unique()
        .first()
    )


def need_assignments(need: Need) -> list[Assignment]:
    """Claims of a need with volunteer and reports, active first (fixed number of queries)."""
    rows = list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.need_id == need.id)
            .options(
                joinedload(Assignment.volunteer).joinedload(VolunteerProfile.user),
                selectinload(Assignment.reports),
            )
            .order_by(Assignment.claimed_at, Assignment.id)
        ).unique()
    )
    rows.sort(key=lambda a: a.status != AssignmentStatus.ACTIVE)
    return rows


def manager_reports_stmt(user: Any, open_only: bool, concerns_only: bool = False) -> Bound:
    """Reports in the manager's municipalities: concerns and unacknowledged ones first.

    Scoped by the report's own municipality and ordered by ``ix_report_municipality_review``
    (``ix_report_review`` when unscoped), read backwards; the claim, need and volunteer are
    joined once, for the page's rows only (the bounded count reads the index alone). Built once
    per shape (the municipalities are a bind parameter)."""
    ids = managed_municipality_ids(user)
    return Bound(_reports_statement(scope_shape(ids), open_only, concerns_only), scope_params(ids))


@cache
def _reports_statement(scope: str, open_only: bool, concerns_only: bool) -> Select[Any]:
    assignment = joinedload(Report.assignment)
    stmt = (
        select(Report)
        .options(
            assignment.joinedload(Assignment.need),
            assignment.joinedload(Assignment.volunteer)
            .joinedload(VolunteerProfile.user)
            .lazyload(User.memberships),
        )
        # the unacknowledged first, concerns first, newest first; then the acknowledged ones,
        # most recently acknowledged first
        .order_by(
            Report.acknowledged_at.desc().nulls_first(),
            Report.concern_raised.desc(),
            Report.created_at.desc(),
            Report.id.desc(),
        )
    )
    stmt = scope_to_param(stmt, Report.municipality_id, scope)
    if open_only:
        stmt = stmt.where(Report.acknowledged_at.is_(None))
    if concerns_only:
        stmt = stmt.where(Report.concern_raised.is_(True))
    return stmt


def local_day(value: datetime) -> date:
    return to_local(value).date()


# --- the manager's list of needs -------------------------------------------------------


@dataclass
class NeedFilters:
    status: str | None = None
    municipality_id: int | None = None
    category: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    #: only needs nobody has claimed (no active claim)
    unclaimed: bool = False


def needs_query(user: Any, filters: NeedFilters) -> Bound:
    """Needs in the user's municipalities, newest schedule first (undated drafts on top, in the
    order of the index ``ix_need_list_order``), with what the list shows. Built once per shape
    (which filters are given, the kind of scope); the values are bind parameters."""
    ids = managed_municipality_ids(user)
    stmt = _needs_statement(
        scope_shape(ids),
        bool(filters.status),
        bool(filters.municipality_id),
        bool(filters.category),
        bool(filters.date_from),
        bool(filters.date_to),
        filters.unclaimed,
    )
    values = {
        "need_status": filters.status,
        "need_municipality": filters.municipality_id,
        "need_category": filters.category,
        "need_from": filters.date_from,
        "need_to": filters.date_to,
    }
    return Bound(stmt, {**scope_params(ids), **{k: v for k, v in values.items() if v}})


@cache
def _needs_statement(
    scope: str,
    status: bool,
    municipality: bool,
    category: bool,
    date_from: bool,
    date_to: bool,
    unclaimed: bool,
) -> Select[Any]:
    stmt = (
        select(Need)
        .options(
            joinedload(Need.municipality),
            selectinload(Need.source_step)
            .joinedload(Step.goal)
            .joinedload(Goal.plan)
            .joinedload(IntegrationPlan.client),
        )
        .order_by(Need.starts_on.desc().nulls_first(), Need.id.desc())
    )
    stmt = scope_to_param(stmt, Need.municipality_id, scope)
    if status:
        stmt = stmt.where(Need.status == bindparam("need_status", type_=String))
    if municipality:
        stmt = stmt.where(Need.municipality_id == bindparam("need_municipality", type_=Integer))
    if category:
        stmt = stmt.where(Need.category == bindparam("need_category", type_=String))
    if date_from:
        first = bindparam("need_from", type_=Date)
        stmt = stmt.where(
            or_(Need.ends_on >= first, and_(Need.ends_on.is_(None), Need.starts_on.is_not(None)))
        )
    if date_to:
        stmt = stmt.where(Need.starts_on <= bindparam("need_to", type_=Date))
    if unclaimed:
        stmt = stmt.where(Need.taken == 0)
    return stmt


@dataclass
class NeedCounts:
    claims: int = 0
    reports: int = 0
    open_concerns: int = 0


def counts_for(need_ids: list[int]) -> dict[int, NeedCounts]:
    """Active claims, reports and unacknowledged concerns per need, in one query."""
    if not need_ids:
        return {}
    rows = db.session.execute(_counts_statement(), {"need_ids": need_ids})
    return {row[0]: NeedCounts(row[1], row[2], row[3]) for row in rows}


@cache
def _counts_statement() -> Select[Any]:
    """Built once: the counts of `counts_for` of the needs ``need_ids`` (a list of ids)."""
    claims = (
        select(func.count(Assignment.id))
        .where(Assignment.need_id == Need.id, Assignment.status == AssignmentStatus.ACTIVE)
        .correlate(Need)
        .scalar_subquery()
    )
    reports = (
        select(func.count(Report.id))
        .join(Assignment, Report.assignment_id == Assignment.id)
        .where(Assignment.need_id == Need.id)
        .correlate(Need)
        .scalar_subquery()
    )
    concerns = (
        select(func.count(Report.id))
        .join(Assignment, Report.assignment_id == Assignment.id)
        .where(
            Assignment.need_id == Need.id,
            Report.concern_raised.is_(True),
            Report.acknowledged_at.is_(None),
        )
        .correlate(Need)
        .scalar_subquery()
    )
    ids = bindparam("need_ids", type_=Integer, expanding=True)
    return select(Need.id, claims, reports, concerns).where(Need.id.in_(ids))


def needs_of_step_ids(step_ids: list[int]) -> dict[int, list[Need]]:
    """Needs published from the given steps (for the plan page), in one query."""
    result: dict[int, list[Need]] = {sid: [] for sid in step_ids}
    if not step_ids:
        return result
    for need in db.session.scalars(
        select(Need).where(Need.source_step_id.in_(step_ids)).order_by(Need.id)
    ):
        result[need.source_step_id].append(need)  # type: ignore[index]
    return result
