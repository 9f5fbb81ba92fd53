"""What the needs domain holds about a volunteer, for the self-service data export: the tasks
taken on (assignments), the reports back with their texts, and the hours per activity area.
A task appears as the volunteer saw it (title, area, place); nothing about the supported people."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.auth.models import User
from portal.core.personal_data import Field, Part
from portal.extensions import db
from portal.needs.models import Assignment, Need
from portal.needs.queries import hours_by_category
from portal.volunteers.models import VolunteerProfile
from portal.volunteers.queries import profile_of


def _assignments(profile: VolunteerProfile) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .options(
                joinedload(Assignment.need).joinedload(Need.municipality),
                selectinload(Assignment.reports),
            )
            .where(Assignment.volunteer_id == profile.id)
            .order_by(Assignment.claimed_at, Assignment.id)
        )
    )


def collect(user: User) -> list[Part]:
    profile = profile_of(user)
    if profile is None:
        return []
    assignments = _assignments(profile)
    reports = [(a, r) for a in assignments for r in a.reports]
    hours = hours_by_category(profile, date.min, date.max)
    return [
        Part(
            "assignments",
            _("Übernommene Aufgaben"),
            [
                Field("id", _("Nummer")),
                Field("title", _("Aufgabe")),
                Field("category", _("Tätigkeitsbereich"), "category"),
                Field("municipality", _("Gemeinde")),
                Field("status", _("Stand"), "assignment_status"),
                Field("claimed_at", _("Übernommen am")),
                Field("ended_at", _("Beendet am")),
                Field("reason", _("Begründung")),
                Field("change_notified_at", _("Termin geändert am")),
                Field("change_confirmed_at", _("Neuen Termin bestätigt am")),
            ],
            [
                {
                    "id": a.id,
                    "title": a.need.title,
                    "category": a.need.category,
                    "municipality": a.need.municipality.name,
                    "status": a.status,
                    "claimed_at": a.claimed_at,
                    "ended_at": a.ended_at,
                    "reason": a.reason,
                    "change_notified_at": a.change_notified_at,
                    "change_confirmed_at": a.change_confirmed_at,
                }
                for a in assignments
            ],
        ),
        Part(
            "reports",
            _("Berichte"),
            [
                Field("assignment_id", _("Aufgabe Nummer")),
                Field("activity_on", _("Datum des Einsatzes")),
                Field("hours", _("Stunden")),
                Field("outcome", _("Berichtstext")),
                Field("follow_up_needed", _("Nachbetreuung nötig")),
                Field("concern_raised", _("Anliegen gemeldet")),
                Field("concern", _("Anliegen")),
                Field("acknowledged_at", _("Bestätigt am")),
                Field("created_at", _("Abgegeben am")),
            ],
            [
                {
                    "assignment_id": a.id,
                    "activity_on": r.activity_on,
                    "hours": round(r.minutes / 60, 2),
                    "outcome": r.outcome,
                    "follow_up_needed": r.follow_up_needed,
                    "concern_raised": r.concern_raised,
                    "concern": r.concern,
                    "acknowledged_at": r.acknowledged_at,
                    "created_at": r.created_at,
                }
                for a, r in reports
            ],
        ),
        Part(
            "hours",
            _("Stunden nach Tätigkeitsbereich"),
            [
                Field("category", _("Tätigkeitsbereich"), "category"),
                Field("activities", _("Einsätze")),
                Field("hours", _("Stunden")),
            ],
            [{"category": c, "activities": n, "hours": round(m / 60, 2)} for c, n, m in hours],
        ),
    ]
