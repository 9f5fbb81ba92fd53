"""PostgreSQL cancels a statement that runs longer than DATABASE_STATEMENT_TIMEOUT_MS (the app
servers set it below gunicorn's worker timeout): the request gets the branded 503 page, the log
says why, and the next request on the same pooled connection works."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from portal import create_app
from portal.extensions import db
from tests.conftest import BASE_CONFIG
from tests.factories_auth import text as page_text


def test_a_statement_running_too_long_is_cancelled_with_the_503_page(database, monkeypatch, caplog):
    if database.kind != "postgresql":
        pytest.skip("checks what only PostgreSQL has")
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "300")
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database.url})
    seconds = {"value": 0.0}

    @app.get("/test-sleep")
    def sleep() -> str:
        db.session.execute(text("SELECT pg_sleep(:s)"), {"s": seconds["value"]})
        return "slept"

    client = app.test_client()
    with app.app_context():
        try:
            assert db.session.execute(text("SHOW statement_timeout")).scalar() == "300ms"
            db.session.remove()
            seconds["value"] = 3.0  # ten times the limit
            with caplog.at_level(logging.ERROR, logger="portal.core.error_pages"):
                response = client.get("/test-sleep")
            assert response.status_code == 503
            assert "<h1>Vorübergehend nicht erreichbar</h1>" in page_text(response)
            assert "statement timeout" in caplog.text
            # the connection went back to the pool usable: a short statement passes
            seconds["value"] = 0.0
            response = client.get("/test-sleep")
            assert (response.status_code, response.get_data(as_text=True)) == (200, "slept")
        finally:
            db.session.remove()
            db.engine.dispose()
