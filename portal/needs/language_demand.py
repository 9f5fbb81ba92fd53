"""How many open needs ask for a language, as far as the board needs to know, kept per
application process.

Filtered by a language, the board of a volunteer who helps in many municipalities (a county,
the state) walks the open needs in date order and keeps those that ask for it. That is cheap
for a language many needs ask for (the page's needs come soon) and dear for one that few or none
ask for: at 200,000 needs a walk that finds no need of the language reads every open need of
the state, about 27 ms of database time. Such a board reads the language's own needs instead,
found once per statement (`portal.needs.board_scope.from_language_needs`); `is_rare` tells which
languages those are.

The number is bounded (a count that stops after `RARE_LANGUAGE_NEEDS` + 1 needs) and kept for
`MAX_AGE_SECONDS` per language, one entry per language the board's filter accepts (the codes
of the registry): a language whose needs grow past the bound, or fall below it, is read the
other way for at most that long, which costs some milliseconds more, never a wrong page.
"""

from __future__ import annotations

from time import monotonic

from flask import current_app
from sqlalchemy import String, bindparam, func, literal, select

from portal.core.code_list import has_code
from portal.extensions import db
from portal.needs.models import Need, NeedStatus

RARE_LANGUAGE_NEEDS = 500
"""A language at most this many open needs ask for is rare: its board reads those needs (each a
few microseconds) rather than walking the open needs in date order until the page is full. At
200,000 needs (100,000 open), with 300 needs of the language its own needs cost 3-4 ms of
database time against 7-28 ms for the walk, with 500 4-5 ms; near 1,000 the two cost about
the same."""

MAX_AGE_SECONDS = 300.0
EXTENSION = "needs_language_demand"


def _bounded_count(code: str) -> int:
    """Open needs asking for ``code``, counted up to `RARE_LANGUAGE_NEEDS` + 1 (PostgreSQL finds
    them through the language's GIN index)."""
    asking = (
        select(literal(1))
        .where(
            Need.status == NeedStatus.OPEN,
            has_code(Need.language_codes, bindparam("code", type_=String)),
        )
        .limit(RARE_LANGUAGE_NEEDS + 1)
        .subquery("asking")
    )
    counted = select(func.count()).select_from(asking)
    return int(db.session.execute(counted, {"code": code}).scalar_one())


def is_rare(code: str) -> bool:
    """Whether few open needs (at most `RARE_LANGUAGE_NEEDS`) ask for the language ``code``; one
    bounded count per language and process every `MAX_AGE_SECONDS`."""
    kept: dict[str, tuple[int, float]] = current_app.extensions.setdefault(EXTENSION, {})
    now = monotonic()
    found = kept.get(code)
    if found is None or now - found[1] >= MAX_AGE_SECONDS:
        found = kept[code] = (_bounded_count(code), now)
    return found[0] <= RARE_LANGUAGE_NEEDS
