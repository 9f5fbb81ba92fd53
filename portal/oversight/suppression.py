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
would be untrue); the page explains both marks. Not covered: combining several published
tables that share totals. A test tries every integer completion of small tables and finds at
least two values for every hidden cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

THRESHOLD = 5
PRIMARY, COMPLEMENTARY = "primary", "complementary"

Cell = tuple[int, int]


@dataclass
class Grid:
    """A table with its totals: ``values[r][c]``; row ``len(rows)`` holds the column totals,
    column ``len(cols)`` the row totals (when ``row_totals``)."""

    values: list[list[int]]
    row_totals: bool
    hidden: dict[Cell, str]

    @property
    def height(self) -> int:
        return len(self.values)

    @property
    def width(self) -> int:
        return len(self.values[0]) if self.values else 0

    def shown(self, cell: Cell) -> bool:
        return cell not in self.hidden


def with_totals(table: Sequence[Sequence[int]], row_totals: bool = True) -> list[list[int]]:
    """``table`` with a column of row totals (if ``row_totals``) and a row of column totals."""
    rows = [list(r) + ([sum(r)] if row_totals else []) for r in table]
    width = len(rows[0]) if rows else 0
    return [*rows, [sum(r[c] for r in rows) for c in range(width)]]


def _lines(grid: Grid) -> list[tuple[list[Cell], Cell]]:
    """Every equation of the grid: (cells, total)."""
    inner_h, inner_w = grid.height - 1, grid.width - (1 if grid.row_totals else 0)
    lines = [([(r, c) for r in range(inner_h)], (inner_h, c)) for c in range(grid.width)]
    if grid.row_totals:
        lines += [([(r, c) for c in range(inner_w)], (r, inner_w)) for r in range(grid.height)]
    return lines


def pinned(grid: Grid) -> list[Cell]:
    """Hidden cells whose bounds, narrowed line by line, leave one value (interval attack).

    Every "< 5" lies in 0..4, every other hidden member is at least 5; each equation narrows
    each of its hidden members to what the others' bounds leave. Repeated until stable."""
    big = sum(max(row) for row in grid.values) + THRESHOLD
    low = {m: 0 if why == PRIMARY else THRESHOLD for m, why in grid.hidden.items()}
    high = {m: THRESHOLD - 1 if why == PRIMARY else big for m, why in grid.hidden.items()}
    equations = []
    for cells, total in _lines(grid):
        terms = [(m, 1) for m in cells] + [(total, -1)]
        unknown = [(m, sign) for m, sign in terms if m in grid.hidden]
        known = sum(sign * grid.values[m[0]][m[1]] for m, sign in terms if m not in grid.hidden)
        if unknown:
            equations.append((unknown, -known))  # sum(sign * x) == -known
    changed = True
    while changed:
        changed = False
        for unknown, rhs in equations:
            for m, sign in unknown:
                others_low = sum(low[o] if s > 0 else -high[o] for o, s in unknown if o != m)
                others_high = sum(high[o] if s > 0 else -low[o] for o, s in unknown if o != m)
                lo, hi = (rhs - others_high, rhs - others_low)
                if sign < 0:
                    lo, hi = -hi, -lo
                if lo > low[m] or hi < high[m]:
                    low[m], high[m] = max(low[m], lo), min(high[m], hi)
                    changed = True
    return sorted(m for m in grid.hidden if low[m] >= high[m])


def _hide_next(grid: Grid, members: list[Cell]) -> bool:
    """Hide the smallest shown cell of a line (its total last). False if nothing is left."""
    cells, total = members[:-1], members[-1]
    candidates = [m for m in cells if grid.shown(m)] or ([total] if grid.shown(total) else [])
    if not candidates:
        return False
    smallest = min(candidates, key=lambda m: (grid.values[m[0]][m[1]], m))
    grid.hidden[smallest] = COMPLEMENTARY
    return True


def determined(grid: Grid) -> list[Cell]:
    """Hidden cells that the equations of the shown values fix exactly (exact elimination)."""
    unknowns = sorted(grid.hidden)
    index = {cell: i for i, cell in enumerate(unknowns)}
    rows: list[list[Fraction]] = []
    for cells, total in _lines(grid):
        row = [Fraction(0)] * len(unknowns)
        for m, sign in [*((c, 1) for c in cells), (total, -1)]:
            if m in index:
                row[index[m]] += sign
        if any(row):
            rows.append(row)
    basis = _echelon(rows, len(unknowns))
    return [cell for cell in unknowns if _in_span(basis, index[cell], len(unknowns))]


def _echelon(rows: list[list[Fraction]], n: int) -> list[tuple[int, list[Fraction]]]:
    basis: list[tuple[int, list[Fraction]]] = []
    for row in rows:
        row = _reduce(basis, list(row))
        pivot = next((i for i in range(n) if row[i]), None)
        if pivot is not None:
            row = [v / row[pivot] for v in row]
            basis.append((pivot, row))
    return basis


def _reduce(basis: list[tuple[int, list[Fraction]]], row: list[Fraction]) -> list[Fraction]:
    for pivot, b in basis:
        if row[pivot]:
            factor = row[pivot]
            row = [v - factor * w for v, w in zip(row, b, strict=True)]
    return row


def _in_span(basis: list[tuple[int, list[Fraction]]], i: int, n: int) -> bool:
    unit = [Fraction(int(j == i)) for j in range(n)]
    return not any(_reduce(basis, unit))


def suppress(values: list[list[int]], row_totals: bool = True) -> dict[Cell, str]:
    """The hidden cells of ``values`` (a grid from `with_totals`) and why each is hidden."""
    grid = Grid(values, row_totals, {})
    for r, row in enumerate(values):
        for c, value in enumerate(row):
            if value < THRESHOLD:
                grid.hidden[(r, c)] = PRIMARY
    while True:
        exposed = pinned(grid) or determined(grid)
        if not exposed or not _protect(grid, exposed):
            return grid.hidden


def _hidden_in(grid: Grid, line: list[Cell]) -> int:
    return sum(1 for m in line if not grid.shown(m))


def _protect(grid: Grid, exposed: list[Cell]) -> bool:
    """Hide one more cell: the smallest shown cell of the row or column of an exposed cell
    that has the fewest hidden cells; else the smallest shown cell anywhere."""
    lines = []
    for r, c in exposed:
        if grid.row_totals:
            lines.append([(r, j) for j in range(grid.width)])
        lines.append([(i, c) for i in range(grid.height)])
    lines.sort(key=lambda line: _hidden_in(grid, line))
    if any(_hide_next(grid, line) for line in lines):
        return True
    shown = [(i, j) for i in range(grid.height) for j in range(grid.width) if grid.shown((i, j))]
    if not shown:
        return False
    grid.hidden[min(shown, key=lambda m: (grid.values[m[0]][m[1]], m))] = COMPLEMENTARY
    return True
