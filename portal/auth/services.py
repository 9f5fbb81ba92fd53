"""Account rules: sign-up, verification, log-in, password reset and change, invitations.

Messages never reveal whether an address is registered: callers show the same answer either
way, and the services e-mail the address's owner instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.audit import services as audit
from portal.auth import tokens
from portal.auth.models import Membership, Role, User, new_session_token
from portal.auth.passwords import hash_password, needs_rehash, spend_hash_effort, verify_password
from portal.auth.signals import email_verified
from portal.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from portal.core.time import utcnow
from portal.core.transaction import read_only, unit_of_work
from portal.extensions import db
from portal.notifications.models import OutboundEmail
from portal.notifications.services import external_url, queue_email
from portal.security import refuse_own_account


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The account of an address in any case: addresses are stored lower-cased, so this is an
    equality on the unique index ``uq_user_email``."""
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(
    email: str,
    display_name: str,
    password: str | None = None,
    *,
    locale: str = "de",
    verified: bool = False,
) -> User:
    """Add a user to the session (caller commits). Raises Conflict if the e-mail is taken."""
    email = normalize_email(email)
    if find_user_by_email(email) is not None:
        raise Conflict(_("Diese E-Mail-Adresse ist bereits vergeben."), field="email")
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password) if password else None,
        locale=locale,
        email_verified_at=utcnow() if verified else None,
    )
    try:
        # A concurrent registration of the same address loses at the unique index: only this
        # savepoint is rolled back, and the caller gets the same message as above.
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_("Diese E-Mail-Adresse ist bereits vergeben."), field="email") from exc
    return user


def send_verification(user: User) -> None:
    token = tokens.make_token(tokens.VERIFY, uid=user.id, email=user.email)
    queue_email(
        user.email,
        "verify_email",
        user.locale,
        user=user,
        link=external_url("auth.verify_email", token=token),
    )


REGISTRATION_ATTEMPT_TEMPLATE = "already_registered"
REGISTRATION_ATTEMPT_MAIL_EVERY = timedelta(days=1)


def tell_owner_of_registration_attempt(existing: User) -> None:
    """Someone signed up with a registered address: tell its owner, reveal nothing to them.

    At most one such mail per address a day (the outbox is the memory: a stranger who signs
    up again and again with someone's address must not flood that inbox)."""
    since = utcnow() - REGISTRATION_ATTEMPT_MAIL_EVERY
    told = db.session.scalar(
        select(OutboundEmail.id)
        .where(
            OutboundEmail.recipient == existing.email,
            OutboundEmail.template == REGISTRATION_ATTEMPT_TEMPLATE,
            OutboundEmail.created_at > since,
        )
        .limit(1)
    )
    if told is not None:
        return
    queue_email(
        existing.email,
        REGISTRATION_ATTEMPT_TEMPLATE,
        existing.locale,
        user=existing,
        reset_link=external_url("auth.forgot_password"),
    )


@unit_of_work()
def sign_up(email: str, display_name: str, password: str, locale: str = "de") -> User | None:
    """Register an account and e-mail a verification link.

    If the address is registered already, the owner is told by e-mail instead and None is
    returned; the caller shows the same page in both cases.
    """
    existing = find_user_by_email(email)
    if existing is not None:
        spend_hash_effort(password)  # as long as hashing the new account's password
        tell_owner_of_registration_attempt(existing)
        return None
    user = create_user(email, display_name, password, locale=locale)
    send_verification(user)
    audit.record("user.signed_up", actor=user, object_type="user", object_id=user.id)
    return user


@unit_of_work()
def verify_email(token: str) -> User:
    data = tokens.read_token(tokens.VERIFY, token)
    user = db.session.get(User, data.get("uid"))
    if user is None or user.email != data.get("email"):
        raise tokens.TokenInvalid()
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit.record("user.email_verified", actor=user, object_type="user", object_id=user.id)
        email_verified.send(user)
    return user


@unit_of_work()
def resend_verification(email: str) -> None:
    user = find_user_by_email(email)
    if user is not None and user.email_verified_at is None and user.active:
        send_verification(user)


class LoginFailed(DomainError):
    status_code = 400


class EmailNotVerified(DomainError):
    status_code = 400


def authenticate(email: str, password: str) -> User:
    """Check credentials. One message for unknown address and wrong password, and the same
    work for both: the password is checked (or hashed) on every path.

    The check is a read: the password is hashed outside the write transaction (on SQLite a
    unit of work holds the database's write lock). The sign-in completes (last log-in, audit,
    a rehashed password) in `portal.auth.sessions.start`, after the second factor where one is
    needed.
    """
    with read_only():
        user = find_user_by_email(email)
        password_ok = verify_password(user.password_hash if user else None, password)
        if user is None or not password_ok or not user.active:
            raise LoginFailed(
                _("E-Mail-Adresse oder Passwort ist nicht richtig."), field="password"
            )
        if user.email_verified_at is None:
            raise EmailNotVerified(
                _(
                    "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse. "
                    "Wir haben Ihnen einen Link geschickt."
                )
            )
        stale = bool(user.password_hash and needs_rehash(user.password_hash))
    if stale:
        user.password_hash = hash_password(password)  # written when the sign-in completes
    return user


