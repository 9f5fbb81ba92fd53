"""Logs without secrets: the access logs (werkzeug's development server, gunicorn's access
log) write request paths, and some paths carry a token that opens an account or a calendar
(verification, password reset, invitation, the calendar feed). Those are logged as
``<token>``. The portal's own log records name records by their ids, never by e-mail address
or name."""

from __future__ import annotations

import logging
import re

from flask import Flask

ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


class RedactTokens(logging.Filter):
    """Replaces the token in every path below one of ``prefixes`` with ``<token>``."""

    def __init__(self, prefixes: list[str]) -> None:
        super().__init__()
        alternatives = "|".join(re.escape(p) for p in prefixes) or r"(?!)"
        self.pattern = re.compile(rf"({alternatives})[^\s?\"'/]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.pattern.sub(r"\1<token>", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def token_prefixes(app: Flask) -> list[str]:
    """The fixed part before ``<token>`` of every route that takes one."""
    return sorted(
        {rule.rule.split("<")[0] for rule in app.url_map.iter_rules() if "token" in rule.arguments}
    )


def register(app: Flask) -> None:
    """Install the filter on the access loggers (once per process: the newest app's)."""
    redact = RedactTokens(token_prefixes(app))
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, RedactTokens)]:
            logger.removeFilter(old)
        logger.addFilter(redact)
