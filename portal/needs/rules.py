"""Who may see and claim which need: the rules of the claim loop in one place (no writes)."""

from __future__ import annotations

from datetime import timedelta
from functools import cache, lru_cache
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    Select,
    bindparam,
    func,
    inspect,
    or_,
    select,
)

from portal.auth.models import Membership, Role, User
from portal.core.errors import (
    CapacityReached,
    Conflict,
    InvalidTransition,
    NotAllowed,
    NotFound,
)
from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.needs import schedule
from portal.needs.clashes import could_clash
from portal.needs.models import (
    Assignment,
    AssignmentStatus,
    Need,
    NeedStatus,
)
from portal.needs.queries import upcoming_claim
from portal.volunteers.certificates import may_work_with_minors
from portal.volunteers.models import VolunteerProfile, VolunteerStatus, volunteer_municipality
from portal.volunteers.queries import profile_of

VISIBLE_TO_VOLUNTEERS = (NeedStatus.OPEN, NeedStatus.FILLED)


LIVE = (NeedStatus.OPEN, NeedStatus.FILLED)


def _loaded_further_ids(profile: VolunteerProfile) -> str | None:
    """The further municipalities' ids as the loader brought them ("1,5,7"), or None when the
    objects must be read: when the loader did not bring the ids, or when the objects are
    loaded (they are then the truth, also after a change in this session)."""
    if "municipalities" not in inspect(profile).unloaded:
        return None
    return profile.further_place_ids


def helps_in(profile: VolunteerProfile) -> set[int]:
    """The municipalities a volunteer helps in: the further ones and the home municipality."""
    ids = _loaded_further_ids(profile)
    if ids is None:
        further = {m.id for m in profile.municipalities}
    else:
        further = {int(i) for i in ids.split(",") if i}
    return further | {profile.home_municipality_id}


def helps_in_municipality(profile: VolunteerProfile, municipality_id: int) -> bool:
    """`helps_in` for one municipality, without building the set."""
    if municipality_id == profile.home_municipality_id:
        return True
    ids = _loaded_further_ids(profile)
    if ids is None:
        return any(m.id == municipality_id for m in profile.municipalities)
    return f",{municipality_id}," in f",{ids},"


def in_helped_municipality(profile: VolunteerProfile) -> Any:
    """SQL: the need lies where the volunteer helps. A subquery on the link table, not a list
    of ids: a volunteer who helps in 1,100 municipalities sends one small statement."""
    return helped_municipality(profile.id, profile.home_municipality_id)


def helped_municipality(volunteer_id: Any, home_id: Any) -> Any:
    """`in_helped_municipality` of a profile id and home municipality (values or bind
    parameters)."""
    further = select(volunteer_municipality.c.municipality_id).where(
        volunteer_municipality.c.volunteer_id == volunteer_id
    )
    return or_(Need.municipality_id == home_id, Need.municipality_id.in_(further))


def approved_profile(user: User) -> VolunteerProfile:
    """The acting volunteer's profile; only approved volunteers take on needs."""
    profile = profile_of(user)
    if profile is None:
        raise NotAllowed(_("Sie haben kein Profil als Ehrenamtliche."))
    if profile.status != VolunteerStatus.APPROVED:
        raise NotAllowed(
            _("Ihr Profil ist noch nicht freigegeben. Aufgaben übernehmen können Sie danach.")
        )
    return profile


def may_see_need(profile: VolunteerProfile, need: Need, has_claim: bool = False) -> bool:
    """Approved volunteers see open and filled needs of the municipalities they help in;
    anyone who holds (or held) a claim on a need keeps seeing it."""
    if has_claim:
        return True
    return (
        profile.status == VolunteerStatus.APPROVED
        and need.status in VISIBLE_TO_VOLUNTEERS
        and helps_in_municipality(profile, need.municipality_id)
    )


def own_assignment(profile: VolunteerProfile, need: Need) -> Assignment | None:
    """The volunteer's latest assignment on ``need`` (active first)."""
    rows = db.session.scalars(
        select(Assignment)
        .where(Assignment.need_id == need.id, Assignment.volunteer_id == profile.id)
        .order_by(Assignment.claimed_at.desc(), Assignment.id.desc())
    ).all()
    active = [a for a in rows if a.status == AssignmentStatus.ACTIVE]
    found = active or rows
    return found[0] if found else None


