"""A volunteer's own tasks as their start page and "My tasks" show them: rows of the few
columns shown, not mapped objects, each list cut (and counted, bounded) in SQL.

The statements are built once (their values are bind parameters), so a page costs the same
for a volunteer with 3 claims as for one with 300.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Date, DateTime, Integer, Select, bindparam, func, or_, select

from portal.core.constants_sql import inline_constants, written_in
from portal.core.pagination import ListPage, rows_page
from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.needs import schedule
from portal.needs.board_order import Period
from portal.needs.models import SCHEDULE_COLUMNS, Assignment, AssignmentStatus, Need, NeedStatus
from portal.needs.queries import ended, upcoming_claims
from portal.needs.report_models import Report


@dataclass(frozen=True, slots=True)
class UpcomingTask(schedule.Schedule):
    """An active claim whose schedule has not ended: the need's schedule (first: its
    statement selects `schedule.FIELDS` first), the claim's id and what its card shows of the
    need. The schedule's attribute names are `Need`'s, so the schedule filter and
    `portal.needs.schedule` read it as they read a need."""

    id: int
    need_id: int
    title: str
    municipality_name: str
    change_notified_at: datetime | None
    change_confirmed_at: datetime | None


TASK_COLUMNS = len(fields(UpcomingTask))


def _ended() -> Any:
    """`ended` as of the bind parameters ``now`` and ``today``."""
    return ended(bindparam("now", type_=DateTime), bindparam("today", type_=Date))


_UPCOMING: dict[tuple[Any, ...], tuple[Select[Any], Select[Any]]] = {}

UPCOMING_PAGE = "upcoming"
"""The query parameter of the page of "My tasks"' upcoming list (``?page=`` pages the past)."""


def _upcoming(period: Period, first: bool = False) -> Select[Any]:
    """All of them (paged by `rows_page`) or the ``limit`` first: built once per shape of the
    period (today's: always the same), as SQLAlchemy would work out the cache key of a
    statement built anew on every request."""
    found = _UPCOMING.get(period.shape)
    if found is None:
        every = inline_constants(_upcoming_stmt(period))
        found = _UPCOMING[period.shape] = (every, every.limit(bindparam("limit", type_=Integer)))
    return found[1] if first else found[0]


def _upcoming_stmt(period: Period) -> Select[Any]:
    """The upcoming claims' rows, the next appointment's key last (`rows_page` orders by it)."""
    stmt = select(
        *SCHEDULE_COLUMNS,
        Assignment.id,
        Assignment.need_id,
        Need.title,
        Municipality.name,
        Assignment.change_notified_at,
        Assignment.change_confirmed_at,
        period.next_key().label("next_key"),
    ).select_from(Assignment)
    now, today = bindparam("now", type_=DateTime), bindparam("today", type_=Date)
    volunteer = bindparam("volunteer", type_=Integer)
    return upcoming_claims(stmt, volunteer, now, today, period).join(
        Municipality, Municipality.id == Need.municipality_id
    )


def _with_next(
    rows: Any, now: datetime
) -> list[tuple[UpcomingTask, tuple[datetime, datetime] | None]]:
    tasks = [UpcomingTask(*row[:TASK_COLUMNS]) for row in rows]
    return [(task, schedule.next_occurrence(task, now)) for task in tasks]


def _upcoming_params(profile: Any) -> tuple[datetime, Period, dict[str, Any]]:
    now, today = utcnow(), today_local()
    period = Period(now, today, None)
    params = {"volunteer": profile.id, "now": now, "today": today, **period.params()}
    return now, period, params


def upcoming_with_next(
    profile: Any, limit: int = 50
) -> list[tuple[UpcomingTask, tuple[datetime, datetime] | None]]:
    """The volunteer's first ``limit`` active claims whose schedule has not ended, soonest
    first, each with its next appointment (`schedule.next_occurrence`). The order is the next
    appointment's, computed in SQL (`Period.next_key`, as the board orders): the volunteer's
    active claims are read from their index and ordered there, and only the ``limit`` soonest
    come back, however many the volunteer holds."""
    now, period, params = _upcoming_params(profile)
    rows = db.session.execute(_upcoming(period, first=True), {**params, "limit": limit})
    return _with_next(rows, now)


def upcoming_page(profile: Any) -> ListPage:
    """The ``?upcoming=`` page of `upcoming_with_next` (all of them, soonest first) and their
    bounded count, in one statement: the items are (task, next appointment) pairs."""
    now, period, params = _upcoming_params(profile)
    page = rows_page(_upcoming(period), params, ("next_key", "id"), param=UPCOMING_PAGE)
    page.items = _with_next(page.items, now)
    return page


