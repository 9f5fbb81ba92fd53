"""Helpers for the account tests: the outbox as a mailbox, links in mails, CSRF tokens."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import Row, select

from portal.extensions import db
from portal.notifications.models import OutboundEmail

LINK = re.compile(r"https?://\S+")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def outbox(recipient: str | None = None, template: str | None = None) -> list[Row[Any]]:
    """Queued mails (rows with the outbox columns), oldest first, optionally filtered.

    Outside a transaction of the test's session the rows are read on a connection of its own
    that is closed at once, so that no transaction stays open (on SQLite that would block the
    writes of a live server in another thread).
    """
    table = OutboundEmail.__table__
    stmt = select(table).order_by(table.c.id)
    if recipient is not None:
        stmt = stmt.where(table.c.recipient == recipient)
    if template is not None:
        stmt = stmt.where(table.c.template == template)
    if db.session().in_transaction():
        return list(db.session.execute(stmt))
    with db.engine.connect() as conn:
        return list(conn.execute(stmt))


def links_in(mail: Any) -> list[str]:
    return LINK.findall(mail.body_text)


def path_of(url: str) -> str:
    """The path (and query) of an absolute link, for the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def link_to(mail: Any, fragment: str) -> str:
    """The path of the first link in ``mail`` containing ``fragment``."""
    for url in links_in(mail):
        if fragment in url:
            return path_of(url)
    raise AssertionError(f"no link with {fragment!r} in {mail.body_text!r}")


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a rendered form."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF.search(html)
    assert match, f"no csrf_token on {path}"
    return match.group(1)


def old_token(purpose: str, age_seconds: int, **data: Any) -> str:
    """A correctly signed token created ``age_seconds`` ago (for expiry tests)."""

    class OldSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age_seconds

    serializer = URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=purpose, signer=OldSigner
    )
    return serializer.dumps(data)


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def without_csrf(html: str) -> str:
    """A page without its forms' CSRF tokens (signed with the time in seconds: the same page a
    second later differs only there)."""
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", html)