def certificate_covers(profile: VolunteerProfile, need: Need) -> bool:
    """A valid certificate of conduct on the first and on the last day of the schedule (from
    today on). A weekly need without an end cannot be covered by a certificate that expires:
    the certificate must then be valid for a year ahead."""
    today = today_local()
    first = max(schedule.first_day(need) or today, today)
    last = schedule.last_day(need)
    if last is None:
        last = first + timedelta(days=365)
    last = max(last, first)
    return may_work_with_minors(profile, first) and may_work_with_minors(profile, last)


def meets_certificate_requirement(profile: VolunteerProfile, need: Need) -> bool:
    return not need.requires_conduct_certificate or certificate_covers(profile, need)


def need_has_ended(need: Need) -> bool:
    now = utcnow()
    if schedule.is_once(need):
        interval = schedule.once_interval(need)
        return bool(interval and interval[0] <= now)
    return bool(need.ends_on and need.ends_on < today_local())


def managers_of(need: Need) -> list[User]:
    """Who hears about claims on ``need``: the manager who published it, else every manager of
    its municipality (directly or through the branch office)."""
    creator = need.created_by
    if creator is not None and creator.active:
        return [creator]
    office_id = need.municipality.office_id if need.municipality else None
    scope = [Membership.municipality_id == need.municipality_id]
    if office_id is not None:
        scope.append(Membership.office_id == office_id)
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.role == Role.MANAGER, or_(*scope), User.active.is_(True))
            .distinct()
            .order_by(User.id)
        )
    )


# --- schedule clashes --------------------------------------------------------------------------


CLASH_BATCH = 20
"""The candidate claims `conflicting_need` reads per statement. A second statement runs only
when all of them were near misses (rare: the SQL lets through only claims within
`portal.needs.clashes.NEAR` of a clash)."""


@lru_cache(maxsize=1024)
def _clash_statement(need: schedule.Schedule) -> Select[Any] | None:
    """The candidates' statement for a need's schedule; the volunteer, the need and where the
    batch starts are bind parameters. Kept per schedule (the latest 1,024), so that a need's
    page, shown again, does not build the filter anew and have SQLAlchemy work out its cache
    key."""
    wanted = could_clash(need)
    if wanted is None:
        return None
    return (
        select(Need)
        .join(Assignment, Assignment.need_id == Need.id)
        .where(
            Assignment.volunteer_id == bindparam("volunteer", type_=Integer),
            Assignment.status == AssignmentStatus.ACTIVE,
            Need.id != bindparam("need", type_=Integer),
            Need.status.in_(LIVE),
            Need.id > bindparam("after", type_=Integer),
            wanted,
        )
        .order_by(Need.id)
        .limit(CLASH_BATCH)
    )


def conflicting_need(profile: VolunteerProfile, need: Need) -> Need | None:
    """Another active claim of the volunteer whose schedule collides with ``need``
    (`schedule.overlaps`). Only the claims that could clash are read (`could_clash`), at most
    `CLASH_BATCH` a statement: however many claims the volunteer holds, one statement and a
    handful of rows."""
    stmt = _clash_statement(schedule.Schedule.of(need))
    if stmt is None:
        return None
    after = 0
    while True:
        values = {"volunteer": profile.id, "need": need.id, "after": after}
        batch = db.session.scalars(stmt, values).all()
        for other in batch:
            if schedule.overlaps(need, other):
                return other
        if len(batch) < CLASH_BATCH:
            return None
        after = batch[-1].id


def active_claims_limit() -> int:
    """How many upcoming tasks one volunteer may hold at once (ACTIVE_CLAIMS_LIMIT)."""
    return int(current_app.config["ACTIVE_CLAIMS_LIMIT"])