@cache
def _due_preview() -> Select[Any]:
    """Claims the volunteer still has to report on (not withdrawn or released, the need
    completed or its appointment over, not reported on yet), oldest first: the first ``shown``
    of them, each row with the number of all of them counted up to ``counted`` + 1. Read from
    ``ix_assignment_report_due`` (its conditions written in, as the plan must see them): the
    volunteer's claims not reported on, not every claim they ever held."""
    due = (
        select(Assignment.id, Need.title, Need.starts_on)
        .join(Need, Need.id == Assignment.need_id)
        .where(
            Assignment.volunteer_id == bindparam("volunteer", type_=Integer),
            Assignment.reported_at.is_(None),
            Assignment.status.in_(
                [written_in(AssignmentStatus.ACTIVE), written_in(AssignmentStatus.COMPLETED)]
            ),
            or_(Need.status == NeedStatus.COMPLETED, _ended()),
        )
        .order_by(Need.starts_on, Assignment.id)
        .limit(bindparam("counted", type_=Integer) + 1)
        .subquery("due")
    )
    return inline_constants(
        select(due.c.id, due.c.title, func.count().over())
        .order_by(due.c.starts_on, due.c.id)
        .limit(bindparam("shown", type_=Integer))
    )


class DueReport(NamedTuple):
    """A claim the volunteer still has to report on."""

    id: int
    title: str


def reports_due(profile: Any, shown: int, counted: int) -> tuple[list[DueReport], int]:
    """The first ``shown`` claims still to report on (oldest first) and how many there are,
    counted up to ``counted`` + 1, in one statement."""
    now, today = utcnow(), today_local()
    params = {"volunteer": profile.id, "now": now, "today": today}
    rows = db.session.execute(_due_preview(), {**params, "shown": shown, "counted": counted})
    found = [(DueReport(row[0], row[1]), int(row[2])) for row in rows]
    return [due for due, _total in found], found[0][1] if found else 0


@cache
def _minutes_between() -> Select[Any]:
    """The minutes of the volunteer's reports on activities between two days, summed from
    ``ix_report_volunteer_hours`` alone."""
    return select(func.coalesce(func.sum(Report.minutes), 0)).where(
        Report.volunteer_id == bindparam("volunteer", type_=Integer),
        Report.activity_on >= bindparam("first", type_=Date),
        Report.activity_on <= bindparam("last", type_=Date),
    )


def minutes_this_year(profile: Any) -> int:
    """The minutes the volunteer reported for activities of this (local) year."""
    year = today_local().year
    params = {"volunteer": profile.id, "first": date(year, 1, 1), "last": date(year, 12, 31)}
    return int(db.session.execute(_minutes_between(), params).scalar() or 0)


class PastTask(NamedTuple):
    """An ended or finished claim as the list of past tasks shows it."""

    id: int
    need_id: int
    title: str
    category: str
    status: str
    claimed_at: datetime
    reported_minutes: int


@cache
def _past() -> Select[Any]:
    """Ended or finished claims, newest first, with the minutes reported on each."""
    reported = (
        select(func.coalesce(func.sum(Report.minutes), 0))
        .where(Report.assignment_id == Assignment.id)
        .scalar_subquery()
    )
    return (
        select(
            Assignment.id,
            Assignment.need_id,
            Need.title,
            Need.category,
            Assignment.status,
            Assignment.claimed_at,
            reported.label("reported_minutes"),
        )
        .join(Need, Need.id == Assignment.need_id)
        .where(
            Assignment.volunteer_id == bindparam("volunteer", type_=Integer),
            or_(
                Assignment.status != AssignmentStatus.ACTIVE,
                Need.status.not_in((NeedStatus.OPEN, NeedStatus.FILLED)),
                _ended(),
            ),
        )
        .order_by(Assignment.claimed_at.desc(), Assignment.id.desc())
    )


def past_tasks(profile: Any) -> ListPage:
    """The ``?page=`` of the volunteer's ended or finished claims, newest first, and their
    bounded count, in one statement."""
    params = {"volunteer": profile.id, "now": utcnow(), "today": today_local()}
    page = rows_page(_past(), params, ("claimed_at", "id"), descending=True)
    page.items = [PastTask._make(row) for row in page.items]
    return page


def start_page(profile: Any) -> dict[str, Any]:
    """The next appointments and the hours of this year for the volunteer's start page."""
    upcoming = [(task, nxt[0]) for task, nxt in upcoming_with_next(profile, limit=3) if nxt]
    return {"upcoming": upcoming, "hours_this_year": minutes_this_year(profile)}
