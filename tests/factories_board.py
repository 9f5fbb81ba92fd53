"""Builders for the board's tests: needs, certificates, claims and reports, built directly with
the models (each adds to the session and flushes; tests commit when needed)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from typing import Any

from portal.auth.models import User
from portal.core.time import local_to_utc, to_local, today_local, utcnow
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.needs.models import Assignment, AssignmentStatus, Need, NeedStatus
from portal.needs.report_models import Report
from portal.volunteers import queries as volunteer_queries
from portal.volunteers.models import ConductCertificateCheck, VolunteerProfile
from tests import factories

_seq = itertools.count(1)


def profile_of(user: User) -> VolunteerProfile:
    """The volunteer profile of ``user``, which the test expects to exist."""
    profile = volunteer_queries.profile_of(user)
    assert profile is not None
    return profile


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A Europe/Berlin wall-clock time as naive UTC."""
    return local_to_utc(datetime.combine(day, time(hour, minute)))


def once_need(
    municipality: Municipality,
    *,
    created_by: User | None = None,
    starts_at: datetime | None = None,
    minutes: int = 90,
    capacity: int = 1,
    status: str = NeedStatus.OPEN,
    **kw: Any,
) -> Need:
    """A one-off appointment; by default in 3 days at 10:00 Berlin time."""
    start = starts_at or local(today_local() + timedelta(days=3), 10)
    end = start + timedelta(minutes=minutes)
    values: dict[str, Any] = {
        "category": "accompanying",
        "title": f"Begleitung zum Termin {next(_seq)}",
        "public_description": "Begleitung zu einem Behördentermin, etwa anderthalb Stunden.",
        "private_notes": "Familie H., Ausländerbehörde Zimmer 12",
        "meeting_point": "Vor dem Rathaus, Haupteingang",
        "languages": ["ar"],
        "schedule_kind": "once",
        "starts_at": start,
        "ends_at": end,
        "starts_on": to_local(start).date(),
        "ends_on": to_local(end).date(),
        "capacity": capacity,
        "status": status,
    }
    values.update(kw)
    need = Need(municipality=municipality, created_by=created_by, **values)
    db.session.add(need)
    db.session.flush()
    return need


def weekly_need(
    municipality: Municipality,
    *,
    created_by: User | None = None,
    weekday: int = 0,
    at: time = time(16, 0),
    minutes: int = 60,
    starts_on: date | None = None,
    ends_on: date | None = None,
    capacity: int = 1,
    status: str = NeedStatus.OPEN,
    **kw: Any,
) -> Need:
    """A weekly need; by default Mondays 16:00 for the next 8 weeks."""
    first = starts_on or today_local() + timedelta(days=1)
    values: dict[str, Any] = {
        "category": "tutoring",
        "title": f"Hausaufgabenhilfe {next(_seq)}",
        "public_description": "Hausaufgabenhilfe in Mathematik für die 7. Klasse.",
        "private_notes": "",
        "meeting_point": "Stadtbibliothek, Gruppenraum",
        "languages": [],
        "schedule_kind": "weekly",
        "weekday": weekday,
        "time_of_day": at,
        "duration_minutes": minutes,
        "starts_on": first,
        "ends_on": ends_on if ends_on is not None else first + timedelta(weeks=8),
        "capacity": capacity,
        "status": status,
    }
    values.update(kw)
    need = Need(municipality=municipality, created_by=created_by, **values)
    db.session.add(need)
    db.session.flush()
    return need


def certificate(
    profile: VolunteerProfile,
    issued_on: date | None = None,
    valid_until: date | None = None,
) -> ConductCertificateCheck:
    issued = issued_on or today_local() - timedelta(days=30)
    check = ConductCertificateCheck(
        volunteer_id=profile.id,
        issued_on=issued,
        seen_on=issued + timedelta(days=3),
        valid_until=valid_until or date(issued.year + 5, issued.month, min(issued.day, 28)),
    )
    db.session.add(check)
    db.session.flush()
    db.session.expire(profile, ["certificate_checks"])
    return check


def assignment(
    need: Need,
    profile: VolunteerProfile,
    *,
    status: str = AssignmentStatus.ACTIVE,
    claimed_at: datetime | None = None,
) -> Assignment:
    """A claim written directly (bypassing the service), counting into ``need.taken``."""
    obj = Assignment(
        need=need,
        volunteer=profile,
        status=status,
        claimed_at=claimed_at or utcnow() - timedelta(days=60),
    )
    if status == AssignmentStatus.ACTIVE:
        need.taken += 1
        if need.taken >= need.capacity and need.status == NeedStatus.OPEN:
            need.status = NeedStatus.FILLED
    db.session.add(obj)
    db.session.flush()
    return obj


def report(assignment_: Assignment, activity_on: date, minutes: int, **kw: Any) -> Report:
    values: dict[str, Any] = {"outcome": "Termin wahrgenommen, alles gut gegangen."}
    values.update(kw)
    obj = Report(assignment=assignment_, activity_on=activity_on, minutes=minutes, **values)
    db.session.add(obj)
    db.session.flush()
    return obj


def county() -> dict[str, Any]:
    """Two municipalities of different offices, a manager for each, and an approved
    volunteer in the first (helping there only)."""
    places = factories.reference_data()
    gaggenau, buehl = places["Gaggenau"], places["Bühl"]
    manager = factories.manager(gaggenau, email="keller@example.org", name="Sabine Keller")
    other_manager = factories.manager(buehl, email="hofmann@example.org", name="Markus Hofmann")
    volunteer = factories.volunteer(gaggenau, email="lena@example.org", name="Lena Schmitt")
    return {
        "gaggenau": gaggenau,
        "buehl": buehl,
        "manager": manager,
        "other_manager": other_manager,
        "volunteer": volunteer,
        "profile": profile_of(volunteer),
    }
