"""The demo schedule: hours at the three offices and in town halls, exceptions, appointments,
walk-in counts and home visits; seeding twice changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.consultations import queries
from portal.consultations.models import (
    Appointment,
    ConsultationHours,
    ConsultationPlace,
    HomeVisit,
    WalkInCount,
)
from portal.core.time import today_local
from portal.demo import seed
from portal.extensions import db
from portal.security import may_manage_municipality


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_the_demo_fills_a_schedule_for_offices_and_town_halls(app):
    seed()
    first = tuple(
        _count(m)
        for m in (ConsultationPlace, ConsultationHours, Appointment, WalkInCount, HomeVisit)
    )
    places = list(db.session.scalars(select(ConsultationPlace)))
    kinds = {p.kind for p in places}
    assert kinds == {"branch_office", "town_hall"}
    towns = {m.name for m in queries.municipalities_with_hours()}
    assert {"Rastatt", "Bühl", "Gaggenau", "Gernsbach", "Hügelsheim"} <= towns
    upcoming = queries.upcoming(None, today_local(), 42)
    assert len(upcoming) > 30
    assert any(o.cancelled for o in upcoming) and any(o.room_changed for o in upcoming)
    assert {"uk", "fa", "ar", "tr", "zh", "sq", "hr", "ro", "cs", "es", "fr"} <= {
        code for o in upcoming for code in o.languages
    }
    assert first[2] > 0 and first[3] > 0 and first[4] > 0
    # every hours row belongs to a manager of its municipality
    for hours in db.session.scalars(select(ConsultationHours)):
        assert hours.manager is not None
        assert may_manage_municipality(hours.manager, hours.municipality_id), hours.place.name
    seed()
    again = tuple(
        _count(m)
        for m in (ConsultationPlace, ConsultationHours, Appointment, WalkInCount, HomeVisit)
    )
    assert again == first
