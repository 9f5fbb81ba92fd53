"""Fuzzing (hypothesis) of every route's query string and form, as every role, on both
databases: no response is a 5xx, and a refused request (4xx) changes no row.

Routes come from ``app.url_map`` and the field names from the forms each role's pages offer,
so new routes and fields are fuzzed without anyone adding them here. Values are hostile: NUL
and control characters, unicode, over-long strings, huge and negative numbers, far dates,
several values for one name. The run is reproducible (derandomized, no example database).
"""

from __future__ import annotations

import os
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


@pytest.fixture
def fuzz(app: Flask, role: str) -> dict[str, Any]:
    app.config["PROPAGATE_EXCEPTIONS"] = True  # an exception fails the example with its trace
    pools = fuzzing.build_world()
    clients = {name: fuzzing.sign_in(app, name) for name in fuzzing.ROLES}
    # The roles crawl in turn: those before this one leave what they leave, those after it
    # could not change what this one's pages offer.
    roles = list(fuzzing.ROLES)
    crawling = {name: clients[name] for name in roles[: roles.index(role) + 1]}
    offers = fuzzing.crawl(app, crawling, pools)
    sql = fuzzing.checksum_sql(db.engine.dialect.name)
    return {"pools": pools, "clients": clients, "offers": offers, "sql": sql}


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
