"""The demo county: Landkreis Rastatt with its branch offices, staff and volunteers.

`seed()` is idempotent: running it twice changes nothing. Demo passwords are set only in
development (config DEMO_PASSWORDS); elsewhere the accounts exist without a password.
"""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from portal.auth.models import Role, User
from portal.auth.services import create_user, find_user_by_email, grant_role
from portal.core.time import utcnow
from portal.extensions import db
from portal.municipalities.models import Municipality, Office
from portal.volunteers.models import VolunteerProfile, VolunteerStatus

DATA = Path(__file__).parent / "data" / "municipalities.csv"
DEMO_PASSWORD = "Demo-Passwort-2026"  # noqa: S105 - development only, documented in README
DOMAIN = "landkreis-rastatt.example"

OFFICES = {
    "Rastatt": {
        "address": "Am Schlossplatz 5, 76437 Rastatt",
        "consultation_hours": "Mo–Fr 8:30–12:00, Do 14:00–17:30",
        "email": f"integration@{DOMAIN}",
        "phone": "07222 381-0",
    },
    "Bühl": {
        "address": "Hauptstraße 47, 77815 Bühl",
        "consultation_hours": "Di und Do 9:00–12:00",
        "email": f"integration.buehl@{DOMAIN}",
        "phone": "07223 935-0",
    },
    "Gaggenau": {
        "address": "Hauptstraße 71, 76571 Gaggenau",
        "consultation_hours": "Mo und Mi 9:00–12:00",
        "email": f"integration.gaggenau@{DOMAIN}",
        "phone": "07225 962-0",
    },
}

# (e-mail local part, name, role, scope kind, scope name)
STAFF = [
    ("admin", "Claudia Brenner", Role.ADMIN, None, None),
    ("koordination.gaggenau", "Thomas Wagner", Role.COORDINATOR, "municipality", "Gaggenau"),
    ("koordination.buehl", "Aylin Demir", Role.COORDINATOR, "municipality", "Bühl"),
    ("s.keller", "Sabine Keller", Role.MANAGER, "office", "Gaggenau"),
    ("m.hofmann", "Markus Hofmann", Role.MANAGER, "office", "Bühl"),
    ("j.vogt", "Jan Vogt", Role.MANAGER, "office", "Rastatt"),
    ("leitung.rastatt", "Birgit Ostertag", Role.OFFICE_LEAD, "office", "Rastatt"),
]

# (e-mail local part, name, home municipality, status, languages, interests)
VOLUNTEERS = [
    (
        "lena.schmitt",
        "Lena Schmitt",
        "Gaggenau",
        VolunteerStatus.APPROVED,
        [("de", "native"), ("en", "good")],
        ["tutoring", "youth_family"],
    ),
    (
        "peter.mueller",
        "Peter Müller",
        "Gaggenau",
        VolunteerStatus.APPROVED,
        [("de", "native"), ("fr", "basic")],
        ["accompanying", "housing_search"],
    ),
    (
        "fatima.haddad",
        "Fatima Haddad",
        "Gernsbach",
        VolunteerStatus.APPROVED,
        [("de", "fluent"), ("ar", "native")],
        ["language_practice", "accompanying"],
    ),
    (
        "jonas.weber",
        "Jonas Weber",
        "Bühl",
        VolunteerStatus.APPROVED,
        [("de", "native"), ("en", "fluent")],
        ["tutoring"],
    ),
    (
        "olena.kovalenko",
        "Olena Kovalenko",
        "Bühl",
        VolunteerStatus.APPROVED,
        [("de", "good"), ("uk", "native"), ("ru", "fluent")],
        ["language_practice", "youth_family"],
    ),
    (
        "hans.becker",
        "Hans Becker",
        "Gaggenau",
        VolunteerStatus.PENDING,
        [("de", "native")],
        ["accompanying"],
    ),
    (
        "mariam.ahmadi",
        "Mariam Ahmadi",
        "Bühl",
        VolunteerStatus.PENDING,
        [("de", "good"), ("fa", "native"), ("prs", "native")],
        ["language_practice"],
    ),
]

