"""The coordinators' queue of volunteers (`queue_statement`: scoped, filtered, oldest
application first) and what it filters by: certificates running out, volunteers without a task.
Its statements are built once per shape; the values are bind parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from markupsafe import Markup
from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import aliased, contains_eager, joinedload

from portal.auth.models import User
from portal.core.inputs import like_escaped
from portal.core.labels import REGISTRY
from portal.core.pagination import Bound
from portal.core.time import today_local, utcnow
from portal.municipalities.options import catalogue
from portal.needs.models import Assignment, AssignmentStatus
from portal.security import (
    SCOPE_SOME,
    coordinated_municipality_ids,
    scope_params,
    scope_shape,
    scope_to_param,
)
from portal.volunteers.certificates import REMINDER_WEEKS
from portal.volunteers.models import (
    ConductCertificateCheck,
    VolunteerInterest,
    VolunteerLanguage,
    VolunteerProfile,
    VolunteerStatus,
)


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
    return expiring_between(today, today + timedelta(weeks=REMINDER_WEEKS))


def expiring_between(first: Any, last: Any) -> Any:
    """Volunteers whose latest certificate check runs out from ``first`` to ``last`` (values
    or bind parameters)."""
    return exists().where(
        ConductCertificateCheck.volunteer_id == VolunteerProfile.id,
        ConductCertificateCheck.valid_until >= first,
        ConductCertificateCheck.valid_until <= last,
        latest_check_filter(),
    )


def expiring_params(today: date) -> dict[str, date]:
    """The values of `EXPIRING`: today and the last day of the reminder weeks."""
    return {"expiring_from": today, "expiring_until": today + timedelta(weeks=REMINDER_WEEKS)}


EXPIRING = (bindparam("expiring_from", type_=Date), bindparam("expiring_until", type_=Date))
"""The bind parameters of `expiring_between` in kept statements (`expiring_params`)."""


def idle_volunteer(now: datetime) -> Any:
    """Approved for ``IDLE_DAYS`` or longer, and no claim (of any outcome) since."""
    return idle_since(now - timedelta(days=IDLE_DAYS))


def idle_since(since: Any) -> Any:
    """Approved since ``since`` or longer and no claim since (a value or a bind parameter:
    ``idle_since`` in kept statements, `idle_params`)."""
    claimed = VolunteerProfile.last_claim_at
    return _idle(since, or_(claimed.is_(None), claimed < since))


def idle_parts(since: Any) -> tuple[Any, Any]:
    """`idle_since` as two conditions no volunteer meets both of: never claimed, and last
    claimed before ``since``. Each is one range of the index on (home municipality, status,
    last claim) in the plan PostgreSQL keeps for a statement; for their OR, that plan read
    every approved volunteer of the scope (2,100 of a county at state scale) to count the idle
    ones."""
    claimed = VolunteerProfile.last_claim_at
    return _idle(since, claimed.is_(None)), _idle(since, claimed < since)


def _idle(since: Any, last_claim: Any) -> Any:
    recent = exists().where(
        Assignment.volunteer_id == VolunteerProfile.id,
        or_(Assignment.claimed_at >= since, Assignment.status == AssignmentStatus.ACTIVE),
    )
    return and_(
        VolunteerProfile.status == VolunteerStatus.APPROVED,
        # read from the index on (home, status, last claim): only the few without a recent
        # claim are checked against their claims (the column may lag, never run ahead)
        last_claim,
        func.coalesce(VolunteerProfile.decided_at, VolunteerProfile.submitted_at) <= since,
        ~recent,
    )


def idle_params(now: datetime) -> dict[str, datetime]:
    return {"idle_since": now - timedelta(days=IDLE_DAYS)}


IDLE_SINCE = bindparam("idle_since", type_=DateTime)


def queue_statement(user: User, filters: QueueFilters) -> Bound:
    """The coordinator's list of volunteers, scoped and filtered; oldest application first
    (the order of ``ix_volunteer_profile_submitted``). The user is joined once: for the search
    when there is one, else only to the page's rows (the count never reads users). Built once
    per shape (which filters are given, the kind of scope); the values are bind parameters."""
    ids = coordinated_municipality_ids(user)
    q = filters.q.strip()
    shape = QueueShape(
        scope=scope_shape(ids),
        search=bool(q),
        status=VolunteerStatus.has(filters.status),
        municipality=bool(filters.municipality_id),
        language=filters.language in REGISTRY["language"],
        interest=filters.interest in REGISTRY["category"],
        expiring=filters.certificate == "expiring",
        idle=filters.idle,
    )
    values: dict[str, Any] = scope_params(ids)
    if shape.search:
        values["queue_pattern"] = "%" + like_escaped(q.lower(), "\\") + "%"
    if shape.status:
        values["queue_status"] = filters.status
    if shape.municipality:
        values["queue_municipality"] = filters.municipality_id
    if shape.language:
        values["queue_language"] = filters.language
    if shape.interest:
        values["queue_interest"] = filters.interest
    if shape.expiring:
        values.update(expiring_params(today_local()))
    if shape.idle:
        values.update(idle_params(utcnow()))
    # a scope's volunteers are counted by its index, not along the state's applications
    return Bound(_queue_statement(shape), values, count_in_any_order=shape.scope == SCOPE_SOME)


class QueueShape(NamedTuple):
    """Which filters a queue statement has (`queue_statement`)."""

    scope: str
    search: bool
    status: bool
    municipality: bool
    language: bool
    interest: bool
    expiring: bool
    idle: bool


@cache
def _queue_statement(shape: QueueShape) -> Select[Any]:
    stmt = select(VolunteerProfile)
    if shape.search:
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
    stmt = scope_to_param(stmt, VolunteerProfile.home_municipality_id, shape.scope)
    if shape.status:
        stmt = stmt.where(VolunteerProfile.status == bindparam("queue_status", type_=String))
    if shape.municipality:
        place = bindparam("queue_municipality", type_=Integer)
        stmt = stmt.where(VolunteerProfile.home_municipality_id == place)
    if shape.language:
        stmt = stmt.where(
            exists().where(
                VolunteerLanguage.volunteer_id == VolunteerProfile.id,
                VolunteerLanguage.code == bindparam("queue_language", type_=String),
            )
        )
    if shape.interest:
        stmt = stmt.where(
            exists().where(
                VolunteerInterest.volunteer_id == VolunteerProfile.id,
                VolunteerInterest.category == bindparam("queue_interest", type_=String),
            )
        )
    if shape.expiring:
        stmt = stmt.where(expiring_between(*EXPIRING))
    if shape.idle:
        stmt = stmt.where(idle_since(IDLE_SINCE))
    if shape.search:
        pattern = bindparam("queue_pattern", type_=String)
        stmt = stmt.where(
            or_(
                func.lower(User.display_name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    return stmt


def municipality_options(user: User, chosen: int | None = None) -> Markup:
    """The `<option>`s of the municipalities the user coordinates, in German order (``chosen``
    selected), from the process's catalogue: an administrator of the state has 1,100, which
    were loaded, sorted and written out on every view of the list (45 ms a request)."""
    ids = coordinated_municipality_ids(user)
    places = catalogue(frozenset(ids or ()))
    return places.options(places.order if ids is None else ids, chosen)


def latest_check_filter() -> Any:
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
