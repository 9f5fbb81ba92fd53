"""Integration plans, goals and steps: the rules and transactions of a client's plan, and the
manager's start-page queries. Every change is audited in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Date, Integer, Select, and_, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from portal.auth.models import User
from portal.core.errors import InvalidTransition, ValidationFailed
from portal.core.pagination import Bound, count_upto
from portal.core.time import today_local
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.plans.clients import _audit, _check_manages
from portal.plans.models import (
    Client,
    ClientStatus,
    Goal,
    GoalArea,
    GoalStatus,
    IntegrationPlan,
    Partner,
    Step,
    StepActor,
    StepStatus,
)
from portal.security import managed_municipality_ids, scope_params, scope_shape, scope_to_param

REVIEW_SOON_DAYS = 14


OPEN_STEP_STATUSES = (StepStatus.OPEN, StepStatus.IN_PROGRESS)


def plan_of(client: Client) -> IntegrationPlan:
    """The client's plan; clients created elsewhere (imports, demo) get one on first use."""
    if client.plan is None:
        client.plan = IntegrationPlan()
        db.session.flush()
    return client.plan


@unit_of_work()
def update_plan(
    actor: Any, client: Client, agreed_on: date | None, next_review_on: date | None
) -> IntegrationPlan:
    _check_manages(actor, client.municipality_id)
    if agreed_on and agreed_on > today_local():
        raise ValidationFailed(
            _("Das Datum der Vereinbarung darf nicht in der Zukunft liegen."), field="agreed_on"
        )
    if agreed_on and next_review_on and next_review_on < agreed_on:
        raise ValidationFailed(
            _("Die Überprüfung kann nicht vor der Vereinbarung liegen."), field="next_review_on"
        )
    plan = plan_of(client)
    plan.agreed_on = agreed_on
    plan.next_review_on = next_review_on
    _audit("plan.updated", actor, "integration_plan", plan.id, client)
    return plan


def _validate_goal(area: str, text: str, status: str) -> None:
    if not GoalArea.has(area):
        raise ValidationFailed(_("Bitte wählen Sie einen Bereich."), field="area")
    if not GoalStatus.has(status):
        raise ValidationFailed(_("Unbekannter Status."), field="status")
    if not text.strip():
        raise ValidationFailed(_("Bitte beschreiben Sie das Ziel."), field="text")


@unit_of_work()
def add_goal(actor: Any, client: Client, area: str, text: str, status: str) -> Goal:
    _check_manages(actor, client.municipality_id)
    _validate_goal(area, text, status)
    goal = Goal(plan=plan_of(client), area=area, text=text.strip(), status=status)
    db.session.add(goal)
    db.session.flush()
    _audit("goal.created", actor, "goal", goal.id, client)
    return goal


@unit_of_work()
def update_goal(actor: Any, goal: Goal, area: str, text: str, status: str) -> Goal:
    client = goal.plan.client
    _check_manages(actor, client.municipality_id)
    _validate_goal(area, text, status)
    goal.area, goal.text, goal.status = area, text.strip(), status
    _audit("goal.updated", actor, "goal", goal.id, client)
    return goal


def offers_achievement(goal: Goal) -> bool:
    """Every counted step of an open goal is done: the manager is offered to mark it achieved."""
    done, counted = goal_progress(goal)
    return (
        counted > 0 and done == counted and goal.status in (GoalStatus.OPEN, GoalStatus.IN_PROGRESS)
    )


@unit_of_work()
def achieve_goal(actor: Any, goal: Goal) -> Goal:
    """Mark a goal achieved once all its steps are done (dropped steps do not count)."""
    client = goal.plan.client
    _check_manages(actor, client.municipality_id)
    if not offers_achievement(goal):
        raise InvalidTransition(
            _("Das Ziel kann erst als erreicht gelten, wenn alle Schritte erledigt sind.")
        )
    goal.status = GoalStatus.ACHIEVED
    _audit("goal.achieved", actor, "goal", goal.id, client)
    return goal


@dataclass
class StepInput:
    text: str
    due_on: date | None = None
    status: str = StepStatus.OPEN
    actor: str = StepActor.CLIENT
    partner: str = ""


def _validate_step(data: StepInput, previous_due: date | None = None) -> None:
    if not data.text.strip():
        raise ValidationFailed(_("Bitte beschreiben Sie den Schritt."), field="text")
    if not StepStatus.has(data.status):
        raise ValidationFailed(_("Unbekannter Status."), field="status")
    if not StepActor.has(data.actor):
        raise ValidationFailed(_("Bitte wählen Sie, wer handelt."), field="actor")
    if data.partner and not Partner.has(data.partner):
        raise ValidationFailed(_("Unbekannter Partner."), field="partner")
    if data.actor == StepActor.PARTNER and not data.partner:
        raise ValidationFailed(_("Bitte wählen Sie den Partner."), field="partner")
    if (
        data.due_on
        and data.due_on != previous_due
        and data.due_on < today_local()
        and data.status in OPEN_STEP_STATUSES
    ):
        raise ValidationFailed(
            _("Das Fälligkeitsdatum darf nicht in der Vergangenheit liegen."), field="due_on"
        )


