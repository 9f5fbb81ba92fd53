"""Text searched with LIKE matches itself: ``%``, ``_`` and the escape character are escaped
(`portal.core.inputs.like_escaped`), in SQL as in Python."""

from __future__ import annotations

import sqlite3

import pytest

from portal.core.inputs import like_escaped


@pytest.mark.parametrize(
    ("text", "escape", "expected"),
    [
        ("Müller", "/", "Müller"),
        ("50%", "/", "50/%"),
        ("a_b", "/", "a/_b"),
        ("a/b", "/", "a//b"),
        ("/%_", "/", "///%/_"),
        (r"C:\temp_1%", "\\", r"C:\\temp\_1\%"),
    ],
)
def test_wildcards_and_the_escape_character_are_escaped(text, escape, expected):
    assert like_escaped(text, escape) == expected


@pytest.mark.parametrize("escape", ["/", "\\"])
def test_an_escaped_pattern_finds_the_text_and_nothing_else(escape):
    rows = ["50% off", "500 off", "a_b", "axb", "a/b", "a//b", r"a\b", "a\\\\b"]
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (v TEXT)")
    db.executemany("INSERT INTO t VALUES (?)", [(r,) for r in rows])
    for text in ("50%", "a_b", "a/b", "a\\b"):
        pattern = "%" + like_escaped(text, escape) + "%"
        found = [
            v for (v,) in db.execute("SELECT v FROM t WHERE v LIKE ? ESCAPE ?", (pattern, escape))
        ]
        assert found == [r for r in rows if text in r], (text, escape, found)
