"""Places and people of the scale data set: offices (one per county), municipalities, staff,
volunteers with their scopes, languages, interests and availability, clients with plans."""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app

from portal.auth.models import Role
from portal.needs.models import NeedCategory
from portal.needs.schedule import PartOfDay
from portal.plans.models import ClientStatus, GoalArea, GoalStatus, StepActor, StepStatus
from portal.scale_seed.writer import BulkWriter
from portal.volunteers.models import LanguageLevel, VolunteerStatus

DOMAIN = "scale.example"
#: Municipalities per county (Baden-Württemberg: 1,101 municipalities in 44 districts).
PER_COUNTY = 25
FOREIGN_LANGUAGES = ("ar", "fa", "uk", "ru", "tr", "ti", "en", "fr", "ku", "so")
CATEGORIES = tuple(c.value for c in NeedCategory)
PARTS = tuple(p.value for p in PartOfDay)
LEVELS = tuple(level.value for level in LanguageLevel)


@dataclass
class World:
    """What the later steps need to know of the places and people already written."""

    rng: random.Random
    writer: BulkWriter
    now: datetime
    today: date
    password_hash: str
    suffix: str  # "" on an empty database, "+<n>" when appending (unique addresses)
    counties: list[list[int]] = field(default_factory=list)  # municipality ids per county
    county_of: dict[int, int] = field(default_factory=dict)
    manager_of: dict[int, int] = field(default_factory=dict)  # municipality -> manager user
    locals: dict[int, list[int]] = field(default_factory=dict)  # municipality -> profile ids
    profiles: list[int] = field(default_factory=list)  # approved volunteer profiles
    accounts: dict[str, str] = field(default_factory=dict)  # what -> e-mail address
    special: dict[str, int] = field(default_factory=dict)  # what -> volunteer profile id

    def email(self, local: str) -> str:
        return f"{local}{self.suffix}@{DOMAIN}"

    def ago(self, days: int) -> datetime:
        return self.now - timedelta(days=days, minutes=self.rng.randint(0, 1439))


def places(world: World, municipalities: int) -> None:
    writer = world.writer
    county_count = max(1, round(municipalities / PER_COUNTY))
    office0, muni0 = writer.next_id("office"), writer.next_id("municipality")
    writer.write(
        "office",
        ("id", "name", "address", "consultation_hours", "email", "phone"),
        (
            (
                office0 + c,
                f"Landratsamt Kreis {office0 + c}",
                f"Kreisstraße {c + 1}",
                "Mo–Fr 9–12",
                f"kreis{office0 + c}@{DOMAIN}",
                "0711 000-0",
            )
            for c in range(county_count)
        ),
    )
    world.counties = [[] for _ in range(county_count)]
    rows = []
    for i in range(municipalities):
        mid = muni0 + i
        county = i * county_count // municipalities
        world.counties[county].append(mid)
        world.county_of[mid] = county
        kind = "Stadt" if i % 7 == 0 else "Gemeinde"
        rows.append((mid, f"{kind} {mid}", kind, f"99{mid:06d}", office0 + county))
    writer.write("municipality", ("id", "name", "kind", "ags", "office_id"), rows)
    world.office_ids = [office0 + c for c in range(county_count)]  # type: ignore[attr-defined]


USER_COLUMNS = (
    "id",
    "email",
    "password_hash",
    "display_name",
    "locale",
    "email_verified_at",
    "active",
    "last_login_at",
    "created_at",
    "session_token",
    "privacy_version",
    "privacy_acknowledged_at",
)
MEMBERSHIP_COLUMNS = ("id", "user_id", "role", "municipality_id", "office_id", "created_at")


