"""The second factor at sign-in (OWASP ASVS 4.0.3, 2.8): time-based one-time passwords (TOTP,
RFC 6238) from an authenticator app, ten one-time recovery codes, and remembered devices.

Rules:
- Enrolment shows the secret (QR code and text) and is confirmed with a first code.
- A TOTP code is accepted in its 30-second step and the neighbouring ones, and only once: the
  step of the last code used is stored and must grow (compare-and-set, also under races).
- Recovery codes are random (about 79 bits), stored as SHA-256 digests, each used once.
- A remembered device skips the second factor for at most 30 days; its cookie is signed and its
  secret's digest stored, so forgetting devices (or an admin's reset) revokes it at once.
- Which roles must use it: the admins' rule per role (`TwoFactorPolicy`), else the setting
  TWO_FACTOR_REQUIRED_ROLES. Volunteers may always turn it on.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

import pyotp
import segno
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup
from sqlalchemy import delete, func, or_, select, update

from portal.audit import services as audit
from portal.auth.models import Role, User
from portal.auth.security_models import (
    RecoveryCode,
    TotpCredential,
    TrustedDevice,
    TwoFactorPolicy,
)
from portal.auth.sessions import digest
from portal.core.errors import Conflict, DomainError, NotAllowed
from portal.core.time import utcnow
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.security import refuse_own_account

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
MAX_TRUSTED_DAYS = 30
DEVICE_COOKIE = "portal_device"
TOTP = "totp"
RECOVERY = "recovery"


class SecondFactorFailed(DomainError):
    status_code = 400


def _wrong_code() -> SecondFactorFailed:
    return SecondFactorFailed(_("Dieser Code stimmt nicht."), field="code")


# --- which roles need it ----------------------------------------------------------------------


def policy() -> dict[str, bool]:
    """Per role whether a second factor is required (the admins' rule, else the setting)."""
    default = set(current_app.config["TWO_FACTOR_REQUIRED_ROLES"])
    rules = {row.role: row.required for row in db.session.scalars(select(TwoFactorPolicy))}
    return {role: rules.get(role, role in default) for role in Role}


def is_required(user: User) -> bool:
    required = {role for role, needed in policy().items() if needed}
    return bool(user.roles & required)


@unit_of_work()
def set_policy(actor: User, required: dict[str, bool]) -> None:
    """Admins decide per role; every change is audited."""
    current = policy()
    for role in Role:
        if role not in required or required[role] == current[role]:
            continue
        row = db.session.get(TwoFactorPolicy, role) or TwoFactorPolicy(role=role)
        row.required, row.changed_at, row.changed_by_id = required[role], utcnow(), actor.id
        db.session.add(row)
        audit.record(
            "two_factor.policy_changed",
            actor=actor,
            object_type="role",
            role=role,
            required=required[role],
        )


# --- enrolment --------------------------------------------------------------------------------


def credential(user: User) -> TotpCredential | None:
    return db.session.scalar(select(TotpCredential).where(TotpCredential.user_id == user.id))


def is_enabled(user: User) -> bool:
    found = credential(user)
    return found is not None and found.confirmed_at is not None


def must_enrol(user: User) -> bool:
    return is_required(user) and not is_enabled(user)


def provisioning_uri(user: User, secret: str) -> str:
    issuer = current_app.config["TWO_FACTOR_ISSUER"]
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_code(uri: str) -> Markup:
    """The QR code as inline SVG markup (no script, no style attribute: fits the CSP)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=4, dark="#000", light="#fff")
    return Markup(svg.replace("<svg ", '<svg role="img" aria-hidden="true" ', 1))  # noqa: S704


@unit_of_work()
def begin_enrolment(user: User) -> TotpCredential:
    """A new secret for the authenticator app, unconfirmed until the first code matches."""
    found = credential(user)
    if found is not None and found.confirmed_at is not None:
        raise Conflict(_("Die Zwei-Faktor-Anmeldung ist bereits eingerichtet."))
    if found is None:
        found = TotpCredential(user_id=user.id)
        db.session.add(found)
    found.secret, found.created_at, found.last_counter = pyotp.random_base32(), utcnow(), None
    return found


@unit_of_work()
def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn the second factor on with a first matching code; returns the recovery codes (shown
    once, stored only as digests)."""
    found = credential(user)
    if found is None or found.confirmed_at is not None:
        raise Conflict(_("Bitte beginnen Sie die Einrichtung neu."))
    counter = _matching_step(found.secret, code, None)
    if counter is None:
        raise _wrong_code()
    found.confirmed_at, found.last_counter = utcnow(), counter
    audit.record("user.two_factor_enabled", actor=user, object_type="user", object_id=user.id)
    return _new_recovery_codes(user)


# --- checking a code --------------------------------------------------------------------------


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())[:64]


