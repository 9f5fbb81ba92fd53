"""Form building blocks shared by every domain: fields, coercions and how a view shows a
service's refusal on a form."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, widgets

from portal.core.errors import DomainError


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes (rendered as a fieldset by the `field` macro)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def optional_int(value: Any) -> int | None:
    """Coerce a select's value to an int; empty means None. Non-numbers raise ValueError, which
    WTForms turns into a field error."""
    if value in (None, "", "None"):
        return None
    return int(value)


def int_or_none(value: Any) -> int | None:
    """Coerce a submitted id leniently: anything that is not a number becomes None, which the
    field's own validator then refuses with a readable message (never a 500)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def attach_error(form: FlaskForm, exc: DomainError) -> None:
    """Show a service's refusal next to the field(s) it names, else in the form's summary.

    A refusal names one field (``exc.field``) or several (``exc.errors``: field name to message).
    """
    errors: dict[str, str] = getattr(exc, "errors", None) or {exc.field or "": exc.message}
    for name, message in errors.items():
        target = getattr(form, name, None) if name else None
        if target is None or not hasattr(target, "errors"):
            form.form_errors.append(message)
            continue
        target.errors = [*target.errors, message]


def form_status(form: FlaskForm) -> int:
    """The status of a page that shows ``form`` again: 400 after a refused submission (the
    form carries errors), 200 on first display."""
    return 400 if form.is_submitted() else 200


class ActionForm(FlaskForm):
    """A button that changes state: the CSRF token and, optionally, where to go back to."""

    next = HiddenField()
