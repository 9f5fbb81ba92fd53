"""`make prod-check`: the production topology of compose.yaml, run from Debian's packages on
this machine, and the properties that only show with several app servers.

    nginx (deploy/nginx/portal.conf, on a free high port)
      -> gunicorn A and gunicorn B (gunicorn.conf.py, 2 sync workers each, PORTAL_ENV=production)
    PostgreSQL (a fresh database, dropped at the end), Redis (one database, flushed),
    the outbox worker (`flask outbox send --loop`) delivering to a local SMTP sink.

Checks, each PASS or FAIL (exit status 1 if any fails):

1. log-in rate limit: wrong passwords from one address, alternating between A and B; the
   limit (RATELIMIT_LOGIN, shared through Redis) answers 429 once the sum reaches it;
2. sessions: log in through A, use the session through B, log out through B, A no longer
   accepts it (the server-side sign-in session);
3. the claim race: 50 volunteers claim one need with 3 places at the same moment, spread
   over A and B: exactly 3 win, the others get a 4xx, and the database agrees;
4. the outbox worker: a password-reset request through nginx reaches the SMTP sink;
5. failover: GET load through nginx while gunicorn B is killed (SIGKILL, whole process group):
   no request fails (nginx retries idempotent requests on A).

Settings from the environment: PRODCHECK_PG_URL (the server, default
postgresql://postgres@127.0.0.1:5432/postgres), PRODCHECK_DATABASE (default ``prodcheck``),
PRODCHECK_REDIS_URL (default redis://127.0.0.1:6379/5), NGINX (default /usr/sbin/nginx).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from portal_client import Client, free_port, race_need  # noqa: E402

BIN = Path(sys.executable).parent
PASSWORD = "Prod-Check-Passwort-2026"  # noqa: S105 - throw-away accounts in a throw-away database
HOST = "127.0.0.1"
LOGIN_LIMIT = 6
CLAIMERS = 50
PLACES = 3


class Sink:
    """aiosmtpd handler: keeps every message's recipients."""

    def __init__(self) -> None:
        self.recipients: list[str] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.recipients.extend(getattr(envelope, "rcpt_tos", []))
        return "250 OK"


class Stack:
    """Starts and stops the whole topology in a temporary directory."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="prodcheck-"))
        self.tmp.chmod(0o755)
        pg = os.environ.get("PRODCHECK_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        self.admin_dsn = pg
        self.database = os.environ.get("PRODCHECK_DATABASE", "prodcheck")
        self.dsn = pg.rsplit("/", 1)[0] + "/" + self.database
        self.redis_url = os.environ.get("PRODCHECK_REDIS_URL", "redis://127.0.0.1:6379/5")
        self.ports = {"a": free_port(), "b": free_port(), "nginx": free_port()}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.keep_logs = os.environ.get("PRODCHECK_KEEP_LOGS") == "1"
        self.sink = Sink()
        self.smtp = Controller(self.sink, hostname=HOST, port=free_port())
        self.env = {
            **os.environ,
            "FLASK_APP": "portal:create_app",
            "PORTAL_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "DATABASE_URL": self.dsn.replace("postgresql://", "postgresql+psycopg://", 1),
            "REDIS_URL": self.redis_url,
            "PUBLIC_BASE_URL": f"http://{HOST}:{self.ports['nginx']}",
            "TRUSTED_PROXIES": "1",
            "TWO_FACTOR_REQUIRED_ROLES": "",
            "RATELIMIT_LOGIN": f"{LOGIN_LIMIT} per minute",
            "MAIL_SERVER": HOST,
            "MAIL_PORT": str(self.smtp.port),
            "GUNICORN_WORKERS": "2",
            "PYTHONUNBUFFERED": "1",
        }

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.database}"')
        redis.Redis.from_url(self.redis_url).flushdb()
        self.smtp.start()
        self.flask("db", "upgrade")
        self.flask(
            "seed-scale", "--municipalities", "1", "--volunteers", "120", "--needs", "40",
            "--reports", "20", "--password", PASSWORD,
        )  # fmt: skip
        for name in ("a", "b"):
            self.spawn(
                name,
                [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")],
                GUNICORN_BIND=f"{HOST}:{self.ports[name]}",
                GUNICORN_ACCESS_LOG=str(self.tmp / f"access-{name}.log"),
            )
        self.spawn("outbox", [str(BIN / "flask"), "outbox", "send", "--loop", "--interval", "1"])
        self.spawn("nginx", [os.environ.get("NGINX", "/usr/sbin/nginx"), "-p", str(self.tmp),
                             "-c", str(self.nginx_conf())])  # fmt: skip
        for port in (self.ports["a"], self.ports["b"], self.ports["nginx"]):
            self.wait_healthy(port)

    def flask(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 - our own command line
            [str(BIN / "flask"), *args], cwd=ROOT, env=self.env, check=True,
            stdout=subprocess.DEVNULL, stderr=(self.tmp / "flask.log").open("ab"),
        )  # fmt: skip

    def spawn(self, name: str, argv: list[str], **env: str) -> None:
        log = (self.tmp / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own command line
            argv, cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=log,
            start_new_session=True,
        )  # fmt: skip

    def nginx_conf(self) -> Path:
        site = (ROOT / "deploy" / "nginx" / "portal.conf").read_text(encoding="utf-8")
        site = site.replace("server app1:8000", f"server {HOST}:{self.ports['a']}")
        site = site.replace("server app2:8000", f"server {HOST}:{self.ports['b']}")
        site = site.replace("listen 8080;", f"listen {HOST}:{self.ports['nginx']};")
        (self.tmp / "portal.conf").write_text(site, encoding="utf-8")
        for temp in ("body", "proxy"):
            (self.tmp / temp).mkdir(mode=0o777)
            (self.tmp / temp).chmod(0o777)  # workers run as nobody when started as root
        conf = self.tmp / "nginx.conf"
        conf.write_text(
            f"""daemon off;
