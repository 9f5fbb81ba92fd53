"""Small cells are hidden, and no hidden cell can be worked out from the published ones: an
attacker who knows the rules (every "< 5" lies in 0..4, every other hidden cell is at least 5)
tries every integer completion that matches the shown totals, and finds at least two values
for each hidden cell."""

from __future__ import annotations

import random

import pytest

from portal.oversight.suppression import COMPLEMENTARY, PRIMARY, THRESHOLD, suppress, with_totals


def _values_per_cell(grid, hidden, row_totals):
    """For each hidden cell, up to two values it can take in some integer completion that
    matches every shown cell (depth-first search, pruned by each line's reachable sums)."""
    height, width = len(grid), len(grid[0])
    inner_w = width - (1 if row_totals else 0)
    limit = sum(max(row) for row in grid)
    lines = [([(r, c) for r in range(height - 1)], (height - 1, c)) for c in range(width)]
    if row_totals:
        lines += [([(r, c) for c in range(inner_w)], (r, inner_w)) for r in range(height)]
    bounds = {
        m: (0, THRESHOLD - 1) if why == PRIMARY else (THRESHOLD, limit) for m, why in hidden.items()
    }
    known = {
        (r, c): grid[r][c] for r in range(height) for c in range(width) if (r, c) not in hidden
    }

    def possible(values) -> bool:
        for members, total in lines:
            terms = [(m, 1) for m in members] + [(total, -1)]
            low = high = 0
            for m, sign in terms:
                lo, hi = (values[m], values[m]) if m in values else bounds[m]
                low, high = (
                    (low + sign * lo, high + sign * hi) if sign > 0 else (low - hi, high - lo)
                )
            if not low <= 0 <= high:
                return False
        return True

    def solvable(values, todo) -> bool:
        if not todo:
            return True
        cell, rest = todo[0], todo[1:]
        for v in range(bounds[cell][0], bounds[cell][1] + 1):
            values[cell] = v
            if possible(values) and solvable(values, rest):
                del values[cell]
                return True
            del values[cell]
        return False

    found = {}
    for cell in sorted(hidden):
        others = [m for m in sorted(hidden) if m != cell]
        found[cell] = set()
        for v in range(bounds[cell][0], bounds[cell][1] + 1):
            values = {**known, cell: v}
            if possible(values) and solvable(values, others):
                found[cell].add(v)
                if len(found[cell]) == 2:
                    break
    return found


def test_small_cells_are_hidden_as_primary_and_a_lone_one_gets_a_partner():
    grid = with_totals([[3, 10, 12], [20, 7, 9]])
    hidden = suppress(grid)
    assert hidden[(0, 0)] == PRIMARY
    # row 0 and column 0 would give 3 away: their next smallest cells go too, and then
    # row 1's (7) for the 20 hidden there: a rectangle of four
    assert hidden == {
        (0, 0): PRIMARY,
        (0, 1): COMPLEMENTARY,
        (1, 0): COMPLEMENTARY,
        (1, 1): COMPLEMENTARY,
    }


def test_two_small_cells_adding_up_to_their_bound_are_not_left_alone():
    # 4 + 4 = 8 pins both "< 5" cells; a third cell must go
    grid = with_totals([[4, 4, 9, 12], [6, 8, 11, 13]])
    hidden = suppress(grid)
    assert {(0, 0), (0, 1)} <= set(hidden)
    assert sum(1 for r, c in hidden if r == 0 and c < 4) >= 3


def test_a_table_without_row_totals_protects_its_columns():
    grid = with_totals([[2, 30], [14, 1], [9, 22]], row_totals=False)
    hidden = suppress(grid, row_totals=False)
    assert hidden[(0, 0)] == PRIMARY and hidden[(1, 1)] == PRIMARY
    assert hidden[(2, 0)] == COMPLEMENTARY and hidden[(2, 1)] == COMPLEMENTARY


@pytest.mark.parametrize("seed", range(12))
def test_no_hidden_cell_can_be_recovered(seed):
    rng = random.Random(seed)
    rows, cols = rng.randint(2, 3), rng.randint(2, 3)
    table = [[rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 11]) for _ in range(cols)] for _ in range(rows)]
    grid = with_totals(table)
    hidden = suppress(grid)
    assert all((r, c) in hidden for r, row in enumerate(grid) for c, v in enumerate(row) if v < 5)
    for cell, values in _values_per_cell(grid, hidden, True).items():
        assert len(values) >= 2, (table, cell, values)
