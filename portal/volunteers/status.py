"""The volunteer's own status card (their home page and start page): the state of the
application, of the certificate of conduct, a request for information and whom to contact.

All of it is read in one statement of a few rows (one per contact): facts about the volunteer
as one row, joined to the coordinators of the home municipality; no mapped object is built.
The statement is built once per process (the volunteer and the municipality are bind
parameters), for a pending volunteer and for any other.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Integer, Select, and_, bindparam, func, null, select, true, union

from portal.auth.models import Membership, Role, User
from portal.core.collation import german
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.volunteers.certificates import YOUTH_WORK, should_bring, state_of
from portal.volunteers.models import (
    ConductCertificateCheck,
    VolunteerEvent,
    VolunteerEventKind,
    VolunteerInterest,
    VolunteerProfile,
    VolunteerStatus,
)


class Contact(NamedTuple):
    """A coordinator as the volunteer's card names them."""

    id: int
    display_name: str
    email: str


class InfoRequest(NamedTuple):
    """The coordination's latest request for information to a pending volunteer."""

    at: datetime
    message: str


def _contacts() -> Any:
    """Active coordinators of the municipality (``municipality``), directly or through its
    office (a union, each part answered by an index on membership)."""
    coordinator = Membership.role == Role.COORDINATOR
    place = Municipality.id == bindparam("municipality", type_=Integer)
    direct = select(Membership.user_id).join(
        Municipality, and_(coordinator, Membership.municipality_id == Municipality.id)
    )
    by_office = select(Membership.user_id).join(
        Municipality, and_(coordinator, Membership.office_id == Municipality.office_id)
    )
    found = union(direct.where(place), by_office.where(place)).subquery("found")
    return (
        select(User.id, User.display_name, User.email)
        .join(found, found.c.user_id == User.id)
        .where(User.active.is_(True))
        .subquery("contact")
    )


def _facts(pending: bool) -> Any:
    """One row about the volunteer (``volunteer``): the latest check's last valid day, whether
    youth and family work is chosen, and (for a pending volunteer) the latest request for
    information."""
    volunteer = bindparam("volunteer", type_=Integer)
    columns: list[Any] = [
        select(func.max(ConductCertificateCheck.valid_until))
        .where(ConductCertificateCheck.volunteer_id == volunteer)
        .scalar_subquery()
        .label("until"),
        select(VolunteerInterest.category)
        .where(
            VolunteerInterest.volunteer_id == volunteer,
            VolunteerInterest.category == YOUTH_WORK,
        )
        .exists()
        .label("youth"),
    ]
    if pending:
        latest = (
            select(VolunteerEvent.id)
            .where(
                VolunteerEvent.volunteer_id == volunteer,
                VolunteerEvent.kind == VolunteerEventKind.INFO_REQUESTED,
            )
            .order_by(VolunteerEvent.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        for name in ("at", "message"):
            column = getattr(VolunteerEvent, name)
            columns.append(
                select(column).where(VolunteerEvent.id == latest).scalar_subquery().label(name)
            )
    else:
        columns += [null().label("at"), null().label("message")]
    return select(*columns).subquery("facts")


@cache
def _overview(pending: bool) -> Select[Any]:
    facts, contact = _facts(pending), _contacts()
    return (
        select(*facts.c, contact.c.id, contact.c.display_name, contact.c.email)
        .select_from(facts.outerjoin(contact, true()))
        .order_by(german(contact.c.display_name), contact.c.id)
    )


def status_overview(profile: VolunteerProfile) -> dict[str, Any]:
    """What the home page and the start page show a volunteer of their status."""
    rows = db.session.execute(
        _overview(profile.status == VolunteerStatus.PENDING),
        {"volunteer": profile.id, "municipality": profile.home_municipality_id},
    ).all()
    until, youth, at, message = rows[0][:4]
    if isinstance(until, str):  # SQLite's max() of a date column
        until = date.fromisoformat(until)
    state = state_of(until)
    return {
        "profile": profile,
        "certificate": state,
        "needs_certificate": profile.status == VolunteerStatus.APPROVED
        and should_bring(bool(youth), state),
        "contacts": [Contact(*row[4:]) for row in rows if row[4] is not None],
        "info_request": InfoRequest(at, message) if at is not None else None,
    }
