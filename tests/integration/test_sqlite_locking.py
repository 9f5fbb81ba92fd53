"""SQLite: only writes take the write lock. Page views and the password check at log-in begin
deferred transactions (WAL lets them read beside a writer); a unit of work begins with
BEGIN IMMEDIATE. Parallel log-ins never see "database is locked"."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, build_opener

import pytest
from flask import Flask

import portal.auth.services as auth_services
from portal import create_app
from portal.extensions import db
from portal.needs.models import Need
from tests import factories
from tests import factories_board as fb
from tests.conftest import BASE_CONFIG, _migrate

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a SQLite file of its own; writers give up after 300 ms instead of 15 s."""
    path = tmp_path / "portal.db"
    _migrate(f"sqlite:///{path}")
    app = create_app(
        {
            **BASE_CONFIG,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SQLITE_BUSY_TIMEOUT_MS": 300,
        }
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def database_file(app: Flask) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def write_lock_is_free(app: Flask) -> bool:
    """Whether another connection could take the write lock right now."""
    other = sqlite3.connect(database_file(app), timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_pages_read_beside_a_writer_that_holds_the_lock(sqlite_app):
    world = fb.county()
    fb.once_need(world["gaggenau"], title="Lernhilfe")
    db.session.commit()
    client = sqlite_app.test_client()
    assert (
        client.post(
            "/login", data={"email": "keller@example.org", "password": factories.PASSWORD}
        ).status_code
        == 302
    )
    db.session.remove()

    writer = sqlite3.connect(database_file(sqlite_app), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a long write elsewhere holds the lock
    try:
        for url in ("/dashboard", "/needs/", "/plans/clients"):
            assert client.get(url).status_code == 200, url
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_unit_of_work_takes_the_write_lock_at_its_start(sqlite_app):
    from portal.core.transaction import unit_of_work

    world = fb.county()
    db.session.commit()
    db.session.get(Need, 1)  # a read opens a deferred transaction first
    with unit_of_work():
        db.session.get(type(world["manager"]), world["manager"].id)
        assert not write_lock_is_free(sqlite_app)
    assert write_lock_is_free(sqlite_app)


def test_the_password_check_at_log_in_holds_no_write_lock(sqlite_app, monkeypatch):
    factories.user("amira@example.org")
    db.session.commit()
    db.session.remove()
    seen: list[bool] = []
    real = auth_services.verify_password

    def checking(stored: str | None, password: str) -> bool:
        seen.append(write_lock_is_free(sqlite_app))
        return real(stored, password)

    monkeypatch.setattr(auth_services, "verify_password", checking)
    client = sqlite_app.test_client()
    response = client.post(
        "/login", data={"email": "amira@example.org", "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert seen and all(seen), "the write lock was held while the password was checked"


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _login(base: str, email: str) -> int:
    opener = build_opener(HTTPCookieProcessor(CookieJar()), _NoRedirect)
    html = opener.open(f"{base}/login", timeout=30).read().decode()
    token = CSRF.search(html).group(1)  # type: ignore[union-attr]
    data = urlencode({"email": email, "password": factories.PASSWORD, "csrf_token": token})
    try:
        return opener.open(f"{base}/login", data=data.encode(), timeout=60).status
    except HTTPError as exc:
        return exc.code


@pytest.mark.app_config(PASSWORD_HASH_CHEAP=False)
def test_eight_parallel_log_ins_never_report_a_locked_database(app, live_server):
    """Real Argon2 cost, eight browsers at once: every one is signed in (302)."""
    emails = [f"person{i}@example.org" for i in range(8)]
    for email in emails:
        factories.user(email)
    db.session.commit()
    db.session.remove()
    barrier = threading.Barrier(len(emails))
    results: dict[str, int | str] = {}

    def run(email: str) -> None:
        barrier.wait(timeout=30)
        try:
            results[email] = _login(live_server.url, email)
        except Exception as exc:
            results[email] = repr(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in emails]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results == dict.fromkeys(emails, 302)
