"""The volunteers' task board: the open needs a volunteer may take, filtered, ranked by how well
they fit the volunteer, and paged."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String as SAString
from sqlalchemy import and_, cast, or_, select
from sqlalchemy.orm import joinedload

from portal.core.time import local_to_utc, today_local, utcnow
from portal.extensions import db
from portal.needs import schedule
from portal.needs.models import Assignment, AssignmentStatus, Need, NeedStatus
from portal.needs.rules import helps_in
from portal.volunteers.models import VolunteerProfile

FAR_FUTURE = datetime(9999, 12, 31)


FIT_LANGUAGE = 40


FIT_INTEREST = 25


FIT_AVAILABILITY = 25


FIT_HOME = 10


@dataclass
class BoardFilters:
    municipality_id: int | None = None
    category: str | None = None
    language: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    weekday: int | None = None
    fits: bool = False
    sort: str = "date"


@dataclass
class BoardEntry:
    need: Need
    score: int
    reasons: list[str] = field(default_factory=list)
    claimed: bool = False
    next_start: datetime | None = None


@dataclass
class ListPage:
    """What the `pager` macro needs, for lists ranked in Python."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def spoken_languages(profile: VolunteerProfile) -> set[str]:
    return {entry.get("code") for entry in profile.languages or [] if entry.get("code")}


def fit(row: Any, profile: VolunteerProfile, spoken: set[str]) -> tuple[int, list[str]]:
    """A score 0..100 and the reasons: language, interest, availability, home."""
    score, reasons = 0, []
    wanted = set(row.languages or [])
    if wanted & spoken:
        score += FIT_LANGUAGE
        reasons.append("language")
    elif not wanted:
        score += FIT_LANGUAGE // 2
    if row.category in (profile.interests or []):
        score += FIT_INTEREST
        reasons.append("interest")
    if schedule.fits_availability(row, profile.availability):
        score += FIT_AVAILABILITY
        reasons.append("availability")
    elif any(day in (profile.availability or {}) for day, _part in schedule.slots(row)):
        score += FIT_AVAILABILITY // 3
    if row.municipality_id == profile.home_municipality_id:
        score += FIT_HOME
        reasons.append("home")
    return score, reasons


def _not_ended(now: datetime, today: date) -> Any:
    return or_(
        and_(Need.schedule_kind == "weekly", or_(Need.ends_on.is_(None), Need.ends_on >= today)),
        and_(Need.schedule_kind != "weekly", Need.starts_at > now),
    )


def _in_range(date_from: date | None, date_to: date | None) -> list[Any]:
    """Needs with a day in ``date_from..date_to`` (local days; weekly by first/last date)."""
    clauses = []
    if date_from:
        start = local_to_utc(datetime.combine(date_from, time(0)))
        clauses.append(
            or_(
                and_(
                    Need.schedule_kind == "weekly",
                    or_(Need.ends_on.is_(None), Need.ends_on >= date_from),
                ),
                and_(Need.schedule_kind != "weekly", Need.starts_at >= start),
            )
        )
    if date_to:
        end = local_to_utc(datetime.combine(date_to + timedelta(days=1), time(0)))
        clauses.append(
            or_(
                and_(
                    Need.schedule_kind == "weekly",
                    or_(Need.starts_on.is_(None), Need.starts_on <= date_to),
                ),
                and_(Need.schedule_kind != "weekly", Need.starts_at < end),
            )
        )
    return clauses


CANDIDATE_COLUMNS = (
    Need.id,
    Need.municipality_id,
    Need.category,
    Need.languages,
    Need.schedule_kind,
    Need.starts_at,
    Need.ends_at,
    Need.weekday,
    Need.time_of_day,
    Need.duration_minutes,
    Need.starts_on,
    Need.ends_on,
)


def board(
    profile: VolunteerProfile, filters: BoardFilters, page: int = 1, per_page: int = 25
) -> ListPage:
    """Open needs of the volunteer's municipalities, filtered, ranked and paginated."""
    now, today = utcnow(), today_local()
    scope = helps_in(profile)
    stmt = select(*CANDIDATE_COLUMNS).where(
        Need.status == NeedStatus.OPEN, Need.municipality_id.in_(scope), _not_ended(now, today)
    )
    if filters.municipality_id:
        stmt = stmt.where(Need.municipality_id == filters.municipality_id)
    if filters.category:
        stmt = stmt.where(Need.category == filters.category)
    if filters.language:
        # JSON list of codes, stored as text on both databases: match the quoted code
        stmt = stmt.where(cast(Need.languages, SAString).like(f'%"{filters.language}"%'))
    stmt = stmt.where(*_in_range(filters.date_from, filters.date_to))
    rows = db.session.execute(stmt).all()

    spoken = spoken_languages(profile)
    ranked: list[tuple[Any, int, list[str], datetime | None]] = []
    window_from = max(filters.date_from or today, today)
    window_to = filters.date_to or window_from + timedelta(days=366)
    for row in rows:
        if filters.weekday is not None and filters.weekday not in schedule.weekdays(row):
            continue
        if filters.fits and not schedule.fits_availability(row, profile.availability):
            continue
        # only the next occurrence matters: stop at the first one (a weekly need has ~52 a year)
        upcoming = next(
            (o for o in schedule.occurrences(row, window_from, window_to) if o[1] > now), None
        )
        if upcoming is None and (filters.date_from or filters.date_to):
            continue  # e.g. a weekly need whose weekday does not fall into a short range
        score, reasons = fit(row, profile, spoken)
        ranked.append((row, score, reasons, upcoming[0] if upcoming else None))

    far = FAR_FUTURE
    if filters.sort == "fit":
        ranked.sort(key=lambda r: (-r[1], r[3] or far, r[0].id))
    else:
        ranked.sort(key=lambda r: (r[3] or far, -r[1], r[0].id))

    total = len(ranked)
    page = max(1, min(page, math.ceil(total / per_page) or 1))
    shown = ranked[(page - 1) * per_page : page * per_page]
    ids = [r[0].id for r in shown]
    needs = {
        n.id: n
        for n in db.session.scalars(
            select(Need).where(Need.id.in_(ids)).options(joinedload(Need.municipality))
        )
    }
    claimed = set(
        db.session.scalars(
            select(Assignment.need_id).where(
                Assignment.volunteer_id == profile.id,
                Assignment.status == AssignmentStatus.ACTIVE,
                Assignment.need_id.in_(ids),
            )
        )
    )
    items = [
        BoardEntry(needs[r[0].id], r[1], r[2], r[0].id in claimed, r[3])
        for r in shown
        if r[0].id in needs
    ]
    return ListPage(items=items, page=page, per_page=per_page, total=total)
