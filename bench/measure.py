"""The measurements: wrk against a server (throughput, latency, CPU per request), the
statement and round-trip count of a page (in process), and the claim race over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from portal_client import Client, race_need
from servers import HOST, PASSWORD, ROOT, Database, Server, backend_pids, cpu_seconds

SKIP_HEADS = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


def wrk(
    server: Server, db: Database, path: str, cookies: str, seconds: float, connections: int
) -> dict[str, Any]:
    """One wrk run; CPU of the gunicorn processes and of the database's backends around it."""
    headers = ["-H", f"Cookie: {cookies}"] if cookies else []
    argv = [
        "wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds:g}s",
        "--timeout", "30s", "-s", str(ROOT / "bench" / "report.lua"), *headers,
        f"http://{HOST}:{server.port}{path}",
    ]  # fmt: skip
    pids, backends = server.pids(), backend_pids(db)
    load_before = os.getloadavg()[0]
    cpu_app, cpu_db = cpu_seconds(pids), cpu_seconds(backends)
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    cpu_app, cpu_db = cpu_seconds(pids) - cpu_app, cpu_seconds(backends) - cpu_db
    line = next(x for x in output.splitlines() if x.startswith("WRK_JSON "))
    result: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    requests = max(1, result["requests"])
    result.update(
        rps=round(result["requests"] / (result["duration_us"] / 1e6), 1),
        cpu_app_ms=round(cpu_app * 1000 / requests, 2),
        cpu_db_ms=round(cpu_db * 1000 / requests, 2),
        load=round((load_before + os.getloadavg()[0]) / 2, 2),
    )
    return result


# --- statements and round trips, in process -------------------------------------------------


@contextmanager
def counting(engine: Any) -> Iterator[Counter[str]]:
    """Statements (not BEGIN/COMMIT/...) and round trips to the database, as they go over the
    wire with psycopg: every statement; the BEGIN psycopg sends before the first statement of
    a transaction (not in autocommit mode, see portal.core.postgresql); a COMMIT or ROLLBACK,
    also on return to the pool, only when a transaction is open (else psycopg sends nothing);
    and every ping of a pooled connection."""
    from psycopg.pq import TransactionStatus
    from sqlalchemy import event

    counts: Counter[str] = Counter()
    dialect = engine.dialect
    ping = dialect.do_ping

    def open_transaction(raw: Any) -> bool:
        return bool(raw.info.transaction_status == TransactionStatus.INTRANS)

    def statement(conn: Any, cursor: Any, text: str, *args: Any) -> None:
        head = text.lstrip().split(None, 1)[0].upper() if text.strip() else ""
        raw = cursor.connection
        counts["round_trips"] += 1
        if not raw.autocommit and raw.info.transaction_status == TransactionStatus.IDLE:
            counts["round_trips"] += 1  # BEGIN
        if head not in SKIP_HEADS:
            counts["statements"] += 1

    def ended(conn: Any, *_args: Any) -> None:
        if open_transaction(conn.connection.dbapi_connection):
            counts["round_trips"] += 1

    def reset(dbapi_connection: Any, *_args: Any) -> None:
        if open_transaction(dbapi_connection):
            counts["round_trips"] += 1

    def pinged(dbapi_connection: Any) -> Any:
        counts["round_trips"] += 1
        return ping(dbapi_connection)

    hooks = [
        (engine, "before_cursor_execute", statement),
        (engine, "commit", ended),
        (engine, "rollback", ended),
        (engine.pool, "reset", reset),
    ]
    for target, name, fn in hooks:
        event.listen(target, name, fn)
    dialect.do_ping = pinged
    try:
        yield counts
    finally:
        dialect.do_ping = ping
        for target, name, fn in hooks:
            event.remove(target, name, fn)


class InProcess:
    """The portal in this process (same database, same settings as the servers), used once
    per page to count its statements."""

    def __init__(self, db: Database) -> None:
        from portal import create_app

        self.app = create_app(
            {
                "PORTAL_ENV": "production",
                "SECRET_KEY": "bench-in-process-secret-key-1234567890",
                "SQLALCHEMY_DATABASE_URI": db.url,
                "PUBLIC_BASE_URL": "http://localhost",
                "RATELIMIT_ENABLED": False,
                "TWO_FACTOR_REQUIRED_ROLES": (),
                "SESSION_COOKIE_SECURE": False,
            }
        )
        self.clients: dict[str, Any] = {}

    def client(self, email: str) -> Any:
        if email not in self.clients:
            import re

            client = self.app.test_client()
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
            assert token, "no CSRF token on /login"
            form = {"csrf_token": token.group(1), "email": email, "password": PASSWORD}
            response = client.post("/login", data=form)
            assert response.status_code == 302, f"in-process log-in failed for {email}"
            self.clients[email] = client
        return self.clients[email]

    def count(self, email: str, path: str) -> dict[str, int]:
        from portal.extensions import db

        client = self.client(email)
        client.get(path)  # warm: caches, first-use imports
        with self.app.app_context():
            engine = db.engine
        with counting(engine) as counts:
            status = client.get(path).status_code
        return {"status": status, **counts}


# --- the claim race ---------------------------------------------------------------------------


def claim_race(server: Server, db: Database, claimers: int, places: int) -> dict[str, Any]:
    """`claimers` volunteers claim one need with `places` places at the same moment."""
    need_id, municipality = race_need(db.query, places)
    rows = db.query(
        """SELECT p.id, u.email FROM volunteer_profile p JOIN "user" u ON u.id = p.user_id
           WHERE p.status = 'approved' ORDER BY p.id DESC LIMIT %s""",
        claimers,
    )
    for profile_id, _email in rows:  # the bench lets them help where the need is
        db.query(
            "INSERT INTO volunteer_municipality VALUES (%s, %s) ON CONFLICT DO NOTHING",
            profile_id,
            municipality,
        )
    clients = [Client(HOST, server.port) for _ in rows]
    path = f"/board/needs/{need_id}/claim"

    def prepare(k: int) -> str:
        if clients[k].login(rows[k][1], PASSWORD).status != 302:
            raise RuntimeError(f"log-in failed for {rows[k][1]}")
        return clients[k].csrf(path)

    with ThreadPoolExecutor(8) as pool:
        tokens = list(pool.map(prepare, range(len(rows))))
    barrier = threading.Barrier(len(rows))

    def claim(k: int) -> int:
        barrier.wait()
        return clients[k].request("POST", path, {"csrf_token": tokens[k]}).status

    started = time.perf_counter()
    with ThreadPoolExecutor(len(rows)) as pool:
        statuses = Counter(pool.map(claim, range(len(rows))))
    seconds = time.perf_counter() - started
    taken, active = db.query(
        "SELECT taken, (SELECT count(*) FROM assignment WHERE need_id = need.id "
        "AND status = 'active') FROM need WHERE id = %s",
        need_id,
    )[0]
    return {
        "claimers": len(rows),
        "places": places,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "wins": statuses.get(302, 0),
        "taken": taken,
        "active": active,
        "seconds": round(seconds, 2),
        "ok": statuses.get(302, 0) == places == taken == active,
    }
