"""Request helpers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import abort, url_for
from werkzeug.wrappers import Response


def safe_next_url(target: str | None) -> str | None:
    """Only same-site relative paths are followed after log-in (no open redirects).

    Browsers treat a backslash like a slash and drop tabs and newlines inside URLs, so
    ``/\\evil.example`` or ``/<TAB>/evil.example`` would lead off-site: such targets are refused.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 33 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def private_file(body: bytes, mimetype: str, filename: str, *, inline: bool = False) -> Response:
    """A file for the signed-in person only: never cached, shown inline or downloaded."""
    disposition = "inline" if inline else "attachment"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def ical_response(body: str | bytes | None) -> Response:
    """An iCalendar feed reached by a secret token (the only credential): 404 for an unknown
    token, never cached or indexed."""
    if body is None:
        abort(404)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"},
    )


class IdUrl:
    """``url_for(endpoint, **values, <key>=id)`` for the many ids of a list at the cost of one
    `url_for`: the address is built once with a stand-in id, and each id takes its place. The
    result is the same string `url_for` returns (the id given last, as in the templates)."""

    STAND_IN = 2_147_480_647

    def __init__(self, endpoint: str, key: str, **values: Any) -> None:
        self.endpoint, self.key = endpoint, key
        self.values: dict[str, Any] = values
        built = url_for(endpoint, **{**values, key: self.STAND_IN})
        parts = built.split(str(self.STAND_IN))
        self.parts = (parts[0], parts[1]) if len(parts) == 2 else None

    def __call__(self, value: int) -> str:
        if self.parts is None or type(value) is not int:  # e.g. the stand-in among the values
            return url_for(self.endpoint, **{**self.values, self.key: value})
        return f"{self.parts[0]}{value}{self.parts[1]}"
