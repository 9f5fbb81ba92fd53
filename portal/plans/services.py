"""Clients, integration plans, goals and steps: the rules and the transactions.

Every function takes the acting user, checks that the actor manages the client's
municipality (or is an admin), and commits once. Views stay thin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, insert, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from portal.audit.services import record
from portal.auth.models import Membership, Role, User
from portal.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.core.time import today_local
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.plans.models import (
    Client,
    ClientStatus,
    Goal,
    GoalArea,
    GoalStatus,
    IntegrationPlan,
    Partner,
    ReferenceCounter,
    Step,
    StepActor,
    StepStatus,
)
from portal.security import managed_municipality_ids, may_manage_municipality, may_see_client

REVIEW_SOON_DAYS = 14
OPEN_STEP_STATUSES = (StepStatus.OPEN, StepStatus.IN_PROGRESS)


# --- pseudonymous references ---------------------------------------------------------------


def _insert_counter_if_missing(prefix: str, year: int) -> None:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the dialect at hand (both support it)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - only the two supported databases
        exists = db.session.get(ReferenceCounter, (prefix, year))
        if exists is None:
            db.session.execute(insert(ReferenceCounter).values(prefix=prefix, year=year))
        return
    db.session.execute(
        dialect_insert(ReferenceCounter)
        .values(prefix=prefix, year=year, last_value=0)
        .on_conflict_do_nothing(index_elements=["prefix", "year"])
    )


def allocate_reference(year: int | None = None) -> str:
    """The next pseudonymous reference, e.g. ``RA-2026-0173``, inside the caller's transaction.

    The counter row is incremented with one conditional ``UPDATE ... RETURNING``: PostgreSQL
    keeps the updated row locked until the caller commits, SQLite runs the whole transaction
    under ``BEGIN IMMEDIATE``. Two concurrent creations therefore never get the same number.
    Numbers of rolled-back transactions are not reused (gaps are fine).
    """
    prefix = current_app.config["COUNTY_REFERENCE_PREFIX"]
    year = year or today_local().year
    _insert_counter_if_missing(prefix, year)
    value = db.session.execute(
        update(ReferenceCounter)
        .where(ReferenceCounter.prefix == prefix, ReferenceCounter.year == year)
        .values(last_value=ReferenceCounter.last_value + 1)
        .returning(ReferenceCounter.last_value)
    ).scalar_one()
    return f"{prefix}-{year}-{value:04d}"


# --- scope -----------------------------------------------------------------------------------


def scoped(stmt: Select[Any], user: Any, column: Any) -> Select[Any]:
    """Restrict ``stmt`` to the municipalities ``user`` manages (admins: everything)."""
    ids = managed_municipality_ids(user)
    if ids is None:
        return stmt
    return stmt.where(column.in_(ids or {-1}))


def manageable_municipalities(user: Any) -> list[Municipality]:
    return list(
        db.session.scalars(
            scoped(select(Municipality).order_by(Municipality.name), user, Municipality.id)
        )
    )


def managers_for(user: Any) -> list[User]:
    """Managers whose scope overlaps the municipalities ``user`` manages (form choices)."""
    stmt = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(Municipality, Municipality.office_id == Membership.office_id)
        .where(Membership.role == Role.MANAGER, User.active.is_(True))
        .order_by(User.display_name)
        .distinct()
    )
    ids = managed_municipality_ids(user)
    if ids is not None:
        stmt = stmt.where(
            or_(Membership.municipality_id.in_(ids or {-1}), Municipality.id.in_(ids or {-1}))
        )
    return list(db.session.scalars(stmt))


def _check_manages(actor: Any, municipality_id: int | None) -> None:
    if not may_manage_municipality(actor, municipality_id):
        raise NotAllowed(_("Sie betreuen diese Gemeinde nicht."))


# --- clients ---------------------------------------------------------------------------------


@dataclass
class ClientInput:
    name: str
    municipality_id: int
    contact: str = ""
    languages: list[str] = field(default_factory=list)
    adults: int = 1
    children: list[int] = field(default_factory=list)
    manager_id: int | None = None


def _audit_and_commit(
    action: str, actor: Any, object_type: str, object_id: int, client: Client
) -> None:
    """Every change of a client's case ends here: one audit event, then the commit."""
    record(
        action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        municipality_id=client.municipality_id,
    )
    db.session.commit()