def _matching_step(secret: str, code: str, last: int | None) -> int | None:
    """The time step (of the current one and its neighbours) whose code is ``code``, if it
    is later than ``last``."""
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(time.time())
    for step in (now - 1, now, now + 1):
        if (last is None or step > last) and pyotp.utils.strings_equal(
            totp.generate_otp(step), code
        ):
            return step
    return None


@unit_of_work()
def verify(user: User, code: str) -> str:
    """Check a TOTP or recovery code of ``user``; returns which kind it was. A code counts once:
    two sign-ins racing with the same code cannot both win."""
    found = credential(user)
    if found is None or found.confirmed_at is None:
        raise _wrong_code()
    step = _matching_step(found.secret, code, found.last_counter)
    if step is not None:
        claimed = db.session.execute(
            update(TotpCredential)
            .where(
                TotpCredential.id == found.id,
                or_(TotpCredential.last_counter.is_(None), TotpCredential.last_counter < step),
            )
            .values(last_counter=step)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            return TOTP
        raise _wrong_code()
    if _use_recovery_code(user, code):
        return RECOVERY
    raise _wrong_code()


def _use_recovery_code(user: User, code: str) -> bool:
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == digest(_normalise(code)),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        return False
    audit.record(
        "user.recovery_code_used",
        actor=user,
        object_type="user",
        object_id=user.id,
        remaining=remaining_recovery_codes(user),
    )
    return True


# --- recovery codes ---------------------------------------------------------------------------


def _recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=digest(_normalise(c))) for c in codes
    )
    return codes


def remaining_recovery_codes(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


@unit_of_work()
def renew_recovery_codes(user: User, code: str) -> list[str]:
    """Ten new codes in place of the old ones, confirmed with a current code."""
    verify(user, code)
    audit.record("user.recovery_codes_renewed", actor=user, object_type="user", object_id=user.id)
    return _new_recovery_codes(user)


# --- remembered devices -----------------------------------------------------------------------


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="trusted-device")


def trusted_days() -> int:
    return max(1, min(int(current_app.config["TRUSTED_DEVICE_DAYS"]), MAX_TRUSTED_DAYS))


@unit_of_work()
def trust_device(user: User) -> str:
    """Remember this browser for the second factor; returns the signed cookie value."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.execute(
        delete(TrustedDevice).where(
            TrustedDevice.user_id == user.id, TrustedDevice.expires_at <= now
        )
    )
    expires = now + timedelta(days=trusted_days())
    db.session.add(TrustedDevice(user_id=user.id, token_hash=digest(secret), expires_at=expires))
    return _device_serializer().dumps({"uid": user.id, "secret": secret})


def device_is_trusted(user: User, cookie: str | None) -> bool:
    if not cookie or len(cookie) > 512:
        return False
    try:
        data = _device_serializer().loads(cookie, max_age=trusted_days() * 86400)
    except BadSignature:
        return False
    if not isinstance(data, dict) or data.get("uid") != user.id:
        return False
    expires_at = db.session.scalar(
        select(TrustedDevice.expires_at).where(
            TrustedDevice.user_id == user.id,
            TrustedDevice.token_hash == digest(str(data.get("secret"))),
        )
    )
    return expires_at is not None and expires_at > utcnow()


def trusted_devices(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(TrustedDevice)
            .where(TrustedDevice.user_id == user.id, TrustedDevice.expires_at > utcnow())
        )
        or 0
    )


def _forget_devices(user: User) -> None:
    db.session.execute(delete(TrustedDevice).where(TrustedDevice.user_id == user.id))


@unit_of_work()
def forget_devices(user: User) -> None:
    _forget_devices(user)
    audit.record(
        "user.trusted_devices_forgotten", actor=user, object_type="user", object_id=user.id
    )


# --- turning it off ---------------------------------------------------------------------------


def _remove(user: User) -> None:
    db.session.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    _forget_devices(user)


@unit_of_work()
def disable(user: User, code: str) -> None:
    """The user turns the second factor off (with a current code), unless their role needs it."""
    if is_required(user):
        raise NotAllowed(_("Für Ihre Rolle ist die Zwei-Faktor-Anmeldung vorgeschrieben."))
    verify(user, code)
    _remove(user)
    audit.record("user.two_factor_disabled", actor=user, object_type="user", object_id=user.id)


@unit_of_work()
def reset_for(actor: User, user: User) -> None:
    """An admin resets a user's second factor (lost phone): the user enrols again at the next
    sign-in if their role needs it. Never one's own."""
    refuse_own_account(actor, user.id)
    _remove(user)
    audit.record("user.two_factor_reset", actor=actor, object_type="user", object_id=user.id)
