"""How the portal uses its PostgreSQL connections: psycopg's prepared statements kept from one
request to the next, page views reading without BEGIN and COMMIT, pings only for connections that
rested.

psycopg prepares a statement on the server once it has run a few times on a connection, so that
PostgreSQL plans it once (planning the board's page statement costs more than running it). But
psycopg forgets every prepared statement at a ROLLBACK, and every request ends with one (the
session's close, the pool's reset on return), so nothing was ever prepared.

A transaction that ran nothing but SELECTs ends the same with COMMIT as with ROLLBACK; those
end with COMMIT. Any other statement (a write, a SET, DDL) and any failed transaction still roll
back. A statement that begins with WITH reads when none of its parts inserts, updates, deletes
or merges (`reads_only`). Code that writes through the driver's own cursor (COPY) calls
`note_raw_write`.

psycopg also rewrites a statement's ``%(name)s`` placeholders as PostgreSQL's ``$1`` before every
run, and keeps the result only for short statements (4 KB, 50 parameters: its cache was made to
keep huge one-off statements out of memory). The board's page statement is 15 KB with 86
parameters, built once per filter shape and run on every page, and rewriting it cost 0.3 ms of
a request's CPU; `keep_prepared_statements` raises those limits. The cache stays an LRU of 128
statements, so it holds at most 128 x QUERY_CACHE_LENGTH bytes per process.

A page view that only reads needs no transaction: PostgreSQL (READ COMMITTED) gives every
statement its own snapshot inside a transaction too. So a transaction that a request begins
outside a unit of work runs in autocommit mode, saving the BEGIN and COMMIT round trips
(`read_without_transactions`). At the first statement that writes or locks (anything but a
plain SELECT or WITH … SELECT), or any statement inside a unit of work or `writing()` block,
the connection leaves autocommit mode before the statement runs: psycopg sends BEGIN, and what
follows commits or rolls back together as before. A connection whose isolation level its code
chose (AUTOCOMMIT for a VACUUM, say) is left as chosen.

SQLAlchemy's ``pool_pre_ping`` asks the server before every checkout whether the connection is
alive: one round trip per request. `ping_idle_connections` asks only for a connection that has
rested in the pool longer than PING_AFTER_SECONDS (or is new); one returned a moment ago is as
alive as its last statement showed. A dead connection is replaced, as with the pre-ping.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache
from typing import Any

from flask import has_request_context
from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from portal.core.transaction import wants_write_lock

WROTE = "portal_wrote"
RETURNED = "portal_returned"
READING = "portal_reading"
PING_AFTER_SECONDS = 1.0
LOCKING = (" FOR UPDATE", " FOR NO KEY UPDATE", " FOR SHARE", " FOR KEY SHARE")
QUERY_CACHE_LENGTH = 65536
QUERY_CACHE_PARAMETERS = 1000
WRITES = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
"""A part of a WITH statement that writes (any such word counts: a false alarm only costs a
transaction)."""


def note_raw_write(driver_connection: Any) -> None:
    """The transaction on this psycopg connection wrote outside SQLAlchemy: roll it back."""
    setattr(driver_connection, WROTE, True)


def keep_converted_statements() -> None:
    """Let psycopg keep the converted form of statements up to QUERY_CACHE_LENGTH bytes and
    QUERY_CACHE_PARAMETERS parameters (its limits are module settings, read at every run)."""
    from psycopg import _queries

    limits = {
        "MAX_CACHED_STATEMENT_LENGTH": QUERY_CACHE_LENGTH,
        "MAX_CACHED_STATEMENT_PARAMS": QUERY_CACHE_PARAMETERS,
    }
    for name, value in limits.items():
        setattr(_queries, name, max(int(getattr(_queries, name)), value))


def keep_prepared_statements(engine: Engine) -> None:
    keep_converted_statements()
    dialect = engine.dialect
    rollback = dialect.do_rollback

    @event.listens_for(engine, "before_cursor_execute")
    def note_writes(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if not reads_only(statement):
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


KEPT_ANSWERS = 512
"""Statements whose answer (`reads_only`, `_only_reads`) each process keeps: the app runs a few
hundred distinct statements, and a WITH statement of the board is searched through 15 KB of
text for a word that writes (0.1 ms, before every run of it)."""


@lru_cache(maxsize=KEPT_ANSWERS)
def reads_only(statement: str) -> bool:
    """A SELECT, or a WITH statement none of whose parts writes; it may lock rows."""
    head = statement.lstrip()[:6].upper()
    if head == "SELECT":
        return True
    return head[:4] == "WITH" and not head[4:5].isalnum() and WRITES.search(statement) is None


@lru_cache(maxsize=KEPT_ANSWERS)
def _only_reads(statement: str) -> bool:
    """A statement that neither writes nor takes row locks."""
    return reads_only(statement) and not any(clause in statement for clause in LOCKING)


def read_without_transactions(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def choose_mode(conn: Any) -> None:
        raw = conn.connection.dbapi_connection
        if "isolation_level" in conn.get_execution_options():
            setattr(raw, READING, False)
            return  # the caller chose (AUTOCOMMIT for a VACUUM, say): SQLAlchemy sets it
        reading = has_request_context() and not wants_write_lock()
        if raw.autocommit != reading and raw.info.transaction_status == TransactionStatus.IDLE:
            raw.autocommit = reading
        setattr(raw, READING, reading)

    @event.listens_for(engine, "before_cursor_execute")
    def begin_for_writes(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        raw = cursor.connection
        if not getattr(raw, READING, False):
            return
        if raw.autocommit and (wants_write_lock() or not _only_reads(statement)):
            raw.autocommit = False  # psycopg sends BEGIN before this statement
            setattr(raw, READING, False)


def ping_idle_connections(engine: Engine) -> None:
    """Instead of ``pool_pre_ping`` (which config.py turns off for PostgreSQL)."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[RETURNED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_rested(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(RETURNED)
        if since is not None and time.monotonic() - since < PING_AFTER_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("the connection did not answer") from exc
