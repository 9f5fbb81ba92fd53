"""The migration that records who acknowledged which privacy notice takes the volunteers'
acknowledgement from their application; staff without a profile acknowledge at next log-in."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal.extensions import db
from tests.conftest import BACKENDS
from tests.integration.test_migrations import _insert_at_0004, _rows, isolated_app


@pytest.mark.parametrize("backend", BACKENDS)
def test_volunteers_keep_the_version_they_consented_to(backend, tmp_path):
    with isolated_app(backend, tmp_path):
        upgrade(revision="0004")
        ids = _insert_at_0004()
        upgrade(revision="0006")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    'INSERT INTO "user" (email, display_name, locale, active, created_at, '
                    "session_token) VALUES ('staff@example.org', 'Staff', 'de', :t, :now, 'x')"
                ),
                {"t": True, "now": datetime(2026, 1, 1)},
            )
        with_profile = {
            user_id: (version, at)
            for user_id, version, at in _rows(
                "SELECT user_id, consent_version, consent_at FROM volunteer_profile"
            )
        }
        assert with_profile
        before = _rows('SELECT id FROM "user"')
        upgrade()
        rows = {
            row[0]: row[1:]
            for row in _rows('SELECT id, privacy_version, privacy_acknowledged_at FROM "user"')
        }
        assert set(rows) == {r[0] for r in before}
        staff = _rows("SELECT id FROM \"user\" WHERE email = 'staff@example.org'")[0][0]
        assert rows[staff] == ("", None)
        for user_id, (version, at) in with_profile.items():
            assert rows[user_id][0] == version
            assert str(rows[user_id][1])[:19] == str(at)[:19]
        assert ids  # the rows of revision 0004 are all still there
        downgrade(revision="0006")
        assert len(_rows('SELECT id FROM "user"')) == len(rows)