worker_processes 1;
pid {self.tmp}/nginx.pid;
error_log {self.tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {self.tmp}/nginx-access.log;
    client_body_temp_path {self.tmp}/body;
    proxy_temp_path {self.tmp}/proxy;
    fastcgi_temp_path {self.tmp}/proxy;
    uwsgi_temp_path {self.tmp}/proxy;
    scgi_temp_path {self.tmp}/proxy;
    include {self.tmp}/portal.conf;
}}
""",
            encoding="utf-8",
        )
        return conf

    def wait_healthy(self, port: int, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                if Client(HOST, port, timeout=5).request("GET", "/healthz").status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing healthy on port {port}; logs in {self.tmp}")
            time.sleep(0.3)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.get(name)
        if process and process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(timeout=30)

    def stop(self) -> None:
        for name in ("nginx", "outbox", "a", "b"):
            try:
                self.kill(name, signal.SIGTERM)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill(name)
        self.smtp.stop()
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        redis.Redis.from_url(self.redis_url).flushdb()
        if not self.keep_logs:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # --- data ------------------------------------------------------------------------------

    def sql(self, query: str, *params: object) -> list[tuple]:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            cursor = conn.execute(query, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    def volunteers(self, count: int) -> list[str]:
        """Approved volunteers without an active claim."""
        rows = self.sql(
            """SELECT u.email FROM volunteer_profile p JOIN "user" u ON u.id = p.user_id
               WHERE p.status = 'approved' AND NOT EXISTS (SELECT 1 FROM assignment a
                 WHERE a.volunteer_id = p.id AND a.status = 'active')
               ORDER BY p.id LIMIT %s""",
            count,
        )
        if len(rows) < count:
            raise RuntimeError(f"only {len(rows)} free volunteers")
        return [email for (email,) in rows]

    def race_need(self) -> int:
        return race_need(self.sql, PLACES)[0]


# --- the checks -----------------------------------------------------------------------------


def check_rate_limit(stack: Stack) -> tuple[bool, str]:
    ports = [stack.ports["a"], stack.ports["b"]]
    client = Client(HOST, ports[0], forwarded_for="203.0.113.7")
    email = stack.volunteers(1)[0]
    statuses = []
    for attempt in range(LOGIN_LIMIT + 2):
        port = ports[attempt % 2]
        token = client.csrf("/login", port)
        form = {"csrf_token": token, "email": email, "password": "falsch-falsch-falsch"}
        statuses.append(client.request_to(port, "POST", "/login", form).status)
    allowed, refused = statuses[:LOGIN_LIMIT], statuses[LOGIN_LIMIT:]
    ok = 429 not in allowed and refused == [429, 429]
    return ok, f"statuses alternating A/B: {statuses} (limit {LOGIN_LIMIT} per minute)"


def check_sessions(stack: Stack) -> tuple[bool, str]:
    a, b = stack.ports["a"], stack.ports["b"]
    client = Client(HOST, a, forwarded_for="203.0.113.20")
    logged_in = client.login(stack.volunteers(2)[1], PASSWORD, a).status
    on_b = client.request_to(b, "GET", "/board/")
    token = client.csrf("/board/", b)
    out = client.request_to(b, "POST", "/logout", {"csrf_token": token}).status
    # a copy of the cookies from before the log-out must not work either
    after = client.request_to(a, "GET", "/board/")
    ok = logged_in == 302 and on_b.status == 200 and out == 302 and after.status == 302
    detail = (
        f"login via A {logged_in}, board via B {on_b.status}, logout via B {out}, "
        f"board via A afterwards {after.status} -> {after.location or '-'}"
    )
    return ok and "/login" in after.location, detail


def check_claim_race(stack: Stack) -> tuple[bool, str]:
    need_id = stack.race_need()
    ports = [stack.ports["a"], stack.ports["b"]]
    emails = stack.volunteers(CLAIMERS + 2)[2:]
    clients = [
        Client(HOST, ports[k % 2], forwarded_for=f"198.51.100.{k + 1}") for k in range(CLAIMERS)
    ]
    path = f"/board/needs/{need_id}/claim"

    def prepare(k: int) -> str:
        if clients[k].login(emails[k], PASSWORD).status != 302:
            raise RuntimeError(f"log-in failed for claimer {k}")
        return clients[k].csrf(path)

    with ThreadPoolExecutor(8) as pool:
        tokens = list(pool.map(prepare, range(CLAIMERS)))
    barrier = threading.Barrier(CLAIMERS)

    def claim(k: int) -> int:
        barrier.wait()
        return clients[k].request("POST", path, {"csrf_token": tokens[k]}).status

    with ThreadPoolExecutor(CLAIMERS) as pool:
        statuses = Counter(pool.map(claim, range(CLAIMERS)))
    wins = statuses.get(302, 0)
    losers_4xx = sum(n for s, n in statuses.items() if 400 <= s < 500)
    taken, active = stack.sql(
        "SELECT taken, (SELECT count(*) FROM assignment WHERE need_id = need.id "
        "AND status = 'active') FROM need WHERE id = %s",
        need_id,
    )[0]
    ok = wins == PLACES and losers_4xx == CLAIMERS - PLACES and taken == active == PLACES
    return ok, f"{dict(statuses)}; need.taken={taken}, active claims={active}"


def check_outbox(stack: Stack) -> tuple[bool, str]:
    email = stack.volunteers(3)[2]
    client = Client(HOST, stack.ports["nginx"])
    token = client.csrf("/password/forgot")
    status = client.request("POST", "/password/forgot", {"csrf_token": token, "email": email})
    deadline = time.monotonic() + 30
    while email not in stack.sink.recipients and time.monotonic() < deadline:
        time.sleep(0.2)
    delivered = email in stack.sink.recipients
    return status.status == 302 and delivered, f"request {status.status}, delivered={delivered}"


def check_failover(stack: Stack) -> tuple[bool, str]:
    nginx = stack.ports["nginx"]
    user = Client(HOST, nginx)
    if user.login(stack.volunteers(4)[3], PASSWORD).status != 302:
        return False, "log-in through nginx failed"
    paths = ["/board/", "/healthz", "/board/my-tasks", "/privacy"]
    stop_at = time.monotonic() + 8
    results: Counter[str] = Counter()
    lock = threading.Lock()

    def load(k: int) -> None:
        client = Client(HOST, nginx, cookies=dict(user.cookies))
        n = k
        while time.monotonic() < stop_at:
            try:
                status = str(client.request("GET", paths[n % len(paths)]).status)
            except OSError as exc:
                status = exc.__class__.__name__
            n += 1
            with lock:
                results[status] += 1

    threads = [threading.Thread(target=load, args=(k,)) for k in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(2.5)
    stack.kill("b")  # SIGKILL to gunicorn B's master and workers
    for thread in threads:
        thread.join()
    after = Client(HOST, nginx, cookies=dict(user.cookies)).request("GET", "/board/").status
    failed = sum(n for status, n in results.items() if status != "200")
    ok = failed == 0 and results["200"] > 20 and after == 200
    return ok, f"{sum(results.values())} GETs while B was killed: {dict(results)}"


CHECKS: list[tuple[str, Callable[[Stack], tuple[bool, str]]]] = [
    ("log-in rate limit shared by both instances", check_rate_limit),
    ("session from A works on B, log-out on B ends it on A", check_sessions),
    (f"claim race: {CLAIMERS} claims on {PLACES} places over A and B", check_claim_race),
    ("outbox worker delivers mail queued by the app", check_outbox),
    ("killing one instance fails no GET (nginx retries)", check_failover),
]


@contextmanager
def running(stack: Stack) -> Iterator[Stack]:
    try:
        stack.start()
        yield stack
    except BaseException:
        stack.keep_logs = True
        print(f"logs kept in {stack.tmp}")
        raise
    finally:
        stack.stop()


def main() -> int:
    started = time.monotonic()
    stack = Stack()
    failures = 0
    with running(stack):
        print(f"stack up in {time.monotonic() - started:.1f} s (logs: {stack.tmp})", flush=True)
        for name, check in CHECKS:
            try:
                ok, detail = check(stack)
            except Exception as exc:  # a broken check is a failed check
                ok, detail = False, f"{exc.__class__.__name__}: {exc}"
            failures += not ok
            print(f"{'PASS' if ok else 'FAIL'}  {name}\n      {detail}", flush=True)
        if failures:
            stack.keep_logs = True
            print(f"logs kept in {stack.tmp}")
    total = time.monotonic() - started
    print(f"{'FAIL' if failures else 'PASS'}: {len(CHECKS) - failures}/{len(CHECKS)} checks "
          f"in {total:.0f} s")  # fmt: skip
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
