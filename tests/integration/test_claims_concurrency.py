"""N simultaneous claims over real HTTP end in exactly k active assignments (DESIGN.md §5).

A real threaded server (the `live_server` fixture) receives the requests from several client
threads at once, each with its own logged-in session (cookie jar) and CSRF token. Runs on
SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

from sqlalchemy import func, select

from portal.core.time import today_local
from portal.extensions import db
from portal.needs.models import Assignment, AssignmentStatus, Need, NeedStatus
from tests import factories
from tests import factories_board as fb

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # report the 302 itself


class Browser:
    """One person's HTTP session against the live server (urllib, own cookie jar)."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), _NoRedirect())

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urlencode(data).encode() if data is not None else None
        req = Request(self.base + path, data=body, method="POST" if data is not None else "GET")
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read().decode()
        except HTTPError as exc:
            return exc.code, exc.read().decode()

    def csrf(self, path: str) -> str:
        status, html = self.request(path)
        assert status == 200, (path, status)
        match = CSRF.search(html)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, email: str) -> None:
        token = self.csrf("/login")
        status, _ = self.request(
            "/login", {"email": email, "password": factories.PASSWORD, "csrf_token": token}
        )
        assert status == 302, f"login of {email} failed ({status})"


def _fire(browsers: list[tuple[Browser, str]], path: str) -> list[int]:
    """POST to ``path`` from every browser at the same moment; returns the status codes."""
    barrier = threading.Barrier(len(browsers))
    results: list[int] = [0] * len(browsers)

    def run(i: int, browser: Browser, token: str) -> None:
        barrier.wait()
        results[i] = browser.request(path, {"csrf_token": token})[0]

    threads = [
        threading.Thread(target=run, args=(i, b, token)) for i, (b, token) in enumerate(browsers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _counts(need_id: int) -> tuple[int, int, str]:
    db.session.rollback()
    active = db.session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.need_id == need_id, Assignment.status == AssignmentStatus.ACTIVE)
    )
    need = db.session.execute(select(Need.taken, Need.status).where(Need.id == need_id)).one()
    return int(active or 0), need.taken, need.status


def test_n_simultaneous_claims_by_different_volunteers_fill_exactly_k_places(live_server):
    n, k = 12, 3
    places = factories.reference_data()
    manager = factories.manager(places["Gaggenau"], email="keller@example.org")
    emails = [f"helfer{i}@example.org" for i in range(n)]
    for email in emails:
        factories.volunteer(places["Gaggenau"], email=email)
    need = fb.once_need(places["Gaggenau"], created_by=manager, capacity=k)
    need_id = need.id
    db.session.commit()
    db.session.close()  # the test thread holds no transaction while the server works

    browsers = []
    for email in emails:
        browser = Browser(live_server.url)
        browser.login(email)
        browsers.append((browser, browser.csrf(f"/board/needs/{need_id}/claim")))

    statuses = _fire(browsers, f"/board/needs/{need_id}/claim")

    assert sorted(statuses).count(302) == k, statuses
    assert statuses.count(409) == n - k, statuses  # "all places taken", not a crash
    assert _counts(need_id) == (k, k, NeedStatus.FILLED)


def test_simultaneous_claims_by_one_volunteer_give_one_assignment(live_server):
    n = 6
    places = factories.reference_data()
    factories.volunteer(places["Gaggenau"], email="eilig@example.org")
    need = fb.once_need(places["Gaggenau"], capacity=5)
    need_id = need.id
    db.session.commit()
    db.session.close()

    browser = Browser(live_server.url)
    browser.login("eilig@example.org")
    token = browser.csrf(f"/board/needs/{need_id}/claim")

    statuses = _fire([(browser, token)] * n, f"/board/needs/{need_id}/claim")

    assert statuses.count(302) == 1, statuses
    assert statuses.count(409) == n - 1, statuses
    assert _counts(need_id) == (1, 1, NeedStatus.OPEN)


