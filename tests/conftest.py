"""Test fixtures.

Every test that uses ``app`` (or anything built on it) runs once on SQLite and, when
TEST_DATABASE_URL is set, once more on PostgreSQL. The schema is built by the real Alembic
migrations once per backend; each test gets a fresh copy (SQLite) or emptied tables
(PostgreSQL, tests/database_reset.py), so tests may commit freely and live servers in other
threads see the same data.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, request_started
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from tests.database_reset import empty_tables
from tests.routing_cache import share_compiled_builders
from tests.template_cache import TEMPLATE_CODE

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])

BASE_CONFIG: dict[str, Any] = {
    "PORTAL_ENV": "testing",
    "SECRET_KEY": "test-secret-key-that-is-long-enough-1234",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "MAIL_SERVER": None,
    "DEMO_PASSWORDS": True,
    "PASSWORD_HASH_CHEAP": True,
    # Staff sign in with a second factor by default; the suite's staff sign in with a password
    # alone, and the tests of the second factor (tests/integration/test_two_factor*.py and the
    # browser test) turn the default back on.
    "TWO_FACTOR_REQUIRED_ROLES": (),
}


def pytest_configure(config: pytest.Config) -> None:
    _collect_logs()
    share_compiled_builders()
    config.addinivalue_line("markers", "app_config(**settings): extra Flask settings for `app`")
    config.addinivalue_line("markers", "smtp: deliver mail to the test SMTP server")
    config.addinivalue_line("markers", "csrf: keep CSRF protection on in the test client")


# --- databases -------------------------------------------------------------------------------


@dataclass
class Database:
    kind: str
    url: str
    template: Path | None = None


def _migrate(url: str) -> None:
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The migrated schema for one backend."""
    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("sqlite") / "template.db"
        _migrate(f"sqlite:///{template}")
        yield Database("sqlite", f"sqlite:///{template}", template)
        return
    url = _worker_database(os.environ["TEST_DATABASE_URL"])
    _drop_everything(url)
    _migrate(url)
    yield Database("postgresql", url)
    # Leave the CI database clean: the real downgrade path removes every table.
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        _truncate_all()
        downgrade(revision="base")
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.engine.dispose()
    _drop_worker_database(os.environ["TEST_DATABASE_URL"], url)