FURTHER_MUNICIPALITIES = {"fatima.haddad": ("Gaggenau",)}
"""Where a demo volunteer helps besides at home. Her own demo claim takes the one open need of
Gernsbach: helping in neighbouring Gaggenau too, Fatima still finds needs on her board."""


def database_is_empty() -> bool:
    return (db.session.scalar(select(func.count()).select_from(User)) or 0) == 0


def load_reference_data() -> dict[str, int]:
    """Offices and municipalities from the CSV file; existing rows are kept."""
    offices = {o.name: o for o in db.session.scalars(select(Office))}
    for name, details in OFFICES.items():
        if name not in offices:
            offices[name] = Office(name=name, **details)
            db.session.add(offices[name])
    existing = {m.name for m in db.session.scalars(select(Municipality))}
    added = 0
    with DATA.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["name"] in existing:
                continue
            office = offices.get(row["office"])
            if office is None:
                office = offices[row["office"]] = Office(name=row["office"])
                db.session.add(office)
            db.session.add(Municipality(name=row["name"], kind=row["kind"], office=office))
            added += 1
    db.session.flush()
    return {"offices": len(offices), "municipalities_added": added}


def _user(local: str, name: str) -> tuple[User, bool]:
    email = f"{local}@{DOMAIN}"
    user = find_user_by_email(email)
    if user is not None:
        return user, False
    password = DEMO_PASSWORD if current_app.config["DEMO_PASSWORDS"] else None
    return create_user(email, name, password, verified=True), True


def seed() -> dict[str, int]:
    summary = load_reference_data()
    by_name = {m.name: m for m in db.session.scalars(select(Municipality))}
    offices = {o.name: o for o in db.session.scalars(select(Office))}
    created = 0
    for local, name, role, scope, scope_name in STAFF:
        user, new = _user(local, name)
        if new:
            created += 1
            municipality_id = (
                by_name[scope_name].id if scope_name and scope == "municipality" else None
            )
            office_id = offices[scope_name].id if scope_name and scope == "office" else None
            grant_role(None, user, role, municipality_id, office_id)
            # The demo's staff have read the privacy notice in force.
            user.privacy_version = current_app.config["PRIVACY_NOTICE_VERSION"]
            user.privacy_acknowledged_at = utcnow()
    now = utcnow()
    for i, (local, name, home, status, languages, interests) in enumerate(VOLUNTEERS):
        user, new = _user(local, name)
        if not new:
            continue
        created += 1
        grant_role(None, user, Role.VOLUNTEER)
        municipality = by_name[home]
        profile = VolunteerProfile(
            user=user,
            home_municipality=municipality,
            phone=f"0172 55501{i:02d}",
            languages=dict(languages),
            interests=interests,
            availability={1: ["afternoon"], 3: ["evening"], 5: ["morning"]},
            has_car=i % 2 == 0,
            motivation="Ich möchte Menschen beim Ankommen in unserer Gemeinde unterstützen.",
            status=status,
            consent_version=current_app.config["PRIVACY_NOTICE_VERSION"],
            consent_at=now - timedelta(days=30 - i),
            pledge_signed_at=now - timedelta(days=30 - i),
            submitted_at=now - timedelta(days=30 - i),
        )
        profile.municipalities.append(municipality)
        for further in FURTHER_MUNICIPALITIES.get(local, ()):
            profile.municipalities.append(by_name[further])
        user.privacy_version, user.privacy_acknowledged_at = (
            profile.consent_version,
            profile.consent_at,
        )
        if status == VolunteerStatus.APPROVED:
            profile.decided_at = now - timedelta(days=20 - i)
        db.session.add(profile)
    db.session.commit()
    summary["accounts_created"] = created
    # Each domain adds its own demo data (clients, plans, needs, claims ...).
    from portal.consultations import demo as consultations_demo
    from portal.needs import demo as board_demo
    from portal.plans import demo as plans_demo
    from portal.volunteers import demo as volunteers_demo

    for domain in (volunteers_demo, plans_demo, board_demo, consultations_demo):
        summary.update(domain.seed())
    db.session.commit()
    return summary