@unit_of_work()
def add_step(actor: Any, goal: Goal, data: StepInput) -> Step:
    client = goal.plan.client
    _check_manages(actor, client.municipality_id)
    _validate_step(data)
    step = Step(goal=goal)
    _apply_step(step, data)
    db.session.add(step)
    db.session.flush()
    _audit("step.created", actor, "step", step.id, client)
    return step


@unit_of_work()
def update_step(actor: Any, step: Step, data: StepInput) -> Step:
    client = step.goal.plan.client
    _check_manages(actor, client.municipality_id)
    _validate_step(data, previous_due=step.due_on)
    _apply_step(step, data)
    _audit("step.updated", actor, "step", step.id, client)
    return step


def _apply_step(step: Step, data: StepInput) -> None:
    step.text = data.text.strip()
    step.due_on = data.due_on
    step.status = data.status
    step.actor = data.actor
    step.partner = data.partner if data.actor == StepActor.PARTNER else ""


def goal_progress(goal: Goal) -> tuple[int, int]:
    """(done, counted) steps of a goal; dropped steps do not count."""
    counted = [s for s in goal.steps if s.status != StepStatus.DROPPED]
    return sum(1 for s in counted if s.status == StepStatus.DONE), len(counted)


def is_overdue(step: Step, today: date | None = None) -> bool:
    today = today or today_local()
    return bool(step.due_on and step.due_on < today and step.status in OPEN_STEP_STATUSES)


def load_plan(client: Client) -> IntegrationPlan:
    """The plan with goals and steps loaded in a bounded number of queries."""
    plan = plan_of(client)
    db.session.scalars(
        select(Goal)
        .where(Goal.plan_id == plan.id)
        .options(selectinload(Goal.steps))
        .execution_options(populate_existing=True)
    ).all()
    return plan


def plans_due_for_review(user: Any, within_days: int = REVIEW_SOON_DAYS) -> Bound:
    """Plans of active clients whose review is due within ``within_days`` (or overdue)."""
    ids = managed_municipality_ids(user)
    until = today_local() + timedelta(days=within_days)
    return Bound(_reviews_statement(scope_shape(ids)), {**scope_params(ids), "review_until": until})


@cache
def _reviews_statement(scope: str) -> Select[Any]:
    """Built once per kind of scope (the last day and the municipalities are bind
    parameters)."""
    stmt = (
        select(IntegrationPlan)
        .join(IntegrationPlan.client)
        .options(joinedload(IntegrationPlan.client).joinedload(Client.municipality))
        .where(
            Client.status == ClientStatus.ACTIVE,
            IntegrationPlan.next_review_on.is_not(None),
            IntegrationPlan.next_review_on <= bindparam("review_until", type_=Date),
        )
        .order_by(IntegrationPlan.next_review_on, IntegrationPlan.id)
    )
    return scope_to_param(stmt, Client.municipality_id, scope)


def overdue_steps(user: Any, mine_only_manager: User | None = None) -> Bound:
    """Open steps past their due date, of active clients the user manages."""
    ids = managed_municipality_ids(user)
    values = {**scope_params(ids), "overdue_before": today_local()}
    if mine_only_manager is not None:
        values["step_manager"] = mine_only_manager.id
    return Bound(_overdue_statement(scope_shape(ids), mine_only_manager is not None), values)


@cache
def _overdue_statement(scope: str, mine_only: bool) -> Select[Any]:
    """Built once per shape (the day, the manager and the municipalities are bind
    parameters)."""
    stmt = (
        select(Step)
        .join(Step.goal)
        .join(Goal.plan)
        .join(IntegrationPlan.client)
        .options(joinedload(Step.goal).joinedload(Goal.plan).joinedload(IntegrationPlan.client))
        .where(
            Client.status == ClientStatus.ACTIVE,
            Step.status.in_(OPEN_STEP_STATUSES),
            and_(Step.due_on.is_not(None), Step.due_on < bindparam("overdue_before", type_=Date)),
        )
        .order_by(Step.due_on, Step.id)
    )
    if mine_only:
        stmt = stmt.where(Client.manager_id == bindparam("step_manager", type_=Integer))
    return scope_to_param(stmt, Client.municipality_id, scope)


#: the start page counts its lists this far ("100+"): the same cost for any backlog
COUNTED = 100


def count_of(stmt: Bound) -> int:
    """The rows of ``stmt``, counted up to `COUNTED` + 1 (more is shown as "100+")."""
    return count_upto(stmt, COUNTED)
