"""The records of processing (GDPR Art. 30) cover every table, name only real columns, and the
admins' page shows them with the storage periods in force."""

from __future__ import annotations

import pytest

import portal.models  # noqa: F401 - every table in the metadata
from portal.extensions import db
from portal.legal.records import ACTIVITIES, TABLES, record_entries
from tests import factories


def test_every_table_has_exactly_one_declaration():
    tables = set(db.metadata.tables)
    assert sorted(tables - set(TABLES)) == [], "tables without a declaration in legal/records.py"
    assert sorted(set(TABLES) - tables) == [], "declarations of tables that do not exist"


def test_declarations_name_only_existing_columns_and_activities():
    for name, declaration in TABLES.items():
        columns = set(db.metadata.tables[name].columns.keys())
        assert declaration.activity in ACTIVITIES, name
        for category, named in declaration.categories.items():
            assert set(named) <= columns, (name, str(category), sorted(set(named) - columns))


def test_a_drifted_declaration_would_be_caught(monkeypatch):
    from portal.legal import records

    monkeypatch.setitem(
        records.TABLES, "user", records.TableDeclaration("accounts", {"x": ("no_such_column",)})
    )
    with pytest.raises(AssertionError):
        test_declarations_name_only_existing_columns_and_activities()


def test_every_activity_is_used_and_periods_come_from_the_settings(app):
    app.config.update(RETENTION_CLOSED_CLIENT_YEARS=11, RETENTION_AUDIT_YEARS=13)
    entries = {e.key: e for e in record_entries(app.config)}
    assert all(entry.tables for entry in entries.values())
    assert entries["case_management"].retention.startswith("11 Jahre")
    assert entries["audit"].retention == "13 Jahre"
    assert "client.name" in entries["case_management"].categories["Identifikationsdaten"]
    assert entries["case_management"].activity.special_categories


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_admins_page_lists_every_activity_and_table(app, client, auth, language):
    factories.admin(email="admin@example.org", locale=language)
    db.session.commit()
    auth.login("admin@example.org")
    page = client.get("/admin/records-of-processing").get_data(as_text=True)
    for entry in record_entries(app.config):
        assert f'id="activity-{entry.key}"' in page
        for table in entry.tables:
            assert table in page
    assert "volunteer_profile.phone" in page
    assert ("Rechtsgrundlage" if language == "de" else "Legal basis") in page
    # The admins' navigation leads there.
    assert 'href="/admin/records-of-processing"' in client.get("/dashboard").get_data(as_text=True)
