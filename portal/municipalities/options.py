"""The municipalities as `<option>`s and checkboxes of filters and forms, kept per application
process.

A volunteer who helps state-wide chooses among 1,100 municipalities on every board page; loading
and sorting their names and escaping them into HTML each time cost more than the rest of the page.
Names change rarely, so each process keeps one catalogue: every municipality's id, its place in
German order (`portal.core.collation.german_key`), its office and its `<option>` element, escaped
once. A page then only picks the options of the ids it offers. Every form field of municipalities
is a `PlaceField` (one) or `PlacesField` (several): the view says which it offers (`offer`),
the field refuses any other; more than `GROUPED_ABOVE` come grouped by office.

Staleness: the catalogue is rebuilt

- at once in the process that inserts, renames or deletes a municipality or an office (ORM
  events),
- when a page asks for an id the catalogue does not hold (a municipality created elsewhere), at
  most every `MISSING_AFTER_SECONDS` (ids sent by an attacker cost no rebuild each),
- otherwise after `MAX_AGE_SECONDS`: a municipality renamed through another process shows its
  old name in the filter of this process for at most that long (the name only labels the option;
  the filter itself works on the id).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Set
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import event, select
from wtforms import SelectField
from wtforms.validators import ValidationError
from wtforms.widgets import html_params

from portal.core.collation import german_key
from portal.core.forms import INVALID_CHOICE, MultiCheckboxField, int_or_none
from portal.extensions import db
from portal.municipalities.models import Municipality, Office

MAX_AGE_SECONDS = 60.0
MISSING_AFTER_SECONDS = 5.0
EXTENSION = "municipality_options"
GROUPED_ABOVE = 60
"""A field offering more municipalities than this groups them by office (in a state: by county):
a volunteer of a state finds their few among 1,100 in the group of their county."""

_generation = 0
"""Bumped whenever this process writes a municipality: every catalogue older is rebuilt."""


@dataclass(frozen=True)
class Catalogue:
    generation: int
    built: float
    position: dict[int, int]  # id -> place in German order
    order: tuple[int, ...]  # ids in German order
    names: dict[int, str]
    html: dict[int, str]  # id -> '<option value="id">name</option>', escaped
    escaped: dict[int, str]  # id -> the name, escaped
    every: str  # the options of all municipalities (a volunteer who helps everywhere)
    office: dict[int, int | None]  # id -> its office
    offices: tuple[tuple[int, str], ...]  # (office id, name escaped) in German order

    @property
    def version(self) -> tuple[int, float]:
        """Differs between any two catalogues of a process (names may differ)."""
        return (self.generation, self.built)

    def fresh(self, now: float) -> bool:
        return self.generation == _generation and now - self.built < MAX_AGE_SECONDS

    def ordered(self, ids: Collection[int]) -> list[int]:
        """Those of ``ids`` the catalogue holds, in German order."""
        if len(ids) * 8 < len(self.order):
            position = self.position
            return sorted((i for i in ids if i in position), key=position.__getitem__)
        wanted = ids if isinstance(ids, Set | Mapping) else set(ids)
        return [i for i in self.order if i in wanted]

    def grouped(self, ids: Collection[int]) -> list[tuple[str | None, list[int]]]:
        """Those of ``ids`` the catalogue holds by office: (the office's name, escaped, and its
        municipalities) in German order, those without an office last (name None)."""
        members: dict[int | None, list[int]] = {}
        for mid in self.ordered(ids):
            members.setdefault(self.office[mid], []).append(mid)
        groups: list[tuple[str | None, list[int]]] = [
            (name, members[oid]) for oid, name in self.offices if oid in members
        ]
        if None in members:
            groups.append((None, members[None]))
        return groups

    def options(self, ids: Collection[int], chosen: int | None = None) -> Markup:
        """The `<option>`s of ``ids`` in German order (``chosen`` selected)."""
        html = self.html
        unchosen = chosen is None or chosen not in ids or chosen not in self.names
        if unchosen and len(ids) == len(self.order):  # ids all held (`catalogue`)
            return Markup(self.every)  # noqa: S704 - escaped in _build
        picked = self.ordered(ids)
        if chosen is None or unchosen:
            return Markup("".join([html[i] for i in picked]))  # noqa: S704 - escaped in _build
        selected = Markup('<option value="{}" selected="selected">{}</option>').format(
            chosen, self.names[chosen]
        )
        joined = "".join([selected if i == chosen else html[i] for i in picked])
        return Markup(joined)  # noqa: S704 - every part escaped (here or in _build)


def _build() -> Catalogue:
    found = db.session.execute(
        select(Municipality.id, Municipality.name, Municipality.office_id, Office.name).outerjoin(
            Office, Office.id == Municipality.office_id
        )
    ).all()
    rows = sorted(found, key=lambda row: german_key(row[1]))
    offices = sorted(
        {(row[2], row[3]) for row in rows if row[2] is not None}, key=lambda o: german_key(o[1])
    )
    order = tuple(row[0] for row in rows)
    escaped = {row[0]: str(escape(row[1])) for row in rows}
    html = {mid: f'<option value="{mid}">{name}</option>' for mid, name in escaped.items()}
    return Catalogue(
        generation=_generation,
        built=time.monotonic(),
        position={mid: n for n, mid in enumerate(order)},
        order=order,
        names={row[0]: row[1] for row in rows},
        html=html,
        escaped=escaped,
        every="".join(html[i] for i in order),
        office={row[0]: row[2] for row in rows},
        offices=tuple((oid, str(escape(name))) for oid, name in offices),
    )


def catalogue(ids: frozenset[int] = frozenset()) -> Catalogue:
    """This process's catalogue, rebuilt when old or when it lacks one of ``ids`` (unless
    built less than `MISSING_AFTER_SECONDS` ago)."""
    store: dict[str, Any] = current_app.extensions
    found: Catalogue | None = store.get(EXTENSION)
    now = time.monotonic()
    if (
        found is None
        or not found.fresh(now)
        or (not found.position.keys() >= ids and now - found.built >= MISSING_AFTER_SECONDS)
    ):
        found = store[EXTENSION] = _build()
    return found


def _changed(*_args: Any) -> None:
    global _generation
    _generation += 1


for _name in ("after_insert", "after_update", "after_delete"):
    event.listen(Municipality, _name, _changed)
    event.listen(Office, _name, _changed)


class PlaceSelect:
    """The `<select>` of a `PlaceField`: its empty option (if it has one), then the offered
    municipalities in German order, written from the process's catalogue."""

    def __call__(self, field: PlaceField, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        chosen = field.data
        first = Markup("")
        if field.empty is not None:
            first = Markup('<option value=""{}>{}</option>').format(
                Markup(' selected="selected"') if chosen is None else "", field.empty
            )
        found = catalogue(field.offered or frozenset())
        ids = found.position if field.offered is None else field.offered
        if len(ids) <= GROUPED_ABOVE:
            options = found.options(ids, chosen)
        else:
            options = Markup("").join(
                Markup('<optgroup label="{}">{}</optgroup>').format(
                    _group_name(name), found.options(members, chosen)
                )
                for name, members in found.grouped(ids)
            )
        return Markup("<select {}>{}{}</select>").format(
            html_params(name=field.name, **kwargs), first, options
        )


def _group_name(escaped: str | None) -> Markup:
    """A group's name: its office's (escaped in `_build`), or "other municipalities"."""
    if escaped is None:
        return Markup.escape(_("Weitere Gemeinden"))
    return Markup(escaped)  # noqa: S704 - escaped in _build


class PlaceChecks:
    """The checkboxes of a `PlacesField`, one per offered municipality in German order, written
    from the process's catalogue (ids ``<field>-0``, ``<field>-1``, … as WTForms numbers them)."""

    def __call__(self, field: PlacesField, **_kwargs: Any) -> Markup:
        found = catalogue(field.offered or frozenset())
        ids = found.order if field.offered is None else found.ordered(field.offered)
        chosen = set(field.data or ())
        name, prefix, names = escape(field.name), escape(field.id), found.escaped

        def boxes(members: list[int], start: int) -> str:
            return "".join(
                f'<div class="field-check"><input id="{prefix}-{n}" name="{name}"'
                f' type="checkbox" value="{mid}"{" checked" if mid in chosen else ""}>'
                f' <label for="{prefix}-{n}">{names[mid]}</label></div>'
                for n, mid in enumerate(members, start)
            )

        if len(ids) <= GROUPED_ABOVE:
            return Markup(boxes(list(ids), 0))  # noqa: S704 - names escaped in _build
        # by office, each group folded unless it holds a choice (or the first of a refused
        # field, where the error summary's link leads)
        parts, start = [], 0
        for group, members in found.grouped(ids):
            picked = sum(mid in chosen for mid in members)
            opened = picked or (start == 0 and field.errors)
            count = Markup(' <span class="hint">({})</span>').format(
                _("%(num)d ausgewählt", num=picked)
            )
            parts.append(
                Markup(
                    '<details class="place-group"{}><summary>{}{}</summary>'
                    '<div class="place-list">{}</div></details>'
                ).format(
                    Markup(" open") if opened else "",
                    _group_name(group),
                    count if picked else "",
                    Markup(boxes(members, start)),  # noqa: S704 - names escaped in _build
                )
            )
            start += len(members)
        return Markup("").join(parts)


class _Offered:
    """What `PlaceField` and `PlacesField` share: the municipalities a view offers
    (`offer`; every one until it does) and the check that a choice is one of them."""

    offered: frozenset[int] | None = None
    invalid: Any = None  # the message for a choice not offered (else WTForms' own)

    def offer(self, ids: Collection[int] | None) -> None:
        """The municipalities to choose from; None: every municipality."""
        self.offered = None if ids is None else frozenset(ids)

    def offers(self, *ids: int | None) -> bool:
        """Whether every one of ``ids`` is offered."""
        given = {i for i in ids if i is not None}
        if len(given) < len(set(ids)):
            return False
        known: Collection[int] = self.offered or ()
        if self.offered is None:
            known = catalogue(frozenset(given)).position
        return all(i in known for i in given)

    def refuse(self) -> ValidationError:
        return ValidationError(self.invalid or self.gettext(INVALID_CHOICE))  # type: ignore[attr-defined]


class PlaceField(_Offered, SelectField):
    """One municipality (its id) of those the view offers, or None where ``empty`` names a
    first option for none: a select of up to 1,100 municipalities that neither loads nor escapes
    their names per request (the process's catalogue holds them)."""

    widget = PlaceSelect()

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        empty: Any = None,
        invalid: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            label, validators, coerce=int_or_none, choices=[], validate_choice=False, **kwargs
        )
        self.empty, self.invalid = empty, invalid

    def pre_validate(self, form: Any) -> None:
        given = bool(self.raw_data and self.raw_data[0])
        if (given and self.data is None) or (self.data is not None and not self.offers(self.data)):
            raise self.refuse()


class PlacesField(_Offered, MultiCheckboxField):
    """Any of the municipalities the view offers (their ids), as checkboxes written from the
    process's catalogue."""

    widget = PlaceChecks()

    def __init__(
        self, label: Any = None, validators: Any = None, invalid: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(
            label, validators, coerce=int_or_none, choices=[], validate_choice=False, **kwargs
        )
        self.invalid = invalid

    def pre_validate(self, form: Any) -> None:
        if not self.offers(*(self.data or ())):
            raise self.refuse()
