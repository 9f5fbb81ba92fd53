"""Rate limits on log-in and password-reset requests: Flask-Limiter, memory by
default, Redis when configured (shared by several app instances), a friendly German 429 page,
and settings that belong to the app they were given to."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from limits.storage import MemoryStorage, RedisStorage
from sqlalchemy import func, select

from portal import create_app
from portal.config import load_config
from portal.extensions import db, limiter
from portal.notifications.models import OutboundEmail
from tests import factories
from tests.conftest import BASE_CONFIG

REDIS = "redis://127.0.0.1:6379/15"
LIMITED = {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "3 per minute"}
WRONG = {"email": "erika@example.org", "password": "falsches-Passwort-1"}


def login(client) -> int:
    status = client.post("/login", data=WRONG).status_code
    # Requests to the fixture's app share the test's app context (and session): end its
    # transaction so that another app instance can write to the same SQLite file.
    db.session.rollback()
    return status


def assert_friendly_429(response) -> None:
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Zu viele Versuche" in page
    assert "Bitte warten Sie einige Minuten" in page
    assert "<main" in page and "Traceback" not in page  # the normal layout, not a trace
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.app_config(**LIMITED)
def test_the_fourth_login_within_a_minute_gets_the_429_page(app, client):
    factories.user(email="erika@example.org")
    db.session.commit()
    assert [login(client) for _ in range(3)] == [400, 400, 400]
    response = client.post("/login", data=WRONG)
    assert_friendly_429(response)
    # Even the right password does not get through now, and nobody is logged in.
    right = client.post(
        "/login", data={"email": "erika@example.org", "password": "Sicheres-Passwort-1"}
    )
    assert right.status_code == 429
    assert client.get("/dashboard").status_code == 302
    # Only POSTs count: the form itself still shows.
    assert client.get("/login").status_code == 200


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_RESET="2 per minute")
def test_password_reset_requests_are_limited_and_send_no_more_mail(app, client):
    factories.user(email="erika@example.org")
    db.session.commit()
    data = {"email": "erika@example.org"}
    assert [client.post("/password/forgot", data=data).status_code for _ in range(2)] == [302, 302]
    assert_friendly_429(client.post("/password/forgot", data=data))
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 2


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_RESET="2 per minute")
def test_signup_and_password_reset_posts_are_limited(app, client):
    assert [client.post("/signup", data={}).status_code for _ in range(2)] == [400, 400]
    assert client.post("/signup", data={}).status_code == 429
    token_url = "/password/reset/invalid-token"
    assert [client.post(token_url, data={}).status_code for _ in range(2)] == [400, 400]
    assert client.post(token_url, data={}).status_code == 429


def test_rate_limiting_is_off_when_disabled(app, client):
    assert app.config["RATELIMIT_ENABLED"] is False  # the test profile
    assert {login(client) for _ in range(15)} == {400}


# --- one module-level limiter, several apps ----------------------------------------------------


def second_app(app: Flask, **settings) -> Flask:
    """Another instance of the portal on the same database (as behind a load balancer)."""
    return create_app(
        {
            **BASE_CONFIG,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            **settings,
        }
    )


def dispose(other: Flask) -> None:
    with other.app_context():
        db.engine.dispose()


@pytest.mark.app_config(**LIMITED)
def test_settings_of_a_later_app_do_not_leak_into_an_earlier_one(app, client):
    relaxed = second_app(app, RATELIMIT_ENABLED=False)
    strict = second_app(app, **LIMITED)
    try:
        # The first app keeps its limit although a disabled app was created after it ...
        assert [login(client) for _ in range(4)] == [400, 400, 400, 429]
        # ... the disabled app is not limited by the others' settings ...
        assert {login(relaxed.test_client()) for _ in range(6)} == {400}
        # ... and with memory storage every app counts for itself.
        assert [login(strict.test_client()) for _ in range(4)] == [400, 400, 400, 429]
        with app.app_context():
            assert isinstance(limiter.storage, MemoryStorage)
            first_storage = limiter.storage
        with strict.app_context():
            assert limiter.storage is not first_storage
    finally:
        dispose(relaxed)
        dispose(strict)


@pytest.fixture
def redis_prefix() -> Iterator[tuple[redis.Redis, str]]:
    """A key prefix of this test's own: tests running in parallel share the Redis database,
    so each removes only its own keys (never FLUSHDB)."""
    client = redis.Redis.from_url(REDIS)
    prefix = uuid.uuid4().hex
    yield client, prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


def test_with_redis_the_limit_holds_across_two_app_instances(app, redis_prefix):
    redis_db, prefix = redis_prefix
    shared = {**LIMITED, "RATELIMIT_STORAGE_URI": REDIS, "RATELIMIT_KEY_PREFIX": prefix}
    one, two = second_app(app, **shared), second_app(app, **shared)
    try:
        first, second = one.test_client(), two.test_client()
        assert [login(first), login(second), login(first)] == [400, 400, 400]
        assert_friendly_429(second.post("/login", data=WRONG))
        assert login(first) == 429
        with one.app_context():
            assert isinstance(limiter.storage, RedisStorage)
        keys = [k.decode() for k in redis_db.scan_iter(f"*{prefix}*")]
        assert any(shared["RATELIMIT_KEY_PREFIX"] in k and "auth.login" in k for k in keys), keys
    finally:
        dispose(one)
        dispose(two)


def test_redis_url_in_the_environment_switches_the_storage(app, monkeypatch, tmp_path):
    monkeypatch.setenv("REDIS_URL", REDIS)
    assert load_config(str(tmp_path))["RATELIMIT_STORAGE_URI"] == REDIS
    other = second_app(app, RATELIMIT_ENABLED=True)
    try:
        with other.app_context():
            assert isinstance(limiter.storage, RedisStorage)
    finally:
        dispose(other)
    monkeypatch.delenv("REDIS_URL")
    assert load_config(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "memory://"
    # REDIS_URL given to create_app directly works the same way.
    assert load_config(str(tmp_path), {"REDIS_URL": REDIS})["RATELIMIT_STORAGE_URI"] == REDIS


@pytest.mark.app_config(**LIMITED, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
def test_an_unreachable_redis_falls_back_to_memory_instead_of_failing(app, client):
    # Nothing listens on port 1: every request would be a 500 without the fallback.
    assert [login(client) for _ in range(3)] == [400, 400, 400]
    assert_friendly_429(client.post("/login", data=WRONG))


def forwarded_login(client, address: str) -> int:
    response = client.post("/login", data=WRONG, headers={"X-Forwarded-For": address})
    db.session.rollback()
    return response.status_code


@pytest.mark.app_config(**LIMITED)
def test_without_trusted_proxies_x_forwarded_for_cannot_dodge_the_limit(app, client):
    statuses = [forwarded_login(client, f"203.0.113.{i}") for i in range(4)]
    assert statuses == [400, 400, 400, 429]


@pytest.mark.app_config(**LIMITED, TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit(app, client):
    assert [forwarded_login(client, "203.0.113.7") for _ in range(4)] == [400, 400, 400, 429]
    # Another visitor behind the same load balancer is not locked out.
    assert forwarded_login(client, "198.51.100.23") == 400