def _validate_client(data: ClientInput) -> None:
    if not data.name.strip():
        raise ValidationFailed(_("Bitte geben Sie einen Namen ein."), field="name")
    if data.adults < 0 or data.adults > 30:
        raise ValidationFailed(_("Bitte geben Sie eine plausible Zahl an."), field="adults")
    this_year = today_local().year
    for year in data.children:
        if year < this_year - 27 or year > this_year:
            raise ValidationFailed(
                _(
                    "Bitte geben Sie Geburtsjahre zwischen %(a)d und %(b)d an.",
                    a=this_year - 27,
                    b=this_year,
                ),
                field="children",
            )
    if data.adults + len(data.children) < 1:
        raise ValidationFailed(_("Ein Haushalt hat mindestens eine Person."), field="adults")
    if data.manager_id is not None:
        manager = db.session.get(User, data.manager_id)
        if (
            manager is None
            or Role.MANAGER not in manager.roles
            or not may_manage_municipality(manager, data.municipality_id)
        ):
            raise ValidationFailed(
                _("Diese Person ist nicht als Integrationsmanager/in für die Gemeinde zuständig."),
                field="manager_id",
            )


def _apply_client(client: Client, data: ClientInput) -> None:
    client.name = data.name.strip()
    client.contact = data.contact.strip()
    client.municipality_id = data.municipality_id
    client.languages = list(dict.fromkeys(data.languages))
    client.household = {"adults": data.adults, "children": sorted(data.children)}
    client.manager_id = data.manager_id


def create_client(actor: Any, data: ClientInput) -> Client:
    """Create a client with a fresh pseudonymous reference and an empty integration plan."""
    _check_manages(actor, data.municipality_id)
    _validate_client(data)
    client = Client(reference=allocate_reference(), status=ClientStatus.ACTIVE)
    _apply_client(client, data)
    client.plan = IntegrationPlan()
    db.session.add(client)
    db.session.flush()
    record(
        "client.created",
        actor=actor,
        object_type="client",
        object_id=client.id,
        municipality_id=client.municipality_id,
        reference=client.reference,
    )
    db.session.commit()
    return client


def update_client(actor: Any, client: Client, data: ClientInput) -> Client:
    _check_manages(actor, client.municipality_id)
    _check_manages(actor, data.municipality_id)
    _validate_client(data)
    _apply_client(client, data)
    _audit_and_commit("client.updated", actor, "client", client.id, client)
    return client


def close_client(actor: Any, client: Client, closed_on: date | None = None) -> Client:
    """Close a client's case (status closed, with the date)."""
    _check_manages(actor, client.municipality_id)
    if client.status == ClientStatus.CLOSED:
        raise InvalidTransition(_("Der Fall ist bereits abgeschlossen."))
    closed_on = closed_on or today_local()
    if closed_on > today_local():
        raise ValidationFailed(_("Das Datum darf nicht in der Zukunft liegen."), field="closed_on")
    client.status = ClientStatus.CLOSED
    client.closed_on = closed_on
    _audit_and_commit("client.closed", actor, "client", client.id, client)
    return client


def reopen_client(actor: Any, client: Client) -> Client:
    _check_manages(actor, client.municipality_id)
    if client.status != ClientStatus.CLOSED:
        raise InvalidTransition(_("Der Fall ist nicht abgeschlossen."))
    client.status = ClientStatus.ACTIVE
    client.closed_on = None
    _audit_and_commit("client.reopened", actor, "client", client.id, client)
    return client


def record_client_view(actor: Any, client: Client, page: str = "client") -> None:
    """Every look at a client's page (or plan) is audited (special-category data)."""
    if not may_see_client(actor, client):
        raise NotAllowed(_("Kein Zugriff."))
    record(
        "client.viewed",
        actor=actor,
        object_type="client",
        object_id=client.id,
        municipality_id=client.municipality_id,
        page=page,
    )
    db.session.commit()


def clients_query(
    user: Any,
    *,
    status: str | None = None,
    municipality_id: int | None = None,
    q: str | None = None,
) -> Select[Any]:
    stmt = (
        select(Client)
        .options(
            joinedload(Client.municipality),
            joinedload(Client.manager),
            joinedload(Client.plan),
        )
        .order_by(Client.reference.desc())
    )
    stmt = scoped(stmt, user, Client.municipality_id)
    if status:
        stmt = stmt.where(Client.status == status)
    if municipality_id:
        stmt = stmt.where(Client.municipality_id == municipality_id)
    if q:
        pattern = f"%{q.strip().lower()}%"
        stmt = stmt.where(
            or_(func.lower(Client.reference).like(pattern), func.lower(Client.name).like(pattern))
        )
    return stmt


