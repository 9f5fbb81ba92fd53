"""The time an answer takes does not tell whether an address is registered: log-in with an
unknown address and with a wrong password, and sign-up with a new and with a registered
address, all do the work of one password hash."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator

import pytest
from argon2 import PasswordHasher

from portal.extensions import db
from tests import factories
from tests.factories_volunteers import signup_form

TRIES = 5
#: The slower median may be at most this many times the faster one. Without the same work on
#: both paths the factor is 10 to 30 (one Argon2 hash against none).
MAX_FACTOR = 3.0


@pytest.fixture
def hash_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every Argon2 hash or verification, by name."""
    calls: list[str] = []
    for name in ("hash", "verify"):
        original = getattr(PasswordHasher, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, name, counted)
    yield calls


def _work(calls: list[str], action: Callable[[], object]) -> int:
    calls.clear()
    action()
    return len(calls)


def _median_seconds(action: Callable[[], object]) -> float:
    times = []
    for _ in range(TRIES):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _login(client, email: str) -> Callable[[], object]:
    def post() -> object:
        response = client.post("/login", data={"email": email, "password": "Falsches-Passwort-9"})
        assert response.status_code == 400
        return response

    return post


def _signup(client, path: str, data: Callable[[], dict]) -> Callable[[], object]:
    def post() -> object:
        response = client.post(path, data=data())
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return post


def _fresh_addresses(prefix: str) -> Callable[[], str]:
    counter = iter(range(1000))
    return lambda: f"{prefix}{next(counter)}@example.org"


def test_log_in_hashes_once_for_an_unknown_address_and_for_a_wrong_password(
    app, client, hash_calls
):
    factories.user("amira@example.org")
    db.session.commit()
    known = _work(hash_calls, _login(client, "amira@example.org"))
    unknown = _work(hash_calls, _login(client, "niemand@example.org"))
    assert known == unknown == 1


def test_sign_up_hashes_once_for_a_new_and_for_a_registered_address(app, client, hash_calls):
    factories.user("amira@example.org")
    towns = factories.reference_data()
    db.session.commit()
    base = {"display_name": "X", "password": factories.PASSWORD, "confirm": factories.PASSWORD}
    new = _work(hash_calls, _signup(client, "/signup", lambda: {**base, "email": "n@example.org"}))
    taken = _work(
        hash_calls, _signup(client, "/signup", lambda: {**base, "email": "amira@example.org"})
    )
    assert new == taken == 1

    home = towns["Bühl"].id
    new = _work(
        hash_calls,
        _signup(client, "/volunteer/signup", lambda: signup_form(home, email="v@example.org")),
    )
    taken = _work(
        hash_calls,
        _signup(client, "/volunteer/signup", lambda: signup_form(home, email="amira@example.org")),
    )
    assert new == taken == 1


@pytest.mark.app_config(PASSWORD_HASH_CHEAP=False)
def test_with_the_real_hash_cost_the_medians_of_both_log_in_paths_are_alike(app, client):
    factories.user("amira@example.org")
    db.session.commit()
    known = _median_seconds(_login(client, "amira@example.org"))
    unknown = _median_seconds(_login(client, "niemand@example.org"))
    assert max(known, unknown) / min(known, unknown) < MAX_FACTOR, (known, unknown)


@pytest.mark.app_config(PASSWORD_HASH_CHEAP=False)
def test_with_the_real_hash_cost_the_medians_of_both_sign_up_paths_are_alike(app, client):
    factories.user("amira@example.org")
    towns = factories.reference_data()
    db.session.commit()
    base = {"display_name": "X", "password": factories.PASSWORD, "confirm": factories.PASSWORD}
    fresh = _fresh_addresses("neu")
    new = _median_seconds(_signup(client, "/signup", lambda: {**base, "email": fresh()}))
    taken = _median_seconds(
        _signup(client, "/signup", lambda: {**base, "email": "amira@example.org"})
    )
    assert max(new, taken) / min(new, taken) < MAX_FACTOR, (new, taken)

    home = towns["Bühl"].id
    fresh = _fresh_addresses("ehrenamt")
    new = _median_seconds(
        _signup(client, "/volunteer/signup", lambda: signup_form(home, email=fresh()))
    )
    taken = _median_seconds(
        _signup(client, "/volunteer/signup", lambda: signup_form(home, email="amira@example.org"))
    )
    assert max(new, taken) / min(new, taken) < MAX_FACTOR, (new, taken)
