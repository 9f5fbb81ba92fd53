"""Error pages (400–503): friendly pages in the site's layout that render without the database.

The layout of an error page shows no navigation and no account name (both come from the
database) and reads the signed-in state from the session cookie alone, so the pages still
render while the database is down. A database that does not answer gives 503, never a bare
"Internal Server Error".
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, g, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from psycopg.errors import QueryCanceled
from sqlalchemy.exc import InterfaceError, OperationalError

from portal.core.errors import DomainError
from portal.core.inputs import RefusedInput
from portal.extensions import db

log = logging.getLogger(__name__)

PAGES = (400, 403, 404, 405, 413, 429)


def in_error_page() -> bool:
    """True while an error page renders: templates and the locale then leave the DB alone."""
    return bool(g.get("portal_error_page"))


def _release_session() -> None:
    """End the failed transaction; during an outage even that may fail, which is fine."""
    try:
        db.session.rollback()
    except Exception:
        log.warning("rollback after an error failed", exc_info=True)


def _bind_urls() -> None:
    """A request for an untrusted host has no URL adapter: build the page's links under
    PUBLIC_BASE_URL instead of failing."""
    if request_ctx and request_ctx.url_adapter is None:
        base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
        request_ctx.url_adapter = current_app.url_map.bind(
            base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme
        )


def render_error(code: int, message: str | None = None) -> tuple[str, int]:
    g.portal_error_page = True
    _bind_urls()
    return render_template(f"errors/{code}.html", message=message), code


def where() -> str:
    """The route, not the path: paths can carry tokens that must not reach the logs."""
    rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
    return f"{request.method} {rule}"


def page_for(exc: Any) -> tuple[str, int]:
    code = getattr(exc, "code", None) or 500
    message = exc.message if isinstance(exc, RefusedInput) else None
    return render_error(code, message)


def database_unavailable(exc: Exception) -> tuple[str, int]:
    _release_session()
    if isinstance(getattr(exc, "orig", None), QueryCanceled):
        # DATABASE_STATEMENT_TIMEOUT_MS: the database answers, this statement took too long
        log.error("database statement cancelled (statement timeout) on %s", where())
    else:
        log.error("database unavailable on %s: %s", where(), type(exc).__name__)
    return render_error(503)


def server_error(exc: Any) -> tuple[str, int]:
    original = getattr(exc, "original_exception", None)
    if isinstance(original, OperationalError | InterfaceError):
        return database_unavailable(original)
    _release_session()
    log.error("500 on %s", where())
    return render_error(500)


def csrf_error(exc: CSRFError) -> tuple[str, int]:
    return render_error(400)


def domain_error(exc: DomainError) -> tuple[str, int]:
    _release_session()
    return render_template("errors/domain.html", message=exc.message), exc.status_code


def register(app: Flask) -> None:
    for code in PAGES:
        app.register_error_handler(code, page_for)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(500, server_error)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)
    app.register_error_handler(DomainError, domain_error)
