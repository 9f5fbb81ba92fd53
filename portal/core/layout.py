"""The layout's top and bottom (templates/layout/), rendered once per process for the values
they follow from and kept (portal.core.kept): every page shows them, and rendering them took
about a third of a simple signed-in page's work. The values are read here from the page's
context, so that the key holds everything the pieces show; the page's title, the person's name,
the CSRF token and the page's own address go into holes on every request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2.runtime import Context
from jinja2.utils import pass_context
from markupsafe import Markup, escape

from portal.core.kept import Holes, hole, kept_html

KEPT_PIECES = 2048
"""At most this many rendered tops and bottoms per process (about 4 kB each): one per page,
language, set of roles and unread count in use."""

_HOLES = {name: hole(name) for name in ("title", "name", "csrf", "next")}


@dataclass(frozen=True, slots=True)
class Top:
    """Everything the top shows but its holes."""

    locale: str
    rtl: bool
    script_root: str
    form_failed: bool
    idle_seconds: int | None
    signed_in: bool
    error_page: bool
    navigation: tuple[tuple[str, str, tuple[tuple[str, str, str, int], ...]], ...]
    endpoint: str | None
    consultations: bool
    public_page: bool
    languages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Bottom:
    """Everything the bottom shows but its holes."""

    locale: str
    script_root: str
    endpoint: str | None
    idle_seconds: int | None
    signed_in: bool
    languages: tuple[str, ...]


def _signed_in(context: Context) -> bool:
    """An error page asks the database nothing: signed in per the cookie."""
    if context["error_page"]:
        return session.get("_user_id") is not None
    return bool(current_user.is_authenticated)


def _navigation(sections: list[dict[str, Any]]) -> Any:
    return tuple(
        (
            section["role"],
            section["label"],
            tuple(
                (item["label"], item["url"], item["endpoint"], item["badge"])
                for item in section["items"]
            ),
        )
        for section in sections
    )


def _piece(kind: str, values: Top | Bottom) -> Holes:
    kept = kept_html("layout_pieces", KEPT_PIECES)
    key = (kind, values)
    found: Holes | None = kept.get(key)
    if found is None:
        template = current_app.jinja_env.get_template(f"layout/_{kind}.html")
        found = Holes(str(getattr(template.module, kind)(values, _HOLES)))
        kept.add(key, found)
    return found


def _csrf() -> str:
    return str(escape(generate_csrf()))


@pass_context
def layout_top(context: Context, title: str) -> Markup:
    signed_in = _signed_in(context)
    values = Top(
        locale=context["current_locale"],
        rtl=context["text_direction"] == "rtl",
        script_root=request.script_root,
        form_failed=bool(g.get("form_failed")),
        idle_seconds=context.get("idle_seconds"),
        signed_in=signed_in,
        error_page=bool(context["error_page"]),
        navigation=_navigation(context["navigation"]) if signed_in else (),
        endpoint=context["endpoint"],
        consultations=request.blueprint == "consultation_hours",
        public_page=bool(context["public_page"]),
        languages=tuple(context["ui_languages"]),
    )
    return _piece("top", values).fill(
        {
            "title": lambda: str(escape(title)),
            "name": lambda: str(escape(current_user.display_name)),
            "csrf": _csrf,
        }
    )


@pass_context
def layout_bottom(context: Context) -> Markup:
    values = Bottom(
        locale=context["current_locale"],
        script_root=request.script_root,
        endpoint=context["endpoint"],
        idle_seconds=context.get("idle_seconds"),
        signed_in=_signed_in(context),
        languages=tuple(context["ui_languages"]),
    )
    return _piece("bottom", values).fill(
        {
            "csrf": _csrf,
            "next": lambda: str(escape(request.full_path if request.method == "GET" else "")),
        }
    )


def register(app: Flask) -> None:
    app.jinja_env.globals.update(layout_top=layout_top, layout_bottom=layout_bottom)
