"""Demo data of this domain, called by `portal.demo.seed` (must be idempotent).

A few hand-written clients with integration plans in the offices Gaggenau and Bühl, and open
needs that volunteers can find on the task board; then a year of casework drawn from a seeded
random generator: 76 more households in all 23 municipalities, plans agreed over the past
year, goals in every area (some achieved, some dropped), steps by clients, managers,
volunteers and the partners (Jobcenter, Agentur für Arbeit, VHS, Jugendamt), reviews due and
overdue. Public descriptions never identify the client.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from portal.auth.services import find_user_by_email
from portal.core.time import local_to_utc, today_local
from portal.extensions import db
from portal.municipalities.models import Municipality, Office
from portal.needs.models import Need, NeedCategory, NeedStatus
from portal.plans.clients import allocate_reference
from portal.plans.models import (
    Client,
    ClientStatus,
    Goal,
    GoalArea,
    GoalStatus,
    IntegrationPlan,
    Partner,
    Step,
    StepActor,
    StepStatus,
)

DOMAIN = "landkreis-rastatt.example"

# name, municipality, manager, languages, household, contact, review in days, goals
# goal: (area, text, status, [(step text, due in days, status, actor, partner, need key)])
CLIENTS: list[dict[str, Any]] = [
    {
        "name": "Familie Haidari (Ahmad und Zahra Haidari)",
        "municipality": "Gaggenau",
        "manager": "s.keller",
        "languages": ["prs", "fa", "de"],
        "household": {"adults": 2, "children": [2013, 2017]},
        "contact": "Hauptstraße 12, 76571 Gaggenau · 0176 5550101",
        "review": 10,
        "goals": [
            (
                GoalArea.LANGUAGE,
                "Frau Haidari erreicht das Sprachniveau B1.",
                GoalStatus.IN_PROGRESS,
                [
                    (
                        "Anmeldung zum Integrationskurs an der VHS",
                        -20,
                        StepStatus.DONE,
                        StepActor.CLIENT,
                        "",
                        None,
                    ),
                    (
                        "Sprachpraxis im Alltag, einmal pro Woche",
                        60,
                        StepStatus.OPEN,
                        StepActor.VOLUNTEER,
                        "",
                        "language",
                    ),
                ],
            ),
            (
                GoalArea.SCHOOL,
                "Der ältere Sohn schafft den Übergang in die Realschule.",
                GoalStatus.OPEN,
                [
                    (
                        "Hausaufgabenhilfe in Mathematik",
                        45,
                        StepStatus.OPEN,
                        StepActor.VOLUNTEER,
                        "",
                        "tutoring",
                    ),
                    (
                        "Gespräch mit der Klassenlehrerin",
                        -5,
                        StepStatus.OPEN,
                        StepActor.MANAGER,
                        "",
                        None,
                    ),
                ],
            ),
        ],
    },
    {
        "name": "Olha Melnyk",
        "municipality": "Gernsbach",
        "manager": "s.keller",
        "languages": ["uk", "ru"],
        "household": {"adults": 1, "children": [2016]},
        "contact": "Bleichstraße 4, 76593 Gernsbach · 0157 5550144",
        "review": 40,
        "goals": [
            (
                GoalArea.WORK,
                "Anerkennung des Abschlusses als Buchhalterin.",
                GoalStatus.IN_PROGRESS,
                [
                    (
                        "Unterlagen für die Anerkennungsstelle übersetzen lassen",
                        14,
                        StepStatus.IN_PROGRESS,
                        StepActor.CLIENT,
                        "",
                        None,
                    ),
                    (
                        "Beratungstermin beim Jobcenter",
                        7,
                        StepStatus.OPEN,
                        StepActor.PARTNER,
                        Partner.JOBCENTER,
                        "jobcenter",
                    ),
                ],
            ),
        ],
    },
    {
        "name": "Familie Al-Khatib (Yusuf und Rana Al-Khatib)",
        "municipality": "Bühl",
        "manager": "m.hofmann",
        "languages": ["ar", "de"],
        "household": {"adults": 2, "children": [2012, 2015, 2020]},
        "contact": "Eisenbahnstraße 9, 77815 Bühl · 0160 5550177",
        "review": -3,
        "goals": [
            (
                GoalArea.HOUSING,
                "Eine größere Wohnung für die fünfköpfige Familie finden.",
                GoalStatus.OPEN,
                [
                    (
                        "Wohnungsanzeigen gemeinsam durchgehen und Besichtigungen begleiten",
                        30,
                        StepStatus.OPEN,
                        StepActor.VOLUNTEER,
                        "",
                        "housing",
                    ),
                ],
            ),
            (
                GoalArea.SOCIAL,
                "Die Kinder finden Anschluss in einem Verein.",
                GoalStatus.OPEN,
                [
                    (
                        "Nachmittagsangebot für Kinder im Familienzentrum",
                        21,
                        StepStatus.OPEN,
                        StepActor.VOLUNTEER,
                        "",
                        "youth",
                    ),
                ],
            ),
        ],
    },
    {
        "name": "Karim Ahmadzai",
        "municipality": "Bühl",
        "manager": "m.hofmann",
        "languages": ["ps", "prs", "de"],
        "household": {"adults": 1, "children": []},
        "contact": "Rheinstraße 21, 77815 Bühl · 0152 5550199",
        "review": 60,
        "goals": [
            (
                GoalArea.HEALTH,
                "Regelmäßige hausärztliche Versorgung ist gesichert.",
                GoalStatus.IN_PROGRESS,
                [
                    (
                        "Begleitung zum Facharzttermin",
                        9,
                        StepStatus.OPEN,
                        StepActor.VOLUNTEER,
                        "",
                        "doctor",
                    ),
                ],
            ),
        ],
    },
]

# key: (category, title, public description, private notes, meeting point, languages,
#       schedule, capacity)
NEEDS: dict[str, dict[str, Any]] = {
    "language": {
        "category": NeedCategory.LANGUAGE_PRACTICE,
        "title": "Sprachpraxis: gemeinsam einkaufen, Deutsch sprechen",
        "public_description": (
            "Eine Frau, die gerade den Integrationskurs besucht, möchte im Alltag mehr Deutsch "
            "sprechen: einmal pro Woche gemeinsam einkaufen, ein Kaffee, ein Spaziergang. "
            "Geduld ist wichtiger als Vorkenntnisse."
        ),
        "private_notes": "Kinderbetreuung ist in dieser Zeit geregelt.",
        "meeting_point": "Vor dem Rathaus Gaggenau, Hauptstraße 71",
        "languages": ["de", "fa"],
        "weekly": (1, time(10, 0), 90),
        "capacity": 1,
    },
    "tutoring": {
        "category": NeedCategory.TUTORING,
        "title": "Hausaufgabenhilfe Mathematik, 7. Klasse",
        "public_description": (
            "Ein Schüler der 7. Klasse braucht Unterstützung in Mathematik (Bruchrechnung, "
            "Gleichungen). Zweimal im Monat wäre ideal; wöchentlich ist auch möglich."
        ),
        "private_notes": "Eltern wünschen Rückmeldung nach den ersten Terminen.",
        "meeting_point": "Stadtbibliothek Gaggenau, Gruppenraum",
        "languages": ["de"],
        "weekly": (2, time(16, 0), 60),
        "capacity": 2,
    },
    "jobcenter": {
        "category": NeedCategory.ACCOMPANYING,
        "title": "Begleitung zu einem Beratungstermin",
        "public_description": (
            "Begleitung zu einem Beratungstermin in Rastatt und Hilfe beim Verstehen der "
            "Unterlagen. Ukrainisch- oder Russischkenntnisse wären hilfreich."
        ),
        "private_notes": "Anerkennungsunterlagen mitbringen lassen.",
        "meeting_point": "Bahnhof Gernsbach, Gleis 1",
        "languages": ["uk", "ru", "de"],
        "once": (7, time(9, 30), 120),
        "capacity": 1,
    },
    "housing": {
        "category": NeedCategory.HOUSING_SEARCH,
        "title": "Unterstützung bei der Wohnungssuche",
        "public_description": (
            "Eine Familie sucht eine größere Wohnung in Bühl. Gemeinsam Anzeigen durchgehen, "
            "Anfragen schreiben und zu Besichtigungen begleiten."
        ),
        "private_notes": "Mietobergrenze des Jobcenters beachten.",
        "meeting_point": "Integrationsbüro Bühl, Hauptstraße 47",
        "languages": ["de", "ar"],
        "weekly": (3, time(17, 0), 90),
        "capacity": 2,
    },
    "youth": {
        "category": NeedCategory.YOUTH_FAMILY,
        "title": "Spielenachmittag im Familienzentrum",
        "public_description": (
            "Für Kinder zwischen 6 und 14 Jahren: Spiele, Basteln, gemeinsam Zeit verbringen. "
            "Ein erweitertes Führungszeugnis ist erforderlich."
        ),
        "private_notes": "",
        "meeting_point": "Familienzentrum Bühl",
        "languages": ["de"],
        "weekly": (4, time(15, 0), 120),
        "capacity": 3,
    },
    "doctor": {
        "category": NeedCategory.ACCOMPANYING,
        "title": "Begleitung zu einem Arzttermin",
        "public_description": (
            "Begleitung zu einem Facharzttermin in Baden-Baden mit dem Zug. "
            "Paschtu- oder Dari-Kenntnisse sind willkommen, aber nicht nötig."
        ),
        "private_notes": "Überweisung liegt vor.",
        "meeting_point": "Bahnhof Bühl",
        "languages": ["de", "ps", "prs"],
        "once": (9, time(8, 0), 180),
        "capacity": 1,
    },
}


def _need(key: str, municipality: Municipality, step: Step, creator_id: int | None) -> Need:
    spec = NEEDS[key]
    today = today_local()
    need = Need(
        source_step=step,
        category=spec["category"],
        title=spec["title"],
        public_description=spec["public_description"],
        private_notes=spec["private_notes"],
        municipality=municipality,
        meeting_point=spec["meeting_point"],
        languages=spec["languages"],
        capacity=spec["capacity"],
        taken=0,
        requires_conduct_certificate=spec["category"] == NeedCategory.YOUTH_FAMILY,
        status=NeedStatus.OPEN,
        created_by_id=creator_id,
    )
    if "once" in spec:
        days, at, minutes = spec["once"]
        start = datetime.combine(today + timedelta(days=days), at)
        need.schedule_kind = "once"
        need.starts_at = local_to_utc(start)
        need.ends_at = local_to_utc(start + timedelta(minutes=minutes))
        need.starts_on = need.ends_on = start.date()
    else:
        weekday, at, minutes = spec["weekly"]
        first = today + timedelta(days=(weekday - today.weekday()) % 7 or 7)
        need.schedule_kind = "weekly"
        need.weekday, need.time_of_day, need.duration_minutes = weekday, at, minutes
        need.starts_on, need.ends_on = first, first + timedelta(weeks=12)
    if step.status == StepStatus.OPEN:
        step.status = StepStatus.IN_PROGRESS
    return need


# Households of the past years' arrivals: (family name, first names, languages)
ORIGINS: list[tuple[list[str], list[tuple[str, str]], list[str]]] = [
    (
        ["Rahimi", "Noori", "Sultani", "Hashimi", "Popal", "Wardak", "Amiri", "Sadat"],
        [("Ahmad", "Zahra"), ("Mohammad", "Fatima"), ("Ali", "Maryam"), ("Hamid", "Shabnam")],
        ["prs", "fa"],
    ),
    (
        ["Khalil", "Mansour", "Darwish", "Saleh", "Nasser", "Ibrahim", "Hamdan", "Othman"],
        [("Omar", "Rasha"), ("Khaled", "Lama"), ("Mahmoud", "Hiba"), ("Samer", "Dima")],
        ["ar"],
    ),
    (
        ["Shevchuk", "Bondar", "Tkachenko", "Kravchenko", "Boyko", "Lysenko", "Marchenko"],
        [("Oksana", ""), ("Iryna", ""), ("Svitlana", ""), ("Tetiana", ""), ("Andrii", "Olena")],
        ["uk", "ru"],
    ),
    (
        ["Tesfay", "Gebremedhin", "Haile", "Tekle", "Berhane"],
        [("Yonas", "Selam"), ("Filmon", "Helen"), ("Daniel", "Ruta")],
        ["ti"],
    ),
    (
        ["Abdi", "Farah", "Warsame", "Nur"],
        [("Abdirahman", "Hodan"), ("Mohamed", "Ayaan"), ("Yusuf", "Sahra")],
        ["so"],
    ),
    (
        ["Hussein", "Qasim", "Barzani", "Murad"],
        [("Dilshad", "Shirin"), ("Karwan", "Nasrin"), ("Azad", "Rojin")],
        ["kmr", "ar"],
    ),
]
# (area, goal text, [(step text, actor, partner)])
GOALS: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    (
        GoalArea.LANGUAGE,
        "Deutsch auf dem Niveau B1 für den Alltag und die Arbeit.",
        [
            ("Anmeldung zum Integrationskurs", StepActor.PARTNER, Partner.LANGUAGE_SCHOOL),
            ("Sprachpraxis im Alltag, einmal pro Woche", StepActor.VOLUNTEER, ""),
            ("Prüfung Deutsch-Test für Zuwanderer ablegen", StepActor.CLIENT, ""),
        ],
    ),
    (
        GoalArea.WORK,
        "Eine Arbeitsstelle oder Ausbildung, die zum Beruf aus dem Herkunftsland passt.",
        [
            (
                "Beratung zur Anerkennung des Berufsabschlusses",
                StepActor.PARTNER,
                Partner.JOBCENTER,
            ),
            ("Bewerbungsunterlagen gemeinsam erstellen", StepActor.VOLUNTEER, ""),
            ("Vermittlung in ein Praktikum", StepActor.PARTNER, Partner.EMPLOYMENT_AGENCY),
        ],
    ),
    (
        GoalArea.WORK,
        "Unabhängigkeit von Sozialleistungen durch eigenes Einkommen.",
        [
            ("Termin bei der Berufsberatung", StepActor.PARTNER, Partner.EMPLOYMENT_AGENCY),
            ("Antrag auf Weiterbildung stellen", StepActor.CLIENT, ""),
            ("Leistungsbescheid gemeinsam prüfen", StepActor.MANAGER, ""),
        ],
    ),
    (
        GoalArea.HOUSING,
        "Eine eigene Wohnung statt der Gemeinschaftsunterkunft.",
        [
            ("Wohnberechtigung und Mietobergrenze klären", StepActor.PARTNER, Partner.JOBCENTER),
            ("Wohnungsanzeigen durchgehen, zu Besichtigungen begleiten", StepActor.VOLUNTEER, ""),
            ("Mietvertrag gemeinsam durchsehen", StepActor.MANAGER, ""),
        ],
    ),
    (
        GoalArea.SCHOOL,
        "Die Kinder kommen in Kita und Schule gut an.",
        [
            ("Kita-Platz beantragen", StepActor.CLIENT, ""),
            ("Hausaufgabenhilfe am Nachmittag", StepActor.VOLUNTEER, ""),
            ("Hilfen zur Erziehung besprechen", StepActor.PARTNER, Partner.YOUTH_OFFICE),
        ],
    ),
    (
        GoalArea.HEALTH,
        "Die gesundheitliche Versorgung der Familie ist gesichert.",
        [
            ("Hausarztpraxis finden und anmelden", StepActor.MANAGER, ""),
            ("Begleitung zu Facharztterminen", StepActor.VOLUNTEER, ""),
        ],
    ),
    (
        GoalArea.SOCIAL,
        "Anschluss im Ort: Verein, Nachbarschaft, Ehrenamt.",
        [
            ("Schnuppertraining im Sportverein", StepActor.CLIENT, ""),
            ("Besuch des Begegnungscafés", StepActor.VOLUNTEER, ""),
        ],
    ),
]
MANAGERS = {"Gaggenau": "s.keller", "Bühl": "m.hofmann", "Rastatt": "j.vogt"}
HISTORY_CLIENTS = 76


def _client_name(rng: random.Random) -> tuple[str, list[str], dict[str, Any]]:
    families, firsts, languages = rng.choice(ORIGINS)
    family = rng.choice(families)
    one, two = rng.choice(firsts)
    children = sorted(rng.sample(range(2008, 2024), rng.randint(0, 3)))
    if two and rng.random() < 0.7:
        name = f"Familie {family} ({one} und {two} {family})"
        adults = 2
    else:
        name = f"{one or two} {family}"
        adults = 1
    return name, [*languages, "de"], {"adults": adults, "children": children}


def _history(rng: random.Random) -> int:
    """76 more households with a year of casework (skipped when they exist)."""
    # sorted here, not by the database: the same order under every collation
    places = sorted(db.session.scalars(select(Municipality)), key=lambda m: m.name)
    offices = {o.id: o.name for o in db.session.scalars(select(Office))}
    existing = {(c.name, c.municipality_id) for c in db.session.scalars(select(Client))}
    if not places:
        return 0
    rng.shuffle(places)
    today = today_local()
    managers = {name: find_user_by_email(f"{local}@{DOMAIN}") for name, local in MANAGERS.items()}
    created = 0
    for i in range(HISTORY_CLIENTS):
        place = places[i % len(places)]
        name, languages, household = _client_name(rng)
        agreed = today - timedelta(days=rng.randint(15, 360))
        review = (
            today - timedelta(days=rng.randint(1, 40))
            if rng.random() < 0.18
            else today + timedelta(days=rng.randint(5, 120))
        )
        goals = rng.sample(GOALS, rng.randint(1, 3))
        draws = [_goal_draws(rng, agreed, today, steps) for _area, _text, steps in goals]
        if (name, place.id) in existing:
            continue
        existing.add((name, place.id))
        manager = managers.get(offices.get(place.office_id or 0, ""))
        client = Client(
            reference=allocate_reference(),
            name=name,
            contact=f"{place.name} · 0157 55{i:05d}",
            municipality=place,
            languages=languages,
            household=household,
            manager=manager,
            status=ClientStatus.ACTIVE,
            created_at=datetime.combine(agreed - timedelta(days=10), time(9)),
        )
        client.plan = IntegrationPlan(
            agreed_on=agreed,
            next_review_on=review,
            created_at=datetime.combine(agreed, time(10)),
        )
        db.session.add(client)
        for (area, text, steps), (status, closed, step_draws) in zip(goals, draws, strict=True):
            goal = Goal(
                plan=client.plan,
                area=area,
                text=text,
                status=status,
                closed_on=closed,
                created_at=datetime.combine(agreed, time(10)),
            )
            db.session.add(goal)
            for (step_text, actor, partner), (step_status, due, done) in zip(
                steps, step_draws, strict=True
            ):
                db.session.add(
                    Step(
                        goal=goal,
                        text=step_text,
                        due_on=due,
                        status=step_status,
                        done_on=done,
                        actor=actor,
                        partner=partner,
                    )
                )
        created += 1
    db.session.commit()
    return created


def _goal_draws(
    rng: random.Random, agreed: date, today: date, steps: list[Any]
) -> tuple[str, date | None, list[tuple[str, date, date | None]]]:
    """A goal's status and closing day, and each step's status, due day and day done."""
    age = (today - agreed).days
    roll = rng.random()
    status: str
    if age > 90 and roll < 0.4:
        status = GoalStatus.ACHIEVED
    elif age > 60 and roll < 0.5:
        status = GoalStatus.DROPPED
    else:
        status = rng.choice([GoalStatus.OPEN, GoalStatus.IN_PROGRESS, GoalStatus.IN_PROGRESS])
    closed = agreed + timedelta(days=rng.randint(30, age)) if age > 30 else None
    step_draws: list[tuple[str, date, date | None]] = []
    for n in range(len(steps)):
        due = agreed + timedelta(days=20 + 35 * n + rng.randint(0, 20))
        done_day = min(due - timedelta(days=rng.randint(0, 10)), today)
        if status == GoalStatus.ACHIEVED:
            step_draws.append((StepStatus.DONE, due, min(done_day, closed or today)))
        elif status == GoalStatus.DROPPED:
            step_draws.append(
                (StepStatus.DROPPED if n else StepStatus.DONE, due, None if n else done_day)
            )
        elif due < today and rng.random() < 0.7:
            step_draws.append((StepStatus.DONE, due, done_day))
        else:
            step_draws.append((rng.choice([StepStatus.OPEN, StepStatus.IN_PROGRESS]), due, None))
    if status not in (GoalStatus.ACHIEVED, GoalStatus.DROPPED):
        closed = None
    return status, closed, step_draws


def seed() -> dict[str, int]:
    by_name = {m.name: m for m in db.session.scalars(select(Municipality))}
    existing = {(c.name, c.municipality_id) for c in db.session.scalars(select(Client))}
    today = today_local()
    clients = needs = 0
    for spec in CLIENTS:
        municipality = by_name.get(spec["municipality"])
        if municipality is None or (spec["name"], municipality.id) in existing:
            continue
        manager = find_user_by_email(f"{spec['manager']}@{DOMAIN}")
        client = Client(
            reference=allocate_reference(),
            name=spec["name"],
            contact=spec["contact"],
            municipality=municipality,
            languages=spec["languages"],
            household=spec["household"],
            manager=manager,
            status=ClientStatus.ACTIVE,
        )
        client.plan = IntegrationPlan(
            agreed_on=today - timedelta(days=45),
            next_review_on=today + timedelta(days=spec["review"]),
        )
        db.session.add(client)
        clients += 1
        for area, text, status, steps in spec["goals"]:
            goal = Goal(plan=client.plan, area=area, text=text, status=status)
            db.session.add(goal)
            for step_text, due, step_status, actor, partner, need_key in steps:
                step = Step(
                    goal=goal,
                    text=step_text,
                    due_on=today + timedelta(days=due),
                    status=step_status,
                    actor=actor,
                    partner=partner,
                )
                db.session.add(step)
                if need_key:
                    db.session.add(
                        _need(need_key, municipality, step, manager.id if manager else None)
                    )
                    needs += 1
        db.session.commit()
    clients += _history(random.Random(2027))  # noqa: S311 - demo data, seeded
    return {"clients_created": clients, "needs_created": needs}
