"""The earlier in-process benchmark (Flask test client, no gunicorn): `python bench/inprocess.py`
(SQLite), or on PostgreSQL with

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench python bench/inprocess.py

Three parts, each on a freshly migrated schema (SQLite: a temp file; PostgreSQL: the schema
``public`` of BENCH_DATABASE_URL is dropped and recreated, and left empty afterwards):

1. board / needs list: the volunteers' task board (``GET /board/``, by date, by fit, with a
   filter) and the managers' needs list (``GET /needs/``) at 100, 1,000 and 10,000 open needs
   over the 23 municipalities of Landkreis Rastatt; Flask test client; median / p95 latency,
   time spent inside SQL, and SQL statements per request.
2. claims: 40 logged-in volunteers (own cookie jar and CSRF token each) claim one need with 10
   places at the same moment over real HTTP (threaded werkzeug server on 127.0.0.1).
3. outbox: ``send_pending()`` delivers 500 queued messages to a local aiosmtpd server, with one
   and with two concurrent senders; every message must arrive exactly once.

Users get the cheap password hash (PASSWORD_HASH_CHEAP=True, as in the tests) and rate limits
are off (RATELIMIT_ENABLED=False): the benchmark measures the portal, not Argon2 or the limiter.
Speed figures belong here, never in the unit tests. ``--quick`` is a smoke run of a few seconds.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import re
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from datetime import time as dtime
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask, g, request_started  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from portal import create_app  # noqa: E402
from portal.auth.models import Role, User  # noqa: E402
from portal.auth.services import create_user, grant_role  # noqa: E402
from portal.core.time import local_to_utc, today_local  # noqa: E402
from portal.demo import load_reference_data  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.municipalities.models import Municipality, Office  # noqa: E402
from portal.needs.models import (  # noqa: E402
    Assignment,
    AssignmentStatus,
    Need,
    NeedLanguage,
    NeedStatus,
)
from portal.notifications.models import OutboundEmail, OutboxStatus  # noqa: E402
from portal.notifications.services import queue_email, send_pending  # noqa: E402
from portal.volunteers.models import VolunteerProfile, VolunteerStatus  # noqa: E402

PASSWORD = "Bench-Passwort-2026"  # noqa: S105 - throw-away accounts in a throw-away database
CONFIG: dict[str, Any] = {
    "PORTAL_ENV": "testing",
    "SECRET_KEY": "bench-secret-key-that-is-long-enough-1234",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "MAIL_SERVER": None,
    "DEMO_PASSWORDS": False,
    "PASSWORD_HASH_CHEAP": True,
}
CATEGORIES = ("tutoring", "language_practice", "accompanying", "housing_search", "other")
LANGUAGES = ("ar", "fa", "uk", "ru", "tr", "ti", "en", "fr")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
HTTP_TIMEOUT = 60
SKIP_HEADS = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA"}


def log(*parts: Any) -> None:
    print(*parts, flush=True)


def quiet() -> None:
    """Keep the request log and Alembic's progress out of the benchmark's output."""
    for name in ("werkzeug", "alembic", "portal"):
        logging.getLogger(name).setLevel(logging.WARNING)


# --- databases -----------------------------------------------------------------------------


class Backend:
    """A migrated, empty schema on SQLite (temp file) or PostgreSQL (BENCH_DATABASE_URL)."""

    def __init__(self, url: str | None) -> None:
        self.pg_url = url
        self.kind = "postgresql" if url else "sqlite"
        self._tmp = tempfile.TemporaryDirectory(prefix="portal-bench-") if not url else None
        self._n = 0

    def fresh(self) -> str:
        """A new empty migrated database; returns its URL."""
        if self.pg_url:
            self.wipe()
            url = self.pg_url
        else:
            assert self._tmp is not None
            self._n += 1
            url = f"sqlite:///{self._tmp.name}/bench{self._n}.db"
        app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        logging.disable(logging.INFO)  # Alembic's env.py re-configures logging on each run
        try:
            with app.app_context():
                upgrade()
                db.engine.dispose()
        finally:
            logging.disable(logging.NOTSET)
        quiet()
        return url

    def wipe(self) -> None:
        if not self.pg_url:
            return
        app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": self.pg_url})
        with app.app_context():
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
            db.engine.dispose()

    def close(self) -> None:
        self.wipe()
        if self._tmp is not None:
            self._tmp.cleanup()


def make_app(url: str, **overrides: Any) -> Flask:
    app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": url, **overrides})
    # The benchmark keeps an app context pushed and the test client reuses it: give every
    # request a fresh `g` (as the tests do), as a real server would.
    request_started.connect(_forget_previous_request, app)
    quiet()
    return app


def _forget_previous_request(sender: Flask, **_extra: Any) -> None:
    for name in list(g):
        g.pop(name, None)


@contextmanager
def sql_counter() -> Iterator[dict[str, float]]:
    """Counts SQL statements (not BEGIN/COMMIT/...) and the time spent executing them."""
    stats: dict[str, float] = {"count": 0, "seconds": 0.0}
    started: dict[int, float] = {}

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if head not in SKIP_HEADS:
            stats["count"] += 1
        started[id(cursor)] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        begun = started.pop(id(cursor), None)
        if begun is not None:
            stats["seconds"] += time.perf_counter() - begun

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield stats
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


# --- data ----------------------------------------------------------------------------------


def make_user(email: str, name: str, roles: list[tuple[str, int | None, int | None]]) -> User:
    user = create_user(email, name, PASSWORD, locale="de", verified=True)
    for role, municipality_id, office_id in roles:
        grant_role(None, user, role, municipality_id, office_id)
    db.session.flush()
    return user


def make_volunteer(email: str, home: Municipality, helps_in: list[Municipality]) -> User:
    user = make_user(email, "Bench Helfer", [(Role.VOLUNTEER, None, None)])
    profile = VolunteerProfile(
        user=user,
        home_municipality=home,
        status=VolunteerStatus.APPROVED,
        languages={"de": "native", "ar": "good"},
        interests=["tutoring", "accompanying"],
        availability={0: ["afternoon"], 2: ["morning", "evening"], 5: ["morning"]},
        consent_version="2026-11",
    )
    for place in {m.id: m for m in [home, *helps_in]}.values():
        profile.municipalities.append(place)
    db.session.add(profile)
    db.session.flush()
    return user


def need_rows(count: int, municipality_ids: list[int], rng: random.Random) -> list[dict]:
    """``count`` open needs, round-robin over the municipalities; 70 % one-off, 30 % weekly."""
    today = today_local()
    now = datetime.now()  # noqa: DTZ005 - only used for a naive timestamp column
    rows = []
    for i in range(count):
        start_day = today + timedelta(days=rng.randint(1, 180))
        category = rng.choice(CATEGORIES)
        languages = rng.sample(LANGUAGES, rng.randint(0, 2))
        row: dict[str, Any] = {
            "category": category,
            "title": f"Bench-Bedarf {i}",
            "public_description": "Begleitung zu einem Termin, etwa anderthalb Stunden.",
            "private_notes": "",
            "municipality_id": municipality_ids[i % len(municipality_ids)],
            "meeting_point": "Rathaus",
            "languages": languages,
            "capacity": rng.randint(1, 3),
            "taken": 0,
            "requires_conduct_certificate": False,
            "status": NeedStatus.OPEN,
            "cancel_reason": "",
            "created_at": now,
            "updated_at": now,
            "starts_on": start_day,
        }
        if rng.random() < 0.7:
            at = dtime(rng.randint(8, 19), 0)
            start = local_to_utc(datetime.combine(start_day, at))
            # bulk inserts skip the model's events: set the local weekday and time by hand
            row.update(
                schedule_kind="once",
                starts_at=start,
                ends_at=start + timedelta(minutes=90),
                weekday=start_day.weekday(),
                time_of_day=at,
                duration_minutes=None,
                ends_on=start_day,
            )
        else:
            row.update(
                schedule_kind="weekly",
                starts_at=None,
                ends_at=None,
                weekday=rng.randint(0, 6),
                time_of_day=dtime(rng.choice((9, 15, 18)), 0),
                duration_minutes=60,
                ends_on=start_day + timedelta(weeks=rng.randint(4, 26)),
            )
        rows.append(row)
    return rows


def add_needs(count: int, rng: random.Random) -> None:
    ids = list(db.session.scalars(select(Municipality.id).order_by(Municipality.id)))
    for offset in range(0, count, 2000):
        rows = need_rows(min(2000, count - offset), ids, rng)
        languages = [row.pop("languages") for row in rows]
        need_ids = db.session.scalars(
            insert(Need).returning(Need.id, sort_by_parameter_order=True), rows
        ).all()
        links = [
            {"need_id": need_id, "code": code, "position": position}
            for need_id, codes in zip(need_ids, languages, strict=True)
            for position, code in enumerate(codes)
        ]
        if links:
            db.session.execute(insert(NeedLanguage), links)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # what autovacuum does soon after a bulk load: without row counts the planner takes the
        # freshly filled tables for empty and picks plans that suit no real deployment
        db.session.execute(text("ANALYZE need, need_language"))
        db.session.commit()


# --- statistics ----------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# --- 1. board and needs list ---------------------------------------------------------------

BOARD_CASES: list[tuple[str, str, str]] = [
    ("board by date", "volunteer", "/board/"),
    ("board by fit", "volunteer", "/board/?sort=fit"),
    ("board filtered (tutoring, by fit)", "volunteer", "/board/?category=tutoring&sort=fit"),
    ("board last page by date", "volunteer", "/board/?page=9999"),
    ("needs list (office manager)", "manager", "/needs/"),
    ("needs list filtered (open, tutoring)", "manager", "/needs/?status=open&category=tutoring"),
]


def bench_board(backend: Backend, sizes: list[int], requests: int) -> list[dict]:
    url = backend.fresh()
    app = make_app(url)
    results: list[dict] = []
    rng = random.Random(2026)
    with app.app_context():
        load_reference_data()
        places = list(db.session.scalars(select(Municipality).order_by(Municipality.name)))
        office = db.session.scalars(select(Office).order_by(Office.name)).first()
        assert office is not None
        office_places = sum(1 for m in places if m.office_id == office.id)
        make_volunteer("helfer@example.org", places[0], places)
        make_user("leitung@example.org", "Bench Leitung", [(Role.MANAGER, None, office.id)])
        db.session.commit()
        log(f"  {len(places)} municipalities; the manager's office has {office_places}")

        clients = {}
        for who, email in (("volunteer", "helfer@example.org"), ("manager", "leitung@example.org")):
            client = app.test_client()
            response = client.post("/login", data={"email": email, "password": PASSWORD})
            assert response.status_code == 302, f"log-in of {email}: {response.status_code}"
            clients[who] = client

        have = 0
        for size in sizes:
            add_needs(size - have, rng)
            have = size
            db.session.remove()
            for label, who, path in BOARD_CASES:
                client = clients[who]
                for _ in range(3):  # warm-up (template compilation, caches)
                    assert client.get(path).status_code == 200, path
                latencies, cpu, sql_times, counts = [], [], [], set()
                for _ in range(requests):
                    with sql_counter() as stats:
                        began, began_cpu = time.perf_counter(), time.thread_time()
                        response = client.get(path)
                        latencies.append(time.perf_counter() - began)
                        cpu.append(time.thread_time() - began_cpu)
                    assert response.status_code == 200, (path, response.status_code)
                    sql_times.append(stats["seconds"])
                    counts.add(int(stats["count"]))
                row = {
                    "open_needs": size,
                    "case": label,
                    "path": path,
                    "requests": requests,
                    "median_ms": ms(statistics.median(latencies)),
                    "p95_ms": ms(pct(latencies, 95)),
                    "cpu_median_ms": ms(statistics.median(cpu)),
                    "sql_exec_median_ms": ms(statistics.median(sql_times)),
                    "statements": sorted(counts),
                }
                results.append(row)
                log(
                    f"  {size:>6} needs  {label:<38} median {row['median_ms']:>7} ms  "
                    f"p95 {row['p95_ms']:>7} ms  cpu {row['cpu_median_ms']:>7} ms  "
                    f"sql exec {row['sql_exec_median_ms']:>6} ms  "
                    f"statements {row['statements']}"
                )
        results.extend(ranking_profile(app, sizes[-1]))
        db.session.remove()
        db.engine.dispose()
    return results


def ranking_profile(app: Flask, size: int) -> list[dict]:
    """Split one board call at the largest size: time in SQL (filter, rank, page) vs. Python."""
    from portal.needs import matching

    profile = db.session.scalar(select(VolunteerProfile))
    assert profile is not None
    rows_out = []
    with app.test_request_context():
        for sort in ("date", "fit"):
            filters = matching.BoardFilters(sort=sort)
            timings, cpu, sql = [], [], []
            for _ in range(9):
                with sql_counter() as stats:
                    began, began_cpu = time.perf_counter(), time.thread_time()
                    page = matching.board(profile, filters, page=1, per_page=25)
                    timings.append(time.perf_counter() - began)
                    cpu.append(time.thread_time() - began_cpu)
                sql.append(stats["seconds"])
            total, sql_s = statistics.median(timings), statistics.median(sql)
            cpu_s = statistics.median(cpu)
            row = {
                "open_needs": size,
                "case": f"matching.board() alone, sort={sort}",
                "candidates": page.total,
                "median_ms": ms(total),
                "cpu_median_ms": ms(cpu_s),
                "sql_exec_median_ms": ms(sql_s),
                # CPU time of this thread: the Python side (row fetch, ranking, page load)
                "cpu_us_per_candidate": round(cpu_s / max(page.total, 1) * 1e6, 1),
            }
            rows_out.append(row)
            log(
                f"  {size:>6} needs  {row['case']:<38} median {row['median_ms']:>7} ms  "
                f"cpu {row['cpu_median_ms']} ms  sql exec {row['sql_exec_median_ms']} ms  "
                f"candidates {page.total}  cpu {row['cpu_us_per_candidate']} µs/candidate"
            )
    return rows_out


# --- 2. claim contention over HTTP ---------------------------------------------------------


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # report the 302 itself


class Browser:
    """One person's HTTP session (urllib, own cookie jar)."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), _NoRedirect())

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urlencode(data).encode() if data is not None else None
        req = Request(self.base + path, data=body, method="POST" if data is not None else "GET")
        try:
            with self.opener.open(req, timeout=HTTP_TIMEOUT) as response:
                return response.status, response.read().decode()
        except HTTPError as exc:
            return exc.code, exc.read().decode()
        except (URLError, TimeoutError, ConnectionError) as exc:
            return -1, str(exc)

    def csrf(self, path: str) -> str:
        status, html = self.request(path)
        match = CSRF.search(html)
        if status != 200 or not match:
            raise RuntimeError(f"no CSRF token on {path} ({status}): {html[:2000]}")
        return match.group(1)

    def login(self, email: str) -> None:
        token = self.csrf("/login")
        status, _ = self.request(
            "/login", {"email": email, "password": PASSWORD, "csrf_token": token}
        )
        if status != 302:
            raise RuntimeError(f"log-in of {email} failed ({status})")


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def bench_claims(backend: Backend, volunteers: int, places: int, rounds: int) -> list[dict]:
    url = backend.fresh()
    app = make_app(url, WTF_CSRF_ENABLED=True)
    results = []
    with app.app_context():
        load_reference_data()
        home = db.session.scalars(select(Municipality).where(Municipality.name == "Gaggenau")).one()
        manager = make_user("leitung@example.org", "Bench Leitung", [(Role.MANAGER, home.id, None)])
        emails = [f"helfer{i}@example.org" for i in range(volunteers)]
        for email in emails:
            make_volunteer(email, home, [])
        db.session.commit()
        manager_id = manager.id
        db.session.remove()

        with live_server(app) as base:
            began = time.perf_counter()
            browsers = []
            for email in emails:
                browser = Browser(base)
                browser.login(email)
                browsers.append(browser)
            log(f"  {volunteers} volunteers logged in in {time.perf_counter() - began:.1f} s")
            for round_no in range(1, rounds + 1):
                need_id = _claim_need(home, manager_id, places)
                path = f"/board/needs/{need_id}/claim"
                tokens = [b.csrf(path) for b in browsers]
                statuses, wall = _fire(browsers, tokens, path)
                active, taken, status = _claim_counts(need_id)
                row = {
                    "round": round_no,
                    "volunteers": volunteers,
                    "places": places,
                    "wall_ms": ms(wall),
                    "succeeded": statuses.count(302),
                    "refused_409": statuses.count(409),
                    "other": sorted(s for s in statuses if s not in (302, 409)),
                    "active": active,
                    "taken": taken,
                    "status": status,
                    "ok": statuses.count(302) == places == active == taken
                    and statuses.count(409) == volunteers - places
                    and status == NeedStatus.FILLED,
                }
                results.append(row)
                log(
                    f"  round {round_no}: wall {row['wall_ms']} ms, {row['succeeded']} claimed, "
                    f"{row['refused_409']} refused (409), other {row['other']}, "
                    f"active {active}, taken {taken}, {status}: {'OK' if row['ok'] else 'WRONG'}"
                )
        db.session.remove()
        db.engine.dispose()
    return results


