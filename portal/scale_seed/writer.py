"""Bulk writing for `flask seed-scale`: COPY on PostgreSQL, batched inserts elsewhere.

The rows are tuples in the order of the columns given; explicit ids are written, so the
writer moves PostgreSQL's id sequences past them at the end (`finish`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text

from portal.core.postgresql import note_raw_write
from portal.extensions import db

BATCH = 5000


class BulkWriter:
    """Writes rows into the tables of `db.metadata` over one connection (one transaction)."""

    def __init__(self, connection: Connection, progress: Callable[[int], None]) -> None:
        self.connection = connection
        self.progress = progress
        self.postgresql = connection.dialect.name == "postgresql"
        self.written: dict[str, int] = {}

    def next_id(self, table: str) -> int:
        """The first free id of a table (ids are handed out by the generator, not the database)."""
        column = db.metadata.tables[table].c.id
        return int(self.connection.scalar(select(func.coalesce(func.max(column), 0))) or 0) + 1

    def write(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        if self.postgresql:
            count = self._copy(table, columns, rows)
        else:
            count = self._insert(table, columns, rows)
        self.written[table] = self.written.get(table, 0) + count
        return count

    def _copy(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        names = ", ".join(f'"{c}"' for c in columns)
        driver = self.connection.connection.driver_connection
        note_raw_write(driver)  # a failure must roll the COPY back (portal.core.postgresql)
        cursor = driver.cursor()  # type: ignore[union-attr]
        count = 0
        with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
                if count % BATCH == 0:
                    self.progress(BATCH)
        self.progress(count % BATCH)
        return count

    def _insert(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        # SQLAlchemy's executemany: its type processing stores dates and times as the models do.
        statement = db.metadata.tables[table].insert()
        iterator = iter(rows)
        count = 0
        while batch := list(islice(iterator, BATCH)):
            params = [dict(zip(columns, row, strict=True)) for row in batch]
            self.connection.execute(statement, params)
            count += len(batch)
            self.progress(len(batch))
        return count

    def finish(self) -> None:
        """PostgreSQL: move each id sequence past the ids written."""
        if not self.postgresql:
            return
        for name in self.written:
            table = db.metadata.tables[name]
            if "id" not in table.c or not table.c.id.primary_key:
                continue
            sequence = f"pg_get_serial_sequence('\"{name}\"', 'id')"
            last = f'SELECT coalesce(max(id), 0) + 1 FROM "{name}"'  # noqa: S608 - metadata names
            self.connection.execute(text(f"SELECT setval({sequence}, ({last}), false)"))


def vacuum(engine: Engine, tables: Iterable[str]) -> None:
    """What autovacuum would do soon after a bulk load, at once (after the commit: VACUUM runs
    outside a transaction): row counts for the planner, and the visibility map without which
    PostgreSQL reads every row an index finds from the table (no index-only scans)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for name in tables:
            connection.execute(text(f'VACUUM (ANALYZE) "{name}"'))


def wipe(connection: Connection) -> None:
    """Delete every row of every table of the portal (not the migration version)."""
    tables = db.metadata.sorted_tables
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    for table in reversed(tables):
        connection.execute(table.delete())
