"""Read side of the board: search and fit, my tasks, hours, the manager's overview.

Every function issues a fixed number of SQL statements, whatever the amount of data: the board
narrows open needs in SQL (scope, municipality, category, language, dates), then ranks the
light candidate rows in Python (fit score, weekday, availability: these depend on local time
and the volunteer's profile) and loads only the shown page with its relations.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String as SAString
from sqlalchemy import and_, cast, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.core.time import local_to_utc, to_local, today_local, utcnow
from portal.extensions import db
from portal.needs import schedule
from portal.needs.claims import helps_in
from portal.needs.models import Assignment, AssignmentStatus, Need, NeedStatus, Report
from portal.volunteers.models import VolunteerProfile

FAR_FUTURE = datetime(9999, 12, 31)

# weights of the fit score (sum 100)
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


# --- my tasks and hours ------------------------------------------------------------------------


def _ended_clause(now: datetime, today: date) -> Any:
    return or_(
        and_(Need.schedule_kind == "weekly", Need.ends_on.is_not(None), Need.ends_on < today),
        and_(Need.schedule_kind != "weekly", func.coalesce(Need.ends_at, Need.starts_at) < now),
    )


def upcoming_assignments(profile: VolunteerProfile, limit: int = 50) -> list[Assignment]:
    """Active claims whose schedule has not ended, soonest first."""
    now, today = utcnow(), today_local()
    rows = list(
        db.session.scalars(
            select(Assignment)
            .join(Need, Need.id == Assignment.need_id)
            .where(
                Assignment.volunteer_id == profile.id,
                Assignment.status == AssignmentStatus.ACTIVE,
                Need.status.in_((NeedStatus.OPEN, NeedStatus.FILLED)),
                ~_ended_clause(now, today),
            )
            .options(joinedload(Assignment.need).joinedload(Need.municipality))
            .order_by(Need.starts_on, Need.starts_at, Assignment.id)
            .limit(limit)
        ).unique()
    )
    far = FAR_FUTURE
    rows.sort(key=lambda a: (schedule.next_occurrence(a.need, now) or (far,))[0])
    return rows


def past_assignments_stmt(profile: VolunteerProfile) -> Any:
    """Ended or finished claims, newest first (for `paginate`)."""
    now, today = utcnow(), today_local()
    return (
        select(Assignment)
        .join(Need, Need.id == Assignment.need_id)
        .where(
            Assignment.volunteer_id == profile.id,
            or_(
                Assignment.status != AssignmentStatus.ACTIVE,
                Need.status.not_in((NeedStatus.OPEN, NeedStatus.FILLED)),
                _ended_clause(now, today),
            ),
        )
        .options(
            joinedload(Assignment.need).joinedload(Need.municipality),
            selectinload(Assignment.reports),
        )
        .order_by(Assignment.claimed_at.desc(), Assignment.id.desc())
    )


@dataclass
class Hours:
    total_minutes: int = 0
    by_year: list[tuple[int, int]] = field(default_factory=list)
    by_month: list[tuple[int, int, int]] = field(default_factory=list)
    this_year: int = 0


def hours(profile: VolunteerProfile) -> Hours:
    """Reported minutes per year and per month (one query)."""
    rows = db.session.execute(
        select(Report.activity_on, Report.minutes)
        .join(Assignment, Assignment.id == Report.assignment_id)
        .where(Assignment.volunteer_id == profile.id)
    ).all()
    years: dict[int, int] = defaultdict(int)
    months: dict[tuple[int, int], int] = defaultdict(int)
    for day, minutes in rows:
        years[day.year] += minutes
        months[(day.year, day.month)] += minutes
    this_year = today_local().year
    return Hours(
        total_minutes=sum(years.values()),
        by_year=sorted(years.items(), reverse=True),
        by_month=[(y, m, v) for (y, m), v in sorted(months.items(), reverse=True)],
        this_year=years.get(this_year, 0),
    )


def hours_by_category(
    profile: VolunteerProfile, date_from: date, date_to: date
) -> list[tuple[str, int, int]]:
    """(category, number of reported activities, minutes) for the certificate of work."""
    rows = db.session.execute(
        select(Need.category, func.count(Report.id), func.sum(Report.minutes))
        .select_from(Report)
        .join(Assignment, Assignment.id == Report.assignment_id)
        .join(Need, Need.id == Assignment.need_id)
        .where(
            Assignment.volunteer_id == profile.id,
            Report.activity_on >= date_from,
            Report.activity_on <= date_to,
        )
        .group_by(Need.category)
        .order_by(Need.category)
    ).all()
    return [(category, int(count), int(minutes or 0)) for category, count, minutes in rows]


def calendar_occurrences(
    profile: VolunteerProfile, days: int = 120
) -> list[tuple[Assignment, datetime, datetime]]:
    """Upcoming appointments of the volunteer's active claims (weekly ones expanded)."""
    now, today = utcnow(), today_local()
    result = []
    for assignment in upcoming_assignments(profile, limit=200):
        for start, end in schedule.occurrences(
            assignment.need, today, today + timedelta(days=days)
        ):
            if end > now:
                result.append((assignment, start, end))
    result.sort(key=lambda r: r[1])
    return result


def dashboard(profile: VolunteerProfile) -> dict[str, Any]:
    """Next appointments and hours this year for the volunteer's start page."""
    now = utcnow()
    upcoming = []
    for assignment in upcoming_assignments(profile, limit=20):
        nxt = schedule.next_occurrence(assignment.need, now)
        if nxt:
            upcoming.append((assignment, nxt[0]))
    upcoming.sort(key=lambda r: r[1])
    return {"upcoming": upcoming[:3], "hours": hours(profile)}


# --- managers ----------------------------------------------------------------------------------


def need_assignments(need: Need) -> list[Assignment]:
    """Claims of a need with volunteer and reports, active first (fixed number of queries)."""
    rows = list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.need_id == need.id)
            .options(
                joinedload(Assignment.volunteer).joinedload(VolunteerProfile.user),
                selectinload(Assignment.reports),
            )
            .order_by(Assignment.claimed_at, Assignment.id)
        ).unique()
    )
    rows.sort(key=lambda a: a.status != AssignmentStatus.ACTIVE)
    return rows


def manager_reports_stmt(municipality_ids: set[int] | None, open_only: bool) -> Any:
    """Reports in the manager's municipalities: concerns and unacknowledged ones first."""
    stmt = (
        select(Report)
        .join(Assignment, Assignment.id == Report.assignment_id)
        .join(Need, Need.id == Assignment.need_id)
        .options(
            joinedload(Report.assignment).joinedload(Assignment.need),
            joinedload(Report.assignment)
            .joinedload(Assignment.volunteer)
            .joinedload(VolunteerProfile.user),
        )
        .order_by(
            Report.acknowledged_at.is_not(None),
            Report.concern_raised.desc(),
            Report.created_at.desc(),
            Report.id.desc(),
        )
    )
    if municipality_ids is not None:
        stmt = stmt.where(Need.municipality_id.in_(municipality_ids))
    if open_only:
        stmt = stmt.where(Report.acknowledged_at.is_(None))
    return stmt


def local_day(value: datetime) -> date:
    return to_local(value).date()
