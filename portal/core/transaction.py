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
(conditional UPDATEs, row locks, BEGIN IMMEDIATE on SQLite) work inside a unit unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from portal.extensions import db

_DEPTH = "portal.unit_of_work_depth"


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit on success, roll back on any exception and re-raise (outermost unit only)."""
    info = db.session.info
    depth = info.get(_DEPTH, 0)
    info[_DEPTH] = depth + 1
    try:
        yield
        if depth == 0:
            db.session.commit()
    except BaseException:
        if depth == 0:
            db.session.rollback()
        raise
    finally:
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
