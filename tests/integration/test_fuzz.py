"""Fuzzing (hypothesis) of every route's query string and form, as every role, on both
databases: no response is a 5xx, and a refused request (4xx) changes no row.

Routes come from ``app.url_map`` and the field names from the forms each role's pages offer,
so new routes and fields are fuzzed without anyone adding them here. Values are hostile: NUL
and control characters, unicode, over-long strings, huge and negative numbers, far dates,
several values for one name. The run is reproducible (derandomized, no example database).
"""

from __future__ import annotations

import copy
import os
import time
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, Phase, given, note, settings

from portal.extensions import db
from tests import fuzzing

# Requests per role and backend: 5 roles x 1,000 = 5,000 requests per backend and 10,000 per CI
# run (SQLite and PostgreSQL). Each carries several generated values (path arguments, query
# and form fields): at least 2 per request on average, 10,000 per backend, checked below.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1000"))
MIN_INPUTS_PER_ROLE = EXAMPLES * 2


@dataclass
class Start:
    """Where one role's fuzzing starts: the rows, the role's signed-in client's cookies, and
    the forms and query names its pages offer."""

    rows: fuzzing.Rows
    checksum: str
    cookies: dict[Any, Any]
    offers: dict[Any, Any]


#: Per backend, in this test process: when they were taken, the world's record numbers and
#: each role's start.
STARTS: dict[str, tuple[float, dict[str, Any], dict[str, Start]]] = {}
#: Seconds a start is used for: well within the staff's idle time (the client's session stays
#: signed in) and the tokens' lifetimes.
FRESH = 300


def prepare(app: Flask, sql: str) -> tuple[dict[str, Any], dict[str, Start]]:
    """Build the county, sign every role in, and let the roles crawl in turn: those before a
    role leave what they leave (a page may write a row), those after it could not change what
    its pages offer. Each role's start is taken right after its own crawl, so the five tests
    build and crawl once instead of once per role (and the crawls before it again)."""
    pools = fuzzing.build_world()
    clients = {name: fuzzing.sign_in(app, name) for name in fuzzing.ROLES}
    starts = {}
    for role, client in clients.items():
        offers = fuzzing.crawl(app, {role: client}, pools)
        starts[role] = Start(
            fuzzing.copy_rows(), fuzzing.checksum(sql), copy.deepcopy(client._cookies), offers
        )
    return pools, starts


@pytest.fixture
def fuzz(app: Flask, role: str) -> dict[str, Any]:
    app.config["PROPAGATE_EXCEPTIONS"] = True  # an exception fails the example with its trace
    backend = db.engine.dialect.name
    sql = fuzzing.checksum_sql(backend)
    if backend not in STARTS or time.monotonic() - STARTS[backend][0] > FRESH:
        STARTS[backend] = (time.monotonic(), *prepare(app, sql))
    _taken, pools, starts = STARTS[backend]
    start = starts[role]
    fuzzing.put_rows(start.rows)
    assert fuzzing.checksum(sql) == start.checksum  # every row as the role's crawl left it
    client = app.test_client()
    client._cookies = copy.deepcopy(start.cookies)
    return {"pools": pools, "clients": {role: client}, "offers": start.offers, "sql": sql}


def run(app: Flask, fuzz: dict[str, Any], role: str) -> int:
    client = fuzz["clients"][role]
    sent = {"requests": 0, "refused": 0, "inputs": 0}
    state = {"sum": fuzzing.checksum(fuzz["sql"])}

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    @given(fuzzing.requests(app, role, fuzz["offers"], fuzz["pools"]))
    def one(request: dict[str, Any]) -> None:
        note(f"{request['method']} {request['url'][:500]} {request['data']!r:.500}")
        try:
            response = client.open(request["url"], method=request["method"], data=request["data"])
        finally:
            db.session.remove()  # as at the end of a real request: the next starts afresh
        sent["requests"] += 1
        sent["inputs"] += request["inputs"]
        assert response.status_code < 500, (response.status_code, request)
        after = fuzzing.checksum(fuzz["sql"])
        if 400 <= response.status_code < 500:
            sent["refused"] += 1
            assert after == state["sum"], ("a refused request changed rows", request)
        state["sum"] = after

    one()
    assert sent["requests"] >= EXAMPLES
    assert sent["inputs"] >= MIN_INPUTS_PER_ROLE, sent
    print(f"fuzz {role}: {sent}")
    assert sent["refused"] > EXAMPLES // 10  # the values are hostile: many must be refused
    return sent["requests"]


@pytest.mark.parametrize("role", list(fuzzing.ROLES))
def test_fuzzed_requests_never_fail_and_refusals_change_nothing(app, fuzz, role):
    run(app, fuzz, role)


def test_every_route_is_a_fuzz_target(app):
    """The targets are the url_map's rules (only static files and logging out are left out)."""
    rules = {r.endpoint for r in app.url_map.iter_rules()}
    fuzzed = {t.rule.endpoint for t in fuzzing.targets(app)}
    assert rules - fuzzed == fuzzing.SKIPPED_ENDPOINTS
    assert len(fuzzed) >= 70
