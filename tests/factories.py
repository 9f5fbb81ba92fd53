"""Builders for test data. Each adds to the session and flushes; tests commit when needed."""

from __future__ import annotations

import itertools
from typing import Any

from flask import current_app

from portal.auth.models import Role, User
from portal.auth.services import create_user, grant_role
from portal.demo import load_reference_data
from portal.extensions import db
from portal.municipalities.models import Municipality, Office
from portal.volunteers.models import VolunteerProfile, VolunteerStatus

PASSWORD = "Sicheres-Passwort-1"
_seq = itertools.count(1)


def office(name: str | None = None, **kw: Any) -> Office:
    obj = Office(name=name or f"Außenstelle {next(_seq)}", **kw)
    db.session.add(obj)
    db.session.flush()
    return obj


def municipality(name: str | None = None, office_: Office | None = None, **kw: Any) -> Municipality:
    obj = Municipality(name=name or f"Gemeinde {next(_seq)}", office=office_, **kw)
    db.session.add(obj)
    db.session.flush()
    return obj


def reference_data() -> dict[str, Municipality]:
    """The county's 23 municipalities and 3 offices, by name."""
    load_reference_data()
    return {m.name: m for m in db.session.scalars(db.select(Municipality))}


def user(
    email: str | None = None,
    name: str = "Erika Mustermann",
    password: str | None = PASSWORD,
    *,
    verified: bool = True,
    locale: str = "de",
    roles: list[tuple[str, int | None, int | None]] | None = None,
) -> User:
    obj = create_user(
        email or f"person{next(_seq)}@example.org", name, password, locale=locale, verified=verified
    )
    # Has acknowledged the privacy notice in force (tests of a new version set it back).
    obj.privacy_version = current_app.config["PRIVACY_NOTICE_VERSION"]
    for role, municipality_id, office_id in roles or []:
        grant_role(None, obj, role, municipality_id, office_id)
    db.session.flush()
    return obj


def admin(**kw: Any) -> User:
    return user(roles=[(Role.ADMIN, None, None)], **kw)


def coordinator(municipality_: Municipality, **kw: Any) -> User:
    return user(roles=[(Role.COORDINATOR, municipality_.id, None)], **kw)


def manager(
    municipality_: Municipality | None = None, office_: Office | None = None, **kw: Any
) -> User:
    return user(
        roles=[
            (
                Role.MANAGER,
                municipality_.id if municipality_ else None,
                office_.id if office_ else None,
            )
        ],
        **kw,
    )


def volunteer(
    home: Municipality,
    status: str = VolunteerStatus.APPROVED,
    **kw: Any,
) -> User:
    u = user(roles=[(Role.VOLUNTEER, None, None)], **kw)
    volunteer_profile(u, home, status)
    return u


def volunteer_profile(
    u: User,
    home: Municipality,
    status: str = VolunteerStatus.APPROVED,
    interests: tuple[str, ...] = ("tutoring",),
) -> VolunteerProfile:
    """A volunteer profile of ``u`` at home in ``home`` (German, Monday afternoons)."""
    profile = VolunteerProfile(
        user=u,
        home_municipality=home,
        status=status,
        languages={"de": "native"},
        interests=list(interests),
        availability={0: ["afternoon"]},
        consent_version="2026-11",
    )
    profile.municipalities.append(home)
    db.session.add(profile)
    db.session.flush()
    return profile
