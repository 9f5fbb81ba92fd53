"""The portal's log records name records by their ids: a failed delivery by the message's
number and the kind of failure (never the recipient's address, which an SMTP refusal names),
an unexpected error by its route (never the path, which may carry a token)."""

from __future__ import annotations

import logging
import smtplib
from types import SimpleNamespace

import pytest

import portal.notifications.services as outbox
from portal.extensions import db
from portal.notifications.models import OutboundEmail, OutboxStatus
from tests import conftest


@pytest.mark.app_config(MAIL_SERVER="127.0.0.1")
@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({"erika@example.org": (550, b"<erika@example.org>: no")}),
        smtplib.SMTPDataError(451, b"erika@example.org: mailbox busy"),
        smtplib.SMTPSenderRefused(553, b"noreply@ehrenamtsportal.example refused", "x@y.org"),
        ConnectionRefusedError(111, "Connection refused"),
    ],
    ids=["recipient-refused", "data-error", "sender-refused", "connection"],
)
def test_delivery_failures_are_logged_without_addresses(app, monkeypatch, caplog, error):
    mail = outbox.queue_email(
        "erika@example.org", "verify_email", user=SimpleNamespace(display_name="Erika"), link="x"
    )
    db.session.commit()

    def refuse(_msg: object) -> None:
        raise error

    monkeypatch.setattr(outbox, "_deliver", refuse)
    with caplog.at_level(logging.INFO, logger="portal"):
        outbox.send_pending()
    [record] = [r for r in caplog.records if "attempt" in r.getMessage()]
    assert f"outbox {mail.id}: attempt 1 failed: {type(error).__name__}" in record.getMessage()
    assert conftest.personal_data_in(caplog.records) == []
    row = db.session.get(OutboundEmail, mail.id)
    assert row.status in (OutboxStatus.PENDING, OutboxStatus.FAILED)
    assert type(error).__name__ in (row.last_error or "")  # the admins still see the reason


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
def test_an_unexpected_error_is_logged_by_route_not_by_path(app, client, caplog):
    def boom(token: str) -> str:
        raise RuntimeError("kaputt")

    app.add_url_rule("/_test/reset/<token>", "test_reset_boom", boom)
    secret = "eyJ1aWQiOjF9.awySGw.StezF997e5QuIyYJuytxnFwWhq8"
    with caplog.at_level(logging.ERROR, logger="portal"):
        assert client.get(f"/_test/reset/{secret}").status_code == 500
    messages = [r.getMessage() for r in caplog.records]
    assert "Exception on GET /_test/reset/<token>" in messages
    assert not any(secret in m for m in messages)
    assert conftest.personal_data_in(caplog.records) == []
