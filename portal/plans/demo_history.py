"""A year of casework for the demo county, drawn from a seeded random generator (the same county
on every run): 76 more households in all 23 municipalities, plans agreed over the past year,
goals in every area (some achieved, some dropped), steps by clients, managers, volunteers and
the partners (Jobcenter, Agentur für Arbeit, VHS, Jugendamt), reviews due and overdue. Called
by `portal.plans.demo.seed`; a household that exists is skipped.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from portal.auth.services import find_user_by_email
from portal.core.time import today_local
from portal.extensions import db
from portal.municipalities.models import Municipality, Office
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


def seed() -> int:
    return _history(random.Random(2027))  # noqa: S311 - demo data, seeded on purpose
