"""Read side of the coordinators' pages: the queue, a volunteer's detail, the overview and the
volunteer's own status card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    exists,
    func,
    or_,
    select,
    union,
)
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload, with_expression

from portal.auth.models import Membership, Role, User
from portal.core.collation import german
from portal.core.labels import REGISTRY
from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.municipalities.options import catalogue as municipality_catalogue
from portal.needs.models import Assignment, AssignmentStatus
from portal.security import coordinated_municipality_ids, scope_to
from portal.volunteers.certificates import REMINDER_WEEKS
from portal.volunteers.models import (
    ConductCertificateCheck,
    VolunteerEvent,
    VolunteerInterest,
    VolunteerLanguage,
    VolunteerProfile,
    VolunteerStatus,
    volunteer_municipality,
)


def profile_of(user: Any) -> VolunteerProfile | None:
    """The volunteer profile of ``user`` (with the home municipality and the ids of the further
    ones, `VolunteerProfile.further_place_ids`), if any, in one statement of one row. The
    further municipalities as objects load on first use of ``profile.municipalities``."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalars(
        select(VolunteerProfile)
        .options(
            joinedload(VolunteerProfile.home_municipality),
            with_expression(
                VolunteerProfile.further_place_ids,
                func.coalesce(_further_ids(VolunteerProfile.id), ""),
            ),
        )
        .where(VolunteerProfile.user_id == user.id)
    ).first()


def _further_ids(volunteer_id: Any) -> Any:
    """SQL: the ids of a volunteer's further municipalities as one comma-separated string
    (NULL for none)."""
    return (
        select(func.aggregate_strings(cast(volunteer_municipality.c.municipality_id, String), ","))
        .where(volunteer_municipality.c.volunteer_id == volunteer_id)
        .scalar_subquery()
    )


class BoardVolunteer(NamedTuple):
    """What the board asks of a volunteer (`portal.needs.matching.board`)."""

    id: int
    status: str
    home_municipality_id: int


@cache
def _board_volunteer() -> Select[Any]:
    """Built once: every board page runs it."""
    profile = VolunteerProfile
    return select(
        profile.id, profile.status, profile.home_municipality_id, _further_ids(profile.id)
    ).where(profile.user_id == bindparam("user_id", type_=Integer))


def board_profile(user: Any) -> tuple[BoardVolunteer, frozenset[int]] | None:
    """The volunteer of ``user`` as the board needs them, and the ids of the municipalities
    they help in (home and further ones), in one statement of one row: the ids come as one
    aggregated string, so a volunteer who helps in 1,100 municipalities costs one row, not
    1,100 objects, and no mapped object is built."""
    if not getattr(user, "is_authenticated", False):
        return None
    row = db.session.execute(_board_volunteer(), {"user_id": user.id}).first()
    if row is None:
        return None
    volunteer = BoardVolunteer(row[0], row[1], row[2])
    places = {volunteer.home_municipality_id}
    if row[3]:
        places.update(map(int, row[3].split(",")))
    return volunteer, frozenset(places)


def profile_ids_of(user_id: Any) -> Select[Any]:
    """The id of the volunteer profile of ``user_id`` (a value or a column, e.g. ``User.id``
    in a correlated subquery)."""
    return select(VolunteerProfile.id).where(VolunteerProfile.user_id == user_id)


def coordinators_of(municipality_ids: set[int]) -> dict[int, list[User]]:
    """Active coordinators per municipality (direct or through the office), one query: the
    two ways are a union, each answered by an index on membership (not a join on an OR)."""
    if not municipality_ids:
        return {}
    coordinator = Membership.role == Role.COORDINATOR
    places = Municipality.id.in_(municipality_ids)
    direct = select(Municipality.id.label("place"), Membership.user_id).join(
        Membership, and_(coordinator, Membership.municipality_id == Municipality.id)
    )
    by_office = select(Municipality.id, Membership.user_id).join(
        Membership, and_(coordinator, Membership.office_id == Municipality.office_id)
    )
    found = union(direct.where(places), by_office.where(places)).subquery("found")
    rows = db.session.execute(
        select(found.c.place, User)
        .join(User, User.id == found.c.user_id)
        .where(User.active.is_(True))
        .order_by(german(User.display_name), User.id)
    ).all()
    result: dict[int, list[User]] = {}
    for mid, user in rows:
        if user not in result.setdefault(mid, []):
            result[mid].append(user)
    return result


