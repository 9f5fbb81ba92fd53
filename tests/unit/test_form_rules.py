"""Every form of the portal obeys the shared input rules (portal/core/forms.py): a length limit
on every text field, one line without control characters where one line is meant, sane dates
and numbers the database can store. The test walks every form class, so a new form is held to
the same rules without anyone remembering to add it here."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateTimeField, IntegerField, StringField, TextAreaField, TimeField
from wtforms.validators import Length

import portal
from portal import create_app
from portal.core.forms import PortalForm
from tests.conftest import BASE_CONFIG


def _all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _all_subclasses(sub)
    return found


def portal_forms() -> list[type[FlaskForm]]:
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        importlib.import_module(module.name)
    forms = [
        cls
        for cls in _all_subclasses(FlaskForm)
        if cls.__module__.startswith("portal.") and cls is not PortalForm
    ]
    assert len(forms) >= 30, "the walk should find the portal's forms"
    return sorted(forms, key=lambda c: f"{c.__module__}.{c.__qualname__}")


FORMS = portal_forms()


@pytest.fixture(scope="module")
def form_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    path = tmp_path_factory.mktemp("forms") / "forms.db"
    return create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})


def bound(form_app: Flask, cls: type[FlaskForm], data: dict[str, Any] | None = None) -> FlaskForm:
    with form_app.test_request_context(method="POST", data=data or {}):
        return cls(formdata=MultiDict(data or {}), meta={"csrf": False})


def form_id(cls: type) -> str:
    return f"{cls.__module__.removeprefix('portal.')}.{cls.__qualname__}"


@pytest.mark.parametrize("cls", FORMS, ids=form_id)
def test_every_form_derives_from_portal_form(cls):
    assert issubclass(cls, PortalForm), f"{form_id(cls)} must derive from PortalForm"


@pytest.mark.parametrize("cls", FORMS, ids=form_id)
def test_every_text_field_has_a_maximum_length(form_app, cls):
    form = bound(form_app, cls)
    for field in form:
        if not isinstance(field, StringField):
            continue
        limits = [v.max for v in field.validators if isinstance(v, Length) and v.max >= 0]
        assert limits, f"{form_id(cls)}.{field.name} has no Length(max=...)"
        assert limits[0] <= 10_000


def _fields_of(kind: type) -> list[tuple[type, str]]:
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    found = []
    for cls in FORMS:
        form = bound(app, cls)
        found += [(cls, f.name) for f in form if isinstance(f, kind)]
    return found


def _is_time_of_day(cls: type, name: str) -> bool:
    return getattr(cls, name).field_class is TimeField


def errors_for(form_app: Flask, cls: type[FlaskForm], name: str, value: str) -> list[str]:
    with form_app.test_request_context(method="POST"):
        form = cls(formdata=MultiDict({name: value}), meta={"csrf": False})
        form[name].validate(form)  # the field alone: some forms get their choices in the view
        return list(form[name].errors)


SINGLE_LINE = [
    (cls, name)
    for cls, name in _fields_of(StringField)
    if name not in {"password", "confirm", "current_password"}
]


@pytest.mark.parametrize(
    ("cls", "name"), SINGLE_LINE, ids=[f"{form_id(c)}.{n}" for c, n in SINGLE_LINE]
)
def test_single_line_fields_refuse_line_breaks_and_control_characters(form_app, cls, name):
    with form_app.test_request_context(method="POST"):
        field = cls(meta={"csrf": False})[name]
    multi = isinstance(field, TextAreaField)
    for bad in ("A\x07B", "A\x1bB", "\x0b"):
        assert errors_for(form_app, cls, name, bad), f"{name} accepted {bad!r}"
    for brk in ("Zeile 1\nZeile 2", "A\rBcc: x", "A\u2028B"):
        assert bool(errors_for(form_app, cls, name, brk)) is not multi, (name, brk)


# a time of day has no year (need.time_of_day, the start and end of consultation hours)
DATES = [(c, n) for c, n in _fields_of(DateTimeField) if not _is_time_of_day(c, n)]


@pytest.mark.parametrize(("cls", "name"), DATES, ids=[f"{form_id(c)}.{n}" for c, n in DATES])
def test_dates_lie_between_1900_and_2100(form_app, cls, name):
    with form_app.test_request_context(method="POST"):
        field = cls(meta={"csrf": False})[name]
    fmt = field.format[0] if isinstance(field.format, list) else field.format
    for year in (1, 1899, 2101, 9999):
        value = fmt.replace("%Y", f"{year:04d}").replace("%m", "12").replace("%d", "31")
        value = value.replace("%H", "10").replace("%M", "00")
        assert errors_for(form_app, cls, name, value), f"{name} accepted {value}"
    value = fmt.replace("%Y", "2027").replace("%m", "03").replace("%d", "15")
    value = value.replace("%H", "10").replace("%M", "00")
    assert not any("zwischen" in e for e in errors_for(form_app, cls, name, value))


NUMBERS = _fields_of(IntegerField)


@pytest.mark.parametrize(("cls", "name"), NUMBERS, ids=[f"{form_id(c)}.{n}" for c, n in NUMBERS])
def test_whole_numbers_fit_the_database(form_app, cls, name):
    for value in ("2147483648", "-2147483649", "99999999999999999999"):
        assert errors_for(form_app, cls, name, value), f"{name} accepted {value}"
