"""`flask seed-scale`: a state-sized data set for measurements (Baden-Württemberg: about 1,100
municipalities in 44 counties).

    flask seed-scale --municipalities 1100 --volunteers 100000 --needs 200000 --reports 1000000

On PostgreSQL the rows go in with COPY (psycopg's copy API) inside one transaction, then the id
sequences move past them and the tables are analysed. On SQLite the same rows go in with
batched inserts; that is slow, so SQLite takes small data sets only (`SQLITE_MAX_ROWS` of
volunteers + needs + reports) — enough for tests and a look around.

An empty database is required (no user, no municipality), unless

* ``--force``: every row of every table is deleted first (the schema stays), or
* ``--append``: the existing rows stay and a second data set is added beside them (new
  offices and municipalities; the well-known addresses get a ``+<n>`` suffix).

Everyone's password is the one given by ``--password`` (hashed once). The command prints the
well-known accounts: admin, coordinator and manager of the first county, and three
volunteers — "county" (every municipality of the first county), "all" (every municipality)
and "volunteer" (three municipalities, with tasks).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.scale_seed import needs as need_data
from portal.scale_seed import people
from portal.scale_seed.writer import BulkWriter, vacuum, wipe

SCALE_PASSWORD = "Skala-Passwort-2026"  # noqa: S105 - measurement data only, printed by the command
#: SQLite takes at most this many volunteers + needs + reports (batched inserts are slow there).
SQLITE_MAX_ROWS = 60_000


class SeedRefused(RuntimeError):
    """The database or the sizes do not allow this run."""


@dataclass(frozen=True)
class Sizes:
    municipalities: int
    volunteers: int
    needs: int
    reports: int
    clients: int | None = None  # default: one per twenty needs, at least one per municipality

    @property
    def client_count(self) -> int:
        if self.clients is not None:
            return self.clients
        return max(self.municipalities, self.needs // 20)

    def estimated_rows(self) -> int:
        """Rough number of rows written (the progress bar's length)."""
        staff = self.municipalities * 2 + 2
        return int(
            self.municipalities * 1.05
            + staff
            + self.volunteers * 15
            + self.client_count * 9
            + self.needs * 4.1
            + self.reports
        )


def database_has_data(connection: Connection) -> bool:
    for model in (User, Municipality):
        if connection.scalar(select(func.count()).select_from(model)):
            return True
    return False


def check(connection: Connection, sizes: Sizes, force: bool, append: bool) -> None:
    if force and append:
        raise SeedRefused("--force and --append exclude each other.")
    if sizes.municipalities < 1:
        raise SeedRefused("At least one municipality is needed.")
    if connection.dialect.name == "sqlite":
        rows = sizes.volunteers + sizes.needs + sizes.reports
        if rows > SQLITE_MAX_ROWS:
            raise SeedRefused(
                f"SQLite takes at most {SQLITE_MAX_ROWS:,} volunteers + needs + reports "
                f"(asked: {rows:,}); use PostgreSQL (DATABASE_URL) for large data sets."
            )
    if not force and not append and database_has_data(connection):
        raise SeedRefused(
            "The database is not empty: --force deletes every row first, --append adds a "
            "second data set beside the existing one."
        )


def seed_scale(
    sizes: Sizes,
    *,
    password: str = SCALE_PASSWORD,
    force: bool = False,
    append: bool = False,
    seed: int = 2026,
    progress: Callable[[int], None] = lambda n: None,
) -> dict[str, object]:
    """Write the data set in one transaction; returns row counts, accounts and seconds."""
    started = time.perf_counter()
    password_hash = hash_password(password)
    db.session.remove()
    with db.engine.begin() as connection:
        check(connection, sizes, force, append)
        if force:
            wipe(connection)
        writer = BulkWriter(connection, progress)
        first_municipality = writer.next_id("municipality")
        world = people.World(
            rng=random.Random(seed),  # noqa: S311 - made-up data, not secrets
            writer=writer,
            now=utcnow(),
            today=today_local(),
            password_hash=password_hash,
            suffix=f"+{first_municipality}" if first_municipality > 1 else "",
        )
        people.places(world, sizes.municipalities)
        people.staff(world)
        people.volunteers(world, sizes.volunteers)
        people.clients(world, sizes.client_count)
        maker = need_data.needs(world, sizes.needs)
        need_data.reports(world, maker, sizes.reports)
        writer.finish()
    vacuum(db.engine, writer.written)
    return {
        "rows": dict(writer.written),
        "accounts": dict(world.accounts),
        "seconds": round(time.perf_counter() - started, 1),
    }
