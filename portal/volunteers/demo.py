"""Demo data of this domain, called by `portal.demo.seed` (must be idempotent).

Besides the named demo volunteers (portal/demo.py), a year of applications: 53 more
volunteers at home in all 23 municipalities, approved, waiting, rejected or suspended, with
their history and, for many, a certificate of conduct (some expiring soon). Drawn from a
seeded random generator, so every run gives the same county; an existing address is skipped.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from portal.auth.models import Role
from portal.auth.passwords import hash_password
from portal.auth.services import create_user, find_user_by_email, grant_role
from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.volunteers.certificates import add_years
from portal.volunteers.models import (
    ConductCertificateCheck,
    VolunteerEvent,
    VolunteerEventKind,
    VolunteerProfile,
    VolunteerStatus,
)
from portal.volunteers.queries import profile_of

DOMAIN = "landkreis-rastatt.example"

# (volunteer, coordinator who saw the certificate, days from today until it expires)
CERTIFICATES = [
    ("lena.schmitt", "koordination.gaggenau", 3 * 365),  # valid for years
    ("olena.kovalenko", "koordination.buehl", 30),  # expiring soon: the reminder job picks it up
]


# People of the region, among them some who came here themselves years ago: (name, languages
# besides German with their level, German level).
NAMES: list[tuple[str, dict[str, str], str]] = [
    *(
        (name, extra, "native")
        for name, extra in [
            ("Anna Huber", {"en": "good"}),
            ("Michael Schneider", {}),
            ("Julia Fischer", {"en": "fluent", "fr": "basic"}),
            ("Stefan Meyer", {}),
            ("Sarah Wolf", {"en": "good"}),
            ("Andreas Schäfer", {"fr": "good"}),
            ("Katrin Koch", {}),
            ("Tobias Bauer", {"en": "fluent"}),
            ("Monika Richter", {"fr": "basic"}),
            ("Frank Klein", {}),
            ("Laura Schröder", {"en": "fluent", "ru": "basic"}),
            ("Daniel Neumann", {"en": "good"}),
            ("Sandra Schwarz", {}),
            ("Matthias Zimmermann", {"en": "basic"}),
            ("Birgit Braun", {"fr": "good"}),
            ("Florian Krüger", {"en": "fluent"}),
            ("Nina Hartmann", {"en": "good"}),
            ("Jürgen Lange", {}),
            ("Carina Werner", {"en": "good", "fr": "good"}),
            ("Uwe Krause", {}),
            ("Melanie Lehmann", {"en": "basic"}),
            ("Ralf Maier", {}),
            ("Gabriele Köhler", {"fr": "fluent"}),
            ("Klaus Walter", {}),
            ("Ursula Kaiser", {"en": "basic"}),
            ("Heike Fuchs", {}),
            ("Bernd Peters", {"en": "good"}),
            ("Lea Lang", {"en": "fluent", "fr": "good"}),
            ("Tim Weiß", {"en": "fluent"}),
            ("Svenja Jung", {"en": "good"}),
            ("Marco Hahn", {}),
            ("Petra Vogel", {"fr": "basic"}),
            ("Wolfgang Friedrich", {}),
            ("Christine Seitz", {"en": "good"}),
            ("Manfred Dürr", {}),
            ("Franziska Kern", {"en": "fluent"}),
            ("Simon Ziegler", {"en": "good"}),
            ("Eva Benz", {"fr": "good"}),
            ("Rainer Gartner", {}),
            ("Johanna Bürkle", {"en": "good"}),
        ]
    ),
    ("Elif Yıldız", {"tr": "native", "en": "good"}, "fluent"),
    ("Murat Aksoy", {"tr": "native", "kmr": "good"}, "fluent"),
    ("Natalia Bondarenko", {"uk": "native", "ru": "fluent"}, "good"),
    ("Dmytro Shevchenko", {"uk": "native", "ru": "native", "en": "basic"}, "basic"),
    ("Samira Rahimi", {"fa": "native", "prs": "native"}, "fluent"),
    ("Hassan Al-Masri", {"ar": "native", "en": "good"}, "good"),
    ("Irina Petrova", {"ru": "native", "uk": "good"}, "fluent"),
    ("Yasemin Kaya", {"tr": "native"}, "native"),
    ("Abdullahi Warsame", {"so": "native", "ar": "basic", "en": "good"}, "good"),
    ("Senait Tesfaye", {"ti": "native", "ar": "basic"}, "good"),
    ("Reza Karimi", {"fa": "native", "prs": "fluent", "ps": "basic"}, "fluent"),
    ("Lina Haddad", {"ar": "native", "fr": "good"}, "fluent"),
    ("Zeynep Arslan", {"tr": "native", "kmr": "basic"}, "native"),
]
STATUSES = [VolunteerStatus.APPROVED] * 40 + [VolunteerStatus.PENDING] * 6
STATUSES += [VolunteerStatus.REJECTED] * 3 + [VolunteerStatus.SUSPENDED] * 4
INTERESTS = ["tutoring", "language_practice", "accompanying", "youth_family", "housing_search"]
PARTS = ["morning", "afternoon", "evening"]
MOTIVATIONS = [
    "Ich bin seit Kurzem im Ruhestand und habe Zeit, die ich sinnvoll nutzen möchte.",
    "Als Lehrerin weiß ich, wie viel gute Unterstützung bei den Hausaufgaben ausmacht.",
    "Ich bin selbst vor Jahren hierhergekommen und weiß, wie schwer der Anfang ist.",
    "Ich möchte Menschen beim Ankommen in unserer Gemeinde unterstützen.",
    "Über unseren Sportverein habe ich geflüchtete Familien kennengelernt.",
]


def email_local(name: str) -> str:
    """``Jürgen Lange`` → ``juergen.lange`` (a plausible, ASCII-only address)."""
    name = name.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ".".join(part.replace("-", "") for part in plain.split())


def _profile(local: str) -> VolunteerProfile | None:
    return profile_of(find_user_by_email(f"{local}@{DOMAIN}"))


def _history(rng: random.Random) -> int:
    """The 53 volunteers of the past year (those that exist already are left alone)."""
    # sorted here, not by the database: the same order under every collation
    places = sorted(db.session.scalars(select(Municipality)), key=lambda m: m.name)
    if not places:
        return 0
    rng.shuffle(places)
    statuses = list(STATUSES)
    rng.shuffle(statuses)
    years = current_app.config["CONDUCT_CERTIFICATE_VALID_YEARS"]
    version = current_app.config["PRIVACY_NOTICE_VERSION"]
    from portal.demo import DEMO_PASSWORD

    # one hash for all of them (hashing is slow on purpose); the password is the documented one
    password = hash_password(DEMO_PASSWORD) if current_app.config["DEMO_PASSWORDS"] else None
    coordinator = find_user_by_email(f"koordination.gaggenau@{DOMAIN}")
    now, today = utcnow(), today_local()
    added = 0
    for i, ((name, extra, german), status) in enumerate(zip(NAMES, statuses, strict=True)):
        # every draw happens whether or not the person exists, so the county stays the same
        home = places[i % len(places)]
        submitted = now - timedelta(days=rng.randint(20, 400), hours=rng.randint(0, 9))
        decided = submitted + timedelta(days=rng.randint(2, 18))
        suspended = decided + timedelta(days=rng.randint(30, 120))
        interests = rng.sample(INTERESTS, rng.randint(1, 3))
        days = rng.sample(range(6), rng.randint(1, 3))
        parts = {d: rng.sample(PARTS, rng.randint(1, 2)) for d in days}
        has_car, motivation = rng.random() < 0.5, rng.choice(MOTIVATIONS)
        nearby = [m for m in places if m.office_id == home.office_id and m.id != home.id]
        also = rng.sample(nearby, min(len(nearby), rng.randint(0, 2)))
        certificate = rng.random() < 0.7
        expires_in = rng.choice([rng.randint(10, 55), rng.randint(200, 1700)])
        if find_user_by_email(f"{email_local(name)}@{DOMAIN}") is not None:
            continue
        user = create_user(f"{email_local(name)}@{DOMAIN}", name, None, verified=True)
        user.password_hash = password
        grant_role(None, user, Role.VOLUNTEER)
        profile = VolunteerProfile(
            user=user,
            home_municipality=home,
            phone=f"0176 5552{i:03d}",
            languages={"de": german, **extra},
            interests=interests,
            availability=parts,
            has_car=has_car,
            motivation=motivation,
            status=status,
            consent_version=version,
            consent_at=submitted,
            pledge_signed_at=submitted,
            submitted_at=submitted,
        )
        profile.municipalities.extend([home, *also])
        user.privacy_version, user.privacy_acknowledged_at = version, submitted
        db.session.add(profile)
        db.session.add(
            VolunteerEvent(
                volunteer=profile,
                kind=VolunteerEventKind.SUBMITTED,
                actor_id=user.id,
                at=submitted,
                to_status=VolunteerStatus.PENDING,
            )
        )
        if status != VolunteerStatus.PENDING:
            profile.decided_at = decided
            kind = (
                VolunteerEventKind.REJECTED
                if status == VolunteerStatus.REJECTED
                else VolunteerEventKind.APPROVED
            )
            to = VolunteerStatus.REJECTED if kind == VolunteerEventKind.REJECTED else "approved"
            db.session.add(
                VolunteerEvent(
                    volunteer=profile, kind=kind, at=decided, from_status="pending", to_status=to
                )
            )
        if status == VolunteerStatus.SUSPENDED:
            profile.decided_at = min(suspended, now)
            db.session.add(
                VolunteerEvent(
                    volunteer=profile,
                    kind=VolunteerEventKind.SUSPENDED,
                    at=min(suspended, now),
                    from_status="approved",
                    to_status=VolunteerStatus.SUSPENDED,
                    message="Auf eigenen Wunsch pausiert (Umzug, vorübergehend).",
                )
            )
        if certificate and status in (VolunteerStatus.APPROVED, VolunteerStatus.SUSPENDED):
            issued_on = add_years(today + timedelta(days=expires_in), -years)
            seen = decided.date()
            db.session.add(
                ConductCertificateCheck(
                    volunteer=profile,
                    issued_on=issued_on,
                    seen_on=max(issued_on, min(seen, today)),
                    seen_by_id=coordinator.id if coordinator else None,
                    valid_until=add_years(issued_on, years),
                )
            )
        added += 1
    db.session.flush()
    return added


def seed() -> dict[str, int]:
    today = today_local()
    added = _history(random.Random(2026))  # noqa: S311 - demo data, seeded
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
    return {
        "volunteers_added": added,
        "certificate_checks_added": checks,
        "volunteer_histories_added": events,
    }