def _claim_need(home: Municipality, manager_id: int, places: int) -> int:
    start = local_to_utc(datetime.combine(today_local() + timedelta(days=3), dtime(10, 0)))
    need = Need(
        category="accompanying",
        title="Begleitung zur Ausländerbehörde",
        public_description="Begleitung zu einem Behördentermin.",
        municipality_id=home.id,
        languages=["ar"],
        schedule_kind="once",
        starts_at=start,
        ends_at=start + timedelta(minutes=90),
        starts_on=start.date(),
        ends_on=start.date(),
        capacity=places,
        status=NeedStatus.OPEN,
        created_by_id=manager_id,
    )
    db.session.add(need)
    db.session.commit()
    need_id = need.id
    db.session.remove()  # hold no transaction while the server works
    return need_id


def _fire(browsers: list[Browser], tokens: list[str], path: str) -> tuple[list[int], float]:
    barrier = threading.Barrier(len(browsers) + 1, timeout=HTTP_TIMEOUT)
    statuses = [0] * len(browsers)

    def run(i: int) -> None:
        barrier.wait()
        statuses[i] = browsers[i].request(path, {"csrf_token": tokens[i]})[0]

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(browsers))]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=HTTP_TIMEOUT * 2)
    return statuses, time.perf_counter() - began


