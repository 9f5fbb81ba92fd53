"""Statistical disclosure control for published tables: small cells are hidden, and so many
more that the hidden ones cannot be worked out from what is shown.

The algorithm (applied to one table of non-negative integers, its row totals and its column
totals, all of which are published):

1. **Primary suppression**: every cell below ``THRESHOLD`` (5) is hidden and shown as "< 5".
   This includes totals: a total below 5 is itself a small count.
2. **Complementary suppression**, repeated until no hidden cell is exposed. Every row (its
   cells and its total) and every column (its cells and its total) is an equation "the cells
   add up to the total". Two attacks are run on the shown values:

   a. *Bounds* (`pinned`): every "< 5" lies in 0..4, every other hidden cell is at least 5;
      each equation narrows each of its hidden members to what the others' bounds leave,
      repeated until stable. A lone hidden cell in a line, or two "< 5" adding up to 8, end
      with one possible value.
   b. *Linear algebra* (`determined`): the equations of all lines together may fix a hidden
      cell exactly even when every line holds two or more (a cell joining two otherwise
      separate groups of hidden cells). Each hidden cell is tested by exact elimination over
      the rationals.

   Then one more cell is hidden: the smallest shown cell of the row or column of an exposed
   cell that has the fewest hidden cells (a total only when its line has no shown cell left;
   else the smallest shown cell of the table), and the attacks run again. Every round hides
   one more cell, so the loop ends, at worst with everything hidden.

Cells hidden in step 2 are "complementary": they are shown as "•" (not as "< 5", which
would be untrue); the page explains both marks. Combining several published
tables that share totals is covered by `suppress_linked`: a cell published in two tables (the
hours of a municipality in the overview and as the row total of the hours table) is one unknown
of one system of equations, hidden in both or in neither, and the attacks above run on the
equations of all tables together. A test tries every integer completion of small tables (and
of linked pairs) and finds at least two values for every hidden cell.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from math import gcd

THRESHOLD = 5
PRIMARY, COMPLEMENTARY = "primary", "complementary"

Cell = tuple[int, int]
Place = tuple[int, int, int]  # (table, row, column)
Link = tuple[Place, Place]


@dataclass
class Line:
    """One equation: the members add up to the total (all are unknown numbers)."""

    members: list[int]
    total: int
    is_row: bool
    all: list[int] = field(init=False)  # the members and the total

    def __post_init__(self) -> None:
        self.all = [*self.members, self.total]


@dataclass
class System:
    """The published numbers of one or more tables as unknowns and equations.

    ``values[u]`` is the true value of unknown ``u``; ``places[u]`` where it is published
    (its first place orders ties); a cell published twice is one unknown."""

    values: list[int]
    places: list[list[Place]]
    lines: list[Line]
    hidden: dict[int, str] = field(default_factory=dict)
    bound: int = 0

    def shown(self, u: int) -> bool:
        return u not in self.hidden

    def key(self, u: int) -> tuple[int, Place]:
        return (self.values[u], self.places[u][0])

    @cached_property
    def lines_of(self) -> dict[int, list[Line]]:
        """The lines each unknown is in, rows first (in the order of `lines`)."""
        found: dict[int, list[Line]] = {}
        for line in sorted(self.lines, key=lambda line: not line.is_row):
            for u in set(line.all):
                found.setdefault(u, []).append(line)
        return found


def with_totals(table: Sequence[Sequence[int]], row_totals: bool = True) -> list[list[int]]:
    """``table`` with a column of row totals (if ``row_totals``) and a row of column totals."""
    rows = [list(r) + ([sum(r)] if row_totals else []) for r in table]
    width = len(rows[0]) if rows else 0
    return [*rows, [sum(r[c] for r in rows) for c in range(width)]]


def _system(grids: Sequence[tuple[list[list[int]], bool]], links: Sequence[Link]) -> System:
    """Number the cells of ``grids`` (each from `with_totals`), one unknown per linked group."""
    parent: dict[Place, Place] = {}

    def root(p: Place) -> Place:
        while parent.get(p, p) != p:
            p = parent[p]
        return p

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    unknown: dict[Place, int] = {}
    values: list[int] = []
    places: list[list[Place]] = []
    for t, (grid, _row_totals) in enumerate(grids):
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                top = root((t, r, c))
                if top not in unknown:
                    unknown[top] = len(values)
                    values.append(value)
                    places.append([])
                elif values[unknown[top]] != value:
                    raise ValueError(f"linked cells differ: {top} and {(t, r, c)}")
                unknown[(t, r, c)] = unknown[top]
                places[unknown[top]].append((t, r, c))
    lines: list[Line] = []
    bound = THRESHOLD
    for t, (grid, row_totals) in enumerate(grids):
        height, width = len(grid), len(grid[0]) if grid else 0
        inner_h, inner_w = height - 1, width - (1 if row_totals else 0)
        bound += sum(max(row) for row in grid)
        for c in range(width):
            members = [unknown[(t, r, c)] for r in range(inner_h)]
            lines.append(Line(members, unknown[(t, inner_h, c)], is_row=False))
        if row_totals:
            for r in range(height):
                members = [unknown[(t, r, c)] for c in range(inner_w)]
                lines.append(Line(members, unknown[(t, r, inner_w)], is_row=True))
    return System(values, places, lines, bound=bound)


def bounds(system: System) -> tuple[dict[int, int], dict[int, int]]:
    """What is known of each hidden unknown before any equation: "< 5" lies in 0..4, any other
    is at least 5 (and at most the sum of the tables)."""
    hidden = system.hidden
    low = {m: 0 if why == PRIMARY else THRESHOLD for m, why in hidden.items()}
    high = {m: THRESHOLD - 1 if why == PRIMARY else system.bound for m, why in hidden.items()}
    return low, high


def hidden_equations(system: System) -> list[tuple[list[tuple[int, int]], int]]:
    """Each line with a hidden member as (hidden members with their sign, the right-hand side
    the shown members leave): sum(sign * x) == rhs."""
    hidden = system.hidden
    equations = []
    for line in system.lines:
        terms = [(m, 1) for m in line.members] + [(line.total, -1)]
        unknown = [(m, sign) for m, sign in terms if m in hidden]
        known = sum(sign * system.values[m] for m, sign in terms if m not in hidden)
        if unknown:
            equations.append((unknown, -known))
    return equations


def pinned(system: System) -> list[int]:
    """Hidden unknowns whose bounds, narrowed line by line, leave one value (interval attack).

    Every "< 5" lies in 0..4, every other hidden member is at least 5; each equation narrows
    each of its hidden members to what the others' bounds leave. Repeated until stable: an
    equation is looked at again when a member's bounds narrowed (a queue of equations, not
    sweeps over all of them; the bounds where it ends are the same)."""
    hidden = system.hidden
    low, high = bounds(system)
    equations = hidden_equations(system)
    containing: dict[int, list[int]] = {}
    for k, (unknown, _rhs) in enumerate(equations):
        for m, _sign in unknown:
            containing.setdefault(m, []).append(k)
    queue = deque(range(len(equations)))
    queued = set(queue)
    while queue:
        k = queue.popleft()
        queued.discard(k)
        unknown, rhs = equations[k]
        # the bounds of sum(sign * x) over the whole equation, kept up to date as members
        # narrow: each member's "others" are these less its own term (linear, not quadratic)
        all_low = sum(low[o] if s > 0 else -high[o] for o, s in unknown)
        all_high = sum(high[o] if s > 0 else -low[o] for o, s in unknown)
        for m, sign in unknown:
            own_low, own_high = (low[m], high[m]) if sign > 0 else (-high[m], -low[m])
            lo, hi = (rhs - (all_high - own_high), rhs - (all_low - own_low))
            if sign < 0:
                lo, hi = -hi, -lo
            if lo > low[m] or hi < high[m]:
                low[m], high[m] = max(low[m], lo), min(high[m], hi)
                new_low, new_high = (low[m], high[m]) if sign > 0 else (-high[m], -low[m])
                all_low += new_low - own_low
                all_high += new_high - own_high
                for j in containing[m]:  # (this one too: its earlier members may narrow now)
                    if j not in queued:
                        queue.append(j)
                        queued.add(j)
    return sorted(m for m in hidden if low[m] >= high[m])


Row = dict[int, int]
"""A sparse equation: column -> integer coefficient (no zeros)."""


def determined(system: System) -> list[int]:
    """Hidden unknowns that the equations of the shown values fix exactly (exact elimination).

    The equations of the hidden unknowns are brought to reduced row echelon form, in integers
    (fraction-free, each row divided by the gcd of its coefficients) and sparse (a line holds a
    few of hundreds of unknowns). An unknown is fixed exactly when its unit vector lies in the
    rows' span, and in reduced form that is: its column is a pivot and the pivot's row has no
    other coefficient (any vector of the span is the sum of the pivot rows scaled by its own
    entries in the pivot columns)."""
    unknowns = sorted(system.hidden)
    index = {u: i for i, u in enumerate(unknowns)}
    basis: dict[int, Row] = {}  # pivot column -> its row
    for line in system.lines:
        row: Row = {}
        for m, sign in [*((c, 1) for c in line.members), (line.total, -1)]:
            if m in index:
                row[index[m]] = row.get(index[m], 0) + sign
        row = {c: v for c, v in row.items() if v}
        for pivot in [c for c in row if c in basis]:
            if pivot in row:
                row = _eliminate(row, basis[pivot], pivot)
        if not row:
            continue
        pivot = min(row)
        for other, other_row in basis.items():
            if pivot in other_row:
                basis[other] = _eliminate(other_row, row, pivot)
        basis[pivot] = row
    return [u for u in unknowns if len(basis.get(index[u], ())) == 1]


def _eliminate(row: Row, by: Row, column: int) -> Row:
    """``row`` with ``column`` cancelled by a multiple of ``by`` (both scaled to integers),
    divided by the gcd of what is left."""
    a, b = by[column], row[column]
    result = {c: v * a for c, v in row.items()}
    for c, v in by.items():
        result[c] = result.get(c, 0) - b * v
    result = {c: v for c, v in result.items() if v}
    divisor = gcd(*result.values()) if result else 1
    return {c: v // divisor for c, v in result.items()} if divisor > 1 else result


def _hide_next(system: System, line: Line) -> bool:
    """Hide the smallest shown member of a line (its total last). False if nothing is left."""
    candidates = [m for m in line.members if system.shown(m)] or (
        [line.total] if system.shown(line.total) else []
    )
    if not candidates:
        return False
    system.hidden[min(candidates, key=system.key)] = COMPLEMENTARY
    return True


def _hidden_in(system: System, line: Line) -> int:
    return sum(1 for m in line.all if not system.shown(m))


def _protect(system: System, exposed: list[int]) -> bool:
    """Hide one more cell: the smallest shown cell of a line (row first, then column, in every
    table the cell appears in) of an exposed cell that has the fewest hidden cells; else the
    smallest shown cell anywhere."""
    lines = []
    for u in exposed:
        lines += system.lines_of.get(u, [])
    lines.sort(key=lambda line: _hidden_in(system, line))
    if any(_hide_next(system, line) for line in lines):
        return True
    shown = [u for u in range(len(system.values)) if system.shown(u)]
    if not shown:
        return False
    system.hidden[min(shown, key=system.key)] = COMPLEMENTARY
    return True


def _run(system: System) -> None:
    for u, value in enumerate(system.values):
        if value < THRESHOLD:
            system.hidden[u] = PRIMARY
    while True:
        exposed = pinned(system) or determined(system)
        if not exposed or not _protect(system, exposed):
            return


def suppress_linked(
    grids: Sequence[tuple[list[list[int]], bool]], links: Sequence[Link] = ()
) -> list[dict[Cell, str]]:
    """The hidden cells of each of ``grids`` (``(values, row_totals)``, values from
    `with_totals`), protected together: ``links`` name cells ``(table, row, column)`` that
    publish the same number, which is hidden in all its places or in none."""
    system = _system(grids, links)
    _run(system)
    hidden: list[dict[Cell, str]] = [{} for _ in grids]
    for u, why in system.hidden.items():
        for t, r, c in system.places[u]:
            hidden[t][(r, c)] = why
    return hidden


def suppress(values: list[list[int]], row_totals: bool = True) -> dict[Cell, str]:
    """The hidden cells of ``values`` (a grid from `with_totals`) and why each is hidden."""
    return suppress_linked([(values, row_totals)])[0]
