"""E-mails state the link lifetimes that are configured, not fixed numbers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.auth import services
from portal.extensions import db
from portal.notifications.models import OutboundEmail


def _body(template: str) -> str:
    return db.session.scalar(
        select(OutboundEmail.body_text).where(OutboundEmail.template == template)
    )


def test_default_lifetimes_are_stated(app):
    services.sign_up("neu@example.org", "Neue Person", "Sicheres-Passwort-1")
    services.request_password_reset("neu@example.org")
    assert "48 Stunden" in _body("verify_email")
    assert "2 Stunden" in _body("reset_password")


@pytest.mark.app_config(EMAIL_VERIFY_MAX_AGE=24 * 3600, PASSWORD_RESET_MAX_AGE=3600)
def test_configured_lifetimes_are_stated(app, client):
    services.sign_up("neu@example.org", "Neue Person", "Sicheres-Passwort-1")
    services.request_password_reset("neu@example.org")
    assert "24 Stunden" in _body("verify_email")
    assert "1 Stunden" in _body("reset_password")
    assert "24 Stunden" in client.get("/signup/check-mail").get_data(as_text=True)
