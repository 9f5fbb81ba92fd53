"""Settings, read from the environment.

`PORTAL_ENV` selects the profile: ``development`` (default), ``testing`` or ``production``;
any other value (``Production``, ``prod``) refuses to start. Production refuses to start without
a real ``SECRET_KEY``, ``DATABASE_URL`` and ``PUBLIC_BASE_URL``, and answers only requests for the
host of ``PUBLIC_BASE_URL`` (or ``TRUSTED_HOSTS``).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROFILES = ("development", "testing", "production")
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production
POSTGRESQL_OPTIONS = "-c max_parallel_workers_per_gather=0"
"""Settings of every PostgreSQL connection the portal opens: no parallel workers. A page's
statements read a bounded number of rows; a parallel plan of one (which PostgreSQL may choose
for a walk of a covering index it expects to be long) starts worker processes that cost more
than the statement (10 ms and more per board at 200,000 needs), and the app servers' workers
keep the cores busy anyway."""


class ConfigError(RuntimeError):
    """The settings do not allow a safe start."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str | None) -> list[str] | None:
    """A comma-separated setting; unset or empty is None."""
    items = [item.strip() for item in (value or "").split(",") if item.strip()]
    return items or None


def postgresql_options(statement_timeout_ms: int = 0) -> str:
    """`POSTGRESQL_OPTIONS`, and a statement timeout when one is set (milliseconds, 0: none)."""
    if not statement_timeout_ms:
        return POSTGRESQL_OPTIONS
    return f"{POSTGRESQL_OPTIONS} -c statement_timeout={statement_timeout_ms}"


