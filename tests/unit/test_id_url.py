"""`IdUrl` writes the same addresses as `url_for`, one `url_for` for a whole list."""

from __future__ import annotations

import pytest
from flask import url_for

from portal.core.http import IdUrl


@pytest.mark.parametrize(
    ("endpoint", "key", "values"),
    [
        ("board.need", "need_id", {}),
        ("board.report", "assignment_id", {}),
        ("coordination.volunteer", "volunteer_id", {}),
        ("coordination.queue", "municipality", {"status": "pending"}),
        ("admin.user", "user_id", {}),
    ],
)
def test_an_id_url_is_the_url_for_of_each_id(app, endpoint, key, values):
    with app.test_request_context("/"):
        build = IdUrl(endpoint, key, **values)
        for value in (1, 7, 42, 2_147_483_647):
            assert build(value) == url_for(endpoint, **values, **{key: value})


def test_an_id_url_falls_back_to_url_for_when_the_stand_in_is_not_alone(app):
    with app.test_request_context("/"):
        stand_in = str(IdUrl.STAND_IN)
        build = IdUrl("coordination.queue", "municipality", q=stand_in)
        assert build.parts is None
        assert build(5) == url_for("coordination.queue", q=stand_in, municipality=5)
