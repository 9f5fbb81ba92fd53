"""Clients, integration plans, goals and steps. Special-category data: managers only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.enums import CodeEnum, check_in, ordered_rows
from portal.core.time import today_local, utcnow
from portal.extensions import Model

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.municipalities.models import Municipality


class GoalArea(CodeEnum):
    LANGUAGE = "language"
    WORK = "work"
    HOUSING = "housing"
    SCHOOL = "school"
    HEALTH = "health"
    SOCIAL = "social"


class StepStatus(CodeEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class GoalStatus(CodeEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


class StepActor(CodeEnum):
    """Who acts on a step."""

    CLIENT = "client"
    MANAGER = "manager"
    VOLUNTEER = "volunteer"
    PARTNER = "partner"


class Partner(CodeEnum):
    """Partner organisations a step can name when ``actor`` is ``partner`` (the column holds
    the empty string when it names none)."""

    JOBCENTER = "jobcenter"
    EMPLOYMENT_AGENCY = "employment_agency"
    LANGUAGE_SCHOOL = "language_school"
    YOUTH_OFFICE = "youth_office"
    OTHER = "other"


class ClientStatus(CodeEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class ReferenceCounter(Model):
    """Sequence per (prefix, year) for pseudonymous client references such as RA-2026-0173."""

    __tablename__ = "reference_counter"

    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class Client(Model):
    __tablename__ = "client"
    __table_args__ = (
        Index("ix_client_municipality_status", "municipality_id", "status"),
        check_in("status", ClientStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(Text, default="")
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    # {"adults": 2, "children": [2014, 2019]}
    household: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default=ClientStatus.ACTIVE)
    closed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the record was erased (by a manager or by retention): name, contact, household,
    # languages and the plan's texts are gone; what is left counts in the statistics only.
    erased_at: Mapped[datetime | None] = mapped_column(index=True)

    municipality: Mapped[Municipality] = relationship()
    manager: Mapped[User | None] = relationship()
    plan: Mapped[IntegrationPlan | None] = relationship(back_populates="client", uselist=False)
    language_rows: Mapped[list[ClientLanguage]] = relationship(
        back_populates="client",
        order_by="ClientLanguage.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def languages(self) -> list[str]:
        """The client's languages (ISO 639 codes) in the order the manager gave them."""
        return [row.code for row in self.language_rows]

    @languages.setter
    def languages(self, codes: Iterable[str]) -> None:
        self.language_rows = ordered_rows(
            self.language_rows, codes, lambda c: ClientLanguage(code=c)
        )


class ClientLanguage(Model):
    """A language a client speaks."""

    __tablename__ = "client_language"
    __table_args__ = (Index("ix_client_language_code_client", "code", "client_id"),)

    client_id: Mapped[int] = mapped_column(
        ForeignKey("client.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    client: Mapped[Client] = relationship(back_populates="language_rows")


class IntegrationPlan(Model):
    __tablename__ = "integration_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), unique=True)
    agreed_on: Mapped[date | None]
    next_review_on: Mapped[date | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship(back_populates="plan")
    goals: Mapped[list[Goal]] = relationship(
        back_populates="plan", order_by="Goal.id", cascade="all, delete-orphan"
    )


class Goal(Model):
    __tablename__ = "goal"
    __table_args__ = (check_in("area", GoalArea), check_in("status", GoalStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("integration_plan.id", ondelete="CASCADE"), index=True
    )
    area: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=GoalStatus.OPEN)
    # the day the goal was achieved or dropped (see `_stamp_closing`)
    closed_on: Mapped[date | None]
    created_at: Mapped[datetime | None] = mapped_column(default=utcnow)

    plan: Mapped[IntegrationPlan] = relationship(back_populates="goals")
    steps: Mapped[list[Step]] = relationship(
        back_populates="goal", order_by="Step.id", cascade="all, delete-orphan"
    )


class Step(Model):
    __tablename__ = "step"
    __table_args__ = (
        UniqueConstraint("goal_id", "id", name="uq_step_goal_id_id"),
        check_in("status", StepStatus),
        check_in("actor", StepActor),
        check_in("partner", Partner, extra=("",)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(12), default=StepStatus.OPEN)
    actor: Mapped[str] = mapped_column(String(20), default=StepActor.CLIENT)
    partner: Mapped[str] = mapped_column(String(40), default="")
    # the day the step was marked done (see `_stamp_closing`)
    done_on: Mapped[date | None]

    goal: Mapped[Goal] = relationship(back_populates="steps")


@event.listens_for(Goal, "before_insert")
@event.listens_for(Goal, "before_update")
@event.listens_for(Step, "before_insert")
@event.listens_for(Step, "before_update")
def _stamp_closing(_mapper: Any, _connection: Any, target: Goal | Step) -> None:
    """A goal's day of being achieved or dropped, a step's day of being done: set when the
    status gets there (kept if it stays), cleared when it is reopened."""
    if isinstance(target, Goal):
        closed = target.status in (GoalStatus.ACHIEVED, GoalStatus.DROPPED)
        if not closed:
            target.closed_on = None
        elif target.closed_on is None:
            target.closed_on = today_local()
    elif target.status != StepStatus.DONE:
        target.done_on = None
    elif target.done_on is None:
        target.done_on = today_local()