def _claim_counts(need_id: int) -> tuple[int, int, str]:
    active = db.session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.need_id == need_id, Assignment.status == AssignmentStatus.ACTIVE)
    )
    need = db.session.execute(select(Need.taken, Need.status).where(Need.id == need_id)).one()
    db.session.remove()
    return int(active or 0), need.taken, need.status


# --- 3. outbox -----------------------------------------------------------------------------


class Collector:
    def __init__(self) -> None:
        self.message_ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        match = re.search(rb"^Message-ID:\s*(\S+)", envelope.content, re.MULTILINE | re.IGNORECASE)
        with self.lock:
            self.message_ids.append(match.group(1).decode() if match else "")
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_outbox(backend: Backend, messages: int, sender_counts: list[int]) -> list[dict]:
    from aiosmtpd.controller import Controller

    collector = Collector()
    port = free_port()  # aiosmtpd 1.4 cannot start on port 0
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    results = []
    try:
        for senders in sender_counts:
            url = backend.fresh()
            app = make_app(url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=30)
            with app.app_context():
                user = make_user("empfang@example.org", "Bench Empfang", [])
                for i in range(messages):
                    queue_email(
                        f"empfang{i}@example.org",
                        "verify_email",
                        "de",
                        user=user,
                        link=f"http://127.0.0.1/verify/{i}",
                    )
                db.session.commit()
                db.session.remove()
            collector.message_ids.clear()
            counts: list[dict[str, int]] = []
            errors: list[str] = []

            def sender(app: Flask = app, counts: list = counts, errors: list = errors) -> None:
                try:
                    with app.app_context():
                        counts.append(send_pending(limit=messages * 2))
                        db.session.remove()
                except Exception as exc:  # reported, not hidden
                    errors.append(f"{type(exc).__name__}: {exc}")

            threads = [threading.Thread(target=sender, daemon=True) for _ in range(senders)]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=300)
            wall = time.perf_counter() - began
            with app.app_context():
                by_status = dict(
                    db.session.execute(
                        select(OutboundEmail.status, func.count()).group_by(OutboundEmail.status)
                    ).all()
                )
                db.session.remove()
                db.engine.dispose()
            ids = collector.message_ids
            row = {
                "senders": senders,
                "messages": messages,
                "wall_s": round(wall, 2),
                "per_second": round(messages / wall, 1),
                "received": len(ids),
                "distinct": len(set(ids)),
                "rows_sent": by_status.get(OutboxStatus.SENT, 0),
                "per_sender": [c["sent"] for c in counts],
                "skipped": sum(c["skipped"] for c in counts),
                "errors": errors,
            }
            row["exactly_once"] = (
                row["received"] == row["distinct"] == row["rows_sent"] == messages and not errors
            )
            results.append(row)
            log(
                f"  {senders} sender(s): {messages} in {row['wall_s']} s = "
                f"{row['per_second']} msg/s; received {row['received']} "
                f"({row['distinct']} distinct), rows sent {row['rows_sent']}, "
                f"per sender {row['per_sender']}, skipped {row['skipped']}, errors {errors}: "
                f"{'exactly once' if row['exactly_once'] else 'WRONG'}"
            )
    finally:
        controller.stop()
    return results