class People:
    """Collects user and membership rows with consecutive ids."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.next_user = world.writer.next_id("user")
        self.next_membership = world.writer.next_id("membership")
        self.users: list[tuple] = []
        self.memberships: list[tuple] = []

    def add(
        self,
        email: str,
        name: str,
        role: str,
        municipality: int | None = None,
        office: int | None = None,
    ) -> int:
        w, uid = self.world, self.next_user
        self.next_user += 1
        created = w.ago(w.rng.randint(30, 1500))
        self.users.append(
            (
                uid,
                email,
                w.password_hash,
                name,
                "de",
                created,
                True,
                None,
                created,
                secrets.token_urlsafe(16),
                # everyone has acknowledged the current privacy notice when they signed up
                current_app.config["PRIVACY_NOTICE_VERSION"],
                created,
            )
        )
        self.memberships.append((self.next_membership, uid, role, municipality, office, created))
        self.next_membership += 1
        return uid

    def flush(self) -> None:
        self.world.writer.write("user", USER_COLUMNS, self.users)
        self.world.writer.write("membership", MEMBERSHIP_COLUMNS, self.memberships)
        self.users, self.memberships = [], []


def staff(world: World) -> None:
    """An administrator; per county a coordinator (and every fourth a county-wide manager);
    per municipality a case manager."""
    people = People(world)
    world.accounts["admin"] = world.email("admin")
    people.add(world.accounts["admin"], "Skala Administration", Role.ADMIN)
    offices: list[int] = world.office_ids  # type: ignore[attr-defined]
    for county, office in enumerate(offices):
        local = "coordinator" if county == 0 else f"coordinator{office}"
        email = world.email(local)
        people.add(email, f"Koordination Kreis {office}", Role.COORDINATOR, office=office)
        if county == 0:
            world.accounts["coordinator"] = email
        if county % 4 == 0:
            people.add(
                world.email(f"county-manager{office}"),
                f"Kreismanagement {office}",
                Role.MANAGER,
                office=office,
            )
    for county, municipalities in enumerate(world.counties):
        for n, mid in enumerate(municipalities):
            special = county == 0 and n == 0
            email = world.email("manager" if special else f"manager{mid}")
            world.manager_of[mid] = people.add(email, f"Fallmanagement {mid}", Role.MANAGER, mid)
            if special:
                world.accounts["manager"] = email
    people.flush()


PROFILE_COLUMNS = (
    "id",
    "user_id",
    "home_municipality_id",
    "phone",
    "has_car",
    "motivation",
    "status",
    "decided_by_id",
    "decided_at",
    "decision_reason",
    "consent_version",
    "consent_at",
    "pledge_signed_at",
    "submitted_at",
)


def volunteers(world: World, count: int) -> None:
    """`count` volunteers plus three well-known ones: "county" helps in every municipality
    of the first county, "all" in every municipality, "volunteer" in three (and has tasks).
    Scopes: 60 % their home municipality only, 25 % two to four municipalities of their
    county, 15 % the whole county."""
    rng, writer = world.rng, world.writer
    people = People(world)
    profile0 = writer.next_id("volunteer_profile")
    all_ids = [m for county in world.counties for m in county]
    profiles: list[tuple] = []
    scopes: list[tuple[int, int]] = []
    languages: list[tuple[int, str, str]] = []
    interests: list[tuple[int, str]] = []
    slots: list[tuple[int, int, str]] = []
    first_county = world.counties[0]
    for i in range(count + 3):
        pid = profile0 + i
        if i < 3:
            # the well-known ones: a whole county, everywhere, three municipalities
            what = ("county", "all", "volunteer")[i]
            home = first_county[0]
            scope = (first_county, all_ids, first_county[:3])[i]
            status: str = VolunteerStatus.APPROVED
        else:
            what = f"helfer{pid}"
            home = all_ids[rng.randrange(len(all_ids))]
            county = world.counties[world.county_of[home]]
            draw = rng.random()
            if draw < 0.6:
                scope = [home]
            elif draw < 0.85:
                scope = [home, *rng.sample(county, min(len(county), rng.randint(2, 4)))]
            else:
                scope = county
            status = _volunteer_status(rng)
        email = world.email(what)
        if i < 3:
            world.accounts[what] = email
            world.special[what] = pid
        uid = people.add(email, f"Helfer {pid}", Role.VOLUNTEER)
        submitted = world.ago(rng.randint(20, 1400))
        decided = submitted + timedelta(days=3) if status != VolunteerStatus.PENDING else None
        decider = world.manager_of[home] if decided else None
        profiles.append(
            (
                pid,
                uid,
                home,
                "",
                rng.random() < 0.3,
                "",
                status,
                decider,
                decided,
                "",
                "2026-11",
                submitted,
                submitted,
                submitted,
            )
        )
        if status == VolunteerStatus.APPROVED:
            world.profiles.append(pid)
            world.locals.setdefault(home, []).append(pid)
        scopes.extend((pid, m) for m in dict.fromkeys(scope))
        languages.append((pid, "de", "native" if rng.random() < 0.8 else "fluent"))
        for code in rng.sample(FOREIGN_LANGUAGES, rng.randint(0, 2)):
            languages.append((pid, code, rng.choice(LEVELS)))
        interests.extend((pid, c) for c in rng.sample(CATEGORIES, rng.randint(1, 3)))
        slots.extend(
            (pid, day, part)
            for day, part in rng.sample(
                [(d, p) for d in range(7) for p in PARTS], rng.randint(2, 6)
            )
        )
    people.flush()
    writer.write("volunteer_profile", PROFILE_COLUMNS, profiles)
    writer.write("volunteer_municipality", ("volunteer_id", "municipality_id"), scopes)
    writer.write("volunteer_language", ("volunteer_id", "code", "level"), languages)
    writer.write("volunteer_interest", ("volunteer_id", "category"), interests)
    writer.write("volunteer_availability", ("volunteer_id", "weekday", "part_of_day"), slots)


def _volunteer_status(rng: random.Random) -> str:
    draw = rng.random()
    if draw < 0.93:
        return VolunteerStatus.APPROVED
    if draw < 0.97:
        return VolunteerStatus.PENDING
    return VolunteerStatus.SUSPENDED if draw < 0.99 else VolunteerStatus.REJECTED


def clients(world: World, count: int) -> None:
    """`count` clients round-robin over the municipalities, each with a plan of two goals of two
    steps; 15 % closed."""
    rng, writer = world.rng, world.writer
    ids = {t: writer.next_id(t) for t in ("client", "integration_plan", "goal", "step")}
    municipalities = [m for county in world.counties for m in county]
    areas, goal_states = tuple(GoalArea), tuple(GoalStatus)
    client_rows, language_rows, plans, goals, steps = [], [], [], [], []
    for i in range(count):
        cid, plan_id = ids["client"] + i, ids["integration_plan"] + i
        mid = municipalities[i % len(municipalities)]
        created = world.ago(rng.randint(30, 1500))
        closed = rng.random() < 0.15
        client_rows.append(
            (
                cid,
                f"SK-{cid:07d}",
                f"Klientin {cid}",
                "",
                mid,
                json.dumps({"adults": 1}),
                world.manager_of[mid],
                ClientStatus.CLOSED if closed else ClientStatus.ACTIVE,
                (created + timedelta(days=300)).date() if closed else None,
                created,
            )
        )
        language_rows.append((cid, rng.choice(FOREIGN_LANGUAGES), 0))
        plans.append(
            (
                plan_id,
                cid,
                created.date(),
                world.today + timedelta(days=rng.randint(-30, 180)),
                created,
            )
        )
        for g in range(2):
            goal_id = ids["goal"] + 2 * i + g
            goals.append(
                (
                    goal_id,
                    plan_id,
                    rng.choice(areas),
                    "Ziel der Integration",
                    rng.choice(goal_states),
                )
            )
            for s in range(2):
                steps.append(
                    (
                        ids["step"] + 4 * i + 2 * g + s,
                        goal_id,
                        "Nächster Schritt",
                        world.today + timedelta(days=rng.randint(-60, 120)),
                        StepStatus.DONE if s == 0 else StepStatus.OPEN,
                        StepActor.VOLUNTEER if s else StepActor.CLIENT,
                        "",
                    )
                )
    writer.write(
        "client",
        (
            "id",
            "reference",
            "name",
            "contact",
            "municipality_id",
            "household",
            "manager_id",
            "status",
            "closed_on",
            "created_at",
        ),
        client_rows,
    )
    writer.write("client_language", ("client_id", "code", "position"), language_rows)
    writer.write(
        "integration_plan", ("id", "client_id", "agreed_on", "next_review_on", "created_at"), plans
    )
    writer.write("goal", ("id", "plan_id", "area", "text", "status"), goals)
    writer.write("step", ("id", "goal_id", "text", "due_on", "status", "actor", "partner"), steps)
