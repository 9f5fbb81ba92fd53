"""A statement's constants written into its SQL (portal.core.constants_sql): the numbers and
enumeration values of its expressions become literals, the request's named values stay bind
parameters, and the statement reads the same rows."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, create_engine, select

import portal.models  # noqa: F401 - the board's statement needs every model mapped
from portal.core.constants_sql import inline_constants, written_in
from portal.needs.board_order import Period
from portal.needs.board_sql import Shape, statement
from portal.needs.matching import BoardFilters


class Kind(enum.StrEnum):
    WEEKLY = "weekly"
    ONCE = "once"


metadata = MetaData()
thing = Table(
    "thing",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10)),
    Column("minutes", Integer),
    Column("name", String(20)),
)


def _statement():
    return (
        select(thing.c.id, (thing.c.minutes * 60).label("seconds"))
        .where(
            thing.c.kind == Kind.WEEKLY,
            thing.c.minutes > bindparam("least", type_=Integer),
            thing.c.name != "it's",
            thing.c.id.in_(bindparam("ids", expanding=True)),
        )
        .order_by(thing.c.id)
    )


def test_whole_numbers_become_literals_words_and_named_values_stay():
    """Words stay bind parameters: written in, they had PostgreSQL plan the board anew on every
    run (portal.core.constants_sql)."""
    before, after = _statement(), inline_constants(_statement())
    assert set(before.compile().params) == {"kind_1", "minutes_1", "least", "name_1", "ids"}
    compiled = after.compile()
    assert set(compiled.params) == {"kind_1", "least", "name_1", "ids"}
    assert compiled.params["kind_1"] == Kind.WEEKLY and compiled.params["name_1"] == "it's"
    assert "thing.minutes * 60" in str(compiled)


def test_the_statement_reads_the_same_rows():
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    rows = [
        {
            "id": n,
            "kind": ("weekly", "once")[n % 2],
            "minutes": n * 7,
            "name": ("it's", "x")[n % 3 == 0],
        }
        for n in range(1, 40)
    ]
    values = {"least": 30, "ids": list(range(5, 35))}
    with engine.begin() as connection:
        connection.execute(thing.insert(), rows)
        expected = connection.execute(_statement(), values).all()
        found = connection.execute(inline_constants(_statement()), values).all()
    assert expected and found == expected


def test_a_word_written_in_is_in_the_compiled_sql_and_reads_the_same_rows():
    """Written in when compiled, not on every run (``literal_execute``)."""
    written = select(thing.c.id).where(thing.c.name == written_in("it's")).order_by(thing.c.id)
    compiled = written.compile()
    assert "thing.name = 'it''s'" in str(compiled)
    assert not compiled.params and not compiled.literal_execute_params
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(thing.insert(), [{"id": 1, "name": "it's"}, {"id": 2, "name": "its"}])
        assert connection.execute(written).scalars().all() == [1]


def test_what_is_not_a_whole_number_stays_a_bind_parameter():
    statement_ = select(thing.c.id).where(
        thing.c.id > 1.5,
        thing.c.name != date(2027, 1, 1),
        thing.c.minutes != True,  # noqa: E712
    )
    after = inline_constants(statement_).compile()
    assert list(after.params.values()) == [1.5, date(2027, 1, 1)]


def test_the_boards_statement_sends_only_the_requests_values():
    """Every bind parameter of the board's kept statement is one of the request's named values
    (portal.needs.matching._params), not a constant SQLAlchemy made one of."""
    from datetime import datetime

    filters = BoardFilters()
    period = Period(datetime(2027, 3, 1, 9, 0), date(2027, 3, 1), None)
    compiled = statement(Shape.of(filters, period), period).compile()
    constants = [b.value for b in compiled.binds.values() if b.unique and not b.expanding]
    assert constants  # words, the part-of-day bounds (times), an empty array
    assert not [value for value in constants if type(value) is int]
    assert {"volunteer", "home", "period_first", "per_page", "offset"} <= set(compiled.params)
    # nothing SQLAlchemy would write into the statement's text on every run
    assert not compiled.literal_execute_params and "'active'" in str(compiled)
