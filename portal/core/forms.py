"""Form building blocks shared by every domain: the base form, fields, coercions, how a view
shows a service's refusal on a form, and the form page of a change (`submit`).

Every form derives from `PortalForm`, which adds the input rules that hold for every field of
a kind, in this one place (a test walks all forms and holds them to it):

- single-line text (StringField and its kinds, but not passwords or text areas) refuses control
  characters and line breaks: such values end up in iCal lines and e-mail subjects;
- text areas refuse control characters other than tab and line breaks;
- dates lie between `EARLIEST` and `LATEST` (far dates overflow date arithmetic and the
  databases' date types);
- whole numbers fit the database's INTEGER (32 bits).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, TypeVar

from babel import support
from flask import flash, g, redirect
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (
    DateTimeField,
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.i18n import messages_path
from wtforms.validators import Length, StopValidation
from wtforms.widgets import Select

from portal.core.errors import DomainError, ValidationFailed
from portal.core.formatting import hours_number
from portal.core.inputs import MAX_ID, parse_id
from portal.core.widgets import html_params
from portal.i18n import current_locale

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
LINE_BREAKS = {"\n", "\r", "\u2028", "\u2029", "\x85"}


def _raw_texts(field: Field) -> list[str]:
    return [v for v in (field.raw_data or []) if isinstance(v, str)]


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or char in LINE_BREAKS


def single_line(form: Any, field: Field) -> None:
    """No control characters and no line breaks (also the Unicode ones)."""
    if any(_is_control(c) for value in _raw_texts(field) for c in value):
        raise StopValidation(str(_l("Bitte ohne Zeilenumbrüche und Steuerzeichen.")))


def multi_line(form: Any, field: Field) -> None:
    """Line breaks and tabs, but no other control characters."""
    allowed = {"\n", "\r", "\t"}
    if any(
        _is_control(c) and c not in allowed and c not in LINE_BREAKS
        for value in _raw_texts(field)
        for c in value
    ):
        raise StopValidation(str(_l("Der Text enthält unzulässige Steuerzeichen.")))


def date_in_range(form: Any, field: Field) -> None:
    """A date (or the date of a date and time) between EARLIEST and LATEST."""
    value = field.data
    day = value.date() if isinstance(value, datetime) else value
    if isinstance(day, date) and not EARLIEST <= day <= LATEST:
        raise StopValidation(
            str(
                _l(
                    "Bitte geben Sie ein Datum zwischen %(first)s und %(last)s an.",
                    first=EARLIEST.year,
                    last=LATEST.year,
                )
            )
        )


def int32(form: Any, field: Field) -> None:
    """A whole number the database can store."""
    if isinstance(field.data, int) and not -MAX_ID - 1 <= field.data <= MAX_ID:
        raise StopValidation(str(_l("Die Zahl ist zu groß.")))


def rules_for(field: Field) -> list[Callable[[Any, Field], None]]:
    """The rules every field of this kind obeys, whatever its form says."""
    if isinstance(field, TextAreaField):
        return [multi_line]
    if isinstance(field, PasswordField):
        return []
    if isinstance(field, StringField):  # incl. hidden, e-mail, search and telephone fields
        return [single_line]
    if isinstance(field, DateTimeField):  # incl. date, date-and-time and time fields
        return [date_in_range]
    if isinstance(field, IntegerField):
        return [int32]
    return []


def _max_length(field: Field) -> int | None:
    limits = [v.max for v in field.validators if isinstance(v, Length) and v.max >= 0]
    return min(limits) if limits else None


def _forget_over_long(field: Field) -> None:
    """A single-line value beyond the field's limit is not shown again (nor echoed back)."""
    if not isinstance(field, StringField) or isinstance(field, TextAreaField) or not field.errors:
        return
    limit = _max_length(field)
    if limit is not None and any(len(value) > limit for value in _raw_texts(field)):
        field.raw_data = []
        field.data = ""


class PortalForm(FlaskForm):
    """The base of every form: adds `rules_for` each field before its own validators."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            field: Field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
            field.validators = [*rules_for(field), *field.validators]
            return field

        def get_translations(self, form: Any) -> Any:
            return wtforms_translations(str(current_locale()))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            _forget_over_long(field)
        if not valid:
            mark_failed()
        return valid


INVALID_CHOICE = "Not a valid choice."
"""WTForms' own message (translated by WTForms' catalogue: ``field.gettext(INVALID_CHOICE)``),
as `SelectField` gives it, for select fields that check their choices themselves."""


@lru_cache(maxsize=16)
def wtforms_translations(locale: str) -> Any:
    """WTForms' own messages ("Not a valid choice.") in ``locale``, read once per process:
    Flask-WTF reads the catalog from disk for every request."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def mark_failed() -> None:
    """The page shows a refused form: its title starts with "Fehler:" (base.html)."""
    g.form_failed = True


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes (rendered as a fieldset by the `field` macro)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def optional_int(value: Any) -> int | None:
    """Coerce a select's value to an int; empty means None. Non-numbers raise ValueError, which
    WTForms turns into a field error."""
    if value in (None, "", "None"):
        return None
    number = int(value)
    if not -MAX_ID - 1 <= number <= MAX_ID:
        raise ValueError(_l("Die Zahl ist zu groß."))
    return number


def int_or_none(value: Any) -> int | None:
    """Coerce a submitted id leniently: anything that is not a record number becomes None,
    which the field's own validator then refuses with a readable message (never a 500)."""
    if isinstance(value, int):
        return value
    return parse_id(value)


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
    mark_failed()
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


class ActionForm(PortalForm):
    """A button that changes state: the CSRF token and, optionally, where to go back to."""

    next = HiddenField(validators=[Length(max=2000)])


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


class StaticSelect(Select):
    """A `<select>` whose choices are fixed when the form class is defined (codes and their
    registry labels): its `<option>`s are rendered and escaped once per language and process,
    and a request only marks the chosen one. The output is WTForms' own `Select`'s."""

    def __init__(self) -> None:
        super().__init__()
        self._options: dict[str, tuple[tuple[Any, Markup, Markup], ...]] = {}

    def _options_of(self, field: Any) -> tuple[tuple[Any, Markup, Markup], ...]:
        language = str(get_locale())
        found = self._options.get(language)
        if found is None:
            rendered = []
            for choice in field._iter_choices_normalized():
                label = str(choice.label)  # in this language
                plain = self.render_option(choice._replace(label=label, selected=False))
                chosen = self.render_option(choice._replace(label=label, selected=True))
                rendered.append((field.coerce(choice.value), plain, chosen))
            found = self._options[language] = tuple(rendered)
        return found

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        data = field.data
        options = "".join(
            [chosen if value == data else plain for value, plain, chosen in self._options_of(field)]
        )
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")  # noqa: S704 - options escaped by render_option, params by html_params
