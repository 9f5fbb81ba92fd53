"""The test infrastructure itself: migrations match models, both backends, query counting."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.models import OutboundEmail
from portal.notifications.services import queue_email
from tests import factories


def test_migrations_create_exactly_the_models(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_each_test_starts_with_an_empty_database(app):
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 0
    factories.admin(email="leer@example.org")
    db.session.commit()


@pytest.mark.parametrize("turn", [1, 2])
def test_every_table_starts_empty_and_ids_start_at_one(app, turn):
    for table in db.metadata.sorted_tables:
        assert db.session.scalar(select(func.count()).select_from(table)) == 0, table.name
    user = factories.admin(email=f"runde{turn}@example.org")
    queue_email(user.email, "verify_email", user=user, link="x")
    db.session.commit()
    assert user.id == 1
    assert db.session.scalar(select(OutboundEmail.id)) == 1


def test_outbox_list_issues_a_bounded_number_of_queries(app, client, auth, count_queries):
    factories.admin(email="admin@example.org")
    db.session.commit()
    auth.login("admin@example.org")

    def fill(n: int) -> None:
        for i in range(n):
            queue_email(f"p{i}@example.org", "verify_email", user=factories.user(), link="x")
        db.session.commit()

    fill(3)
    with count_queries() as few:
        assert client.get("/admin/outbox").status_code == 200
    fill(40)
    with count_queries() as many:
        assert client.get("/admin/outbox").status_code == 200
    assert few.count == many.count
    assert many.count <= 6