def test_simultaneous_withdraw_and_claim_keep_the_counter_right(live_server):
    """One volunteer gives a place back while two others race for it."""
    places = factories.reference_data()
    holder = factories.volunteer(places["Gaggenau"], email="halter@example.org")
    for email in ("a@example.org", "b@example.org"):
        factories.volunteer(places["Gaggenau"], email=email)
    need = fb.once_need(places["Gaggenau"], capacity=1)
    claim = fb.assignment(need, fb.profile_of(holder))
    need_id, claim_id = need.id, claim.id
    db.session.commit()
    db.session.close()

    withdrawer = Browser(live_server.url)
    withdrawer.login("halter@example.org")
    withdraw_token = withdrawer.csrf(f"/board/assignments/{claim_id}/withdraw")
    claimers = []
    for email in ("a@example.org", "b@example.org"):
        browser = Browser(live_server.url)
        browser.login(email)
        claimers.append((browser, browser.csrf(f"/board/needs/{need_id}")))

    barrier = threading.Barrier(3)
    results: dict[str, int] = {}

    def withdraw() -> None:
        barrier.wait()
        results["withdraw"] = withdrawer.request(
            f"/board/assignments/{claim_id}/withdraw",
            {"csrf_token": withdraw_token, "reason": "Umzug"},
        )[0]

    def claim(i: int) -> None:
        browser, token = claimers[i]
        barrier.wait()
        results[f"claim{i}"] = browser.request(
            f"/board/needs/{need_id}/claim", {"csrf_token": token}
        )[0]

    threads = [threading.Thread(target=withdraw)] + [
        threading.Thread(target=claim, args=(i,)) for i in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert results["withdraw"] == 302
    won = [v for key, v in results.items() if key.startswith("claim") and v == 302]
    active, taken, status = _counts(need_id)
    # Whatever the order, the counter equals the active claims and never exceeds capacity.
    assert active == taken == len(won) <= 1
    assert status == (NeedStatus.FILLED if taken else NeedStatus.OPEN)


def test_simultaneous_claims_by_one_volunteer_stop_at_the_limit_of_tasks(live_server, app):
    """One place left under the limit, four claims on four needs at the same moment: they
    wait for each other on the volunteer's row, and exactly one wins."""
    app.config["ACTIVE_CLAIMS_LIMIT"] = 2
    places = factories.reference_data()
    user = factories.volunteer(places["Gaggenau"], email="eilig@example.org")
    profile = fb.profile_of(user)
    first_day = today_local() + timedelta(days=3)
    fb.assignment(fb.once_need(places["Gaggenau"], starts_at=fb.local(first_day, 10)), profile)
    needs = [
        fb.once_need(places["Gaggenau"], starts_at=fb.local(first_day + timedelta(days=i), 10))
        for i in range(1, 5)
    ]
    need_ids, profile_id = [need.id for need in needs], profile.id
    db.session.commit()
    db.session.close()

    browser = Browser(live_server.url)
    browser.login("eilig@example.org")
    token = browser.csrf(f"/board/needs/{need_ids[0]}")
    barrier = threading.Barrier(len(need_ids))
    statuses: dict[int, int] = {}

    def claim(need_id: int) -> None:
        barrier.wait()
        status, _html = browser.request(f"/board/needs/{need_id}/claim", {"csrf_token": token})
        statuses[need_id] = status

    threads = [threading.Thread(target=claim, args=(need_id,)) for need_id in need_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(statuses.values()) == [302, 409, 409, 409], statuses
    db.session.rollback()
    held = db.session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.volunteer_id == profile_id, Assignment.status == AssignmentStatus.ACTIVE)
    )
    assert held == 2
    taken = db.session.scalars(select(Need.taken).where(Need.id.in_(need_ids))).all()
    assert sorted(taken) == [0, 0, 0, 1]
