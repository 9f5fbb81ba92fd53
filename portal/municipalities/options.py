"""The municipalities as `<option>`s of a place filter, kept per application process.

A volunteer who helps state-wide chooses among 1,100 municipalities on every board page; loading
and sorting their names and escaping them into HTML each time cost more than the rest of the page.
Names change rarely, so each process keeps one catalogue: every municipality's id, its place in
German order (`portal.core.collation.german_key`) and its `<option>` element, escaped once. A
page then only picks the options of the ids it offers.

Staleness: the catalogue is rebuilt

- at once in the process that inserts, renames or deletes a municipality (ORM events),
- when a page asks for an id the catalogue does not hold (a municipality created elsewhere),
- otherwise after `MAX_AGE_SECONDS`: a municipality renamed through another process shows its
  old name in the filter of this process for at most that long (the name only labels the option;
  the filter itself works on the id).
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import event, select
from wtforms import SelectField
from wtforms.validators import ValidationError
from wtforms.widgets import html_params

from portal.core.collation import german_key
from portal.core.forms import INVALID_CHOICE, optional_int
from portal.extensions import db
from portal.municipalities.models import Municipality

MAX_AGE_SECONDS = 60.0
EXTENSION = "municipality_options"

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
    every: str  # the options of all municipalities (a volunteer who helps everywhere)

    @property
    def version(self) -> tuple[int, float]:
        """Differs between any two catalogues of a process (names may differ)."""
        return (self.generation, self.built)

    def fresh(self, now: float) -> bool:
        return self.generation == _generation and now - self.built < MAX_AGE_SECONDS

    def options(self, ids: Collection[int], chosen: int | None = None) -> Markup:
        """The `<option>`s of ``ids`` in German order (``chosen`` selected)."""
        html = self.html
        unchosen = chosen is None or chosen not in ids
        if unchosen and len(ids) == len(self.order):  # ids all held (`catalogue`)
            return Markup(self.every)  # noqa: S704 - escaped in _build
        if len(ids) * 8 < len(self.order):
            picked = sorted(ids, key=self.position.__getitem__)
        else:
            picked = [i for i in self.order if i in ids]
        if chosen is None or unchosen:
            return Markup("".join([html[i] for i in picked]))  # noqa: S704 - escaped in _build
        selected = Markup('<option value="{}" selected="selected">{}</option>').format(
            chosen, self.names[chosen]
        )
        joined = "".join([selected if i == chosen else html[i] for i in picked])
        return Markup(joined)  # noqa: S704 - every part escaped (here or in _build)


def _build() -> Catalogue:
    found = db.session.execute(select(Municipality.id, Municipality.name)).all()
    rows = sorted(found, key=lambda row: german_key(row[1]))
    order = tuple(row[0] for row in rows)
    html = {row[0]: f'<option value="{row[0]}">{escape(row[1])}</option>' for row in rows}
    return Catalogue(
        generation=_generation,
        built=time.monotonic(),
        position={mid: n for n, mid in enumerate(order)},
        order=order,
        names={row[0]: row[1] for row in rows},
        html=html,
        every="".join(html[i] for i in order),
    )


def catalogue(ids: frozenset[int] = frozenset()) -> Catalogue:
    """This process's catalogue, rebuilt when old or when it lacks one of ``ids``."""
    store: dict[str, Any] = current_app.extensions
    found: Catalogue | None = store.get(EXTENSION)
    if found is None or not found.fresh(time.monotonic()) or not found.position.keys() >= ids:
        found = store[EXTENSION] = _build()
    return found


def _changed(*_args: Any) -> None:
    global _generation
    _generation += 1


for _name in ("after_insert", "after_update", "after_delete"):
    event.listen(Municipality, _name, _changed)


class AnyPlaceSelect:
    """The `<select>` of `AnyPlaceField`: the option for all municipalities, then every
    municipality in German order, written from the process's catalogue."""

    def __call__(self, field: AnyPlaceField, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        chosen = field.data
        first = Markup('<option value=""{}>{}</option>').format(
            Markup(' selected="selected"') if chosen is None else "", field.everywhere
        )
        found = catalogue()
        return Markup("<select {}>{}{}</select>").format(
            html_params(name=field.name, **kwargs), first, found.options(found.position, chosen)
        )


class AnyPlaceField(SelectField):
    """Any one municipality (its id) or empty (None) for all of them, ``everywhere`` naming
    the empty choice: a filter over every municipality that neither loads nor escapes the
    1,100 names per request."""

    widget = AnyPlaceSelect()

    def __init__(
        self, label: Any = None, validators: Any = None, everywhere: Any = "", **kwargs: Any
    ) -> None:
        super().__init__(
            label, validators, coerce=optional_int, choices=[], validate_choice=False, **kwargs
        )
        self.everywhere = everywhere

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and self.data not in catalogue(frozenset({self.data})).position:
            raise ValidationError(self.gettext(INVALID_CHOICE))
