"""Locale selection: the user's setting, then the session's choice, then German.

An error page asks no database: it uses the session's choice (or German), unless the request
had already chosen its language before the error.
"""

from __future__ import annotations

from flask import current_app, has_request_context, session
from flask_login import current_user


def select_locale() -> str:
    from portal.core.error_pages import in_error_page

    languages = current_app.config["LANGUAGES"]
    if has_request_context():
        if (
            not in_error_page()
            and current_user.is_authenticated
            and current_user.locale in languages
        ):
            return str(current_user.locale)
        chosen = session.get("lang")
        if chosen in languages:
            return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])
