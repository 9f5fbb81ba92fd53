"""Lists of municipalities and of people's names sort as German readers expect, on SQLite and on
PostgreSQL: Ä/Ö/Ü as A/O/U, ß as ss, upper and lower case alike (Ötigheim between Muggensturm and
Ottersweier, not after Z)."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select, text

from portal.admin.services import users_query
from portal.auth.models import Role, User
from portal.core import collation
from portal.core.collation import german, german_key
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.municipalities.options import catalogue
from portal.municipalities.services import municipalities_query
from portal.plans.clients import managers_for
from portal.volunteers.queries import coordinators_of
from portal.volunteers.queue import municipality_options
from tests import factories

PLACES = [
    "Au am Rhein", "Büchenbach", "Bühl", "Muggensturm", "Oberweier", "Ötigheim", "Ottersweier",
]  # fmt: skip
PEOPLE = ["de Vries", "Dietrich", "Groß", "Grosse", "Grot", "Müller", "Oswald", "Özdemir"]


def shuffled(names: list[str]) -> list[str]:
    names = list(names)
    random.Random(7).shuffle(names)
    return names


@pytest.fixture
def places(app):
    for name in shuffled(PLACES):
        factories.municipality(name)
    db.session.commit()


@pytest.fixture
def people(app):
    place = factories.municipality("Muggensturm")
    for i, name in enumerate(shuffled(PEOPLE)):
        factories.user(
            f"p{i}@example.org",
            name,
            roles=[(Role.MANAGER, place.id, None), (Role.COORDINATOR, place.id, None)],
        )
    db.session.commit()
    return place


def test_the_python_key_is_the_same_rule():
    assert sorted(shuffled(PLACES), key=german_key) == PLACES
    assert sorted(shuffled(PEOPLE), key=german_key) == PEOPLE
    assert german_key("Buhl") < german_key("Bühl") < german_key("Bühlertal")


def test_the_order_by_expression_sorts_municipalities_in_german_order(places):
    stmt = select(Municipality.name).order_by(german(Municipality.name), Municipality.id)
    assert list(db.session.scalars(stmt)) == PLACES


def test_every_list_of_municipalities_is_in_german_order(places):
    admin = factories.admin()
    db.session.commit()
    assert [m.name for m in db.session.scalars(municipalities_query())] == PLACES
    options = str(municipality_options(admin))
    assert sorted(PLACES, key=lambda name: options.index(f">{name}<")) == PLACES
    found = catalogue()  # the forms' municipality fields
    assert [found.names[i] for i in found.order] == PLACES


def test_the_admin_page_lists_municipalities_in_german_order(places, client, auth):
    factories.admin(email="admin@example.org")
    db.session.commit()
    auth.login("admin@example.org")
    html = client.get("/admin/municipalities").get_data(as_text=True)
    positions = [html.index(f">{name}<") for name in PLACES]
    assert positions == sorted(positions)


def test_every_list_of_people_is_in_german_order(people):
    admin = factories.admin(name="Zander")
    db.session.commit()
    names = [u.display_name for u in db.session.scalars(users_query())]
    assert names == [*PEOPLE, "Zander"]
    assert [name for _id, name in managers_for(admin)] == PEOPLE
    assert [u.display_name for u in coordinators_of({people.id})[people.id]] == PEOPLE


def test_the_portable_expression_gives_the_same_order_on_this_database(places):
    """Without ICU (PostgreSQL) or the registered collation, the fallback folds the umlauts."""
    key = collation._portable("name")
    rows = db.session.execute(text(f"SELECT name FROM municipality ORDER BY {key}, id"))
    assert [name for (name,) in rows] == PLACES


def test_the_expression_compiles_per_dialect(app):
    sql = str(
        select(User.id).order_by(german(User.display_name)).compile(dialect=db.engine.dialect)
    )
    if db.engine.dialect.name == "sqlite":
        assert "ORDER BY user.display_name COLLATE german" in sql
    elif getattr(db.engine.dialect, "german_collation", None):
        assert 'COLLATE "de-x-icu"' in sql
    else:
        assert "lower(" in sql and "'ö', 'o'" in sql
