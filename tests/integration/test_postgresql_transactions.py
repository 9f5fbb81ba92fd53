"""PostgreSQL: a page view reads without BEGIN and COMMIT, and leaves autocommit mode at its
first statement that writes or locks (portal.core.postgresql.read_without_transactions). On
SQLite these tests skip: its transactions are set up in portal.configure_sqlite."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import event, func, select, text

from portal.auth.models import User
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.municipalities.models import Municipality
from tests import factories
from tests import factories_board as fb


@contextmanager
def after_each_statement() -> Iterator[list[tuple[str, TransactionStatus]]]:
    """(first word, the connection's transaction state) after every statement."""
    seen: list[tuple[str, TransactionStatus]] = []

    def after(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        state = TransactionStatus(cursor.connection.info.transaction_status)
        seen.append((statement.split(None, 1)[0].upper(), state))

    event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(db.engine, "after_cursor_execute", after)


def test_a_page_view_reads_outside_a_transaction(postgresql, client, auth):
    fb.county()
    db.session.commit()
    auth.login("lena@example.org")
    with after_each_statement() as seen:
        assert client.get("/board/").status_code == 200
    assert len(seen) >= 3
    assert {state for _word, state in seen} == {TransactionStatus.IDLE}  # nothing left open


def test_writes_after_reads_in_a_request_are_one_transaction(postgresql):
    places = factories.reference_data()
    db.session.commit()
    with postgresql.test_request_context("/"), after_each_statement() as seen:
        db.session.remove()
        assert db.session.scalar(select(func.count()).select_from(Municipality)) == len(places)
        db.session.add(Municipality(name="Erstort", ags="08216991"))
        db.session.flush()  # the INSERT begins the transaction
        db.session.add(Municipality(name="Zweitort", ags="08216992"))
        db.session.flush()
        db.session.rollback()
    assert [state for _word, state in seen] == [
        TransactionStatus.IDLE,
        TransactionStatus.INTRANS,
        TransactionStatus.INTRANS,
    ]
    names = db.session.scalars(select(Municipality.name)).all()
    assert "Erstort" not in names and "Zweitort" not in names


def test_a_locking_read_and_a_unit_of_work_run_in_a_transaction(postgresql):
    factories.reference_data()
    fb.county()
    db.session.commit()
    with postgresql.test_request_context("/"), after_each_statement() as seen:
        db.session.remove()
        db.session.execute(select(User.id).limit(1).with_for_update()).all()
        db.session.rollback()
        with unit_of_work():
            db.session.scalar(select(func.count()).select_from(User))  # a plain read
    assert [state for _word, state in seen] == [TransactionStatus.INTRANS] * 2


def test_only_a_rested_connection_is_pinged_and_a_dead_one_is_replaced(postgresql, monkeypatch):
    import psycopg

    from portal.core import postgresql

    pings: list[int] = []
    dialect = db.engine.dialect
    ping = dialect.do_ping

    def counted(connection: Any) -> bool:
        pings.append(1)
        return bool(ping(connection))

    monkeypatch.setattr(dialect, "do_ping", counted)

    def backend() -> int:
        pid = db.session.scalar(select(func.pg_backend_pid()))
        db.session.remove()  # back to the pool
        return int(pid)

    first = backend()
    pings.clear()
    assert backend() == first and pings == []  # back a moment ago: no round trip to ask
    monkeypatch.setattr(postgresql, "PING_AFTER_SECONDS", 0.0)
    assert backend() == first and pings == [1]  # rested: asked
    url = db.engine.url.set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    assert backend() != first  # the dead connection was replaced, the statement ran


def test_a_connection_that_asked_for_autocommit_keeps_it(postgresql, client, auth):
    """A page view leaves its connection in the pool in autocommit mode; a VACUUM that asks
    for AUTOCOMMIT itself must not be put in a transaction (it cannot run in one)."""
    fb.county()
    db.session.commit()
    auth.login("lena@example.org")
    assert client.get("/board/").status_code == 200  # a reading connection back in the pool
    db.session.remove()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql('VACUUM (ANALYZE) "need"')
        connection.exec_driver_sql("UPDATE need SET title = title WHERE id < 0")
        state = connection.connection.dbapi_connection.info.transaction_status
    assert state == TransactionStatus.IDLE


def test_a_with_statement_that_only_reads_stays_outside_a_transaction(postgresql):
    """A read-only WITH reads in autocommit mode like a SELECT; one whose part writes begins
    the transaction before it runs."""
    factories.reference_data()
    db.session.commit()
    counted = text("WITH names AS (SELECT name FROM municipality) SELECT count(*) FROM names")
    renamed = text(
        "WITH changed AS (UPDATE municipality SET name = name || '!' RETURNING id)"
        " SELECT count(*) FROM changed"
    )
    with postgresql.test_request_context("/"), after_each_statement() as seen:
        db.session.remove()
        assert db.session.scalar(counted) >= 1
        assert db.session.scalar(renamed) >= 1
        db.session.rollback()
    assert [state for _word, state in seen] == [TransactionStatus.IDLE, TransactionStatus.INTRANS]
    assert not db.session.scalars(
        select(Municipality.name).where(Municipality.name.endswith("!"))
    ).all()


@pytest.mark.parametrize(
    ("statement", "reads"),
    [
        ("SELECT 1", True),
        ("  select id FROM need FOR UPDATE", True),
        ("WITH a AS (SELECT updated_at FROM need) SELECT * FROM a", True),
        ("WITH RECURSIVE a(n) AS (SELECT 1 UNION SELECT n + 1 FROM a) SELECT n FROM a", True),
        ("WITH a AS (DELETE FROM need RETURNING id) SELECT id FROM a", False),
        ("with a as (select 1) insert into x select * from a", False),
        ("WITH a AS (SELECT 1) MERGE INTO x USING a ON true WHEN MATCHED THEN DO NOTHING", False),
        ("WITHOUT", False),
        ("UPDATE need SET title = title", False),
        ("SET TIME ZONE 'UTC'", False),
    ],
)
def test_which_statements_only_read(statement, reads):
    from portal.core.postgresql import reads_only

    assert reads_only(statement) is reads


def test_the_answer_for_a_statement_is_kept():
    """The board's WITH statements are long: each is searched for a word that writes once per
    process, not before every run."""
    from portal.core.postgresql import _only_reads, reads_only

    statement = "WITH kept_answer AS (SELECT 1) SELECT * FROM kept_answer" + " " * 15_000
    for check in (reads_only, _only_reads):
        assert check(statement)
        before = check.cache_info().hits
        assert check(statement)
        assert check.cache_info().hits == before + 1
