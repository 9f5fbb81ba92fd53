"""Volunteer rules: sign-up, profile changes, vetting decisions, certificates of conduct.

Every state change of a volunteer goes through `decide` (one table of transitions), stores
who/when/why, writes a history entry and an audit event, and e-mails the volunteer through the
outbox in their own language, all in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Select,
    String,
    and_,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased, joinedload, selectinload

from portal.audit import services as audit
from portal.auth.models import Membership, Role, User
from portal.auth.services import (
    create_user,
    find_user_by_email,
    send_verification,
    tell_owner_of_registration_attempt,
)
from portal.core.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from portal.core.labels import REGISTRY, label
from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.needs.schedule import WEEKDAY_KEYS
from portal.notifications.services import external_url, queue_email
from portal.security import coordinated_municipality_ids, may_coordinate_volunteer
from portal.volunteers.models import (
    ConductCertificateCheck,
    VolunteerEvent,
    VolunteerEventKind,
    VolunteerProfile,
    VolunteerStatus,
)

# --- reference lists ------------------------------------------------------------------------

LANGUAGES = REGISTRY["language"]
LEVELS = REGISTRY["language_level"]
INTERESTS = REGISTRY["category"]
DAYPARTS = REGISTRY["part_of_day"]
# availability is kept per weekday key ("mon"); its label is the weekday's
WEEKDAYS = {key: REGISTRY["weekday"][index] for index, key in enumerate(WEEKDAY_KEYS)}

MAX_MOTIVATION = 2000
MAX_REASON = 2000
REMINDER_WEEKS = 8

# --- profile data ---------------------------------------------------------------------------


@dataclass
class ProfileData:
    """What a volunteer tells us about themselves (sign-up, application, profile edit)."""

    home_municipality_id: int
    municipality_ids: list[int] = field(default_factory=list)
    phone: str = ""
    languages: list[dict[str, str]] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    availability: dict[str, list[str]] = field(default_factory=dict)
    has_car: bool = False
    motivation: str = ""


def _clean(data: ProfileData) -> tuple[Municipality, list[Municipality]]:
    """Check the data against the reference lists; the municipalities it names."""
    ids = {data.home_municipality_id, *data.municipality_ids}
    found = {
        m.id: m for m in db.session.scalars(select(Municipality).where(Municipality.id.in_(ids)))
    }
    home = found.get(data.home_municipality_id)
    if home is None:
        raise ValidationFailed(
            str(_l("Bitte wählen Sie eine Gemeinde aus der Liste.")), field="home_municipality_id"
        )
    if any(mid not in found for mid in data.municipality_ids):
        raise ValidationFailed(
            str(_l("Bitte wählen Sie Gemeinden aus der Liste.")), field="municipality_ids"
        )
    for lang in data.languages:
        if lang.get("code") not in LANGUAGES or lang.get("level") not in LEVELS:
            raise ValidationFailed(str(_l("Unbekannte Sprache oder Stufe.")), field="languages")
    if any(i not in INTERESTS for i in data.interests):
        raise ValidationFailed(str(_l("Unbekannter Bereich.")), field="interests")
    for day, parts in data.availability.items():
        if day not in WEEKDAYS or any(p not in DAYPARTS for p in parts):
            raise ValidationFailed(str(_l("Unbekannte Zeitangabe.")), field="availability")
    if len(data.motivation) > MAX_MOTIVATION:
        raise ValidationFailed(
            str(_l("Höchstens %(max)d Zeichen.", max=MAX_MOTIVATION)), field="motivation"
        )
    further = [found[mid] for mid in dict.fromkeys(data.municipality_ids) if mid != home.id]
    return home, further


def _apply_data(profile: VolunteerProfile, data: ProfileData, home, further) -> None:
    profile.home_municipality = home
    profile.municipalities = [home, *further]
    profile.phone = data.phone.strip()
    profile.languages = [{"code": x["code"], "level": x["level"]} for x in data.languages]
    profile.interests = [i for i in INTERESTS if i in data.interests]
    profile.availability = {
        day: [p for p in DAYPARTS if p in data.availability.get(day, [])]
        for day in WEEKDAYS
        if data.availability.get(day)
    }
    profile.has_car = bool(data.has_car)
    profile.motivation = data.motivation.strip()


def _event(profile: VolunteerProfile, kind: str, actor: Any, message: str = "", **kw: Any):
    event = VolunteerEvent(
        volunteer=profile,
        kind=kind,
        actor_id=getattr(actor, "id", None),
        message=message,
        from_status=kw.get("from_status", ""),
        to_status=kw.get("to_status", ""),
    )
    db.session.add(event)
    return event


def _create_profile(user: User, data: ProfileData, consent: bool, pledge: bool):
    if not consent:
        raise ValidationFailed(
            str(_l("Bitte stimmen Sie der Verarbeitung Ihrer Daten zu.")), field="consent"
        )
    if not pledge:
        raise ValidationFailed(
            str(_l("Bitte unterschreiben Sie die Verschwiegenheitserklärung.")), field="pledge"
        )
    home, further = _clean(data)
    now = utcnow()
    profile = VolunteerProfile(
        user=user,
        status=VolunteerStatus.PENDING,
        consent_version=current_app.config["PRIVACY_NOTICE_VERSION"],
        consent_at=now,
        pledge_signed_at=now,
        submitted_at=now,
        decision_reason="",
    )
    _apply_data(profile, data, home, further)
    db.session.add(profile)
    if Role.VOLUNTEER not in user.roles:
        user.memberships.append(Membership(role=Role.VOLUNTEER))
    db.session.flush()
    _event(profile, VolunteerEventKind.SUBMITTED, user, to_status=VolunteerStatus.PENDING)
    audit.record(
        "volunteer.applied",
        actor=user,
        object_type="volunteer",
        object_id=profile.id,
        municipality_id=home.id,
        consent_version=profile.consent_version,
    )
    return profile


def register_volunteer(
    email: str,
    display_name: str,
    password: str,
    data: ProfileData,
    *,
    consent: bool,
    pledge: bool,
    locale: str = "de",
) -> VolunteerProfile | None:
    """Create account and profile in one transaction and e-mail a verification link.

    As with the normal sign-up, a registered address is not revealed: its owner is e-mailed and
    None is returned; nothing else is stored.
    """
    existing = find_user_by_email(email)
    if existing is not None:
        _clean(data)  # bad input is still bad input
        tell_owner_of_registration_attempt(existing)
        db.session.commit()
        return None
    try:
        user = create_user(email, display_name, password, locale=locale)
        profile = _create_profile(user, data, consent, pledge)
        send_verification(user)
        audit.record("user.signed_up", actor=user, object_type="user", object_id=user.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return profile


def apply(user: User, data: ProfileData, *, consent: bool, pledge: bool) -> VolunteerProfile:
    """A logged-in user without a profile applies as a volunteer."""
    if profile_of(user) is not None:
        raise Conflict(str(_l("Sie haben sich bereits beworben.")))
    try:
        profile = _create_profile(user, data, consent, pledge)
        if user.email_verified_at is not None:
            notify_coordinators_of_application(profile)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return profile


def profile_of(user: Any) -> VolunteerProfile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(VolunteerProfile)
        .options(joinedload(VolunteerProfile.home_municipality))
        .where(VolunteerProfile.user_id == user.id)
    )


def update_profile(user: User, profile: VolunteerProfile, data: ProfileData) -> bool:
    """Save the volunteer's own changes. A new home municipality sends an approved or rejected
    profile back to review (the new town hall decides); returns True in that case."""
    if profile.user_id != user.id:
        raise NotAllowed(str(_l("Das ist nicht Ihr Profil.")))
    try:
        home, further = _clean(data)
        old_home_id = profile.home_municipality_id
        moved = home.id != old_home_id
        _apply_data(profile, data, home, further)
        back_to_review = moved and profile.status in (
            VolunteerStatus.APPROVED,
            VolunteerStatus.REJECTED,
        )
        if back_to_review:
            old = profile.status
            profile.status = VolunteerStatus.PENDING
            profile.submitted_at = utcnow()
            profile.decided_by_id = None
            profile.decided_at = None
            profile.decision_reason = ""
            _event(
                profile,
                VolunteerEventKind.RESUBMITTED,
                user,
                from_status=old,
                to_status=VolunteerStatus.PENDING,
            )
            notify_coordinators_of_application(profile)
        else:
            _event(profile, VolunteerEventKind.PROFILE_UPDATED, user)
        audit.record(
            "volunteer.profile_updated",
            actor=user,
            object_type="volunteer",
            object_id=profile.id,
            municipality_id=home.id,
            moved_from=old_home_id if moved else None,
            back_to_review=back_to_review,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return back_to_review


# --- decisions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    event: str
    reason_required: bool
    template: str


APPROVE, REJECT, REQUEST_INFO, SUSPEND, REINSTATE = (
    "approve",
    "reject",
    "request_info",
    "suspend",
    "reinstate",
)
S = VolunteerStatus
TRANSITIONS: dict[str, Transition] = {
    APPROVE: Transition((S.PENDING,), S.APPROVED, VolunteerEventKind.APPROVED, False, "approved"),
    REJECT: Transition((S.PENDING,), S.REJECTED, VolunteerEventKind.REJECTED, True, "rejected"),
    # A request for information keeps the application pending.
    REQUEST_INFO: Transition(
        (S.PENDING,), S.PENDING, VolunteerEventKind.INFO_REQUESTED, True, "info_requested"
    ),
    SUSPEND: Transition(
        (S.APPROVED,), S.SUSPENDED, VolunteerEventKind.SUSPENDED, True, "suspended"
    ),
    REINSTATE: Transition(
        (S.SUSPENDED,), S.APPROVED, VolunteerEventKind.REINSTATED, True, "reinstated"
    ),
}
ACTION_LABELS: dict[str, Any] = {
    APPROVE: _l("Freigeben"),
    REJECT: _l("Ablehnen"),
    REQUEST_INFO: _l("Rückfrage stellen"),
    SUSPEND: _l("Aussetzen"),
    REINSTATE: _l("Wieder freigeben"),
}


def allowed_actions(profile: VolunteerProfile) -> list[str]:
    return [name for name, t in TRANSITIONS.items() if profile.status in t.sources]


def decide(actor: User, profile: VolunteerProfile, action: str, reason: str = "") -> None:
    """Apply a coordinator's decision. Raises InvalidTransition in the wrong state."""
    if not may_coordinate_volunteer(actor, profile):
        raise NotAllowed(str(_l("Sie koordinieren diese Gemeinde nicht.")))
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise InvalidTransition(str(_l("Unbekannte Entscheidung.")))
    reason = (reason or "").strip()
    if transition.reason_required and not reason:
        raise ValidationFailed(str(_l("Bitte geben Sie eine Begründung an.")), field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            str(_l("Höchstens %(max)d Zeichen.", max=MAX_REASON)), field="reason"
        )
    old = profile.status
    if old not in transition.sources:
        raise InvalidTransition(
            str(
                _l(
                    "Das geht nicht: %(name)s ist %(status)s.",
                    name=profile.user.display_name,
                    status=label("volunteer_status", old),
                )
            )
        )
    now = utcnow()
    try:
        if transition.target != old:
            # Compare-and-set: of two coordinators deciding at once, only one wins.
            result = db.session.execute(
                update(VolunteerProfile)
                .where(VolunteerProfile.id == profile.id, VolunteerProfile.status == old)
                .values(
                    status=transition.target,
                    decided_by_id=actor.id,
                    decided_at=now,
                    decision_reason=reason,
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise InvalidTransition(
                    str(_l("Jemand anderes hat gerade entschieden. Bitte laden Sie neu."))
                )
            db.session.expire(profile, ["status", "decided_by_id", "decided_at", "decision_reason"])
        _event(
            profile, transition.event, actor, reason, from_status=old, to_status=transition.target
        )
        audit.record(
            f"volunteer.{action}",
            actor=actor,
            object_type="volunteer",
            object_id=profile.id,
            municipality_id=profile.home_municipality_id,
            from_status=old,
            to_status=transition.target,
            reason=reason,
        )
        volunteer = profile.user
        queue_email(
            volunteer.email,
            f"volunteer_{transition.template}",
            volunteer.locale,
            user=volunteer,
            profile=profile,
            actor=actor,
            reason=reason,
            municipality=profile.home_municipality.name,
            link=external_url("volunteers.home"),
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


# --- certificate of conduct -----------------------------------------------------------------


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def record_certificate_check(
    actor: User, profile: VolunteerProfile, issued_on: date, seen_on: date
) -> ConductCertificateCheck:
    """Record that ``actor`` inspected the certificate. Only these facts are stored."""
    if not may_coordinate_volunteer(actor, profile):
        raise NotAllowed(str(_l("Sie koordinieren diese Gemeinde nicht.")))
    today = today_local()
    if seen_on > today:
        raise ValidationFailed(str(_l("Das Datum liegt in der Zukunft.")), field="seen_on")
    if issued_on > seen_on:
        raise ValidationFailed(
            str(_l("Das Zeugnis kann nicht nach der Einsichtnahme ausgestellt sein.")),
            field="issued_on",
        )
    years = current_app.config["CONDUCT_CERTIFICATE_VALID_YEARS"]
    valid_until = add_years(issued_on, years)
    if valid_until < today:
        raise ValidationFailed(
            str(_l("Dieses Führungszeugnis ist bereits abgelaufen.")), field="issued_on"
        )
    try:
        check = ConductCertificateCheck(
            volunteer=profile,
            issued_on=issued_on,
            seen_on=seen_on,
            seen_by_id=actor.id,
            valid_until=valid_until,
        )
        db.session.add(check)
        db.session.flush()
        _event(profile, VolunteerEventKind.CERTIFICATE_RECORDED, actor)
        audit.record(
            "volunteer.certificate_recorded",
            actor=actor,
            object_type="volunteer",
            object_id=profile.id,
            municipality_id=profile.home_municipality_id,
            issued_on=issued_on.isoformat(),
            seen_on=seen_on.isoformat(),
            valid_until=valid_until.isoformat(),
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return check


MISSING, VALID, EXPIRING, EXPIRED = "missing", "valid", "expiring", "expired"


@dataclass(frozen=True)
class CertificateState:
    kind: str
    valid_until: date | None = None

    @property
    def label(self) -> str:
        from flask_babel import format_date, gettext

        if self.kind == MISSING:
            return gettext("kein Führungszeugnis eingesehen")
        until = format_date(self.valid_until, "medium")
        if self.kind == EXPIRED:
            return gettext("abgelaufen am %(date)s", date=until)
        if self.kind == EXPIRING:
            return gettext("läuft bald ab: gültig bis %(date)s", date=until)
        return gettext("gültig bis %(date)s", date=until)

    @property
    def badge(self) -> str:
        return {VALID: "ok", EXPIRING: "warn", EXPIRED: "danger"}.get(self.kind, "")


def latest_valid_until(profile: VolunteerProfile) -> date | None:
    dates = [c.valid_until for c in profile.certificate_checks]
    return max(dates) if dates else None


def certificate_state(profile: VolunteerProfile, on_date: date | None = None) -> CertificateState:
    """missing / valid until … / expiring within 8 weeks / expired, from the latest check."""
    on_date = on_date or today_local()
    until = latest_valid_until(profile)
    if until is None:
        return CertificateState(MISSING)
    if until < on_date:
        return CertificateState(EXPIRED, until)
    if until <= on_date + timedelta(weeks=REMINDER_WEEKS):
        return CertificateState(EXPIRING, until)
    return CertificateState(VALID, until)


def may_work_with_minors(volunteer: VolunteerProfile | User, on_date: date) -> bool:
    """True when the volunteer is approved and a certificate of conduct inspected by the
    coordination covers ``on_date`` (issued on or before it, valid until on or after it)."""
    profile = volunteer if isinstance(volunteer, VolunteerProfile) else profile_of_user(volunteer)
    if profile is None or profile.status != VolunteerStatus.APPROVED:
        return False
    return any(c.issued_on <= on_date <= c.valid_until for c in profile.certificate_checks)


def profile_of_user(user: User) -> VolunteerProfile | None:
    return db.session.scalar(select(VolunteerProfile).where(VolunteerProfile.user_id == user.id))


def needs_certificate(profile: VolunteerProfile, on_date: date | None = None) -> bool:
    """Youth and family work needs a valid certificate: True when one should be brought."""
    if "youth_family" not in (profile.interests or []):
        return False
    return certificate_state(profile, on_date).kind in (MISSING, EXPIRED, EXPIRING)


# --- coordinators ---------------------------------------------------------------------------


def notify_coordinators_of_application(profile: VolunteerProfile) -> int:
    """E-mail the coordinators of the home municipality that an application waits for them
    (in each coordinator's language). The caller commits. Returns the number of e-mails."""
    coordinators = coordinators_of({profile.home_municipality_id}).get(
        profile.home_municipality_id, []
    )
    link = external_url("coordination.volunteer", volunteer_id=profile.id)
    for coordinator in coordinators:
        queue_email(
            coordinator.email,
            "volunteer_new_application",
            coordinator.locale,
            coordinator=coordinator,
            volunteer=profile.user,
            municipality=profile.home_municipality.name,
            link=link,
        )
    return len(coordinators)


def application_verified(user: User, **_extra: Any) -> None:
    """A volunteer who signed up has confirmed the address: now the town hall hears of it."""
    profile = profile_of_user(user)
    if profile is not None and profile.status == VolunteerStatus.PENDING:
        notify_coordinators_of_application(profile)


def coordinators_of(municipality_ids: set[int]) -> dict[int, list[User]]:
    """Active coordinators per municipality (direct or through the office), one query."""
    if not municipality_ids:
        return {}
    rows = db.session.execute(
        select(Municipality.id, User)
        .join(
            Membership,
            and_(
                Membership.role == Role.COORDINATOR,
                or_(
                    Membership.municipality_id == Municipality.id,
                    and_(
                        Membership.office_id.is_not(None),
                        Membership.office_id == Municipality.office_id,
                    ),
                ),
            ),
        )
        .join(User, User.id == Membership.user_id)
        .where(Municipality.id.in_(municipality_ids), User.active.is_(True))
        .order_by(User.display_name)
    ).all()
    result: dict[int, list[User]] = {}
    for mid, user in rows:
        if user not in result.setdefault(mid, []):
            result[mid].append(user)
    return result


# --- queries for the coordinator pages ------------------------------------------------------


def _scope(stmt: Select[Any], user: User) -> Select[Any]:
    ids = coordinated_municipality_ids(user)
    if ids is None:
        return stmt
    return stmt.where(VolunteerProfile.home_municipality_id.in_(ids or {-1}))


def _json_array_has(column: Any, item: Any, sqlite_expr: str, **params: Any) -> Any:
    """Portable "JSON array contains": jsonb containment on PostgreSQL, json_each on SQLite."""
    if db.engine.dialect.name == "postgresql":
        return cast(column, postgresql.JSONB).op("@>")(
            cast(literal(json.dumps([item]), String), postgresql.JSONB)
        )
    return text(sqlite_expr).bindparams(**params)


@dataclass
class QueueFilters:
    status: str = ""
    municipality_id: int | None = None
    language: str = ""
    interest: str = ""
    q: str = ""


def queue_statement(user: User, filters: QueueFilters) -> Select[Any]:
    """The coordinator's list of volunteers, scoped and filtered; oldest application first."""
    stmt = (
        select(VolunteerProfile)
        .join(User, User.id == VolunteerProfile.user_id)
        .options(
            joinedload(VolunteerProfile.user),
            joinedload(VolunteerProfile.home_municipality),
        )
        .order_by(VolunteerProfile.submitted_at, VolunteerProfile.id)
    )
    stmt = _scope(stmt, user)
    if filters.status in VolunteerStatus.ALL:
        stmt = stmt.where(VolunteerProfile.status == filters.status)
    if filters.municipality_id:
        stmt = stmt.where(VolunteerProfile.home_municipality_id == filters.municipality_id)
    if filters.language in LANGUAGES:
        stmt = stmt.where(
            _json_array_has(
                VolunteerProfile.languages,
                {"code": filters.language},
                "EXISTS (SELECT 1 FROM json_each(volunteer_profile.languages) AS j "
                "WHERE json_extract(j.value, '$.code') = :lang_code)",
                lang_code=filters.language,
            )
        )
    if filters.interest in INTERESTS:
        stmt = stmt.where(
            _json_array_has(
                VolunteerProfile.interests,
                filters.interest,
                "EXISTS (SELECT 1 FROM json_each(volunteer_profile.interests) AS j "
                "WHERE j.value = :interest_key)",
                interest_key=filters.interest,
            )
        )
    q = filters.q.strip()
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
    ids = coordinated_municipality_ids(user)
    stmt = select(Municipality).order_by(Municipality.name)
    if ids is not None:
        stmt = stmt.where(Municipality.id.in_(ids or {-1}))
    return list(db.session.scalars(stmt))


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
    counts_stmt = (
        select(Municipality.id, Municipality.name, VolunteerProfile.status, func.count())
        .join(VolunteerProfile, VolunteerProfile.home_municipality_id == Municipality.id)
        .group_by(Municipality.id, Municipality.name, VolunteerProfile.status)
        .order_by(Municipality.name)
    )
    if ids is not None:
        counts_stmt = counts_stmt.where(Municipality.id.in_(ids or {-1}))
    table: dict[int, dict[str, Any]] = {}
    if ids:
        for m in scoped_municipalities(user):
            table[m.id] = {"id": m.id, "name": m.name, **dict.fromkeys(VolunteerStatus.ALL, 0)}
    for mid, name, status, n in db.session.execute(counts_stmt):
        row = table.setdefault(
            mid, {"id": mid, "name": name, **dict.fromkeys(VolunteerStatus.ALL, 0)}
        )
        row[status] = n
    counts = sorted(table.values(), key=lambda r: r["name"])

    expiring_stmt = (
        select(ConductCertificateCheck, VolunteerProfile)
        .join(VolunteerProfile, VolunteerProfile.id == ConductCertificateCheck.volunteer_id)
        .options(joinedload(VolunteerProfile.user), joinedload(VolunteerProfile.home_municipality))
        .where(
            ConductCertificateCheck.valid_until >= today,
            ConductCertificateCheck.valid_until <= today + timedelta(weeks=REMINDER_WEEKS),
            VolunteerProfile.status.in_((VolunteerStatus.APPROVED, VolunteerStatus.SUSPENDED)),
            _latest_check_filter(),
        )
        .order_by(ConductCertificateCheck.valid_until)
        .limit(50)
    )
    expiring = [(c, p) for c, p in db.session.execute(_scope(expiring_stmt, user))]
    pending_stmt = (
        select(VolunteerProfile)
        .options(joinedload(VolunteerProfile.user), joinedload(VolunteerProfile.home_municipality))
        .where(VolunteerProfile.status == VolunteerStatus.PENDING)
        .order_by(VolunteerProfile.submitted_at, VolunteerProfile.id)
        .limit(limit)
    )
    oldest = list(db.session.scalars(_scope(pending_stmt, user)))
    return Overview(counts, expiring, oldest)


def status_overview(profile: VolunteerProfile) -> dict[str, Any]:
    """What the home page and the dashboard card show a volunteer."""
    contacts = coordinators_of({profile.home_municipality_id}).get(profile.home_municipality_id, [])
    info_request = None
    if profile.status == VolunteerStatus.PENDING:
        info_request = next(
            (e for e in profile.events if e.kind == VolunteerEventKind.INFO_REQUESTED),
            None,
        )
    return {
        "profile": profile,
        "status_label": label("volunteer_status", profile.status),
        "certificate": certificate_state(profile),
        "needs_certificate": profile.status == VolunteerStatus.APPROVED
        and needs_certificate(profile),
        "contacts": contacts,
        "info_request": info_request,
        "languages": LANGUAGES,
    }


def pending_count(user: User) -> int:
    stmt = select(func.count(VolunteerProfile.id)).where(
        VolunteerProfile.status == VolunteerStatus.PENDING
    )
    return db.session.scalar(_scope(stmt, user)) or 0


# --- the daily reminder ---------------------------------------------------------------------


def send_certificate_reminders(today: date | None = None) -> int:
    """E-mail volunteer and coordinators 8 weeks before a certificate expires, once.

    Returns the number of certificates reminded about. The marker is set with a
    compare-and-set, so two runs at once do not remind twice.
    """
    today = today or today_local()
    horizon = today + timedelta(weeks=REMINDER_WEEKS)
    due = list(
        db.session.scalars(
            select(ConductCertificateCheck)
            .join(VolunteerProfile, VolunteerProfile.id == ConductCertificateCheck.volunteer_id)
            .options(
                joinedload(ConductCertificateCheck.volunteer).joinedload(VolunteerProfile.user),
                joinedload(ConductCertificateCheck.volunteer).joinedload(
                    VolunteerProfile.home_municipality
                ),
            )
            .where(
                ConductCertificateCheck.reminder_sent_at.is_(None),
                ConductCertificateCheck.valid_until >= today,
                ConductCertificateCheck.valid_until <= horizon,
                VolunteerProfile.status.in_((VolunteerStatus.APPROVED, VolunteerStatus.SUSPENDED)),
                _latest_check_filter(),
            )
            .order_by(ConductCertificateCheck.id)
        )
    )
    if not due:
        db.session.commit()
        return 0
    coordinators = coordinators_of({c.volunteer.home_municipality_id for c in due})
    sent = 0
    for check in due:
        claimed = db.session.execute(
            update(ConductCertificateCheck)
            .where(
                ConductCertificateCheck.id == check.id,
                ConductCertificateCheck.reminder_sent_at.is_(None),
            )
            .values(reminder_sent_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            db.session.rollback()
            continue
        profile = check.volunteer
        volunteer = profile.user
        municipality = profile.home_municipality.name
        team = coordinators.get(profile.home_municipality_id, [])
        queue_email(
            volunteer.email,
            "volunteer_certificate_expiring",
            volunteer.locale,
            user=volunteer,
            valid_until=check.valid_until,
            municipality=municipality,
            coordinators=team,
            link=external_url("volunteers.home"),
        )
        for coordinator in team:
            queue_email(
                coordinator.email,
                "volunteer_certificate_expiring_coordinator",
                coordinator.locale,
                user=coordinator,
                volunteer=volunteer,
                valid_until=check.valid_until,
                municipality=municipality,
                link=external_url("coordination.volunteer", volunteer_id=profile.id),
            )
        _event(profile, VolunteerEventKind.CERTIFICATE_REMINDER, None)
        audit.record(
            "volunteer.certificate_reminder_sent",
            actor=None,
            object_type="volunteer",
            object_id=profile.id,
            municipality_id=profile.home_municipality_id,
            valid_until=check.valid_until.isoformat(),
            coordinators=len(team),
        )
        db.session.commit()
        sent += 1
    return sent
