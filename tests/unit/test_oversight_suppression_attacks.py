"""The two attacks of the small-cell protection (`pinned`, `determined`) give exactly what their
plain definitions give: interval narrowing that recomputes every member's "others" from scratch,
and a unit vector tested against a dense echelon form over the rationals. The module's versions
are written for speed (linear per equation; sparse integer elimination in reduced form); on
hundreds of random systems, mid-protection (some cells already hidden), both must agree."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from portal.oversight.suppression import (
    COMPLEMENTARY,
    PRIMARY,
    THRESHOLD,
    System,
    _system,
    bounds,
    determined,
    hidden_equations,
    pinned,
    with_totals,
)


def plain_pinned(system: System) -> list[int]:
    hidden = system.hidden
    low, high = bounds(system)
    equations = hidden_equations(system)
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
    return sorted(m for m in hidden if low[m] >= high[m])


def plain_determined(system: System) -> list[int]:
    unknowns = sorted(system.hidden)
    index = {u: i for i, u in enumerate(unknowns)}
    n = len(unknowns)
    basis: list[tuple[int, list[Fraction]]] = []

    def reduce(row: list[Fraction]) -> list[Fraction]:
        for pivot, b in basis:
            if row[pivot]:
                factor = row[pivot]
                row = [v - factor * w for v, w in zip(row, b, strict=True)]
        return row

    for line in system.lines:
        row = [Fraction(0)] * n
        for m, sign in [*((c, 1) for c in line.members), (line.total, -1)]:
            if m in index:
                row[index[m]] += sign
        row = reduce(row)
        pivot = next((i for i in range(n) if row[i]), None)
        if pivot is not None:
            basis.append((pivot, [v / row[pivot] for v in row]))
    return [
        u for u in unknowns if not any(reduce([Fraction(int(j == index[u])) for j in range(n)]))
    ]


def random_system(rng: random.Random) -> System:
    """One or two tables (the second sharing the first's row totals), a random share of cells
    hidden, as the protection leaves them between two rounds."""
    rows, cols = rng.randint(2, 9), rng.randint(2, 7)
    first = [
        [rng.choice([0, 1, 2, 3, 4, 5, 7, 9, 12, 30]) for _ in range(cols)] for _ in range(rows)
    ]
    grids = [(with_totals(first), True)]
    links = []
    if rng.random() < 0.4:  # a second table publishing one cell of the first again
        second = [[rng.randint(0, 20) for _ in range(3)] for _ in range(rows)]
        second[0][0] = first[0][0]
        grids.append((with_totals(second), rng.random() < 0.5))
        links = [((0, 0, 0), (1, 0, 0))]
    system = _system(grids, links)
    for u, value in enumerate(system.values):
        if value < THRESHOLD:
            system.hidden[u] = PRIMARY
        elif rng.random() < 0.25:
            system.hidden[u] = COMPLEMENTARY
    return system


@pytest.mark.parametrize("seed", range(300))
def test_the_fast_attacks_find_what_the_plain_ones_find(seed):
    system = random_system(random.Random(seed))
    assert pinned(system) == plain_pinned(system)
    assert determined(system) == plain_determined(system)


def test_the_systems_tried_expose_cells_both_ways():
    """The random systems are not trivial: many expose cells to each attack."""
    systems = [random_system(random.Random(seed)) for seed in range(300)]
    assert sum(bool(plain_pinned(s)) for s in systems) > 50
    assert sum(bool(plain_determined(s)) for s in systems) > 50
    assert sum(bool(s.hidden) and not plain_determined(s) for s in systems) > 20
