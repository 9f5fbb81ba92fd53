"""The admin's outbox page: newest first, filter by status, a message's text with its link."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import OutboundEmail, OutboxStatus
from tests import factories


@pytest.fixture
def admin_client(app, client, auth):
    factories.admin(email="admin@example.org")
    for recipient, status in [
        ("wartet@example.org", OutboxStatus.PENDING),
        ("gesendet@example.org", OutboxStatus.SENT),
        ("kaputt@example.org", OutboxStatus.FAILED),
    ]:
        db.session.add(
            OutboundEmail(
                recipient=recipient,
                subject=f"Betreff {status}",
                body_text="Bitte klicken: http://localhost/verify/abc",
                status=status,
            )
        )
    db.session.commit()
    auth.login("admin@example.org")
    return client


def _recipients(html: str) -> list[str]:
    return re.findall(r"<td[^>]*>([a-z]+@example\.org)</td>", html)


def test_outbox_lists_every_message_newest_first(admin_client):
    html = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert _recipients(html) == ["kaputt@example.org", "gesendet@example.org", "wartet@example.org"]
    assert "fehlgeschlagen" in html and '<label for="status">' in html


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("pending", ["wartet@example.org"]),
        ("sent", ["gesendet@example.org"]),
        ("failed", ["kaputt@example.org"]),
        ("", ["kaputt@example.org", "gesendet@example.org", "wartet@example.org"]),
        ("quatsch", ["kaputt@example.org", "gesendet@example.org", "wartet@example.org"]),
    ],
)
def test_outbox_filters_by_status(admin_client, status, expected):
    response = admin_client.get(f"/admin/outbox?status={status}")
    assert response.status_code == 200
    assert _recipients(response.get_data(as_text=True)) == expected


def test_outbox_message_shows_the_text_with_a_clickable_link(admin_client):
    email = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.recipient == "wartet@example.org")
    ).one()
    html = admin_client.get(f"/admin/outbox/{email.id}").get_data(as_text=True)
    assert '<a href="http://localhost/verify/abc"' in html
    assert admin_client.get("/admin/outbox/4711").status_code == 404
