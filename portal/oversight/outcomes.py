"""Plan outcomes for the managers' and the county's statistics: goals by area opened,
achieved and dropped in the period, steps done by who acted (and which partner), and plans
whose review is overdue. Counts only, in three grouped queries; no client is named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select

from portal.core.time import local_to_utc, today_local
from portal.extensions import db
from portal.oversight.periods import Period
from portal.plans.models import (
    Client,
    ClientStatus,
    Goal,
    GoalArea,
    GoalStatus,
    IntegrationPlan,
    Step,
)
from portal.security import scope_to


@dataclass
class Outcomes:
    goals: list[tuple[str, int, int, int]]  # area, opened, achieved, dropped
    steps: list[tuple[str, str, int]]  # actor, partner ("" for none), done
    reviews_overdue: int


def _sum(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def outcomes(period: Period, ids: set[int] | None) -> Outcomes:
    start = local_to_utc(datetime.combine(period.first, time()))
    end = local_to_utc(datetime.combine(period.last + timedelta(days=1), time()))
    closed = and_(Goal.closed_on >= period.first, Goal.closed_on <= period.last)
    goals_stmt = (
        select(
            Goal.area,
            _sum(and_(Goal.created_at >= start, Goal.created_at < end)),
            _sum(and_(closed, Goal.status == GoalStatus.ACHIEVED)),
            _sum(and_(closed, Goal.status == GoalStatus.DROPPED)),
        )
        .join(IntegrationPlan, IntegrationPlan.id == Goal.plan_id)
        .join(Client, Client.id == IntegrationPlan.client_id)
        .group_by(Goal.area)
    )
    found = {
        row[0]: (int(row[1]), int(row[2]), int(row[3]))
        for row in db.session.execute(scope_to(goals_stmt, Client.municipality_id, ids))
    }
    steps_stmt = (
        select(Step.actor, Step.partner, func.count())
        .join(Goal, Goal.id == Step.goal_id)
        .join(IntegrationPlan, IntegrationPlan.id == Goal.plan_id)
        .join(Client, Client.id == IntegrationPlan.client_id)
        .where(Step.done_on >= period.first, Step.done_on <= period.last)
        .group_by(Step.actor, Step.partner)
        .order_by(Step.actor, Step.partner)
    )
    steps = [
        (actor, partner or "", int(n))
        for actor, partner, n in db.session.execute(
            scope_to(steps_stmt, Client.municipality_id, ids)
        )
    ]
    overdue_stmt = (
        select(func.count(IntegrationPlan.id))
        .join(Client, Client.id == IntegrationPlan.client_id)
        .where(Client.status == ClientStatus.ACTIVE, IntegrationPlan.next_review_on < today_local())
    )
    overdue = db.session.scalar(scope_to(overdue_stmt, Client.municipality_id, ids)) or 0
    return Outcomes(
        [(a.value, *found.get(a.value, (0, 0, 0))) for a in GoalArea],
        steps,
        int(overdue),
    )
