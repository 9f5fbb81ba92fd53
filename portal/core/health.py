"""The health check's question to the database."""

from __future__ import annotations

from sqlalchemy import text

from portal.core.transaction import read_only
from portal.extensions import db


def database_problem() -> str | None:
    """None when the database answers, else the kind of error (its class name, never its
    message: that may contain the connection string)."""
    try:
        with read_only():
            db.session.execute(text("SELECT 1"))
    except Exception as exc:
        return type(exc).__name__
    return None
