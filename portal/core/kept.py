"""Rendered HTML kept between requests: a piece of a page that follows from a handful of values
(the language, the address prefix, what it shows) is rendered once per process for those values
and looked up afterwards. Nothing of a user's is kept: a person's name or a form's CSRF token
goes into a kept piece's holes on every request (`Holes`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from threading import Lock
from typing import Any

from flask import current_app
from markupsafe import Markup

_HOLE = re.compile("\ue000(\\w+)\ue000")


class KeptHtml:
    """Rendered pieces by the values they follow from; at most ``size``, the oldest dropped
    first. Reading needs no lock (a dict look-up is atomic); adding takes one, for a threaded
    server."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.html: dict[Any, Any] = {}
        self._lock = Lock()

    def get(self, key: Any) -> Any:
        return self.html.get(key)

    def add(self, key: Any, html: Any) -> None:
        with self._lock:
            while len(self.html) >= self.size:
                del self.html[next(iter(self.html))]
            self.html[key] = html


def kept_html(name: str, size: int) -> KeptHtml:
    """The app's store of one kind of piece (one per app and name, made on first use)."""
    extensions = current_app.extensions
    found: KeptHtml | None = extensions.get(name)
    if found is None:
        found = extensions.setdefault(name, KeptHtml(size))
    return found


def hole(name: str) -> str:
    """What a template writes where a value goes in on every request (private-use characters
    that HTML escaping leaves alone and no text of the portal holds)."""
    return f"\ue000{name}\ue000"


class Holes:
    """A rendered piece split at its holes: the text between them, kept, and the names of the
    values that go in between, filled on every request."""

    __slots__ = ("names", "parts")

    def __init__(self, html: str) -> None:
        pieces = _HOLE.split(html)
        self.parts: tuple[str, ...] = tuple(pieces[0::2])
        self.names: tuple[str, ...] = tuple(pieces[1::2])

    def fill(self, values: Mapping[str, Callable[[], str]]) -> Markup:
        """The piece with each hole filled by its value (already escaped HTML); a value is
        worked out only when the piece has its hole, once."""
        filled: dict[str, str] = {}
        out = [self.parts[0]]
        for name, text in zip(self.names, self.parts[1:], strict=True):
            if name not in filled:
                filled[name] = values[name]()
            out.append(filled[name])
            out.append(text)
        return Markup("".join(out))  # noqa: S704 - escaped by Jinja and by the callers
