"""Demo data of this domain, called by `portal.demo.seed` (must be idempotent).

First a year of history drawn from a seeded random generator: about 300 needs in all 23
municipalities over the past twelve months and the coming weeks (completed, cancelled,
filled, open), claimed by the history volunteers of the same office, with reports and hours
(recent ones not yet acknowledged, a few with a concern); some are published from plan steps.

Then, after the plans demo published its needs: Gives the approved demo volunteers claims on
open needs of their municipalities (through the real claim service, so counters, statuses and
e-mails are right), and Lena Schmitt a finished task from the summer with acknowledged reports
plus a fresh report with a concern for the manager to see.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.auth.services import find_user_by_email
from portal.core.errors import DomainError
from portal.core.time import local_to_utc, today_local
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.needs import claims, demo_history, reports, rules
from portal.needs.models import Assignment, AssignmentStatus, Need, NeedStatus
from portal.needs.report_models import Report
from portal.volunteers.models import VolunteerProfile, VolunteerStatus
from portal.volunteers.queries import profile_of

DOMAIN = "landkreis-rastatt.example"
VOLUNTEERS = ("lena.schmitt", "peter.mueller", "fatima.haddad", "jonas.weber", "olena.kovalenko")
HISTORY_TITLE = "Hausaufgabenhilfe in den Sommerferien"


def _at(day: date, hour: int) -> datetime:
    return local_to_utc(datetime.combine(day, time(hour)))


def _profile(local: str) -> VolunteerProfile | None:
    return profile_of(find_user_by_email(f"{local}@{DOMAIN}"))


def _history(profile: VolunteerProfile) -> int:
    """A finished weekly task with four acknowledged reports (for hours and the PDF)."""
    gaggenau = db.session.scalar(select(Municipality).where(Municipality.name == "Gaggenau"))
    manager = find_user_by_email(f"s.keller@{DOMAIN}")
    if gaggenau is None:
        return 0
    exists = db.session.scalar(
        select(Need.id).where(Need.title == HISTORY_TITLE, Need.municipality_id == gaggenau.id)
    )
    if exists is not None:
        return 0
    first = today_local() - timedelta(days=120)
    first += timedelta(days=(1 - first.weekday()) % 7)  # a Tuesday
    need = Need(
        category="tutoring",
        title=HISTORY_TITLE,
        public_description="Hausaufgabenhilfe für zwei Geschwister (5. und 7. Klasse), Mathe "
        "und Deutsch, jeweils dienstags am Nachmittag.",
        municipality=gaggenau,
        meeting_point="Jugendhaus Gaggenau, Raum 2",
        languages=["de"],
        schedule_kind="weekly",
        weekday=1,
        time_of_day=time(15, 30),
        duration_minutes=90,
        starts_on=first,
        ends_on=first + timedelta(weeks=6),
        capacity=1,
        taken=0,
        status=NeedStatus.COMPLETED,
        created_by=manager,
    )
    assignment = Assignment(
        need=need,
        volunteer=profile,
        status=AssignmentStatus.COMPLETED,
        claimed_at=_at(first - timedelta(days=5), 9),
        ended_at=_at(first + timedelta(weeks=6, days=1), 9),
    )
    db.session.add_all([need, assignment])
    outcomes = (
        "Kennenlernen, Hausaufgaben in Mathe (Bruchrechnen) gemeinsam gemacht.",
        "Diktat geübt, die Jüngere liest schon deutlich flüssiger.",
        "Vorbereitung auf die Mathearbeit, gute Stimmung.",
        "Letzter Termin vor den Ferien, Materialien für zu Hause mitgegeben.",
    )
    for week, outcome in enumerate(outcomes):
        day = first + timedelta(weeks=week)
        db.session.add(
            Report(
                assignment=assignment,
                activity_on=day,
                minutes=90 if week else 75,
                outcome=outcome,
                acknowledged_by=manager,
                acknowledged_at=_at(day + timedelta(days=1), 10) if manager else None,
            )
        )
    db.session.commit()
    return len(outcomes)


def _claim_one(profile: VolunteerProfile, skip: set[int]) -> Assignment | None:
    """Claim the soonest open need the volunteer may take (the service decides)."""
    candidates = db.session.scalars(
        select(Need)
        .where(
            Need.status == NeedStatus.OPEN,
            Need.municipality_id.in_(rules.helps_in(profile)),
            Need.id.not_in(skip or {0}),
        )
        .order_by(Need.starts_on, Need.id)
    ).all()
    for need in candidates:
        try:
            rules.check_claim(profile, need)
            return claims.claim(profile.user, need.id)
        except DomainError:
            db.session.rollback()
    return None


def seed() -> dict[str, int]:
    counts = {"board_claims": 0, "board_reports": 0}
    counts.update(demo_history.seed())
    lena = _profile("lena.schmitt")
    if lena is None or lena.status != VolunteerStatus.APPROVED:
        return counts
    counts["board_reports"] += _history(lena)
    for local in VOLUNTEERS:
        profile = _profile(local)
        if profile is None or profile.status != VolunteerStatus.APPROVED:
            continue
        has_current = db.session.scalar(
            select(Assignment.id)
            .join(Need, Need.id == Assignment.need_id)
            .where(Assignment.volunteer_id == profile.id, Need.title != HISTORY_TITLE)
            .limit(1)
        )
        if has_current is not None:
            continue  # seeded before
        claimed = _claim_one(profile, set())
        if claimed is None:
            continue
        counts["board_claims"] += 1
        if local == "lena.schmitt":
            reports.file_report(
                profile.user,
                claimed.id,
                activity_on=today_local(),
                minutes=30,
                outcome="Telefonisch Kontakt aufgenommen und den Termin abgestimmt.",
                follow_up_needed=True,
                concern="Die Familie hat erzählt, dass die Heizung in der Wohnung seit einer "
                "Woche ausgefallen ist; es sind kleine Kinder im Haushalt.",
            )
            counts["board_reports"] += 1
    db.session.commit()
    return counts
