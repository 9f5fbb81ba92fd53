"""Databases, seeding and the two gunicorn servers of the benchmark, and CPU accounting from
/proc (gunicorn master + workers, and the PostgreSQL backends serving them)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from portal_client import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PASSWORD = "Bench-Skala-Passwort-2026"  # noqa: S105 - throw-away accounts, printed in RESULTS.md


def scaled(size: int, municipalities: int) -> list[str]:
    """seed-scale's options for `size` open + historic needs (volunteers and reports grow
    with it, the places stay)."""
    return [
        "--municipalities", str(municipalities), "--volunteers", str(max(300, size // 2)),
        "--needs", str(size), "--reports", str(size * 5),
    ]  # fmt: skip


class Database:
    """One PostgreSQL database per size (``<prefix>_<size>``), kept between runs so that a
    repeated or resumed run does not seed again."""

    def __init__(self, server: str, prefix: str, size: int, municipalities: int) -> None:
        self.server, self.size, self.municipalities = server, size, municipalities
        self.name = f"{prefix}_{size}"
        self.dsn = server.rsplit("/", 1)[0] + "/" + self.name
        self.url = self.dsn.replace("postgresql://", "postgresql+psycopg://", 1)

    def ready(self) -> bool:
        try:
            with psycopg.connect(self.dsn) as conn:
                row = conn.execute("SELECT count(*) FROM need").fetchone()
                return bool(row and row[0] == self.size)
        except psycopg.Error:
            return False

    def prepare(self, log: Path) -> float:
        """Create, migrate and seed unless already done; returns the seconds spent seeding.
        A kept database is migrated to the newest revision (new indexes apply to its data)."""
        reuse = self.ready()
        if not reuse:
            with psycopg.connect(self.server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{self.name}"')
        env = {**os.environ, "DATABASE_URL": self.url, "FLASK_APP": "portal:create_app"}
        with log.open("ab") as out:
            run = [str(BIN / "flask")]
            subprocess.run(
                [*run, "db", "upgrade"], cwd=ROOT, env=env, check=True, stdout=out, stderr=out
            )
            if reuse:
                self.acknowledge_privacy_notice()
                self.query("VACUUM (ANALYZE)")  # as seeding leaves it (portal.scale_seed)
                return 0.0
            started = time.perf_counter()
            seed = [*run, "seed-scale", "--force", "--password", PASSWORD]
            seed += scaled(self.size, self.municipalities)
            subprocess.run(seed, cwd=ROOT, env=env, check=True, stdout=out, stderr=out)
        return time.perf_counter() - started

    def acknowledge_privacy_notice(self) -> None:
        """A database seeded before `flask seed-scale` stamped the privacy notice: its accounts
        would meet the notice first (HTTP 302 on every page); stamp them as seeding does now."""
        sys.path.insert(0, str(ROOT))
        from portal.config import load_config

        version = load_config(str(ROOT / "instance"))["PRIVACY_NOTICE_VERSION"]
        self.query(
            'UPDATE "user" SET privacy_version = %s, privacy_acknowledged_at = created_at'
            " WHERE privacy_version IS NULL AND erased_at IS NULL",
            version,
        )

    def query(self, sql: str, *params: object) -> list[tuple]:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            cursor = conn.execute(sql, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    def drop(self) -> None:
        with psycopg.connect(self.server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def portal_env(db: Database, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "FLASK_APP": "portal:create_app",
        "PORTAL_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": db.url,
        "PUBLIC_BASE_URL": f"http://{HOST}:{port}",
        "RATELIMIT_ENABLED": "false",
        "TWO_FACTOR_REQUIRED_ROLES": "",
        "STAFF_IDLE_MINUTES": "600",
        "GUNICORN_BIND": f"{HOST}:{port}",
        "GUNICORN_WORKERS": "4",
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_LOG_LEVEL": "warning",
    }


class Server:
    """A gunicorn master with 4 sync workers: the portal (gunicorn.conf.py) or the baseline."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int, log: Path):
        self.name, self.port = name, port
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=self.log, stderr=self.log, start_new_session=True
        )

    @classmethod
    def portal(cls, db: Database, log: Path) -> Server:
        port = free_port()
        argv = [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")]
        return cls("portal", argv, portal_env(db, port), port, log)

    @classmethod
    def baseline(cls, db: Database, municipality: int, log: Path) -> Server:
        port = free_port()
        env = {**os.environ, "BASELINE_DSN": db.dsn, "BASELINE_MUNICIPALITY": str(municipality)}
        argv = [
            str(BIN / "gunicorn"), "-w", "4", "-b", f"{HOST}:{port}", "--chdir",
            str(ROOT / "bench"), "--log-level", "warning", "baseline:app",
        ]  # fmt: skip
        return cls("baseline", argv, env, port, log)

    def wait(self, path: str = "/", seconds: float = 60) -> None:
        from portal_client import Client

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if Client(HOST, self.port, timeout=10).request("GET", path).status == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not start on port {self.port}")

    def pids(self) -> list[int]:
        """The master and its workers."""
        found = [self.process.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    found.append(int(entry.name))
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (children that exited are not counted)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def backend_pids(db: Database) -> list[int]:
    """The PostgreSQL backends connected to the benchmark's database (the servers' pools)."""
    rows = db.query(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        db.name,
    )
    return [int(pid) for (pid,) in rows]
