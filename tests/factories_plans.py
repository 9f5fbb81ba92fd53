"""Builders for clients, plans, goals, steps and needs."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from typing import Any

from portal.core.time import local_to_utc, today_local
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.needs.models import Need, NeedCategory, NeedStatus
from portal.plans.models import Client, Goal, GoalArea, IntegrationPlan, Step, StepActor

_seq = itertools.count(1)


def client(
    municipality_: Municipality,
    name: str = "Familie Haidari",
    manager_: Any | None = None,
    **kw: Any,
) -> Client:
    n = next(_seq)
    obj = Client(
        reference=kw.pop("reference", f"TS-2026-{n:04d}"),
        name=name,
        contact=kw.pop("contact", "Bahnhofstraße 3, Tel. 0151 000000"),
        municipality=municipality_,
        languages=kw.pop("languages", ["fa", "de"]),
        household=kw.pop("household", {"adults": 2, "children": [2015]}),
        manager=manager_,
        status=kw.pop("status", "active"),
        **kw,
    )
    obj.plan = IntegrationPlan(agreed_on=today_local() - timedelta(days=30))
    db.session.add(obj)
    db.session.flush()
    return obj


def goal(client_: Client, area: str = GoalArea.LANGUAGE, text: str = "B1-Prüfung bestehen") -> Goal:
    obj = Goal(plan=client_.plan, area=area, text=text)
    db.session.add(obj)
    db.session.flush()
    return obj


def step(
    goal_: Goal,
    text: str = "Begleitung zur Anmeldung beim Sprachkurs",
    due_on: date | None = None,
    actor: str = StepActor.VOLUNTEER,
    **kw: Any,
) -> Step:
    obj = Step(goal=goal_, text=text, due_on=due_on, actor=actor, **kw)
    db.session.add(obj)
    db.session.flush()
    return obj


def need(
    municipality_: Municipality,
    title: str | None = None,
    status: str = NeedStatus.OPEN,
    capacity: int = 2,
    days_ahead: int = 7,
    **kw: Any,
) -> Need:
    start = datetime.combine(today_local() + timedelta(days=days_ahead), time(15, 0))
    obj = Need(
        title=title or f"Hausaufgabenhilfe {next(_seq)}",
        category=kw.pop("category", NeedCategory.TUTORING),
        public_description=kw.pop("public_description", "Mathematik, 7. Klasse, einmal."),
        private_notes=kw.pop("private_notes", "Interne Notiz"),
        municipality=municipality_,
        meeting_point=kw.pop("meeting_point", "Rathaus, Eingang B"),
        languages=kw.pop("languages", ["de"]),
        schedule_kind="once",
        starts_at=local_to_utc(start),
        ends_at=local_to_utc(start + timedelta(hours=1, minutes=30)),
        starts_on=start.date(),
        ends_on=start.date(),
        capacity=capacity,
        status=status,
        **kw,
    )
    db.session.add(obj)
    db.session.flush()
    return obj
