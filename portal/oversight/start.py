"""The work of the day on each role's start page. Every figure comes with the address of the
list it counts, filtered the same way, so a count is always a link to what it counts.

Each function runs a fixed number of queries, whatever the amount of data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any, NamedTuple

from flask import url_for
from sqlalchemy import Select, func, select

from portal.auth.models import Role
from portal.core.pagination import Bound, count_upto, counts_upto, first_items
from portal.core.time import to_local, today_local, utcnow
from portal.extensions import db
from portal.municipalities.models import Office
from portal.needs import own_tasks
from portal.needs import queries as needs
from portal.needs.matching import BoardFilters, board
from portal.needs.models import NeedStatus
from portal.plans import services as plans
from portal.security import coordinated_municipality_ids, scope_params, scope_shape, scope_to_param
from portal.volunteers import queue as volunteers
from portal.volunteers.certificates import EXPIRED, EXPIRING
from portal.volunteers.models import VolunteerProfile, VolunteerStatus

#: items a start-page list shows before "all …"
PREVIEW = 5
#: needs still without a claim this many days before their date are flagged
UNCLAIMED_DAYS = 7
FITTING = 3


COUNTED = 100
"""Start-page counts of lists stop here ("100+"): they cost the same for any backlog."""


@dataclass(frozen=True)
class Figure:
    """A count on a start page and the list it counts."""

    count: int
    url: str

    @property
    def shown(self) -> str:
        return f"{COUNTED}+" if self.count > COUNTED else str(self.count)


def _bounded(stmt: Any) -> int:
    return count_upto(stmt, COUNTED)


# --- volunteer ------------------------------------------------------------------------------


def volunteer_work(profile: VolunteerProfile) -> dict[str, Any]:
    """Reports still to file, the best-fitting open needs and the certificate's state."""
    due, total = own_tasks.reports_due(profile, PREVIEW, COUNTED)
    fitting = None
    if profile.status == VolunteerStatus.APPROVED:
        fitting = board(profile, BoardFilters(sort="fit"), per_page=FITTING)
    return {
        "reports_due": due,
        "reports_due_total": Figure(total, url_for("board.my_tasks")),
        "fitting": fitting,
    }


def certificate_warning(state: Any) -> Any:
    """The certificate's state when the volunteer should act on it (expiring or expired)."""
    return state if state.kind in (EXPIRING, EXPIRED) else None


# --- coordinator ----------------------------------------------------------------------------


def coordinator_work(user: Any) -> dict[str, Any]:
    """Applications waiting (oldest first, with their age), certificates running out within 8
    weeks, approved volunteers without a task for three months, volunteers by status."""
    today, now = today_local(), utcnow()
    queue = "coordination.queue"
    waiting = volunteers.queue_statement(user, volunteers.QueueFilters(status="pending"))
    ids = coordinated_municipality_ids(user)
    statements = _coordinator_statements(scope_shape(ids))
    scope = scope_params(ids)
    found = db.session.execute(statements.by_status, scope)
    by_status: dict[str, int] = {row[0]: int(row[1]) for row in found}
    values = {**scope, **volunteers.expiring_params(today), **volunteers.idle_params(now)}
    expiring_count, *idle_counts = counts_upto(
        [Bound(statements.expiring, values), *(Bound(idle, values) for idle in statements.idle)],
        COUNTED,
    )
    idle_count = sum(idle_counts)
    return {
        "waiting": [
            (p, (today - to_local(p.submitted_at).date()).days)
            for p in first_items(waiting, PREVIEW)
        ],
        "waiting_total": Figure(
            int(by_status.get(VolunteerStatus.PENDING, 0)), url_for(queue, status="pending")
        ),
        "expiring": Figure(expiring_count, url_for(queue, certificate="expiring")),
        "idle": Figure(idle_count, url_for(queue, idle=1)),
        "by_status": [
            (status.value, Figure(int(by_status.get(status, 0)), url_for(queue, status=status)))
            for status in VolunteerStatus
        ],
    }


class _CoordinatorStatements(NamedTuple):
    by_status: Select[Any]
    expiring: Select[Any]
    idle: tuple[Select[Any], ...]
    """Counted apart, each read from one index range (`portal.volunteers.queue.idle_parts`)."""


@cache
def _coordinator_statements(scope: str) -> _CoordinatorStatements:
    """Built once per kind of scope: the days and the municipalities are bind parameters."""
    home = VolunteerProfile.home_municipality_id
    by_status = select(VolunteerProfile.status, func.count()).group_by(VolunteerProfile.status)
    expiring = select(VolunteerProfile.id).where(volunteers.expiring_between(*volunteers.EXPIRING))
    idle = (
        scope_to_param(select(VolunteerProfile.id).where(part), home, scope)
        for part in volunteers.idle_parts(volunteers.IDLE_SINCE)
    )
    return _CoordinatorStatements(
        scope_to_param(by_status, home, scope),
        scope_to_param(expiring, home, scope),
        tuple(idle),
    )


# --- manager --------------------------------------------------------------------------------


def manager_work(user: Any) -> dict[str, Any]:
    """Plan reviews due, overdue steps, open concerns, reports to acknowledge, and needs
    nobody has claimed a week before their date."""
    today = today_local()
    soon = today + timedelta(days=UNCLAIMED_DAYS)
    unclaimed = needs.needs_query(
        user,
        needs.NeedFilters(status=NeedStatus.OPEN, date_from=today, date_to=soon, unclaimed=True),
    )
    reviews = plans.plans_due_for_review(user)
    counted = counts_upto(
        [
            reviews,
            plans.overdue_steps(user),
            needs.manager_reports_stmt(user, True, True),
            needs.manager_reports_stmt(user, True),
            unclaimed,
        ],
        COUNTED,
    )
    return {
        "reviews": first_items(reviews, PREVIEW),
        "reviews_total": Figure(counted[0], url_for("plans.start") + "#reviews-heading"),
        "overdue": Figure(counted[1], url_for("plans.start") + "#overdue-heading"),
        "concerns": Figure(counted[2], url_for("needs.reports", concerns=1)),
        "to_acknowledge": Figure(counted[3], url_for("needs.reports")),
        "unclaimed": Figure(
            counted[4],
            url_for(
                "needs.index",
                status=NeedStatus.OPEN,
                date_from=today.isoformat(),
                date_to=soon.isoformat(),
                unclaimed="y",
            ),
        ),
    }


def office_lead_work(user: Any) -> dict[str, Any]:
    """The offices an office lead answers for, each with its statistics and its report."""
    ids = {m.office_id for m in user.memberships if m.role == Role.OFFICE_LEAD and m.office_id}
    offices = (
        db.session.scalars(select(Office).where(Office.id.in_(ids)).order_by(Office.name)).all()
        if ids
        else []
    )
    return {
        "offices": [
            (o.name, url_for("oversight.dashboard", office=o.id), url_for("oversight.report"))
            for o in offices
        ]
    }
