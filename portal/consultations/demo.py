"""Demo data of this domain, called by `portal.demo.seed` (idempotent: nothing happens once a
place exists).

A realistic schedule for the demo county: consultation hours at the three branch offices
(Rastatt, Bühl, Gaggenau) and in five town halls, weekly or every other week, walk-in or by
appointment, in the languages the staff speak; one date cancelled and one moved to another
room; appointments of the demo clients, walk-in counts of the past weeks and a few home visits.
Rastatt's office gets its own integration manager (the demo staff has none there).
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from portal.auth.models import Role, User
from portal.auth.services import create_user, find_user_by_email, grant_role
from portal.consultations.models import (
    Appointment,
    ConsultationException,
    ConsultationHours,
    ConsultationPlace,
    HomeVisit,
    PlaceKind,
    Topic,
    WalkInCount,
)
from portal.consultations.recurrence import occurrences
from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.municipalities.models import Municipality, Office
from portal.plans.models import Client, ClientStatus

DOMAIN = "landkreis-rastatt.example"
RASTATT_MANAGER = ("j.vogt", "Jan Vogt")  # a demo account of portal/demo.py

# (key, name, kind, municipality, address, accessibility, phone)
PLACES = [
    ("office:Rastatt", "Außenstelle Rastatt, Raum 104", PlaceKind.BRANCH_OFFICE, "Rastatt",
     "Am Schlossplatz 5, 76437 Rastatt", "Stufenloser Eingang, Aufzug, barrierefreies WC", ""),
    ("office:Bühl", "Außenstelle Bühl, Beratungsraum", PlaceKind.BRANCH_OFFICE, "Bühl",
     "Hauptstraße 47, 77815 Bühl", "Eingang über die Rampe im Hof, Aufzug", ""),
    ("office:Gaggenau", "Außenstelle Gaggenau, Zimmer 12", PlaceKind.BRANCH_OFFICE, "Gaggenau",
     "Hauptstraße 71, 76571 Gaggenau", "Erdgeschoss, stufenlos", ""),
    ("gernsbach", "Rathaus Gernsbach, Zimmer 3", PlaceKind.TOWN_HALL, "Gernsbach",
     "Igelbachstraße 11, 76593 Gernsbach", "Aufzug im Nebengebäude", "07224 644-0"),
    ("gernsbach_hall", "Rathaus Gernsbach, Sitzungssaal", PlaceKind.TOWN_HALL, "Gernsbach",
     "Igelbachstraße 11, 76593 Gernsbach", "Aufzug im Nebengebäude", "07224 644-0"),
    ("kuppenheim", "Rathaus Kuppenheim, Besprechungsraum", PlaceKind.TOWN_HALL, "Kuppenheim",
     "Friedensplatz 1, 76456 Kuppenheim", "Stufenloser Zugang", "07222 9462-0"),
    ("buehlertal", "Rathaus Bühlertal, Bürgersaal", PlaceKind.TOWN_HALL, "Bühlertal",
     "Hauptstraße 106, 77830 Bühlertal", "Zwei Stufen am Eingang, Klingel für Hilfe",
     "07223 99670"),
    ("huegelsheim", "Rathaus Hügelsheim, Zimmer 5", PlaceKind.TOWN_HALL, "Hügelsheim",
     "Hauptstraße 34, 76549 Hügelsheim", "Aufzug", "07229 3041-0"),
    ("durmersheim", "Rathaus Durmersheim, Trauzimmer", PlaceKind.TOWN_HALL, "Durmersheim",
     "Rathausplatz 1, 76448 Durmersheim", "Stufenloser Zugang, barrierefreies WC",
     "07245 920-0"),
]  # fmt: skip

# (place key, manager, recurrence, weekday, start, end, slot minutes or None, languages)
HOURS = [
    ("office:Rastatt", "j.vogt", "weekly", 0, time(9), time(12), None, "de ar tr hr"),
    ("office:Rastatt", "j.vogt", "weekly", 3, time(14), time(17), 30, "de fa uk sq"),
    ("office:Bühl", "m.hofmann", "weekly", 1, time(9), time(12), None, "de ar ru uk"),
    ("office:Bühl", "m.hofmann", "biweekly", 3, time(14), time(16), 20, "de uk ro cs"),
    ("office:Gaggenau", "s.keller", "weekly", 0, time(9), time(12), None, "de ar ti"),
    ("office:Gaggenau", "s.keller", "weekly", 2, time(9), time(12), 30, "de fa prs en"),
    ("gernsbach", "s.keller", "biweekly", 1, time(14), time(16), None, "de ar uk"),
    ("kuppenheim", "s.keller", "weekly", 3, time(10), time(12), None, "de tr fr"),
    ("buehlertal", "m.hofmann", "biweekly", 4, time(9), time(11), None, "de tr sq hr"),
    ("huegelsheim", "m.hofmann", "weekly", 3, time(9), time(11), 30, "de es fr zh"),
    ("durmersheim", "j.vogt", "biweekly", 2, time(14), time(16), None, "de ar fa"),
]  # fmt: skip

WALK_IN_PATTERN = {
    Topic.WORK: 3,
    Topic.HOUSING: 2,
    Topic.RESIDENCE: 2,
    Topic.LANGUAGE_COURSE: 1,
    Topic.OTHER: 1,
}


def _rastatt_manager() -> User:
    local, name = RASTATT_MANAGER
    email = f"{local}@{DOMAIN}"
    user = find_user_by_email(email)
    if user is not None:
        return user
    password = "Demo-Passwort-2026" if current_app.config["DEMO_PASSWORDS"] else None
    user = create_user(email, name, password, verified=True)
    office = db.session.scalar(select(Office).where(Office.name == "Rastatt"))
    grant_role(None, user, Role.MANAGER, None, office.id if office else None)
    user.privacy_version = current_app.config["PRIVACY_NOTICE_VERSION"]
    user.privacy_acknowledged_at = utcnow()
    return user


def _places(by_name: dict[str, Municipality]) -> dict[str, ConsultationPlace]:
    offices = {o.name: o for o in db.session.scalars(select(Office))}
    places = {}
    for key, name, kind, town, address, access, phone in PLACES:
        office = offices.get(key.removeprefix("office:")) if key.startswith("office:") else None
        place = ConsultationPlace(
            name=name,
            kind=kind,
            municipality=by_name[town],
            office=office or by_name[town].office,
            address=address,
            accessibility=access,
            phone=phone,
        )
        db.session.add(place)
        places[key] = place
    db.session.flush()
    return places


def _hours(places: dict[str, ConsultationPlace], start: date) -> list[ConsultationHours]:
    rows = []
    for key, manager, recurrence, weekday, starts, ends, slot, languages in HOURS:
        row = ConsultationHours(
            place=places[key],
            municipality_id=places[key].municipality_id,
            manager=find_user_by_email(f"{manager}@{DOMAIN}"),
            recurrence=recurrence,
            weekday=weekday,
            starts_at=starts,
            ends_at=ends,
            valid_from=start,
            booking="appointment" if slot else "walk_in",
            slot_minutes=slot,
        )
        row.languages = languages.split()
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


def _history(rows: list[ConsultationHours], today: date) -> dict[str, int]:
    """Walk-in counts of the past six weeks, and appointments of the demo clients."""
    counts = appointments = 0
    past = occurrences(rows, [], today - timedelta(days=42), today - timedelta(days=1))
    for n, occurrence in enumerate(past):
        if not occurrence.walk_in:
            continue
        hours = next(r for r in rows if r.id == occurrence.hours_id)
        for topic, base in WALK_IN_PATTERN.items():
            visitors = (base + n) % 5
            if visitors:
                db.session.add(
                    WalkInCount(
                        hours_id=hours.id,
                        on_date=occurrence.on,
                        municipality_id=hours.municipality_id,
                        topic=topic,
                        visitors=visitors,
                    )
                )
                counts += 1
    window = occurrences(rows, [], today - timedelta(days=21), today + timedelta(days=28))
    for hours in rows:
        if hours.walk_in or hours.manager is None:
            continue
        caseload = list(
            db.session.scalars(
                select(Client)
                .where(Client.manager_id == hours.manager_id, Client.status == ClientStatus.ACTIVE)
                .order_by(Client.id)
                .limit(3)
            )
        )
        dates = [o for o in window if o.hours_id == hours.id]
        for i, occurrence in enumerate(dates[::2]):
            if not caseload:
                break
            start, end = occurrence.slots()[i % len(occurrence.slots())]
            db.session.add(
                Appointment(
                    hours_id=hours.id,
                    on_date=occurrence.on,
                    slot_start=start,
                    slot_end=end,
                    client_id=caseload[i % len(caseload)].id,
                    booked_by_id=hours.manager_id,
                )
            )
            appointments += 1
    return {"walk_in_counts_created": counts, "appointments_created": appointments}


def _exceptions(rows: list[ConsultationHours], places: dict[str, Any], today: date) -> None:
    """A cancelled Monday at Gaggenau (training) and a Gernsbach date in the council hall."""
    ahead = occurrences(rows, [], today + timedelta(days=7), today + timedelta(days=35))
    gaggenau = next(r for r in rows if r.place is places["office:Gaggenau"] and r.walk_in)
    gernsbach = next(r for r in rows if r.place is places["gernsbach"])
    first = {r.id: next((o.on for o in ahead if o.hours_id == r.id), None) for r in rows}
    if first[gaggenau.id]:
        db.session.add(
            ConsultationException(
                hours_id=gaggenau.id, on_date=first[gaggenau.id], kind="cancelled",
                note="Fortbildung des Teams",
            )
        )  # fmt: skip
    if first[gernsbach.id]:
        db.session.add(
            ConsultationException(
                hours_id=gernsbach.id, on_date=first[gernsbach.id], kind="moved",
                place_id=places["gernsbach_hall"].id, note="Zimmer 3 wird renoviert",
            )
        )  # fmt: skip


def _visits(today: date) -> int:
    clients = list(
        db.session.scalars(
            select(Client)
            .where(Client.status == ClientStatus.ACTIVE, Client.manager_id.is_not(None))
            .order_by(Client.id)
            .limit(4)
        )
    )
    specs = [
        ("home", [Topic.HOUSING], 60),
        ("shared_accommodation", [Topic.RESIDENCE, Topic.LANGUAGE_COURSE], 90),
        ("home", [Topic.WORK], 45),
        ("shared_accommodation", [Topic.HOUSING, Topic.OTHER], 75),
    ]
    for i, (client, (kind, topics, minutes)) in enumerate(zip(clients, specs, strict=False)):
        visit = HomeVisit(
            client_id=client.id,
            municipality_id=client.municipality_id,
            manager_id=client.manager_id,
            visited_on=today - timedelta(days=5 + 9 * i),
            place_type=kind,
            duration_minutes=minutes,
        )
        visit.topics = topics
        db.session.add(visit)
    return len(clients)


def seed() -> dict[str, int]:
    if db.session.scalar(select(ConsultationPlace.id).limit(1)) is not None:
        return {}
    by_name = {m.name: m for m in db.session.scalars(select(Municipality))}
    if any(town not in by_name for *_rest, town, _a, _b, _c in PLACES):
        return {}
    _rastatt_manager()
    today = today_local()
    places = _places(by_name)
    rows = _hours(places, today - timedelta(days=120))
    summary = _history(rows, today)
    _exceptions(rows, places, today)
    summary["home_visits_created"] = _visits(today)
    summary["consultation_hours_created"] = len(rows)
    db.session.commit()
    return summary
