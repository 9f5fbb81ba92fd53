"""Read side of the coordinators' pages: a volunteer's detail and the overview (the queue is in
`portal.volunteers.queue`), and a volunteer's own profile as the pages and the board read it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    func,
    select,
    union,
)
from sqlalchemy.orm import joinedload, selectinload, with_expression

from portal.auth.models import Membership, Role, User
from portal.core.collation import german
from portal.core.pagination import ListPage
from portal.core.time import today_local
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.municipalities.options import catalogue as municipality_catalogue
from portal.security import (
    SCOPE_SOME,
    coordinated_municipality_ids,
    scope_params,
    scope_shape,
    scope_to_param,
)
from portal.volunteers.models import (
    ConductCertificateCheck,
    VolunteerEvent,
    VolunteerProfile,
    VolunteerStatus,
    volunteer_municipality,
)
from portal.volunteers.queue import EXPIRING, expiring_params, latest_check_filter


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
    return volunteer, _places(volunteer.home_municipality_id, row[3] or "")


KEPT_PLACES = 256
"""Sets of municipality ids kept per process (`_places`)."""


@lru_cache(maxsize=KEPT_PLACES)
def _places(home: int, further: str) -> frozenset[int]:
    """The ids of a home municipality and of the comma-separated further ones, worked out once
    per process for the same ones: a volunteer of the whole state's 1,100 municipalities cost
    0.1 ms a page to parse them."""
    return frozenset([home, *map(int, filter(None, further.split(",")))])


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


PLACES_PER_PAGE = 50
"""Municipalities per page of the overview's counts: an administrator of the state's portal
has 1,100, and a page counts the volunteers of its own municipalities only."""


@dataclass
class Overview:
    counts: list[dict[str, Any]]
    expiring: list[tuple[ConductCertificateCheck, VolunteerProfile]]
    oldest_pending: list[VolunteerProfile]
    places: ListPage
    """The page of municipalities that `counts` holds (for the pager)."""


def overview(user: User, today: date | None = None, limit: int = 10, page: int = 1) -> Overview:
    """Counts per municipality of the user's scope (every one, in German order, also those
    without volunteers), `PLACES_PER_PAGE` a page, in one grouped query of the page's
    municipalities; certificates expiring in the next 8 weeks, and the oldest pending
    applications. The statements are built once per kind of scope."""
    today = today or today_local()
    ids = coordinated_municipality_ids(user)
    statements = _overview_statements(scope_shape(ids))
    scope = scope_params(ids)
    # names and German order from the process's catalogue, not from a statement per page
    places = municipality_catalogue(frozenset(ids or ()))
    ordered = places.order if ids is None else sorted(ids, key=places.position.__getitem__)
    pages = max(1, math.ceil(len(ordered) / PLACES_PER_PAGE))
    page = min(max(page, 1), pages)
    shown = ordered[(page - 1) * PLACES_PER_PAGE : page * PLACES_PER_PAGE]
    statuses = [s.value for s in VolunteerStatus]
    table: dict[int, dict[str, Any]] = {
        mid: {"id": mid, "name": places.names[mid], **dict.fromkeys(statuses, 0)} for mid in shown
    }
    if shown:
        # counted from the index on (home municipality, status) alone
        for mid, status, n in db.session.execute(_page_counts(), scope_params(set(shown))):
            table[mid][status] = n
    counts = list(table.values())
    found = db.session.execute(statements.expiring, {**scope, **expiring_params(today)})
    expiring = [(c, p) for c, p in found]
    oldest = db.session.scalars(statements.pending, {**scope, "oldest_limit": limit})
    on_page = ListPage(items=counts, page=page, per_page=PLACES_PER_PAGE, total=len(ordered))
    return Overview(counts, expiring, list(oldest), on_page)


@cache
def _page_counts() -> Select[Any]:
    """The volunteers of some municipalities (`scope_params`) by municipality and status."""
    home = VolunteerProfile.home_municipality_id
    counts = select(home, VolunteerProfile.status, func.count()).group_by(
        home, VolunteerProfile.status
    )
    return scope_to_param(counts, home, SCOPE_SOME)


class _OverviewStatements(NamedTuple):
    expiring: Select[Any]
    pending: Select[Any]


@cache
def _overview_statements(scope: str) -> _OverviewStatements:
    first, last = EXPIRING
    expiring = (
        select(ConductCertificateCheck, VolunteerProfile)
        .join(VolunteerProfile, VolunteerProfile.id == ConductCertificateCheck.volunteer_id)
        .options(
            joinedload(VolunteerProfile.user).lazyload(User.memberships),
            joinedload(VolunteerProfile.home_municipality),
        )
        .where(
            ConductCertificateCheck.valid_until >= first,
            ConductCertificateCheck.valid_until <= last,
            VolunteerProfile.status.in_((VolunteerStatus.APPROVED, VolunteerStatus.SUSPENDED)),
            latest_check_filter(),
        )
        .order_by(ConductCertificateCheck.valid_until)
        .limit(50)
    )
    pending = (
        select(VolunteerProfile)
        .options(
            joinedload(VolunteerProfile.user).lazyload(User.memberships),
            joinedload(VolunteerProfile.home_municipality),
        )
        .where(VolunteerProfile.status == VolunteerStatus.PENDING)
        .order_by(VolunteerProfile.submitted_at, VolunteerProfile.id)
        .limit(bindparam("oldest_limit", type_=Integer))
    )
    home = VolunteerProfile.home_municipality_id
    return _OverviewStatements(
        scope_to_param(expiring, home, scope),
        scope_to_param(pending, home, scope),
    )