# --- plans, goals, steps ---------------------------------------------------------------------


def plan_of(client: Client) -> IntegrationPlan:
    """The client's plan; clients created elsewhere (imports, demo) get one on first use."""
    if client.plan is None:
        client.plan = IntegrationPlan()
        db.session.flush()
    return client.plan


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
    _audit_and_commit("plan.updated", actor, "integration_plan", plan.id, client)
    return plan


def _validate_goal(area: str, text: str, status: str) -> None:
    if area not in GoalArea.ALL:
        raise ValidationFailed(_("Bitte wählen Sie einen Bereich."), field="area")
    if status not in GoalStatus.ALL:
        raise ValidationFailed(_("Unbekannter Status."), field="status")
    if not text.strip():
        raise ValidationFailed(_("Bitte beschreiben Sie das Ziel."), field="text")


def add_goal(actor: Any, client: Client, area: str, text: str, status: str) -> Goal:
    _check_manages(actor, client.municipality_id)
    _validate_goal(area, text, status)
    goal = Goal(plan=plan_of(client), area=area, text=text.strip(), status=status)
    db.session.add(goal)
    db.session.flush()
    _audit_and_commit("goal.created", actor, "goal", goal.id, client)
    return goal


def update_goal(actor: Any, goal: Goal, area: str, text: str, status: str) -> Goal:
    client = goal.plan.client
    _check_manages(actor, client.municipality_id)
    _validate_goal(area, text, status)
    goal.area, goal.text, goal.status = area, text.strip(), status
    _audit_and_commit("goal.updated", actor, "goal", goal.id, client)
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
    if data.status not in StepStatus.ALL:
        raise ValidationFailed(_("Unbekannter Status."), field="status")
    if data.actor not in StepActor.ALL:
        raise ValidationFailed(_("Bitte wählen Sie, wer handelt."), field="actor")
    if data.partner and data.partner not in Partner.ALL:
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


def add_step(actor: Any, goal: Goal, data: StepInput) -> Step:
    client = goal.plan.client
    _check_manages(actor, client.municipality_id)
    _validate_step(data)
    step = Step(goal=goal)
    _apply_step(step, data)
    db.session.add(step)
    db.session.flush()
    _audit_and_commit("step.created", actor, "step", step.id, client)
    return step


def update_step(actor: Any, step: Step, data: StepInput) -> Step:
    client = step.goal.plan.client
    _check_manages(actor, client.municipality_id)
    _validate_step(data, previous_due=step.due_on)
    _apply_step(step, data)
    _audit_and_commit("step.updated", actor, "step", step.id, client)
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


# --- the manager's start page ----------------------------------------------------------------


def plans_due_for_review(user: Any, within_days: int = REVIEW_SOON_DAYS) -> Select[Any]:
    """Plans of active clients whose review is due within ``within_days`` (or overdue)."""
    limit = today_local() + timedelta(days=within_days)
    stmt = (
        select(IntegrationPlan)
        .join(IntegrationPlan.client)
        .options(joinedload(IntegrationPlan.client).joinedload(Client.municipality))
        .where(
            Client.status == ClientStatus.ACTIVE,
            IntegrationPlan.next_review_on.is_not(None),
            IntegrationPlan.next_review_on <= limit,
        )
        .order_by(IntegrationPlan.next_review_on, IntegrationPlan.id)
    )
    return scoped(stmt, user, Client.municipality_id)


def overdue_steps(user: Any, mine_only_manager: User | None = None) -> Select[Any]:
    """Open steps past their due date, of active clients the user manages."""
    stmt = (
        select(Step)
        .join(Step.goal)
        .join(Goal.plan)
        .join(IntegrationPlan.client)
        .options(joinedload(Step.goal).joinedload(Goal.plan).joinedload(IntegrationPlan.client))
        .where(
            Client.status == ClientStatus.ACTIVE,
            Step.status.in_(OPEN_STEP_STATUSES),
            and_(Step.due_on.is_not(None), Step.due_on < today_local()),
        )
        .order_by(Step.due_on, Step.id)
    )
    if mine_only_manager is not None:
        stmt = stmt.where(Client.manager_id == mine_only_manager.id)
    return scoped(stmt, user, Client.municipality_id)


def reviews_due(user: Any, limit: int) -> list[IntegrationPlan]:
    """The first ``limit`` plans due for review, for the manager's start page."""
    return list(db.session.scalars(plans_due_for_review(user).limit(limit)).unique())


def count_of(stmt: Select[Any]) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
