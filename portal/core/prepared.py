"""PostgreSQL: keep psycopg's prepared statements from one request to the next.

psycopg prepares a statement on the server once it has run a few times on a connection, so that
PostgreSQL plans it once (planning the board's page statement costs more than running it). But
psycopg forgets every prepared statement at a ROLLBACK, and every request ends with one (the
session's close, the pool's reset on return), so nothing was ever prepared.

A transaction that ran nothing but SELECTs ends the same with COMMIT as with ROLLBACK; those
end with COMMIT. Any other statement (a write, a SET, DDL) and any failed transaction still roll
back. Code that writes through the driver's own cursor (COPY) calls `note_raw_write`.
"""

from __future__ import annotations

from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Engine

WROTE = "portal_wrote"


def note_raw_write(driver_connection: Any) -> None:
    """The transaction on this psycopg connection wrote outside SQLAlchemy: roll it back."""
    setattr(driver_connection, WROTE, True)


def keep_prepared_statements(engine: Engine) -> None:
    dialect = engine.dialect
    rollback = dialect.do_rollback

    @event.listens_for(engine, "before_cursor_execute")
    def note_writes(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip()[:6].upper() != "SELECT":
            note_raw_write(cursor.connection)

    @event.listens_for(engine, "commit")
    def forget_writes(conn: Any) -> None:
        setattr(conn.connection.dbapi_connection, WROTE, False)

    def do_rollback(dbapi_connection: Any) -> None:
        raw = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
        wrote = getattr(raw, WROTE, True)  # a connection not seen yet: roll back
        setattr(raw, WROTE, False)
        if not wrote and raw.info.transaction_status == TransactionStatus.INTRANS:
            raw.commit()  # only read: ends it as a rollback would, keeps prepared statements
        else:
            rollback(dbapi_connection)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]
