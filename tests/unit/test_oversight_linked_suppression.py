"""Tables of one report that share totals are protected together: an attacker who reads all
published tables (and knows the rules: every "< 5" lies in 0..4, every other hidden cell is
at least 5) and solves every equation of every table at once still finds at least two values
for every hidden cell. Suppressing each table on its own would give cells away."""

from __future__ import annotations

from portal.oversight.suppression import (
    PRIMARY,
    THRESHOLD,
    suppress,
    suppress_linked,
    with_totals,
)

# Hours by category per municipality (four towns) with row and column totals, and the
# overview: people reached and the same hours per municipality, with column totals.
HOURS = with_totals([[2, 0, 0], [0, 8, 7], [5, 5, 5], [20, 0, 10]])
OVERVIEW = with_totals([[2, 2], [6, 15], [6, 15], [2, 30]], row_totals=False)
# the overview's hours column is the hours table's column of row totals, grand total included
LINKS = [((0, r, 1), (1, r, 3)) for r in range(5)]


def _equations(grids):
    """Every row and column of every grid as (members, total), cells as (table, r, c)."""
    lines = []
    for t, (grid, row_totals) in enumerate(grids):
        height, width = len(grid), len(grid[0])
        inner_w = width - (1 if row_totals else 0)
        for c in range(width):
            lines.append(([(t, r, c) for r in range(height - 1)], (t, height - 1, c)))
        if row_totals:
            for r in range(height):
                lines.append(([(t, r, c) for c in range(inner_w)], (t, r, inner_w)))
    return lines


def solutions(grids, links, hidden):
    """For each hidden cell, the values (up to two) it takes in some integer completion that
    matches every published number of every table; linked cells are one unknown."""
    same = {}
    for a, b in links:
        same[b] = same.get(a, a)

    def name(place):
        return same.get(place, place)

    known, bounds = {}, {}
    limit = sum(max(row) for grid, _ in grids for row in grid) + THRESHOLD
    for t, (grid, _) in enumerate(grids):
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                why = hidden[t].get((r, c))
                if why is None:
                    known[name((t, r, c))] = value
                else:
                    bounds[name((t, r, c))] = (0, 4) if why == PRIMARY else (THRESHOLD, limit)
    # a cell shown in one table and hidden in the other is simply known
    bounds = {u: b for u, b in bounds.items() if u not in known}
    lines = [([name(m) for m in ms], name(total)) for ms, total in _equations(grids)]
    # narrow each unknown's range by what every line leaves it (removes no completion)
    changed = True
    while changed:
        changed = False
        for members, total in lines:
            terms = [*((m, 1) for m in members), (total, -1)]
            for u, sign in terms:
                if u not in bounds:
                    continue
                low = high = 0
                for m, s in terms:
                    if m == u:
                        continue
                    lo, hi = (known[m], known[m]) if m in known else bounds[m]
                    low, high = (low + lo, high + hi) if s > 0 else (low - hi, high - lo)
                # sign * u + (others) == 0
                lo, hi = (-high, -low) if sign > 0 else (low, high)
                new = (max(bounds[u][0], lo), min(bounds[u][1], hi))
                if new != bounds[u]:
                    bounds[u], changed = new, True

    def possible(values):
        for members, total in lines:
            low = high = 0
            for m, sign in [*((m, 1) for m in members), (total, -1)]:
                lo, hi = (values[m], values[m]) if m in values else bounds[m]
                low, high = (low + lo, high + hi) if sign > 0 else (low - hi, high - lo)
            if not low <= 0 <= high:
                return False
        return True

    def solvable(values, todo):
        if not todo:
            return True
        for v in range(bounds[todo[0]][0], bounds[todo[0]][1] + 1):
            values[todo[0]] = v
            if possible(values) and solvable(values, todo[1:]):
                del values[todo[0]]
                return True
            del values[todo[0]]
        return False

    found = {}
    unknowns = sorted(bounds)
    for u in unknowns:
        found[u] = set()
        for v in range(bounds[u][0], bounds[u][1] + 1):
            values = {**known, u: v}
            if possible(values) and solvable(values, [o for o in unknowns if o != u]):
                found[u].add(v)
                if len(found[u]) == 2:
                    break
    return found


def test_suppressing_each_table_alone_gives_a_small_cell_away():
    alone = [suppress(OVERVIEW, row_totals=False), suppress(HOURS)]
    grids = [(OVERVIEW, False), (HOURS, True)]
    recovered = {u: v for u, v in solutions(grids, LINKS, alone).items() if len(v) < 2}
    assert recovered  # the attack works: the linked suppression below is needed


def test_linked_tables_hide_a_shared_cell_in_both_and_nothing_can_be_recovered():
    grids = [(OVERVIEW, False), (HOURS, True)]
    overview, hours = suppress_linked(grids, LINKS)
    for r in range(5):
        assert overview.get((r, 1)) == hours.get((r, 3)), r
    for t, grid in enumerate((OVERVIEW, HOURS)):
        hidden = (overview, hours)[t]
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if value < THRESHOLD:
                    assert hidden[(r, c)] == PRIMARY, (t, r, c)
    for cell, values in solutions(grids, LINKS, [overview, hours]).items():
        assert len(values) >= 2, (cell, values)


def test_a_single_table_is_its_own_linked_system():
    assert suppress_linked([(HOURS, True)]) == [suppress(HOURS)]
