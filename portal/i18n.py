"""Locale selection: the user's setting, then the session's choice, then German.

An error page asks no database: it uses the session's choice (or German), unless the request
had already chosen its language before the error.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, session
from flask_babel import Babel, Domain, _get_current_context, get_locale
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


class RequestDomain(Domain):
    """Flask-Babel's message domain, with the request's translations found once: Flask-Babel
    looks them up for every string (the locale, its identifier, the cache), and a page asks for
    a hundred strings. The translations are kept on Flask-Babel's request namespace together
    with the locale they belong to, so `force_locale` (a mail in the recipient's language) and
    `refresh` still switch them."""

    def get_translations(self) -> Any:
        ctx = _get_current_context()
        if ctx is None:
            return super().get_translations()
        found = getattr(ctx, "portal_translations", None)
        if found is not None and found[0] is getattr(ctx, "babel_locale", None):
            return found[1]
        translations = super().get_translations()
        ctx.portal_translations = (get_locale(), translations)
        return translations


def install_request_domain(app: Flask, babel: Babel) -> None:
    """Use `RequestDomain` for the default domain (after `babel.init_app`)."""
    babel.domain_instance = RequestDomain(domain=app.extensions["babel"].default_domain)
