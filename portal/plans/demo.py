"""Demo data of this domain, called by `portal.demo.seed` (must be idempotent).

A few hand-written clients with integration plans in the offices Gaggenau and Bühl, and open
needs that volunteers can find on the task board; then a year of casework drawn from a seeded
random generator: 76 more households in all 23 municipalities, plans agreed over the past
year, goals in every area (some achieved, some dropped), steps by clients, managers,
volunteers and the partners (Jobcenter, Agentur für Arbeit, VHS, Jugendamt), reviews due and
overdue. Public descriptions never identify the client.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from portal.auth.services import find_user_by_email
from portal.core.time import local_to_utc, today_local
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.needs.models import Need, NeedCategory, NeedStatus
from portal.plans import demo_history
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
    clients += demo_history.seed()
    return {"clients_created": clients, "needs_created": needs}
