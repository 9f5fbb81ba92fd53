"""A year of needs for the demo county, drawn from a seeded random generator (the same county on
every run): about 300 needs in all 23 municipalities over the past twelve months and the coming
weeks (completed, cancelled, filled, open), claimed by the history volunteers of the same
office, with reports and hours (recent ones not yet acknowledged, a few with a concern); some
are published from plan steps. Called by `portal.needs.demo.seed`; skipped when it exists.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import select

from portal.auth.services import find_user_by_email
from portal.core.time import local_to_utc, today_local, utcnow
from portal.extensions import db
from portal.municipalities.models import Municipality, Office
from portal.needs.models import Assignment, Need
from portal.needs.report_models import Report
from portal.plans.models import Client, Goal, IntegrationPlan, Step, StepActor, StepStatus
from portal.volunteers.models import VolunteerProfile
from portal.volunteers.queries import profile_of

DOMAIN = "landkreis-rastatt.example"

HISTORY_NEEDS = 293  # with the hand-written ones above: 300 needs
MANAGERS = {"Gaggenau": "s.keller", "Bühl": "m.hofmann", "Rastatt": "j.vogt"}
# category -> [(title, public description, languages wanted)]
KINDS: dict[str, list[tuple[str, str, list[str]]]] = {
    "tutoring": [
        (
            "Hausaufgabenhilfe für eine Grundschülerin",
            "Ein Mädchen in der 3. Klasse braucht Hilfe beim Lesen und Rechnen, am Nachmittag "
            "nach der Schule.",
            ["de"],
        ),
        (
            "Nachhilfe Mathematik und Englisch, 8. Klasse",
            "Ein Schüler möchte seine Noten in Mathematik und Englisch verbessern.",
            ["de", "en"],
        ),
        (
            "Lernbegleitung in der Berufsschule",
            "Ein junger Mann in der Ausbildung zum Elektroniker braucht Unterstützung mit "
            "Fachbegriffen und Prüfungsvorbereitung.",
            ["de"],
        ),
    ],
    "language_practice": [
        (
            "Deutsch sprechen beim Spaziergang",
            "Eine Frau möchte nach dem Sprachkurs Deutsch im Alltag üben: spazieren gehen, "
            "einkaufen, erzählen.",
            ["de"],
        ),
        (
            "Sprachcafé im Bürgertreff",
            "Für das wöchentliche Sprachcafé suchen wir Gesprächspartnerinnen und -partner.",
            ["de"],
        ),
        (
            "Vorbereitung auf die B1-Prüfung",
            "Ein Mann bereitet sich auf die Prüfung Deutsch-Test für Zuwanderer vor und möchte "
            "das Sprechen üben.",
            ["de", "ar"],
        ),
    ],
    "accompanying": [
        (
            "Begleitung zur Ausländerbehörde",
            "Begleitung zu einem Termin bei der Ausländerbehörde in Rastatt, Hilfe beim "
            "Verstehen der Formulare.",
            ["de", "prs", "fa"],
        ),
        (
            "Begleitung zum Jobcenter",
            "Begleitung zu einem Beratungstermin beim Jobcenter, Unterlagen sind vorbereitet.",
            ["de", "uk", "ru"],
        ),
        (
            "Begleitung zu einem Arzttermin",
            "Begleitung zu einem Facharzttermin, gern mit Kenntnissen in Arabisch.",
            ["de", "ar"],
        ),
        (
            "Begleitung zum Elternabend",
            "Eine Mutter möchte beim Elternabend in der Grundschule verstehen, was besprochen "
            "wird.",
            ["de", "ti"],
        ),
    ],
    "youth_family": [
        (
            "Spielenachmittag für Kinder",
            "Spiele, Basteln und Vorlesen für Kinder zwischen 5 und 10 Jahren. Ein erweitertes "
            "Führungszeugnis ist erforderlich.",
            ["de"],
        ),
        (
            "Schwimmbadbesuch mit Jugendlichen",
            "Begleitung einer kleinen Gruppe Jugendlicher ins Hallenbad. Ein erweitertes "
            "Führungszeugnis ist erforderlich.",
            ["de"],
        ),
    ],
    "housing_search": [
        (
            "Unterstützung bei der Wohnungssuche",
            "Eine Familie sucht eine Wohnung: Anzeigen durchgehen, Anfragen schreiben, zu "
            "Besichtigungen begleiten.",
            ["de", "ar"],
        ),
        (
            "Hilfe beim Umzug in die erste eigene Wohnung",
            "Ein Paar zieht aus der Gemeinschaftsunterkunft aus: Möbel aufbauen, Ummeldung, "
            "Stromvertrag.",
            ["de"],
        ),
    ],
    "other": [
        (
            "Fahrrad fit machen und Verkehrsregeln üben",
            "Gemeinsam ein gespendetes Fahrrad reparieren und die wichtigsten Regeln üben.",
            ["de"],
        ),
        (
            "Formulare für die Krankenversicherung ausfüllen",
            "Hilfe beim Ausfüllen von Formularen der Krankenkasse.",
            ["de", "so"],
        ),
    ],
}
CATEGORY_WEIGHTS = {
    "tutoring": 5,
    "language_practice": 5,
    "accompanying": 6,
    "youth_family": 2,
    "housing_search": 2,
    "other": 1,
}
OUTCOMES = [
    "Termin wahrgenommen, alles Wichtige ist geklärt.",
    "Gute Stimmung, wir haben viel gesprochen.",
    "Hausaufgaben erledigt, nächstes Mal Vokabeln üben.",
    "Formulare gemeinsam ausgefüllt und abgegeben.",
    "Zwei Wohnungen besichtigt, eine Bewerbung geschrieben.",
    "Die Kinder hatten viel Spaß, nächste Woche wieder.",
]
CONCERNS = [
    "In der Wohnung ist Schimmel an den Wänden, ein Kind hustet seit Wochen.",
    "Die Familie hat einen Brief mit einer Zahlungsfrist bekommen, die schon abgelaufen ist.",
    "Eine Jugendliche hat erzählt, dass sie in der Schule bedroht wird.",
    "Der Klient wirkte sehr niedergeschlagen und hat von Schlaflosigkeit gesprochen.",
]
HISTORY_MARK = "Sprachcafé im Bürgertreff"  # the first need drawn: the history exists


def _history_exists() -> bool:
    from portal.volunteers.demo import NAMES, email_local

    first = find_user_by_email(f"{email_local(NAMES[0][0])}@{DOMAIN}")
    profile = profile_of(first)
    if profile is None:
        return True  # no history volunteers: nothing to build on
    taken = db.session.scalar(select(Assignment.id).where(Assignment.volunteer_id == profile.id))
    return taken is not None or (
        db.session.scalar(select(Need.id).where(Need.title == HISTORY_MARK).limit(1)) is not None
    )


def _volunteers_by_office() -> dict[int | None, list[VolunteerProfile]]:
    """The history volunteers (never the named demo accounts) able to take tasks, by office."""
    from portal.volunteers.demo import NAMES, email_local

    found: dict[int | None, list[VolunteerProfile]] = {}
    for name, _extra, _german in NAMES:
        profile = profile_of(find_user_by_email(f"{email_local(name)}@{DOMAIN}"))
        if profile is not None and profile.status in ("approved", "suspended"):
            found.setdefault(profile.home_municipality.office_id, []).append(profile)
    return found


def _pick(
    rng: random.Random,
    pool: list[VolunteerProfile],
    count: int,
    claimed: datetime,
    certificate: bool,
) -> list[VolunteerProfile]:
    fitting = [
        p
        for p in pool
        if p.decided_at is not None
        and p.decided_at <= claimed
        and (not certificate or p.certificate_checks)
    ]
    return rng.sample(fitting, min(count, len(fitting)))


def _need_history(rng: random.Random) -> dict[str, int]:
    counts = {"history_needs": 0, "history_claims": 0, "history_reports": 0}
    if _history_exists():
        return counts
    # sorted here, not by the database: the same order under every collation
    places = sorted(db.session.scalars(select(Municipality)), key=lambda m: m.name)
    offices = {o.id: o.name for o in db.session.scalars(select(Office))}
    managers = {
        oid: find_user_by_email(f"{MANAGERS.get(name, '')}@{DOMAIN}")
        for oid, name in offices.items()
    }
    volunteers = _volunteers_by_office()
    # steps a volunteer is to act on, by municipality, for needs published from a plan
    steps: dict[int, list[Step]] = {}
    for step, mid in db.session.execute(
        select(Step, Client.municipality_id)
        .join(Goal, Goal.id == Step.goal_id)
        .join(IntegrationPlan, IntegrationPlan.id == Goal.plan_id)
        .join(Client, Client.id == IntegrationPlan.client_id)
        .where(Step.actor == StepActor.VOLUNTEER, Step.status == StepStatus.DONE)
        .order_by(Step.id)
    ):
        steps.setdefault(mid, []).append(step)
    weights = [2 if m.kind == "Stadt" else 1 for m in places]
    categories = list(CATEGORY_WEIGHTS)
    now, today = utcnow(), today_local()
    for i in range(HISTORY_NEEDS):
        place = places[i] if i < len(places) else rng.choices(places, weights)[0]
        category = (
            "language_practice"
            if i == 0
            else rng.choices(categories, [*CATEGORY_WEIGHTS.values()])[0]
        )
        title, description, languages = (
            KINDS[category][1] if i == 0 else rng.choice(KINDS[category])
        )
        offset = rng.randint(-365, 35) if rng.random() < 0.9 else rng.randint(0, 35)
        weekly = rng.random() < 0.3
        capacity = rng.choices([1, 2, 3], [70, 25, 5])[0]
        start_day = today + timedelta(days=offset)
        hour = rng.choice([9, 10, 14, 15, 16, 17])
        minutes = rng.choice([60, 90, 120])
        weeks = rng.randint(4, 12)
        published = local_to_utc(datetime.combine(start_day, time(8))) - timedelta(
            days=rng.randint(3, 21), hours=rng.randint(0, 8)
        )
        roll = rng.random()
        wanted = rng.randint(1, capacity)
        draws = [rng.random() for _ in range(40)]
        need = Need(
            category=category,
            title=title,
            public_description=description,
            private_notes="",
            municipality=place,
            meeting_point=rng.choice(
                [f"Rathaus {place.name}", f"Bahnhof {place.name}", f"Bürgertreff {place.name}"]
            ),
            languages=languages,
            capacity=capacity,
            taken=0,
            requires_conduct_certificate=category == "youth_family",
            created_by=managers.get(place.office_id or 0),
            created_at=published - timedelta(hours=2),
            published_at=min(published, now),
        )
        if weekly:
            need.schedule_kind = "weekly"
            need.weekday, need.time_of_day = start_day.weekday(), time(hour)
            need.duration_minutes = minutes
            need.starts_on, need.ends_on = start_day, start_day + timedelta(weeks=weeks)
            end = local_to_utc(datetime.combine(need.ends_on, time(hour))) + timedelta(
                minutes=minutes
            )
            sessions = [start_day + timedelta(weeks=w) for w in range(weeks + 1)]
        else:
            need.schedule_kind = "once"
            need.starts_at = local_to_utc(datetime.combine(start_day, time(hour)))
            need.ends_at = end = need.starts_at + timedelta(minutes=minutes)
            need.starts_on = need.ends_on = start_day
            sessions = [start_day]
        over = end < now
        if over:
            status = "completed" if roll < 0.82 else "cancelled"
        else:
            status = "filled" if roll < 0.4 else "open"
        if status == "filled":
            wanted = capacity
        elif status == "open":
            wanted = rng.randint(0, capacity - 1)  # still short of volunteers
        claimed = min(published + timedelta(days=rng.randint(0, 6), hours=3), now)
        pool = volunteers.get(place.office_id, [])
        chosen = (
            []
            if status == "cancelled"
            else _pick(rng, pool, wanted, claimed, category == "youth_family")
        )
        if status == "filled" and len(chosen) < capacity:
            status = "open"
        if status == "completed" and not chosen:
            status = "cancelled"
        need.status = status
        if status == "cancelled":
            need.cancel_reason = "Der Termin ist entfallen." if roll < 0.9 else "Niemand gefunden."
            need.closed_at = min(end - timedelta(days=1), now)
        elif status == "completed":
            need.closed_at = min(end + timedelta(days=1), now)
        db.session.add(need)
        counts["history_needs"] += 1
        if status == "completed" and steps.get(place.id) and draws[0] < 0.5:
            need.source_step = steps[place.id].pop()
        for n, profile in enumerate(chosen):
            assignment = Assignment(
                need=need,
                volunteer=profile,
                claimed_at=claimed + timedelta(hours=n),
                status="completed" if status == "completed" else "active",
                ended_at=need.closed_at if status == "completed" else None,
            )
            if assignment.status == "active":
                need.taken += 1
            db.session.add(assignment)
            counts["history_claims"] += 1
            for k, day in enumerate(s for s in sessions if s < today):
                late = (today - day).days < 10
                concern = draws[(k + n) % 40] < 0.012
                db.session.add(
                    Report(
                        assignment=assignment,
                        activity_on=day,
                        minutes=minutes + rng.choice([-30, 0, 0, 15, 30]),
                        outcome=rng.choice(OUTCOMES),
                        follow_up_needed=concern,
                        concern=rng.choice(CONCERNS) if concern else "",
                        concern_raised=concern,
                        acknowledged_by=None if late else need.created_by,
                        acknowledged_at=None
                        if late
                        else local_to_utc(datetime.combine(day + timedelta(days=2), time(9))),
                        created_at=local_to_utc(datetime.combine(day, time(20))),
                    )
                )
                counts["history_reports"] += 1
    db.session.commit()
    return counts


def seed() -> dict[str, int]:
    return _need_history(random.Random(2028))  # noqa: S311 - demo data, seeded on purpose