# --- main ----------------------------------------------------------------------------------


def machine(backend: Backend) -> dict[str, Any]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info: dict[str, Any] = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "database": backend.kind,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    if backend.pg_url:
        app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": backend.pg_url})
        with app.app_context():
            info["postgresql"] = db.session.scalar(text("SHOW server_version"))
            db.engine.dispose()
        info["database_url"] = make_url(backend.pg_url).render_as_string(hide_password=True)
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes, few loops")
    parser.add_argument(
        "--only", choices=("board", "claims", "outbox"), action="append", help="run only a part"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    url = os.environ.get("BENCH_DATABASE_URL") or None
    if url and make_url(url).host not in ("127.0.0.1", "localhost", None):
        parser.error("BENCH_DATABASE_URL must point to 127.0.0.1 (the schema is dropped)")
    parts = set(args.only or ("board", "claims", "outbox"))
    if args.quick:
        sizes, requests, volunteers, places, rounds, messages = [100, 1000], 5, 12, 3, 1, 50
    else:
        sizes, requests, volunteers, places, rounds, messages = (
            [100, 1000, 10000],
            30,
            40,
            10,
            3,
            500,
        )

    backend = Backend(url)
    report: dict[str, Any] = {"machine": machine(backend), "quick": args.quick}
    log(f"machine: {json.dumps(report['machine'], ensure_ascii=False)}")
    steps: list[tuple[str, Callable[[], list[dict]]]] = [
        ("board", lambda: bench_board(backend, sizes, requests)),
        ("claims", lambda: bench_claims(backend, volunteers, places, rounds)),
        ("outbox", lambda: bench_outbox(backend, messages, [1, 2])),
    ]
    began = time.perf_counter()
    try:
        for name, step in steps:
            if name not in parts:
                continue
            log(f"\n== {name} ({backend.kind}) ==")
            t0 = time.perf_counter()
            report[name] = step()
            log(f"  ({time.perf_counter() - t0:.0f} s)")
    finally:
        backend.close()
    ok = all(r["ok"] for r in report.get("claims", [])) and all(
        r["exactly_once"] for r in report.get("outbox", [])
    )
    report["seconds"] = round(time.perf_counter() - began, 1)
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    log(f"load average at end: {report['load_average_at_end']} (on {os.cpu_count()} cores)")
    log(f"\ntotal {report['seconds']} s; correctness checks {'passed' if ok else 'FAILED'}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
