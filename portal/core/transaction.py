"""Services own their transactions.

A service that changes state runs as one unit of work: it commits when it succeeds, and when it
refuses (a DomainError) or fails it rolls back before the exception leaves it, so the caller (a
view, a CLI command, a test) always finds a clean session. Views never commit or roll back.

    @unit_of_work()
    def close_client(actor, client): ...

    with unit_of_work():
        ...

A unit inside another joins it: only the outermost one commits or rolls back, so a service
built from other services is still one transaction. The concurrency rules of DESIGN.md §5
(conditional UPDATEs, row locks) work inside a unit unchanged.

SQLite: only writes take the write lock. A unit of work (and a job's `writing()` block) begins
its transaction with ``BEGIN IMMEDIATE``; everything else (page views, the password check at
log-in) begins deferred and reads beside a writer. A read transaction still open when a unit
starts is ended first, so the unit's reads and writes happen under the lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from portal.extensions import db

_DEPTH = "portal.unit_of_work_depth"
_WRITING: ContextVar[bool] = ContextVar("portal_writing", default=False)


def wants_write_lock() -> bool:
    """Whether a transaction beginning now writes (SQLite: BEGIN IMMEDIATE)."""
    return _WRITING.get()


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside take SQLite's write lock at once: for jobs that commit in
    steps themselves (the outbox sender, reminders) instead of one unit of work."""
    _end_read_transaction()
    token = _WRITING.set(True)
    try:
        yield
    finally:
        _WRITING.reset(token)


def _end_read_transaction() -> None:
    """On SQLite, a transaction that began deferred cannot take the write lock safely later
    (another writer may have committed since it read): end it, the next one begins IMMEDIATE."""
    session = db.session()
    if _WRITING.get() or not session.in_transaction():
        return
    if session.get_bind().dialect.name == "sqlite":
        session.commit()


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit on success, roll back on any exception and re-raise (outermost unit only)."""
    info = db.session.info
    depth = info.get(_DEPTH, 0)
    if depth == 0:
        _end_read_transaction()
    info[_DEPTH] = depth + 1
    token = _WRITING.set(True)
    try:
        yield
        if depth == 0:
            db.session.commit()
    except BaseException:
        if depth == 0:
            db.session.rollback()
        raise
    finally:
        _WRITING.reset(token)
        info[_DEPTH] = depth


@contextmanager
def read_only() -> Iterator[None]:
    """A read that ends its transaction when done (there is nothing to commit), so that the
    connection, and SQLite's lock, are given back before the response is sent. Inside a unit
    of work it leaves the transaction to that unit."""
    try:
        yield
    finally:
        if not db.session.info.get(_DEPTH, 0):
            db.session.rollback()
