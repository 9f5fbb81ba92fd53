"""Builders for consultation places, hours, exceptions, appointments, walk-ins and visits."""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta
from typing import Any

from portal.consultations.models import (
    Appointment,
    ConsultationException,
    ConsultationHours,
    ConsultationPlace,
    HomeVisit,
    WalkInCount,
)
from portal.consultations.recurrence import is_public_holiday
from portal.core.time import today_local
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.plans.models import Client

_seq = itertools.count(1)


def next_consultation_day(after: date | None = None, weekday: int | None = None) -> date:
    """The next day after ``after`` (today) that is no public holiday (and is ``weekday``)."""
    day = (after or today_local()) + timedelta(days=1)
    while is_public_holiday(day) or (weekday is not None and day.weekday() != weekday):
        day += timedelta(days=1)
    return day


def place(municipality_: Municipality, name: str | None = None, **kw: Any) -> ConsultationPlace:
    obj = ConsultationPlace(
        name=name or f"Rathaus {municipality_.name}, Zimmer {next(_seq)}",
        municipality=municipality_,
        address=kw.pop("address", "Hauptstraße 1"),
        accessibility=kw.pop("accessibility", "Aufzug vorhanden"),
        phone=kw.pop("phone", "07222 381-0"),
        kind=kw.pop("kind", "town_hall"),
        **kw,
    )
    db.session.add(obj)
    db.session.flush()
    return obj


def hours(
    place_: ConsultationPlace,
    manager_: Any,
    weekday: int,
    valid_from: date,
    valid_until: date | None = None,
    *,
    starts: time = time(9, 0),
    ends: time = time(12, 0),
    booking: str = "walk_in",
    slot_minutes: int | None = None,
    recurrence: str = "weekly",
    languages: tuple[str, ...] = ("de", "ar"),
) -> ConsultationHours:
    obj = ConsultationHours(
        place=place_,
        municipality_id=place_.municipality_id,
        manager=manager_,
        weekday=weekday,
        valid_from=valid_from,
        valid_until=valid_until,
        starts_at=starts,
        ends_at=ends,
        booking=booking,
        slot_minutes=slot_minutes,
        recurrence=recurrence,
    )
    obj.languages = list(languages)
    db.session.add(obj)
    db.session.flush()
    return obj


def exception(
    hours_: ConsultationHours,
    on: date,
    kind: str = "cancelled",
    place_: ConsultationPlace | None = None,
    note: str = "",
) -> ConsultationException:
    obj = ConsultationException(hours=hours_, on_date=on, kind=kind, place=place_, note=note)
    db.session.add(obj)
    db.session.flush()
    return obj


def appointment(
    hours_: ConsultationHours, on: date, start: time, end: time, client_: Client, **kw: Any
) -> Appointment:
    obj = Appointment(
        hours=hours_, on_date=on, slot_start=start, slot_end=end, client=client_, **kw
    )
    db.session.add(obj)
    db.session.flush()
    return obj


def walk_in(
    hours_: ConsultationHours, on: date, topic: str = "work", visitors: int = 3
) -> WalkInCount:
    obj = WalkInCount(
        hours_id=hours_.id,
        on_date=on,
        municipality_id=hours_.municipality_id,
        topic=topic,
        visitors=visitors,
    )
    db.session.add(obj)
    db.session.flush()
    return obj


def home_visit(
    client_: Client,
    manager_: Any,
    on: date,
    place_type: str = "home",
    topics: tuple[str, ...] = ("housing",),
    minutes: int = 60,
) -> HomeVisit:
    obj = HomeVisit(
        client=client_,
        municipality_id=client_.municipality_id,
        manager=manager_,
        visited_on=on,
        place_type=place_type,
        duration_minutes=minutes,
    )
    obj.topics = list(topics)
    db.session.add(obj)
    db.session.flush()
    return obj
