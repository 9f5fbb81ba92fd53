"""`portal.core.widgets.html_params` gives WTForms' own output, and the app's widgets use it."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from wtforms import Form, SelectField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import core

from portal.core import widgets as ours

KEYS = st.sampled_from(
    ["id", "name", "class_", "for_", "data_need_id", "aria_describedby", "required", "value"]
)
VALUES = st.one_of(
    st.booleans(),
    st.integers(),
    st.text(max_size=30),
    st.text(max_size=30).map(Markup),  # already markup (a `"` inside is still replaced)
    st.sampled_from(['"', "<b>", "&amp;", "O'Brien & Söhne", ""]),
)


@settings(deadline=None)  # what it compares is the output; a busy machine may be slow
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_the_same_attributes_as_wtforms(attributes: dict[str, Any]) -> None:
    built = ours.html_params(**attributes)
    assert isinstance(built, Markup)
    assert built == ours._WTFORMS_HTML_PARAMS(**attributes)


def test_lazy_texts_render_alike(app) -> None:
    with app.test_request_context("/"):
        text = lazy_gettext("Gemeinde")
        assert ours.html_params(title=text) == ours._WTFORMS_HTML_PARAMS(title=text)


def test_the_app_renders_wtforms_widgets_with_it(app) -> None:
    assert core.html_params is ours.html_params
    assert widgets.html_params is ours.html_params
    assert core.Input.html_params is ours.html_params

    class Sample(Form):
        name = StringField("Name")
        kind = SelectField(
            "Art", choices=[SelectChoice("a", 'A "quoted"'), SelectChoice("b", "B & C")]
        )

    form = Sample(data={"name": 'x"y', "kind": "b"})
    assert form.name(class_="wide") == (
        '<input class="wide" id="name" name="name" type="text" value="x&#34;y">'
    )
    assert str(form.kind.label()) == '<label for="kind">Art</label>'
    assert str(form.kind()) == (
        '<select id="kind" name="kind"><option value="a">A &#34;quoted&#34;</option>'
        '<option selected value="b">B &amp; C</option></select>'
    )
