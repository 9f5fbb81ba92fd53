"""How WTForms' widgets write HTML attributes: `html_params`, installed for every widget and
label of the app by `install_html_params` (create_app)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from wtforms import widgets as wtforms_widgets
from wtforms.widgets import core as widgets_core
from wtforms.widgets.core import clean_key


def html_params(**kwargs: Any) -> Markup:
    """WTForms' `html_params` with the same output (attributes sorted by name, ``True`` bare,
    ``False`` left out, values escaped with ``"`` as ``&quot;``), built with plain strings:
    WTForms formats each attribute through `Markup.format`, and a filter form's fields spent
    a millisecond there (`install_html_params`)."""
    params = []
    for key, value in sorted(kwargs.items()):
        name = clean_key(key)
        if value is True:
            params.append(str(escape(name)))
        elif value is not False:
            params.append(f'{escape(name)}="{str(escape(value)).replace(QUOTE, "&quot;")}"')
    return Markup(" ".join(params))  # noqa: S704 - every part escaped above


QUOTE = '"'
_WTFORMS_HTML_PARAMS = widgets_core.html_params


def install_html_params() -> None:
    """Let WTForms' widgets and labels build their attributes with `html_params` (module
    settings of WTForms: `widgets.core.html_params`, `widgets.html_params` and the widgets'
    own copies). tests/unit/test_form_rendering.py compares both on every kind of value."""
    widgets_core.html_params = html_params
    wtforms_widgets.html_params = html_params
    for widget in (widgets_core.Input, widgets_core.Button):
        widget.html_params = staticmethod(html_params)