def _milliseconds(name: str, value: str | None) -> int:
    """A duration setting in whole milliseconds; unset or empty is 0."""
    try:
        number = int(value or "0")
    except ValueError:
        number = -1
    if not 0 <= number <= 24 * 3600 * 1000:
        raise ConfigError(f"{name}={value!r} is not a number of milliseconds (0 to one day).")
    return number


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment plus explicit overrides."""
    env = os.environ
    overrides = dict(overrides or {})
    portal_env = overrides.get("PORTAL_ENV") or env.get("PORTAL_ENV") or "development"
    if portal_env not in PROFILES:
        raise ConfigError(
            f"PORTAL_ENV={portal_env!r} is not a known profile; use one of: {', '.join(PROFILES)}."
        )
    default_db = "sqlite:///" + str(Path(instance_path) / "portal.db")
    database_url = str(
        overrides.get("SQLALCHEMY_DATABASE_URI") or env.get("DATABASE_URL") or default_db
    )
    cfg: dict[str, Any] = {
        "PORTAL_ENV": portal_env,
        "SECRET_KEY": env.get("SECRET_KEY") or DEV_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or default_db,
        # hide_parameters: database errors (and their log records) never show the values of a
        # statement, which may be e-mail addresses, names or tokens. PostgreSQL pings only
        # connections that rested in the pool (portal.core.postgresql.ping_idle_connections)
        # and plans without parallel workers (`POSTGRESQL_OPTIONS`); a statement that runs
        # longer than DATABASE_STATEMENT_TIMEOUT_MS is cancelled (gunicorn.conf.py sets it for
        # the app servers, below the worker timeout: a worker killed mid-statement would leave
        # PostgreSQL running the statement on; the CLI's jobs and migrations run unbounded).
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": not database_url.startswith("postgresql"),
            "hide_parameters": True,
            **(
                {
                    "connect_args": {
                        "options": postgresql_options(
                            _milliseconds(
                                "DATABASE_STATEMENT_TIMEOUT_MS",
                                env.get("DATABASE_STATEMENT_TIMEOUT_MS"),
                            )
                        )
                    }
                }
                if database_url.startswith("postgresql")
                else {}
            ),
        },
        # An explicit database: DATABASE_URL in the environment or a URI passed to create_app.
        "DATABASE_URL_SET": bool(
            env.get("DATABASE_URL") or overrides.get("SQLALCHEMY_DATABASE_URI")
        ),
        # Sessions and cookies
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": portal_env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": portal_env == "production",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # A sign-in lasts at most this long with "stay signed in" (volunteers only), else as
        # long as PERMANENT_SESSION_LIFETIME; logging out ends it on the server at once.
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        # Staff (coordinators, managers, admins) are signed out after this idle time.
        "STAFF_IDLE_MINUTES": float(env.get("STAFF_IDLE_MINUTES", "30")),
        # Second factor: required for these roles unless an admin decides otherwise per role.
        "TWO_FACTOR_REQUIRED_ROLES": tuple(
            _list(env.get("TWO_FACTOR_REQUIRED_ROLES", "coordinator,manager,admin")) or ()
        ),
        "TWO_FACTOR_ISSUER": env.get("TWO_FACTOR_ISSUER", "Ehrenamtsportal Landkreis Rastatt"),
        # A remembered device skips the second factor for this many days (at most 30).
        "TRUSTED_DEVICE_DAYS": int(env.get("TRUSTED_DEVICE_DAYS", "30")),
        "WTF_CSRF_TIME_LIMIT": None,  # token lives as long as the session
        # Mail
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get(
            "MAIL_DEFAULT_SENDER", "Ehrenamtsportal <noreply@ehrenamtsportal.example>"
        ),
        # The outbox decides whether mail goes out (MAIL_SERVER set or not); Flask-Mail's own
        # switch would otherwise silently swallow every message whenever TESTING is on.
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", "30")),
        "OUTBOX_MAX_ATTEMPTS": int(env.get("OUTBOX_MAX_ATTEMPTS", "8")),
        # Public address of every link that leaves the site (e-mails, calendar feeds), never the
        # request's Host header; production requires it.
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL") or None,
        # Host names the app answers (others get 400); production: PUBLIC_BASE_URL's host.
        "TRUSTED_HOSTS": _list(env.get("TRUSTED_HOSTS")),
        # Request bodies larger than this are refused with 413 (bytes; default 1 MB).
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", str(1024 * 1024))),
        # HSTS max-age in seconds, sent in production only.
        "HSTS_MAX_AGE": int(env.get("HSTS_MAX_AGE", str(365 * 24 * 3600))),
        # SQLite: how long a writer waits for the write lock (milliseconds).
        "SQLITE_BUSY_TIMEOUT_MS": int(env.get("SQLITE_BUSY_TIMEOUT_MS", "15000")),
        # Tokens
        "EMAIL_VERIFY_MAX_AGE": int(env.get("EMAIL_VERIFY_MAX_AGE", str(48 * 3600))),
        "PASSWORD_RESET_MAX_AGE": int(env.get("PASSWORD_RESET_MAX_AGE", str(2 * 3600))),
        "INVITATION_MAX_AGE": int(env.get("INVITATION_MAX_AGE", str(7 * 24 * 3600))),
        # How long the e-mailed link that confirms a volunteer's own account erasure works.
        # one-click unsubscribe links in mails stay valid this long (default two years)
        "UNSUBSCRIBE_MAX_AGE": int(env.get("UNSUBSCRIBE_MAX_AGE", str(2 * 365 * 24 * 3600))),
        # announcements one person may send per day (counted in the service)
        "ANNOUNCEMENTS_PER_DAY": int(env.get("ANNOUNCEMENTS_PER_DAY", "3")),
        "ERASURE_CONFIRM_MAX_AGE": int(env.get("ERASURE_CONFIRM_MAX_AGE", str(48 * 3600))),
        # Rate limits (Flask-Limiter). Memory by default, Redis when REDIS_URL is set.
        "REDIS_URL": env.get("REDIS_URL") or None,
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Number of reverse proxies (load balancer) in front of the app whose X-Forwarded-For
        # and X-Forwarded-Proto are trusted; 0 = none (the client address is the peer's).
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        # Redis unreachable: keep limiting per process in memory instead of answering 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_LOGIN": env.get("RATELIMIT_LOGIN", "10 per minute;50 per hour"),
        "RATELIMIT_RESET": env.get("RATELIMIT_RESET", "5 per minute;20 per hour"),
        # Feedback on the accessibility statement (e-mails the admins and the sender).
        "RATELIMIT_FEEDBACK": env.get("RATELIMIT_FEEDBACK", "3 per minute;10 per hour"),
        # i18n
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "LANGUAGES": ("de", "en"),  # their names: the registry's "ui_language"
        # The pages anyone reaches without logging in (portal.i18n.public_page) also speak the
        # languages of the people the county's integration management serves; their names:
        # the registry's "public_language". The first two must be LANGUAGES.
        "PUBLIC_LANGUAGES": ("de", "en", "ar", "fa", "uk", "tr"),
        # Domain settings
        "COUNTY_REFERENCE_PREFIX": env.get("COUNTY_REFERENCE_PREFIX", "RA"),
        "CONDUCT_CERTIFICATE_VALID_YEARS": int(env.get("CONDUCT_CERTIFICATE_VALID_YEARS", "5")),
        # Upcoming tasks one volunteer may hold at once (claimed, appointment or weekly series
        # not over): no one can take a municipality's tasks for themselves, and a volunteer's
        # pages read a bounded number of claims.
        "ACTIVE_CLAIMS_LIMIT": int(env.get("ACTIVE_CLAIMS_LIMIT", "20")),
        "PRIVACY_NOTICE_VERSION": env.get("PRIVACY_NOTICE_VERSION", "2026-11"),
        # Who runs the portal (header, legal pages, PDFs, e-mails). The defaults are the demo
        # county's; a real deployment sets every one of them.
        "OPERATOR_NAME": env.get("OPERATOR_NAME", "Landratsamt Rastatt"),
        "OPERATOR_REGION": env.get("OPERATOR_REGION", "Landkreis Rastatt"),
        "OPERATOR_UNIT": env.get(
            "OPERATOR_UNIT", "Amt für Migration und Integration – Integrationsmanagement"
        ),
        "OPERATOR_ADDRESS": env.get("OPERATOR_ADDRESS", "Am Schlossplatz 5, 76437 Rastatt"),
        "OPERATOR_PHONE": env.get("OPERATOR_PHONE", "07222 381-0"),
        "OPERATOR_EMAIL": env.get("OPERATOR_EMAIL", "integration@landkreis-rastatt.example"),
        "OPERATOR_WEBSITE": env.get("OPERATOR_WEBSITE", "https://www.landkreis-rastatt.example"),
        "OPERATOR_REPRESENTATIVE": env.get("OPERATOR_REPRESENTATIVE", "Der Landrat (Demo)"),
        # Path below static/ of the logo or coat of arms shown in the header.
        "OPERATOR_LOGO": env.get("OPERATOR_LOGO", "img/operator-logo.svg"),
        "DPO_NAME": env.get("DPO_NAME", "Datenschutzbeauftragte des Landratsamts Rastatt"),
        "DPO_ADDRESS": env.get("DPO_ADDRESS", "Am Schlossplatz 5, 76437 Rastatt"),
        "DPO_EMAIL": env.get("DPO_EMAIL", "datenschutz@landkreis-rastatt.example"),
        "DPO_PHONE": env.get("DPO_PHONE", "07222 381-0"),
        "SUPERVISORY_AUTHORITY": env.get(
            "SUPERVISORY_AUTHORITY",
            "Der Landesbeauftragte für den Datenschutz und die Informationsfreiheit "
            "Baden-Württemberg, Lautenschlagerstraße 20, 70173 Stuttgart",
        ),
        # Enforcement body (Ombudsstelle) named in the accessibility statement.
        "ACCESSIBILITY_ENFORCEMENT_BODY": env.get(
            "ACCESSIBILITY_ENFORCEMENT_BODY",
            "Landes-Behindertenbeauftragte Baden-Württemberg",
        ),
        "ACCESSIBILITY_ENFORCEMENT_ADDRESS": env.get(
            "ACCESSIBILITY_ENFORCEMENT_ADDRESS",
            "Else-Josenhans-Straße 6, 70173 Stuttgart",
        ),
        # Shown when set (the body's current e-mail address and web site).
        "ACCESSIBILITY_ENFORCEMENT_EMAIL": env.get("ACCESSIBILITY_ENFORCEMENT_EMAIL", ""),
        "ACCESSIBILITY_ENFORCEMENT_WEBSITE": env.get("ACCESSIBILITY_ENFORCEMENT_WEBSITE", ""),
        # Date of the accessibility statement (ISO); renew it after each review of the portal.
        "ACCESSIBILITY_STATEMENT_DATE": env.get("ACCESSIBILITY_STATEMENT_DATE", "2026-11-29"),
        # Retention (`flask retention run`, daily). The privacy notice states these periods.
        "RETENTION_CLOSED_CLIENT_YEARS": int(env.get("RETENTION_CLOSED_CLIENT_YEARS", "3")),
        "RETENTION_INACTIVE_VOLUNTEER_MONTHS": int(
            env.get("RETENTION_INACTIVE_VOLUNTEER_MONTHS", "24")
        ),
        # Days between the warning e-mail to an inactive volunteer and the erasure.
        "RETENTION_INACTIVE_WARNING_DAYS": int(env.get("RETENTION_INACTIVE_WARNING_DAYS", "30")),
        "RETENTION_SENT_MAIL_DAYS": int(env.get("RETENTION_SENT_MAIL_DAYS", "90")),
        "RETENTION_AUDIT_YEARS": int(env.get("RETENTION_AUDIT_YEARS", "6")),
        # messages on a task, counted from the task's completion or cancellation
        "RETENTION_CONVERSATION_MONTHS": int(env.get("RETENTION_CONVERSATION_MONTHS", "12")),
        "RETENTION_ANNOUNCEMENT_MONTHS": int(env.get("RETENTION_ANNOUNCEMENT_MONTHS", "24")),
        "PER_PAGE": 25,
        "DEMO_PASSWORDS": portal_env == "development",
        # Minimal Argon2id cost: for the test suite only, never honoured in production.
        "PASSWORD_HASH_CHEAP": False,
    }
    if portal_env == "testing":
        cfg.update({"TESTING": True, "RATELIMIT_ENABLED": False})
    if "REDIS_URL" in overrides and "RATELIMIT_STORAGE_URI" not in overrides:
        cfg["RATELIMIT_STORAGE_URI"] = overrides["REDIS_URL"] or "memory://"
    cfg.update(overrides)
    if cfg["PORTAL_ENV"] not in PROFILES:
        raise ConfigError(f"PORTAL_ENV={cfg['PORTAL_ENV']!r} is not a known profile.")
    if cfg["PORTAL_ENV"] == "production":
        _check_production(cfg)
    elif not cfg.get("PUBLIC_BASE_URL"):
        cfg["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
    return cfg


def _check_production(cfg: dict[str, Any]) -> None:
    key = cfg.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(key) < 32:
        raise ConfigError("PORTAL_ENV=production needs SECRET_KEY (at least 32 random characters).")
    if not cfg.get("DATABASE_URL_SET"):
        raise ConfigError("PORTAL_ENV=production needs DATABASE_URL.")
    base = urlsplit(cfg.get("PUBLIC_BASE_URL") or "")
    if base.scheme not in ("http", "https") or not base.hostname:
        raise ConfigError(
            "PORTAL_ENV=production needs PUBLIC_BASE_URL (e.g. https://ehrenamt.example.org)."
        )
    if not cfg.get("TRUSTED_HOSTS"):
        cfg["TRUSTED_HOSTS"] = [base.hostname]
    cfg["DEMO_PASSWORDS"] = False
    cfg["PASSWORD_HASH_CHEAP"] = False
