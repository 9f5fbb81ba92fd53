"""The whole suite's logs are collected (tests/conftest.py) and every test fails whose log
records contain an e-mail address, a token or a client's name: this checks the checker."""

from __future__ import annotations

import logging
import secrets

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.exc import OperationalError

from tests import conftest


def _checked(emit) -> list[str]:
    start = len(conftest.LOGS.records)
    emit()
    records = conftest.LOGS.records[start:]
    found = conftest.personal_data_in(records)
    del conftest.LOGS.records[start:]  # leave nothing for this test's own check
    return found


def test_the_collector_sees_the_portals_records_at_every_level():
    log = logging.getLogger("portal.some.module")
    for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR):
        found = _checked(lambda level=level: log.log(level, "mail to %s", "erika@example.org"))
        assert found and "e-mail address" in found[0]


def test_tokens_and_client_names_are_found():
    log = logging.getLogger("portal.test")
    signed = URLSafeTimedSerializer("k", salt="reset").dumps({"uid": 12, "st": "abc"})
    feed = secrets.token_urlsafe(32)
    assert "signed token" in _checked(lambda: log.info("GET /password/reset/%s", signed))[0]
    assert "secret token" in _checked(lambda: log.info("GET /board/calendar/%s.ics", feed))[0]
    conftest.CLIENT_NAMES.add("Familie Testmann")
    try:
        assert "client name" in _checked(lambda: log.info("client Familie Testmann closed"))[0]
    finally:
        conftest.CLIENT_NAMES.discard("Familie Testmann")


def test_ids_and_ordinary_messages_pass():
    log = logging.getLogger("portal.test")
    assert _checked(lambda: log.warning("outbox 17: attempt 2 failed: SMTPDataError 451")) == []
    assert _checked(lambda: log.info("calendar feed for volunteer 4: 3 events")) == []
    assert _checked(lambda: log.error("500 on GET /password/reset/<token>")) == []


def test_access_logs_show_paths_with_tokens_redacted(tmp_path):
    from portal import create_app
    from tests.conftest import BASE_CONFIG

    create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    signed = URLSafeTimedSerializer("k", salt="verify").dumps({"uid": 3})
    feed = secrets.token_urlsafe(32)
    access = logging.getLogger("werkzeug")
    lines = [
        f"GET /verify/{signed} HTTP/1.1",
        f"GET /password/reset/{signed}?x=1 HTTP/1.1",
        f"POST /invitation/{signed} HTTP/1.1",
        f"GET /board/calendar/{feed}.ics HTTP/1.1",
    ]
    start = len(conftest.LOGS.records)
    for line in lines:
        access.info('%s - - [29/Nov/2026 10:00:00] "%s" %s -', "127.0.0.1", line, 302)
    messages = [r.getMessage() for r in conftest.LOGS.records[start:]]
    del conftest.LOGS.records[start:]
    assert signed not in " ".join(messages) and feed not in " ".join(messages)
    assert '"GET /verify/<token> HTTP/1.1"' in messages[0]
    assert '"GET /password/reset/<token>?x=1 HTTP/1.1"' in messages[1]
    assert '"GET /board/calendar/<token> HTTP/1.1"' in messages[3]
    access.info('"GET /board/needs/12 HTTP/1.1" 200 -')
    assert conftest.LOGS.records[-1].getMessage() == '"GET /board/needs/12 HTTP/1.1" 200 -'
    del conftest.LOGS.records[-1]


def test_database_errors_hide_the_statements_values(tmp_path):
    from portal import create_app
    from portal.extensions import db
    from tests.conftest import BASE_CONFIG

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'y.db'}"})
    with app.app_context(), pytest.raises(OperationalError) as failure:
        db.session.execute(db.text("SELECT * FROM nowhere WHERE e = :e"), {"e": "a@b.org"})
    assert "a@b.org" not in str(failure.value)
    assert "hidden due to hide_parameters" in str(failure.value)
