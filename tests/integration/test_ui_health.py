"""`GET /healthz` reports the database's state."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal import create_app
from tests.conftest import BASE_CONFIG


def test_healthz_answers_200_with_the_database_state(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_needs_no_login_and_sets_no_cookie(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/none",
        "sqlite:////nonexistent-h2-dir/readonly/portal.db",
    ],
    ids=["postgresql-port-without-server", "sqlite-missing-directory"],
)
def test_healthz_answers_503_when_the_database_is_down(url):
    assert not Path("/nonexistent-h2-dir").exists()
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["database"] == "unavailable"
    assert "password" not in str(body).lower()
