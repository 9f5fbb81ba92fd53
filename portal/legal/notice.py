"""The privacy notice's versions and who acknowledged which.

``PRIVACY_NOTICE_VERSION`` names the version in force. Whoever signs in and last acknowledged
another version (or none: accounts made by an invitation) is shown the notice again and can do
nothing else but read the legal pages, change the language or log out until they acknowledge it
(`portal.auth.signin.check_request` asks `must_acknowledge`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.core.time import utcnow
from portal.core.transaction import unit_of_work


@dataclass(frozen=True)
class NoticeVersion:
    version: str
    published_on: date
    changes: Any  # a lazy string


#: Every version of the privacy notice, newest first. A new version gets a new entry here (and
#: its date) and PRIVACY_NOTICE_VERSION is set to it; the text of the notice changes with it.
HISTORY: tuple[NoticeVersion, ...] = (
    NoticeVersion(
        "2026-11",
        date(2026, 11, 29),
        _l(
            "Vollständige Informationen nach Art. 13 DSGVO: Rechtsgrundlagen je Zweck, "
            "Empfänger, Speicherfristen, Ihre Rechte."
        ),
    ),
)

#: Pages someone who has not yet acknowledged the current notice may still reach.
WHILE_UNACKNOWLEDGED = frozenset(
    {
        "legal.acknowledge",
        "core.privacy",
        "legal.imprint",
        "legal.accessibility",
        "legal.easy_read",
        "auth.session_ping",
    }
)


def current_version() -> str:
    return str(current_app.config["PRIVACY_NOTICE_VERSION"])


def current_entry() -> NoticeVersion | None:
    """The history entry of the version in force (None: a version the history does not know)."""
    return next((v for v in HISTORY if v.version == current_version()), None)


def must_acknowledge(user: Any) -> bool:
    return bool(user.is_authenticated) and user.privacy_version != current_version()


@unit_of_work()
def acknowledge(user: Any) -> None:
    """``user`` has read the notice in force."""
    user.privacy_version = current_version()
    user.privacy_acknowledged_at = utcnow()
    record(
        "privacy.acknowledged",
        actor=user,
        object_type="user",
        object_id=user.id,
        version=user.privacy_version,
    )
