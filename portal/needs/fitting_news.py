"""When a need is published, the approved volunteers it fits hear of it, as they chose for "new
matching tasks" (by default once a day in the digest; at once; or never).

A need fits a volunteer who helps in its municipality and is interested in its category. The
news carries what the board shows (title, category, municipality, schedule), never the meeting
point, which only assigned volunteers see.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from portal.auth.models import User
from portal.core.labels import label
from portal.extensions import db
from portal.needs.models import Need
from portal.notifications.models import NotificationKind
from portal.notifications.preferences import modes_for, notify
from portal.notifications.services import external_url
from portal.volunteers.models import (
    VolunteerInterest,
    VolunteerProfile,
    VolunteerStatus,
    volunteer_municipality,
)


def fitting_volunteers(need: Need) -> list[User]:
    """The active accounts of the approved volunteers ``need`` fits."""
    further = select(volunteer_municipality.c.volunteer_id).where(
        volunteer_municipality.c.municipality_id == need.municipality_id
    )
    interested = select(VolunteerInterest.volunteer_id).where(
        VolunteerInterest.category == need.category
    )
    profiles = select(VolunteerProfile.user_id).where(
        VolunteerProfile.status == VolunteerStatus.APPROVED,
        or_(
            VolunteerProfile.home_municipality_id == need.municipality_id,
            VolunteerProfile.id.in_(further),
        ),
        VolunteerProfile.id.in_(interested),
    )
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.erased_at.is_(None), User.id.in_(profiles))
            .order_by(User.id)
        )
    )


def tell_fitting_volunteers(need: Need) -> int:
    """Tell the volunteers ``need`` fits that it was published (caller's transaction); how
    many were told (mailed or kept for their digest)."""
    people = fitting_volunteers(need)
    modes = modes_for([u.id for u in people], NotificationKind.NEW_NEEDS)
    link = external_url("board.need", need_id=need.id)
    told = 0
    for user in people:
        mode = notify(
            user,
            NotificationKind.NEW_NEEDS,
            "need_published",
            title=need.title,
            body=f"{label('category', need.category)}, {need.municipality.name}",
            link=link,
            mode=modes[user.id],
            need=need,
        )
        told += mode != "never"
    return told