@unit_of_work()
def request_password_reset(email: str) -> None:
    """E-mail a single-use reset link if the address belongs to an active account."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    token = tokens.make_token(tokens.RESET, uid=user.id, st=user.session_token)
    queue_email(
        user.email,
        "reset_password",
        user.locale,
        user=user,
        link=external_url("auth.reset_password", token=token),
    )
    audit.record("user.password_reset_requested", actor=None, object_type="user", object_id=user.id)


def user_for_password_token(purpose: str, token: str) -> User:
    """The user a reset or invitation link belongs to; the link dies once a password is set."""
    data = tokens.read_token(purpose, token)
    user = db.session.get(User, data.get("uid"))
    if user is None or user.session_token != data.get("st") or not user.active:
        raise tokens.TokenInvalid()
    return user


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()


@unit_of_work()
def reset_password(token: str, password: str) -> User:
    user = user_for_password_token(tokens.RESET, token)
    _set_password(user, password)
    # Whoever can read the mailbox has verified it.
    user.email_verified_at = user.email_verified_at or utcnow()
    audit.record("user.password_reset", actor=user, object_type="user", object_id=user.id)
    return user


@unit_of_work()
def accept_invitation(token: str, password: str) -> User:
    user = user_for_password_token(tokens.INVITE, token)
    _set_password(user, password)
    user.email_verified_at = user.email_verified_at or utcnow()
    audit.record("user.invitation_accepted", actor=user, object_type="user", object_id=user.id)
    return user


@unit_of_work()
def change_password(user: User, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise ValidationFailed(
            _("Das aktuelle Passwort ist nicht richtig."), field="current_password"
        )
    _set_password(user, new_password)
    audit.record("user.password_changed", actor=user, object_type="user", object_id=user.id)


@unit_of_work()
def set_locale(user: User, locale: str) -> None:
    user.locale = locale


# --- staff accounts and roles -------------------------------------------------------------


def _check_scope(role: str, municipality_id: int | None, office_id: int | None) -> None:
    if not Role.has(role):
        raise ValidationFailed(_("Unbekannte Rolle."), field="role")
    if municipality_id and office_id:
        raise ValidationFailed(
            _("Bitte entweder eine Gemeinde oder eine Außenstelle wählen."), field="municipality_id"
        )
    if role == Role.COORDINATOR and not municipality_id:
        raise ValidationFailed(
            _("Eine Koordination gehört zu einer Gemeinde."), field="municipality_id"
        )
    if role == Role.OFFICE_LEAD and not office_id:
        raise ValidationFailed(
            _("Die Leitung der Außenstelle gehört zu einer Außenstelle."), field="office_id"
        )
    if role == Role.MANAGER and not (municipality_id or office_id):
        raise ValidationFailed(
            _("Integrationsmanagement braucht eine Gemeinde oder Außenstelle."), field="office_id"
        )


def grant_role(
    actor: User | None,
    user: User,
    role: str,
    municipality_id: int | None = None,
    office_id: int | None = None,
) -> Membership:
    """Give ``user`` a role (caller commits). Granting the same role twice is a Conflict;
    nobody grants themselves a role (``actor`` None: the command line, setting up)."""
    refuse_own_account(actor, user.id)
    _check_scope(role, municipality_id, office_id)
    for m in user.memberships:
        if (m.role, m.municipality_id, m.office_id) == (role, municipality_id, office_id):
            raise Conflict(_("Diese Rolle ist bereits vergeben."), field="role")
    membership = Membership(role=role, municipality_id=municipality_id, office_id=office_id)
    user.memberships.append(membership)
    db.session.flush()
    audit.record_about(
        "membership.granted", actor, user, municipality_id, role=role, office_id=office_id
    )
    return membership


@unit_of_work()
def revoke_role(actor: User, membership_id: int) -> None:
    membership = db.session.get(Membership, membership_id)
    if membership is None:
        raise NotFound(_("Diese Rolle gibt es nicht."))
    if membership.user_id == actor.id and membership.role == Role.ADMIN:
        raise ValidationFailed(_("Sie können sich die Administration nicht selbst entziehen."))
    refuse_own_account(actor, membership.user_id)
    audit.record(
        "membership.revoked",
        actor=actor,
        object_type="user",
        object_id=membership.user_id,
        municipality_id=membership.municipality_id,
        role=membership.role,
    )
    db.session.delete(membership)


@unit_of_work()
def invite_staff(
    actor: User,
    email: str,
    display_name: str,
    roles: Iterable[tuple[str, int | None, int | None]],
    locale: str = "de",
) -> User:
    """Create a staff account without password and e-mail an invitation link."""
    user = create_user(email, display_name, None, locale=locale)
    for role, municipality_id, office_id in roles:
        grant_role(actor, user, role, municipality_id, office_id)
    send_invitation(actor, user)
    return user


def send_invitation(actor: User | None, user: User) -> None:
    token = tokens.make_token(tokens.INVITE, uid=user.id, st=user.session_token)
    queue_email(
        user.email,
        "invitation",
        user.locale,
        user=user,
        inviter=actor,
        link=external_url("auth.accept_invitation", token=token),
    )
    audit.record("user.invited", actor=actor, object_type="user", object_id=user.id)


@unit_of_work()
def set_active(actor: User, user: User, active: bool) -> None:
    if user.id == actor.id and not active:
        raise ValidationFailed(_("Sie können Ihr eigenes Konto nicht sperren."))
    refuse_own_account(actor, user.id)
    user.active = active
    if not active:
        user.session_token = new_session_token()
    audit.record(
        "user.activated" if active else "user.deactivated",
        actor=actor,
        object_type="user",
        object_id=user.id,
    )