def _coordinated(stmt: Select[Any], user: User) -> Select[Any]:
    """Volunteers whose home municipality ``user`` coordinates (admins: all)."""
    return scope_to(stmt, VolunteerProfile.home_municipality_id, coordinated_municipality_ids(user))


@dataclass
class QueueFilters:
    status: str = ""
    municipality_id: int | None = None
    language: str = ""
    interest: str = ""
    q: str = ""
    #: "expiring": the latest certificate check runs out within the reminder weeks
    certificate: str = ""
    #: approved volunteers without a task for ``IDLE_DAYS``
    idle: bool = False


#: an approved volunteer without a claim for this long is "without a task"
IDLE_DAYS = 91
CERTIFICATE_FILTERS = ("expiring",)


def expiring_certificate(today: date) -> Any:
    """Volunteers whose latest certificate check runs out within the reminder weeks."""
    return exists().where(
        ConductCertificateCheck.volunteer_id == VolunteerProfile.id,
        ConductCertificateCheck.valid_until >= today,
        ConductCertificateCheck.valid_until <= today + timedelta(weeks=REMINDER_WEEKS),
        _latest_check_filter(),
    )


def idle_volunteer(now: datetime) -> Any:
    """Approved for ``IDLE_DAYS`` or longer, and no claim (of any outcome) since."""
    since = now - timedelta(days=IDLE_DAYS)
    recent = exists().where(
        Assignment.volunteer_id == VolunteerProfile.id,
        or_(Assignment.claimed_at >= since, Assignment.status == AssignmentStatus.ACTIVE),
    )
    return and_(
        VolunteerProfile.status == VolunteerStatus.APPROVED,
        # read from the index on (home, status, last claim): only the few without a recent
        # claim are checked against their claims (the column may lag, never run ahead)
        or_(VolunteerProfile.last_claim_at.is_(None), VolunteerProfile.last_claim_at < since),
        func.coalesce(VolunteerProfile.decided_at, VolunteerProfile.submitted_at) <= since,
        ~recent,
    )


