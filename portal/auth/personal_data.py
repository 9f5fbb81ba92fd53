"""What the accounts domain holds about a person, for the self-service data export: the
account, the roles, the sign-in sessions and the second factor's metadata. Never a password
hash, a TOTP secret, a recovery code or a token digest."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth.models import User
from portal.auth.security_models import LoginSession, RecoveryCode, TotpCredential, TrustedDevice
from portal.core.personal_data import Field, Part
from portal.extensions import db


def _account(user: User) -> Part:
    return Part(
        "account",
        _("Konto"),
        [
            Field("id", _("Kontonummer")),
            Field("email", _("E-Mail-Adresse")),
            Field("display_name", _("Name")),
            Field("locale", _("Sprache der Oberfläche"), "ui_language"),
            Field("email_verified_at", _("E-Mail-Adresse bestätigt am")),
            Field("account_active", _("Konto aktiv")),
            Field("created_at", _("Angelegt am")),
            Field("last_login_at", _("Letzte Anmeldung")),
            Field("unread_messages", _("Ungelesene Nachrichten")),
        ],
        [
            {
                "id": user.id,
                "email": user.email,
                "display_name": user.display_name,
                "locale": user.locale,
                "email_verified_at": user.email_verified_at,
                "account_active": user.active,
                "created_at": user.created_at,
                "last_login_at": user.last_login_at,
                "unread_messages": user.unread_messages,
            }
        ],
        single=True,
    )


def _memberships(user: User) -> Part:
    return Part(
        "memberships",
        _("Rollen"),
        [
            Field("role", _("Rolle"), "role"),
            Field("municipality", _("Gemeinde")),
            Field("office", _("Geschäftsstelle")),
            Field("created_at", _("Seit")),
        ],
        [
            {
                "role": m.role,
                "municipality": m.municipality.name if m.municipality else None,
                "office": m.office.name if m.office else None,
                "created_at": m.created_at,
            }
            for m in sorted(user.memberships, key=lambda m: m.id)
        ],
    )


def _sessions(user: User) -> Part:
    rows = db.session.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id).order_by(LoginSession.id)
    )
    return Part(
        "sign_in_sessions",
        _("Angemeldete Browser"),
        [
            Field("created_at", _("Angemeldet am")),
            Field("expires_at", _("Gültig bis")),
            Field("remember", _("Angemeldet bleiben")),
        ],
        [
            {"created_at": s.created_at, "expires_at": s.expires_at, "remember": s.remember}
            for s in rows
        ],
    )


def _two_factor(user: User) -> list[Part]:
    totp = db.session.scalar(select(TotpCredential).where(TotpCredential.user_id == user.id))
    codes = list(db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)))
    devices = db.session.scalars(
        select(TrustedDevice).where(TrustedDevice.user_id == user.id).order_by(TrustedDevice.id)
    )
    summary = Part(
        "two_factor",
        _("Zwei-Faktor-Anmeldung"),
        [
            Field("enabled", _("eingeschaltet")),
            Field("confirmed_at", _("Eingerichtet am")),
            Field("recovery_codes_unused", _("Unbenutzte Wiederherstellungscodes")),
            Field("recovery_codes_used", _("Benutzte Wiederherstellungscodes")),
        ],
        [
            {
                "enabled": bool(totp and totp.confirmed_at),
                "confirmed_at": totp.confirmed_at if totp else None,
                "recovery_codes_unused": sum(1 for c in codes if c.used_at is None),
                "recovery_codes_used": sum(1 for c in codes if c.used_at is not None),
            }
        ],
        single=True,
    )
    trusted = Part(
        "trusted_devices",
        _("Gemerkte Geräte"),
        [Field("created_at", _("Gemerkt am")), Field("expires_at", _("Gültig bis"))],
        [{"created_at": d.created_at, "expires_at": d.expires_at} for d in devices],
    )
    return [summary, trusted]


def collect(user: User) -> list[Part]:
    return [_account(user), _memberships(user), _sessions(user), *_two_factor(user)]
