"""Demo data of this domain, called by `portal.demo.seed` (must be idempotent)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from portal.auth.services import find_user_by_email
from portal.core.time import today_local
from portal.extensions import db
from portal.volunteers.certificates import add_years
from portal.volunteers.models import (
    ConductCertificateCheck,
    VolunteerEvent,
    VolunteerEventKind,
    VolunteerProfile,
)
from portal.volunteers.queries import profile_of

DOMAIN = "landkreis-rastatt.example"

# (volunteer, coordinator who saw the certificate, days from today until it expires)
CERTIFICATES = [
    ("lena.schmitt", "koordination.gaggenau", 3 * 365),  # valid for years
    ("olena.kovalenko", "koordination.buehl", 30),  # expiring soon: the reminder job picks it up
]


def _profile(local: str) -> VolunteerProfile | None:
    return profile_of(find_user_by_email(f"{local}@{DOMAIN}"))


def seed() -> dict[str, int]:
    today = today_local()
    checks = events = 0
    for local, coordinator_local, days in CERTIFICATES:
        profile = _profile(local)
        coordinator = find_user_by_email(f"{coordinator_local}@{DOMAIN}")
        if profile is None or profile.certificate_checks:
            continue
        years = current_app.config["CONDUCT_CERTIFICATE_VALID_YEARS"]
        issued_on = add_years(today + timedelta(days=days), -years)
        valid_until = add_years(issued_on, years)
        db.session.add(
            ConductCertificateCheck(
                volunteer=profile,
                issued_on=issued_on,
                seen_on=issued_on + timedelta(days=10),
                seen_by_id=coordinator.id if coordinator else None,
                valid_until=valid_until,
            )
        )
        checks += 1
    # Every demo profile starts its history with the application.
    for profile in db.session.scalars(select(VolunteerProfile)):
        if profile.events:
            continue
        db.session.add(
            VolunteerEvent(
                volunteer=profile,
                kind=VolunteerEventKind.SUBMITTED,
                actor_id=profile.user_id,
                at=profile.submitted_at,
                to_status="pending",
            )
        )
        if profile.decided_at is not None:
            db.session.add(
                VolunteerEvent(
                    volunteer=profile,
                    kind=VolunteerEventKind.APPROVED,
                    at=profile.decided_at,
                    from_status="pending",
                    to_status=profile.status,
                )
            )
        events += 1
    db.session.commit()
    return {"certificate_checks_added": checks, "volunteer_histories_added": events}
