"""Locale selection and the public pages' languages.

The signed-in interface speaks LANGUAGES (German, English). The pages anyone reaches without
logging in — PUBLIC_PAGES, plus every error page — also speak
PUBLIC_LANGUAGES (Arabic, Farsi, Ukrainian, Turkish), the languages of the people the
integration management serves.

On a public page the visitor's choice (kept in the session) comes first, then the user's
setting, then German. On every other page the user's setting comes first, then the session's
choice if the interface speaks it, then German: a visitor who chose Arabic sees a page that
needs a log-in in German.

An error page asks no database: it uses the session's choice (or German), unless the request
had already chosen its language before the error.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import Flask, current_app, has_request_context, request, session
from flask.globals import _cv_app
from flask_babel import Babel, Domain, _get_current_context, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

#: The pages anyone reaches without logging in (with the e-mailed links that lead to them):
#: they speak PUBLIC_LANGUAGES. The pages after a log-in, the staff's invitation and the second
#: factor speak LANGUAGES. tests/integration/test_public_languages.py visits every one of them.
PUBLIC_PAGES = frozenset(
    {
        "core.index",
        "core.privacy",
        "legal.imprint",
        "legal.accessibility",
        "legal.easy_read",
        "auth.login",
        "auth.signup",
        "auth.check_mail",
        "auth.verify_email",
        "auth.resend_verification",
        "auth.forgot_password",
        "auth.reset_password",
        "auth.set_language",
        "volunteers.signup",
        "consultation_hours.index",
        "consultation_hours.municipality",
        "consultation_hours.poster_pdf",
    }
)


def is_public_page() -> bool:
    """Whether the current page is public: one of PUBLIC_PAGES, or an error page."""
    from portal.core.error_pages import in_error_page

    if not has_request_context():
        return False
    return in_error_page() or request.endpoint in PUBLIC_PAGES


def languages_here() -> tuple[str, ...]:
    """The languages the current page can be read in."""
    key = "PUBLIC_LANGUAGES" if is_public_page() else "LANGUAGES"
    return tuple(current_app.config[key])


def select_locale() -> str:
    from portal.core.error_pages import in_error_page

    if has_request_context():
        languages = languages_here()
        chosen = session.get("lang")
        user_locale = (
            current_user.locale if not in_error_page() and current_user.is_authenticated else None
        )
        order = (chosen, user_locale) if is_public_page() else (user_locale, chosen)
        for candidate in order:
            if candidate in languages:
                return str(candidate)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


class RequestDomain(Domain):
    """Flask-Babel's message domain, with the request's translations found once: Flask-Babel
    looks them up for every string (the locale, its identifier, the cache), and a page asks for
    a hundred strings. The translations are kept on Flask-Babel's request namespace together
    with the locale they belong to, so `force_locale` (a mail in the recipient's language) and
    `refresh` still switch them."""

    def get_translations(self) -> Any:
        found = _kept_translations()
        if found is not None:
            return found
        ctx = _get_current_context()
        if ctx is None:
            return super().get_translations()
        translations = super().get_translations()
        ctx.portal_translations = (get_locale(), translations)
        return translations


def _babel_namespace() -> Any:
    """Flask-Babel's namespace of the current app context (``g._flask_babel``), or None; read
    from Flask's own context variable (one look-up, where `g` costs two through its proxy: a
    page asks a few hundred times)."""
    context = _cv_app.get(None)
    return None if context is None else context.g.__dict__.get("_flask_babel")


def current_locale() -> Any:
    """Flask-Babel's `get_locale` (the same object), found with a few attribute reads once the
    request has chosen its locale."""
    namespace = _babel_namespace()
    locale = namespace.__dict__.get("babel_locale") if namespace is not None else None
    return locale if locale is not None else get_locale()


def _kept_translations() -> Any:
    """The translations `RequestDomain` keeps for this request's current locale, or None:
    a few attribute reads instead of Flask-Babel's several context look-ups per string."""
    namespace = _babel_namespace()
    if namespace is None:
        return None
    kept = namespace.__dict__.get("portal_translations")
    if kept is None or kept[0] is not namespace.__dict__.get("babel_locale"):
        return None
    return kept[1]


def translations() -> Any:
    """The request's translations (what `_()` in a template asks)."""
    found = _kept_translations()
    return found if found is not None else get_translations()


def gettext(string: str, **variables: Any) -> str:
    """Flask-Babel's `gettext` (same result), for code that formats many strings per page: the
    schedule of each of a board's cards."""
    text: str = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Flask-Babel's `ngettext` (same result), as `gettext`."""
    variables.setdefault("num", num)
    text: str = translations().ungettext(singular, plural, num)
    return text % variables


@pass_context
def template_gettext(context: Any, string: str, **variables: Any) -> Any:
    """``{{ _("…") }}`` and ``gettext`` in templates: Jinja's own newstyle gettext (the result
    is Markup where the template escapes, and ``%`` formatting always applies), in one call
    instead of three wrapped ones."""
    text = translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - the catalog is ours; Jinja does the same
    return text % variables


@pass_context
def template_ngettext(context: Any, singular: str, plural: str, num: int, **variables: Any) -> Any:
    """``{{ ngettext("…", "…", n) }}`` in templates, as `template_gettext`."""
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - the catalog is ours; Jinja does the same
    return text % variables


def install_request_domain(app: Flask, babel: Babel) -> None:
    """Use `RequestDomain` for the default domain (after `babel.init_app`), and let templates
    reach its translations directly."""
    babel.domain_instance = RequestDomain(domain=app.extensions["babel"].default_domain)
    app.jinja_env.globals.update(
        _=template_gettext, gettext=template_gettext, ngettext=template_ngettext
    )


def text_direction(locale: Any) -> str:
    """``rtl`` for a script written right to left (Arabic, Farsi), else ``ltr``."""
    return _direction_of(str(locale))


@lru_cache(maxsize=64)
def _direction_of(locale: str) -> str:
    try:
        order = Locale.parse(locale).character_order
    except (ValueError, TypeError, UnknownLocaleError):
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"


def interface_locale() -> str:
    """The request's language if the signed-in interface and the e-mails speak it, else German:
    what a new account and the mails sent from a public page are set to."""
    chosen = select_locale()
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def ltr(value: Any) -> Markup:
    """Phone numbers, times, versions: kept left to right inside a right-to-left page
    (``07222 381-0`` would otherwise read ``0-381 07222``); other pages get the value as it is."""
    if text_direction(get_locale()) != "rtl":
        return Markup("{}").format(value)
    return Markup('<bdi dir="ltr">{}</bdi>').format(value)