def queue_statement(user: User, filters: QueueFilters) -> Select[Any]:
    """The coordinator's list of volunteers, scoped and filtered; oldest application first
    (the order of ``ix_volunteer_profile_submitted``). The user is joined once: for the search
    when there is one, else only to the page's rows (the count never reads users)."""
    q = filters.q.strip()
    stmt = select(VolunteerProfile)
    if q:
        stmt = stmt.join(User, User.id == VolunteerProfile.user_id).options(
            contains_eager(VolunteerProfile.user).lazyload(User.memberships)
        )
    else:
        stmt = stmt.options(joinedload(VolunteerProfile.user).lazyload(User.memberships))
    stmt = stmt.options(
        joinedload(VolunteerProfile.home_municipality),
        joinedload(VolunteerProfile.language_rows),  # in the page query: still two
    ).order_by(VolunteerProfile.submitted_at, VolunteerProfile.id)
    # erased accounts are tombstones, not volunteers to coordinate (few: read by their index)
    stmt = stmt.where(
        VolunteerProfile.user_id.not_in(select(User.id).where(User.erased_at.is_not(None)))
    )
    stmt = _coordinated(stmt, user)
    if VolunteerStatus.has(filters.status):
        stmt = stmt.where(VolunteerProfile.status == filters.status)
    if filters.municipality_id:
        stmt = stmt.where(VolunteerProfile.home_municipality_id == filters.municipality_id)
    if filters.language in REGISTRY["language"]:
        stmt = stmt.where(
            exists().where(
                VolunteerLanguage.volunteer_id == VolunteerProfile.id,
                VolunteerLanguage.code == filters.language,
            )
        )
    if filters.interest in REGISTRY["category"]:
        stmt = stmt.where(
            exists().where(
                VolunteerInterest.volunteer_id == VolunteerProfile.id,
                VolunteerInterest.category == filters.interest,
            )
        )
    if filters.certificate == "expiring":
        stmt = stmt.where(expiring_certificate(today_local()))
    if filters.idle:
        stmt = stmt.where(idle_volunteer(utcnow()))
    if q:
        pattern = (
            "%" + q.lower().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        )
        stmt = stmt.where(
            or_(
                func.lower(User.display_name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    return stmt


def scoped_municipalities(user: User) -> list[Municipality]:
    stmt = scope_to(select(Municipality), Municipality.id, coordinated_municipality_ids(user))
    return list(db.session.scalars(stmt.order_by(german(Municipality.name), Municipality.id)))


def load_for_detail(volunteer_id: int) -> VolunteerProfile | None:
    return db.session.scalar(
        select(VolunteerProfile)
        .options(
            joinedload(VolunteerProfile.user),
            joinedload(VolunteerProfile.home_municipality),
            selectinload(VolunteerProfile.municipalities),
            selectinload(VolunteerProfile.certificate_checks).joinedload(
                ConductCertificateCheck.seen_by
            ),
            selectinload(VolunteerProfile.events).joinedload(VolunteerEvent.actor),
        )
        .where(VolunteerProfile.id == volunteer_id)
    )


@dataclass
class Overview:
    counts: list[dict[str, Any]]
    expiring: list[tuple[ConductCertificateCheck, VolunteerProfile]]
    oldest_pending: list[VolunteerProfile]


def _latest_check_filter() -> Any:
    """Only a volunteer's latest check counts (a newer one supersedes older ones)."""
    newer = aliased(ConductCertificateCheck)
    return ~exists().where(
        newer.volunteer_id == ConductCertificateCheck.volunteer_id,
        or_(
            newer.valid_until > ConductCertificateCheck.valid_until,
            and_(
                newer.valid_until == ConductCertificateCheck.valid_until,
                newer.id > ConductCertificateCheck.id,
            ),
        ),
    )


def overview(user: User, today: date | None = None, limit: int = 10) -> Overview:
    """Counts per municipality (one grouped query), certificates expiring in the next 8 weeks,
    and the oldest pending applications."""
    today = today or today_local()
    ids = coordinated_municipality_ids(user)
    # counted from the index on (home municipality, status) alone; the names come from the
    # scope's municipalities (an administrator's: those that have volunteers)
    home = VolunteerProfile.home_municipality_id
    counts_stmt = scope_to(
        select(home, VolunteerProfile.status, func.count()).group_by(home, VolunteerProfile.status),
        home,
        ids,
    )
    counted = db.session.execute(counts_stmt).all()
    shown = {mid for mid, _status, _n in counted} if ids is None else set(ids)
    # names and German order from the process's catalogue, not from a statement per page
    places = municipality_catalogue(frozenset(shown))
    statuses = [s.value for s in VolunteerStatus]
    table: dict[int, dict[str, Any]] = {
        mid: {"id": mid, "name": places.names[mid], **dict.fromkeys(statuses, 0)}
        for mid in sorted(shown, key=places.position.__getitem__)
    }
    for mid, status, n in counted:
        if mid in table:
            table[mid][status] = n
    counts = list(table.values())

    expiring_stmt = (
        select(ConductCertificateCheck, VolunteerProfile)
        .join(VolunteerProfile, VolunteerProfile.id == ConductCertificateCheck.volunteer_id)
        .options(
            joinedload(VolunteerProfile.user).lazyload(User.memberships),
            joinedload(VolunteerProfile.home_municipality),
        )
        .where(
            ConductCertificateCheck.valid_until >= today,
            ConductCertificateCheck.valid_until <= today + timedelta(weeks=REMINDER_WEEKS),
            VolunteerProfile.status.in_((VolunteerStatus.APPROVED, VolunteerStatus.SUSPENDED)),
            _latest_check_filter(),
        )
        .order_by(ConductCertificateCheck.valid_until)
        .limit(50)
    )
    expiring = [(c, p) for c, p in db.session.execute(_coordinated(expiring_stmt, user))]
    pending_stmt = (
        select(VolunteerProfile)
        .options(
            joinedload(VolunteerProfile.user).lazyload(User.memberships),
            joinedload(VolunteerProfile.home_municipality),
        )
        .where(VolunteerProfile.status == VolunteerStatus.PENDING)
        .order_by(VolunteerProfile.submitted_at, VolunteerProfile.id)
        .limit(limit)
    )
    oldest = list(db.session.scalars(_coordinated(pending_stmt, user)))
    return Overview(counts, expiring, oldest)
