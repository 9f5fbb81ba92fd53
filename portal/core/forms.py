"""Form building blocks shared by every domain: fields, coercions, how a view shows a
service's refusal on a form, and the form page of a change (`submit`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from flask import flash, redirect
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, SelectMultipleField, ValidationError, widgets

from portal.core.errors import DomainError, ValidationFailed
from portal.core.formatting import hours_number


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


HOURS_AND_MINUTES = re.compile(r"^(\d{1,2}):([0-5]\d)$")


def parse_hours(text: str) -> Decimal | None:
    """Hours as people type them: ``1,5``, ``1.5``, ``2`` or ``1:30``; None if it is no number."""
    text = text.strip().replace(" ", "")
    match = HOURS_AND_MINUTES.match(text)
    if match:
        return Decimal(match.group(1)) + Decimal(match.group(2)) / 60
    if text.count(",") + text.count(".") > 1:
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def hours_to_minutes(hours: Decimal | None) -> int | None:
    return None if hours is None else int((hours * 60).to_integral_value())


class HoursField(Field):
    """A duration asked in hours (decimal, German comma accepted; quarter hours are fine), for
    services that count minutes: ``field.minutes``. ``required`` refuses an empty field;
    ``low``/``high`` bound the hours (the message names them in the reader's notation)."""

    widget = widgets.TextInput()

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        *,
        required: bool = True,
        low: Decimal = Decimal("0.25"),
        high: Decimal = Decimal(24),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.required, self.low, self.high = required, low, high
        self.raw = ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw = str(valuelist[0]) if valuelist else ""
        self.data = parse_hours(self.raw) if self.raw.strip() else None
        if self.raw.strip() and self.data is None:
            raise ValueError(_("Bitte geben Sie die Dauer in Stunden an, zum Beispiel 1,5."))

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            return
        if self.data is None:
            if self.required:
                raise ValidationError(
                    _("Bitte geben Sie die Dauer in Stunden an, zum Beispiel 1,5.")
                )
            return
        if not self.low <= self.data <= self.high:
            raise ValidationError(
                _(
                    "Die Dauer muss zwischen %(low)s und %(high)s Stunden liegen.",
                    low=hours_number(hours_to_minutes(self.low)),
                    high=hours_number(hours_to_minutes(self.high)),
                )
            )

    def _value(self) -> str:
        if self.raw:
            return self.raw
        return "" if self.data is None else hours_number(hours_to_minutes(self.data))

    @property
    def minutes(self) -> int | None:
        """The duration in whole minutes (what the services store)."""
        return hours_to_minutes(self.data)

    def set_minutes(self, minutes: int | None) -> None:
        self.data = None if minutes is None else Decimal(minutes) / 60
        self.raw = ""


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


T = TypeVar("T")


def submit(
    form: FlaskForm,
    action: Callable[[], T],
    *,
    done: str | Callable[[T], str],
    target: str | Callable[[T], str],
    page: Callable[[], str],
    refused: tuple[type[DomainError], ...] = (ValidationFailed,),
) -> ResponseReturnValue:
    """The form page of a change: on a valid submission run ``action`` (a service call); a
    refusal goes back to the form next to the field it names (400), success flashes ``done``
    and redirects to ``target`` (either may depend on the action's result). Otherwise the
    ``page`` is shown (200 first, 400 after a submission that did not validate)."""
    if form.validate_on_submit():
        try:
            result = action()
        except refused as exc:
            attach_error(form, exc)
        else:
            flash(done(result) if callable(done) else done, "success")
            return redirect(target(result) if callable(target) else target)
    return page(), form_status(form)