def _worker_database(url: str) -> str:
    """Under pytest-xdist every worker gets a database of its own beside TEST_DATABASE_URL's
    (``test_gw0``, ...), created here and dropped at the end; without xdist it is that one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not found:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_worker_database(base_url: str, url: str) -> None:
    if url == base_url:
        return
    name = make_url(url).database
    admin = create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _drop_everything(url: str) -> None:
    """Start from an empty schema even if an aborted run left tables behind."""
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE"))
        db.session.execute(text("CREATE SCHEMA public"))
        db.session.commit()
        db.engine.dispose()


def _truncate_all() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


# --- the application -------------------------------------------------------------------------


@pytest.fixture
def app(request: pytest.FixtureRequest, database: Database, tmp_path: Path) -> Iterator[Flask]:
    """A fresh application on an empty, migrated database, inside an app context."""
    config = dict(BASE_CONFIG)
    if database.kind == "sqlite":
        assert database.template is not None
        path = tmp_path / "portal.db"
        shutil.copyfile(database.template, path)
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    else:
        config["SQLALCHEMY_DATABASE_URI"] = database.url
    if request.node.get_closest_marker("smtp"):
        smtp = request.getfixturevalue("smtp_server")
        config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    if request.node.get_closest_marker("csrf"):
        config["WTF_CSRF_ENABLED"] = True
    for marker in request.node.iter_markers("app_config"):
        config.update(marker.kwargs)
    app = create_app(config)
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    # The test keeps an app context pushed, and Flask reuses it for test-client requests: give
    # every request an empty `g` so that one client's log-in, CSRF token or language cached
    # there never leaks into another client's request (in production each request has its own).
    request_started.connect(_forget_previous_request, app)
    ctx = app.app_context()
    ctx.push()
    try:
        yield app
    finally:
        db.session.remove()
        if database.kind == "postgresql":
            with db.engine.begin() as conn:
                empty_tables(conn, db.metadata.sorted_tables)
        db.engine.dispose()
        ctx.pop()


@pytest.fixture
def postgresql(app: Flask, database: Database) -> Flask:
    """`app` for a test of what only PostgreSQL has (query plans, connection modes): its run on
    SQLite skips."""
    if database.kind != "postgresql":
        pytest.skip("checks what only PostgreSQL has")
    return app


def _forget_previous_request(sender: Flask, **_extra: Any) -> None:
    for name in list(g):
        g.pop(name, None)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class AuthActions:
    """Log in and out through the real log-in form (flaskr's `auth` fixture)."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = "Sicheres-Passwort-1"):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


# --- counting SQL statements -----------------------------------------------------------------


@dataclass
class QueryCounter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask):
    """``with count_queries() as q: ...; q.count`` counts SQL statements (not BEGIN/COMMIT)."""

    @contextmanager
    def counter() -> Iterator[QueryCounter]:
        result = QueryCounter()

        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
            if head not in {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA"}:
                result.statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield result
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counter


# --- a real SMTP server ----------------------------------------------------------------------


class SMTPCollector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []
        self.port = 0
        self.fail_next = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.fail_next:
            self.fail_next -= 1
            return "451 Temporary failure, try again later"
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    @staticmethod
    def text_of(message: EmailMessage) -> str:
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        return body.get_content()


@pytest.fixture(scope="session")
def _smtp_controller():
    from aiosmtpd.controller import Controller

    collector = SMTPCollector()
    # aiosmtpd 1.4 cannot start on port 0 (its start-up probe connects to port 0): pick one.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        collector.port = probe.getsockname()[1]
    controller = Controller(collector, hostname="127.0.0.1", port=collector.port)
    controller.start()
    yield collector
    controller.stop()


@pytest.fixture
def smtp_server(_smtp_controller: SMTPCollector) -> SMTPCollector:
    """A real local SMTP server (aiosmtpd); ``.messages`` holds what arrived in this test."""
    _smtp_controller.messages.clear()
    _smtp_controller.envelopes.clear()
    _smtp_controller.fail_next = 0
    return _smtp_controller


# --- a live server for browser and concurrency tests ---------------------------------------


@dataclass
class LiveServer:
    url: str
    app: Flask


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The app served over HTTP by a threaded werkzeug server on a free port."""
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=5)


# --- Playwright with Debian's Chromium ------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server: LiveServer):
    context = browser.new_context(base_url=live_server.url, locale="de-DE")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


# --- no personal data or secrets in the logs ---------------------------------------------------

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
TOKENS = {
    # itsdangerous (verification, reset and invitation links): payload.timestamp.signature
    "signed token": re.compile(r"(?<![\w.-])[\w-]{8,}\.[\w-]{6}\.[\w-]{27}(?![\w-])"),
    # secrets.token_urlsafe(32) (calendar feed addresses)
    "secret token": re.compile(r"(?<![\w-])[A-Za-z0-9_-]{43}(?![\w-])"),
}
# Loggers of the test's own machinery, not the portal: the SMTP server the mail tests talk to.
FOREIGN_LOGGERS = ("mail.log",)
CLIENT_NAMES: set[str] = set()


class LogCollector(logging.Handler):
    """Keeps every log record of the test run (the portal's and its libraries')."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


LOGS = LogCollector()


def _collect_logs() -> None:
    from sqlalchemy import event as sa_event

    from portal.plans.models import Client

    root = logging.getLogger()
    if LOGS not in root.handlers:
        root.addHandler(LOGS)
    root.setLevel(logging.INFO)  # as create_app's basicConfig: INFO and above
    logging.getLogger("portal").setLevel(logging.DEBUG)  # and all of the portal's own

    @sa_event.listens_for(Client, "before_insert", propagate=True)
    def remember_client_name(_mapper: Any, _conn: Any, client: Any) -> None:
        name = (client.name or "").strip()
        if len(name) >= 5 and any(c.isalpha() for c in name):
            CLIENT_NAMES.add(name)


def _text_of(record: logging.LogRecord) -> str:
    try:
        text = record.getMessage()
    except Exception:
        text = f"{record.msg} {record.args}"
    if record.exc_info:
        text += "\n" + logging.Formatter().formatException(record.exc_info)
    return text


def personal_data_in(records: list[logging.LogRecord]) -> list[str]:
    """What in these records identifies a person or opens an account: e-mail addresses,
    tokens, the names of clients."""
    found = []
    for record in records:
        if record.name.startswith(FOREIGN_LOGGERS):
            continue
        text = _text_of(record)
        what = [name for name, pattern in TOKENS.items() if pattern.search(text)]
        what += ["e-mail address"] if EMAIL.search(text) else []
        what += [f"client name {n!r}" for n in CLIENT_NAMES if n in text]
        if what:
            found.append(f"{record.name} {record.levelname}: {', '.join(what)}: {text[:300]!r}")
    return found


@pytest.fixture(autouse=True)
def _no_personal_data_in_the_logs() -> Iterator[None]:
    """Every test's log records (all threads) are checked when it ends."""
    start = len(LOGS.records)
    yield
    found = personal_data_in(LOGS.records[start:])
    del LOGS.records[start:]
    if found:
        pytest.fail("the logs contain personal data:\n" + "\n".join(found), pytrace=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Records outside any test (session fixtures) are checked at the end of the run."""
    found = personal_data_in(LOGS.records)
    if found:
        print("\nthe logs contain personal data:\n" + "\n".join(found))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