def holds_claims_limit(profile: VolunteerProfile) -> bool:
    """Whether the volunteer already holds as many upcoming claims as one may
    (`portal.needs.queries.upcoming_claim`: active, the appointment or the weekly series not
    over): counted up to the limit, however many they hold. Claims on appointments that are
    over (awaiting a report or the manager's completion) do not count. Exact when the claim has
    locked the profile (`portal.needs.claims.claim`): another claim of theirs waits for it."""
    limit = active_claims_limit()
    values = {"volunteer": profile.id, "now": utcnow(), "today": today_local(), "limit": limit}
    return (db.session.scalar(_upcoming_held(), values) or 0) >= limit


@cache
def _upcoming_held() -> Select[Any]:
    """Built once: the need page asks on every view (built anew, the statement cost 0.46 ms of
    CPU, SQLAlchemy working out its cache key each time)."""
    held = (
        select(Assignment.id)
        .join(Need, Need.id == Assignment.need_id)
        .where(
            *upcoming_claim(
                bindparam("volunteer", type_=Integer),
                bindparam("now", type_=DateTime),
                bindparam("today", type_=Date),
            )
        )
        .limit(bindparam("limit", type_=Integer))
        .subquery()
    )
    return select(func.count()).select_from(held)


def check_claim(
    profile: VolunteerProfile, need: Need, has_active_claim: bool | None = None
) -> None:
    """Every rule of a claim except capacity under concurrency (the UPDATE decides that).
    ``has_active_claim``: whether the volunteer holds an active claim on ``need``, when the
    caller has just read it (`own_assignment`); None reads it here."""
    if profile.status != VolunteerStatus.APPROVED:
        raise NotAllowed(
            _("Ihr Profil ist noch nicht freigegeben. Aufgaben übernehmen können Sie danach.")
        )
    if not helps_in_municipality(profile, need.municipality_id) or need.status == NeedStatus.DRAFT:
        raise NotFound(_("Diese Aufgabe gibt es nicht (mehr)."))
    if has_active_claim is None:
        has_active_claim = (
            db.session.scalar(
                select(Assignment.id).where(
                    Assignment.need_id == need.id,
                    Assignment.volunteer_id == profile.id,
                    Assignment.status == AssignmentStatus.ACTIVE,
                )
            )
            is not None
        )
    if has_active_claim:
        raise Conflict(_("Sie haben diese Aufgabe bereits übernommen."))
    if need.status == NeedStatus.FILLED:
        raise CapacityReached(_("Alle Plätze dieser Aufgabe sind bereits vergeben."))
    if need.status != NeedStatus.OPEN:
        raise InvalidTransition(_("Diese Aufgabe ist abgeschlossen oder abgesagt."))
    if need_has_ended(need):
        raise InvalidTransition(_("Dieser Termin liegt in der Vergangenheit."))
    if need.requires_conduct_certificate and not certificate_covers(profile, need):
        raise NotAllowed(
            _(
                "Für diese Aufgabe brauchen Sie ein erweitertes Führungszeugnis, das für den "
                "ganzen Zeitraum gültig ist. Bitte zeigen Sie es Ihrer Koordination im Rathaus."
            )
        )
    if holds_claims_limit(profile):
        raise Conflict(
            ngettext(
                "Sie haben schon %(num)d Aufgabe übernommen, die noch ansteht; mehr geht nicht "
                "auf einmal. Wenn Sie diese übernehmen möchten, geben Sie bitte zuerst die "
                "andere ab.",
                "Sie haben schon %(num)d Aufgaben übernommen, die noch anstehen; mehr gehen "
                "nicht auf einmal. Wenn Sie diese übernehmen möchten, geben Sie bitte zuerst "
                "eine andere ab.",
                active_claims_limit(),
            )
        )
    other = conflicting_need(profile, need)
    if other is not None:
        raise Conflict(
            _(
                "Dieser Termin überschneidet sich mit Ihrer Aufgabe „%(title)s“. Bitte geben "
                "Sie dort zuerst ab oder wählen Sie einen anderen Termin.",
                title=other.title,
            )
        )
    if need.taken >= need.capacity:
        raise CapacityReached(_("Alle Plätze dieser Aufgabe sind bereits vergeben."))
