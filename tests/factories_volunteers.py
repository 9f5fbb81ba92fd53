"""Builders for the volunteer domain (profiles, certificate checks, sign-up form data)."""

from __future__ import annotations

from datetime import date
from typing import Any

from portal.auth.models import User
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.volunteers import queries as volunteer_queries
from portal.volunteers.certificates import add_years
from portal.volunteers.models import ConductCertificateCheck, VolunteerProfile
from tests import factories


def profile_of(user: User) -> VolunteerProfile:
    """The volunteer profile of ``user``, which the test expects to exist."""
    profile = volunteer_queries.profile_of(user)
    assert profile is not None
    return profile


def volunteer_profile(home: Municipality, status: str = "approved", **kw: Any) -> VolunteerProfile:
    return profile_of(factories.volunteer(home, status=status, **kw))


def certificate(
    profile: VolunteerProfile,
    issued_on: date,
    seen_by: User | None = None,
    years: int = 5,
) -> ConductCertificateCheck:
    check = ConductCertificateCheck(
        volunteer=profile,
        issued_on=issued_on,
        seen_on=issued_on,
        seen_by_id=seen_by.id if seen_by else None,
        valid_until=add_years(issued_on, years),
    )
    db.session.add(check)
    db.session.flush()
    return check


def profile_form(home_id: Any, **overrides: Any) -> dict[str, Any]:
    """Form data for the profile part (sign-up, application, edit)."""
    data: dict[str, Any] = {
        "phone": "0172 1234567",
        "home_municipality_id": str(home_id),
        "municipality_ids": [],
        "lang_de": "native",
        "lang_ar": "good",
        "interests": ["tutoring", "youth_family"],
        "av_0_afternoon": "y",  # Monday
        "av_5_morning": "y",  # Saturday
        "has_car": "y",
        "motivation": "Ich möchte helfen.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def signup_form(home_id: Any, email: str = "neu@example.org", **overrides: Any) -> dict[str, Any]:
    data = {
        "display_name": "Nora Neu",
        "email": email,
        "password": factories.PASSWORD,
        "confirm": factories.PASSWORD,
        "consent": "y",
        "pledge": "y",
    }
    data.update(profile_form(home_id))
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
