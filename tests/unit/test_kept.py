"""Rendered HTML kept between requests (portal.core.kept): the store's bound and the holes that
take a request's own values."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from portal.core.kept import Holes, KeptHtml, hole


def test_the_store_keeps_at_most_its_size_dropping_the_oldest():
    kept = KeptHtml(3)
    for number in range(5):
        kept.add((number,), f"<li>{number}</li>")
    assert list(kept.html) == [(2,), (3,), (4,)]
    assert kept.get((0,)) is None and kept.get((4,)) == "<li>4</li>"


def test_holes_are_filled_in_order_each_value_worked_out_once():
    piece = Holes(f"<p>{hole('name')}</p><i>{hole('csrf')}</i><b>{hole('csrf')}</b>")
    assert piece.parts == ("<p>", "</p><i>", "</i><b>", "</b>")
    assert piece.names == ("name", "csrf", "csrf")
    asked: list[str] = []

    def value(text: str):
        def get() -> str:
            asked.append(text)
            return text

        return get

    filled = piece.fill({"name": value("Lena"), "csrf": value("t0k"), "next": value("/x")})
    assert filled == "<p>Lena</p><i>t0k</i><b>t0k</b>"
    assert isinstance(filled, Markup)
    assert asked == ["Lena", "t0k"]  # "next" has no hole here: never worked out


def test_a_value_is_not_searched_for_holes():
    """What goes into a hole is not read again: a value that looks like a hole stays as it is."""
    piece = Holes(f"<p>{hole('name')}</p>")
    assert piece.fill({"name": lambda: hole("csrf")}) == f"<p>{hole('csrf')}</p>"


def test_a_piece_without_holes_is_kept_whole():
    piece = Holes("<footer>Impressum</footer>")
    assert piece.names == ()
    assert piece.fill({}) == "<footer>Impressum</footer>"


def test_a_missing_value_is_an_error_not_an_empty_hole():
    with pytest.raises(KeyError):
        Holes(f"<p>{hole('name')}</p>").fill({})
