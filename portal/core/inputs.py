"""Request input the database could not take is refused before any view sees it.

- Record numbers in URLs (``<int:need_id>``) are bounded to the 32-bit range of the id columns:
  ``/board/needs/2147483648`` is a 404 like any other unknown record, not a database error.
- NUL bytes (PostgreSQL cannot store them in text) anywhere in the path, the query string or a
  submitted form answer 400 for every route, signed in or not.
- Record numbers in query strings go through `query_id`.
- Text searched with LIKE goes through `like_escaped`: a ``%`` or ``_`` typed into a search box
  matches itself, not any text.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1  # INTEGER columns on PostgreSQL and the ids they hold
_DIGITS = re.compile(r"[0-9]{1,10}")


class IdConverter(IntegerConverter):
    """The ``int`` converter of every route: ASCII digits, 0 to 2**31 - 1 (else no match)."""

    regex = r"[0-9]+"

    def __init__(self, map: Map, fixed_digits: int = 0, min: int = 0, max: int = MAX_ID) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


class RefusedInput(BadRequest):
    """400 with a message for the user (shown on the error page, unlike parser internals)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_id(value: Any) -> int | None:
    """A record number from untrusted text: 1 to 2**31 - 1, else None."""
    text = str(value).strip() if value is not None else ""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def query_id(name: str) -> int | None:
    """``?name=<id>`` as a record number; anything else (``+``, ``-1``, ``2147483648``) is None."""
    return parse_id(request.args.get(name))


def _has_nul(values: Any) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values.getlist(key)) for key in values)


def refuse_nul_bytes() -> None:
    """400 for a NUL byte in the path, the query string or the form (before the view runs)."""
    form = request.form if request.method in ("POST", "PUT", "PATCH") else {}
    if "\x00" in request.path or _has_nul(request.args) or (form and _has_nul(form)):
        raise RefusedInput(_("Die Anfrage enthält unzulässige Steuerzeichen."))


def register(app: Flask) -> None:
    """Install the bounded id converter (before any route is added) and the NUL guard."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_bytes)


def like_escaped(text: str, escape: str = "/") -> str:
    """``text`` for a LIKE pattern whose escape character is ``escape``: the escape character
    itself, ``%`` and ``_`` match themselves (as SQLAlchemy's ``autoescape`` writes them)."""
    doubled = text.replace(escape, escape + escape)
    return doubled.replace("%", escape + "%").replace("_", escape + "_")
