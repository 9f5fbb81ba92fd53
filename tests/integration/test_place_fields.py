"""The municipality fields of the forms (`PlaceField`, `PlacesField`): the options come from the
process's catalogue, so a form of a state's 1,100 municipalities neither loads nor escapes their
names per request, and a choice outside what the view offers is refused at the field."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, text

from portal.core.collation import german_key
from portal.extensions import db
from portal.municipalities import options
from portal.municipalities.models import Municipality, Office
from portal.needs.models import Need
from tests import factories

OPTION = re.compile(r'<option value="(\d+)"( selected="selected")?>([^<]*)</option>')


@pytest.fixture
def world(app):
    places = factories.reference_data()
    # a name that must be escaped, sorting first in German order ("Ä" as "A")
    odd = factories.municipality("Äpfelbach <Ost> & Co", office_=places["Gaggenau"].office)
    keller = factories.manager(office_=places["Gaggenau"].office, email="keller@example.org")
    admin = factories.admin(email="admin@example.org")
    db.session.commit()
    return {"places": places, "odd": odd, "keller": keller, "admin": admin}


def select_of(html: str, name: str) -> list[tuple[int, bool, str]]:
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, f"no select {name}"
    return [(int(v), bool(s), text) for v, s, text in OPTION.findall(found.group(1))]


def in_german_order(ids: list[int]) -> list[int]:
    names = dict(db.session.execute(select(Municipality.id, Municipality.name)).all())
    return sorted(ids, key=lambda i: german_key(names[i]))


def office_ids(world) -> list[int]:
    office = world["places"]["Gaggenau"].office_id
    return list(db.session.scalars(select(Municipality.id).where(Municipality.office_id == office)))


@pytest.mark.parametrize("path", ["/needs/new", "/plans/clients/new", "/consultations/places/new"])
def test_a_managers_form_offers_their_municipalities_without_loading_them(
    world, client, auth, count_queries, path
):
    auth.login("keller@example.org")
    client.get(path)  # the first page of a process builds its catalogue
    with count_queries() as q:
        html = client.get(path).get_data(as_text=True)
    options = select_of(html, "municipality_id")
    assert [o[0] for o in options] == in_german_order(office_ids(world))
    assert len(options) < db.session.scalar(select(func.count(Municipality.id)))
    assert options[0][2] == "Äpfelbach &lt;Ost&gt; &amp; Co"
    assert "<Ost>" not in html
    assert not [s for s in q.statements if "municipality.name" in s]


def test_an_administrators_form_offers_every_municipality(world, client, auth):
    auth.login("admin@example.org")
    options = select_of(client.get("/needs/new").get_data(as_text=True), "municipality_id")
    every = db.session.scalars(select(Municipality.id)).all()
    assert [o[0] for o in options] == in_german_order(every)


def test_a_municipality_outside_the_managers_scope_is_refused_at_the_field(world, client, auth):
    auth.login("keller@example.org")
    outside = world["places"]["Bühl"]
    assert outside.id not in office_ids(world)
    data = {"category": "accompanying", "title": "Begleitung", "municipality_id": outside.id}
    response = client.post("/needs/new", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="municipality_id-error"' in html
    # the refused choice is not shown as chosen; the offered ones stay
    assert not any(chosen for _i, chosen, _n in select_of(html, "municipality_id"))
    assert db.session.scalar(select(func.count(Need.id))) == 0


def test_the_needs_filter_keeps_its_choice_and_offers_all(world, client, auth):
    auth.login("keller@example.org")
    chosen = world["places"]["Gaggenau"].id
    html = client.get(f"/needs/?municipality_id={chosen}").get_data(as_text=True)
    found = re.search(r'<select[^>]*name="municipality_id"[^>]*>(.*?)</select>', html, re.S)
    assert found and found.group(1).startswith('<option value="">alle</option>')
    assert [i for i, selected, _n in select_of(html, "municipality_id") if selected] == [chosen]


def test_the_volunteer_form_writes_the_places_as_checkboxes_and_keeps_the_checked(world, client):
    places = world["places"]
    further = [places["Bühl"].id, world["odd"].id]
    data = {"home_municipality_id": places["Gaggenau"].id, "municipality_ids": further}
    response = client.post("/volunteer/signup", data=data)  # refused: the rest is missing
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    home = select_of(html, "home_municipality_id")
    assert [i for i, selected, _n in home if selected] == [places["Gaggenau"].id]
    boxes = re.findall(
        r'<input id="municipality_ids-(\d+)" name="municipality_ids" type="checkbox"'
        r' value="(\d+)"( checked)?> <label for="municipality_ids-(\d+)">([^<]*)</label>',
        html,
    )
    every = db.session.scalars(select(Municipality.id)).all()
    assert [int(b[1]) for b in boxes] == in_german_order(every)
    assert [int(b[0]) for b in boxes] == list(range(len(every)))
    assert all(b[0] == b[3] for b in boxes)
    assert sorted(int(b[1]) for b in boxes if b[2]) == sorted(further)
    assert boxes[0][4] == "Äpfelbach &lt;Ost&gt; &amp; Co"


@pytest.mark.parametrize("value", ["999999", "abc", "99999999999999999999"])
def test_a_further_place_that_does_not_exist_is_refused(world, client, value):
    data = {"home_municipality_id": world["places"]["Gaggenau"].id, "municipality_ids": [value]}
    html = client.post("/volunteer/signup", data=data).get_data(as_text=True)
    assert 'id="municipality_ids-error"' in html
    assert "Bitte wählen Sie Gemeinden aus der Liste." in html


def test_many_municipalities_are_grouped_by_office(world, client, monkeypatch):
    """Above `GROUPED_ABOVE` (a state's 1,100), the places come by office: the home select in
    `<optgroup>`s, the further places in folded groups, open where one is chosen."""
    monkeypatch.setattr(options, "GROUPED_ABOVE", 5)
    places = world["places"]
    loner = factories.municipality("Zell ohne Amt")  # no office: the group at the end
    db.session.commit()
    further = [places["Bühl"].id]
    data = {"home_municipality_id": places["Gaggenau"].id, "municipality_ids": further}
    html = client.post("/volunteer/signup", data=data).get_data(as_text=True)
    rows = db.session.execute(select(Municipality.id, Municipality.office_id)).all()
    office_of = dict(rows)
    offices = dict(db.session.execute(select(Office.id, Office.name)).all())
    expected = sorted(
        {o for o in office_of.values() if o is not None}, key=lambda o: german_key(offices[o])
    )

    groups = re.findall(
        r'<details class="place-group"( open)?><summary>([^<]*)(?: <span class="hint">'
        r"\((\d+) ausgewählt\)</span>)?</summary>(.*?)</details>",
        html,
        re.S,
    )
    assert [g[1] for g in groups] == [offices[o] for o in expected] + ["Weitere Gemeinden"]
    numbered = []
    for opened, _name, picked, inner in groups:
        ids = [int(v) for v in re.findall(r'type="checkbox" value="(\d+)"', inner)]
        numbered += [int(n) for n in re.findall(r'id="municipality_ids-(\d+)"', inner)]
        assert ids == in_german_order(ids)
        holds = places["Bühl"].id in ids
        assert bool(opened) == holds and (picked == "1") == holds
    assert numbered == list(range(len(rows)))
    assert re.findall(r'value="(\d+)"> <label[^>]*>Zell ohne Amt<', groups[-1][3]) == [
        str(loner.id)
    ]

    home = re.search(r'<select[^>]*name="home_municipality_id"[^>]*>(.*?)</select>', html, re.S)
    assert home
    labels = re.findall(r'<optgroup label="([^"]*)">', home.group(1))
    assert labels == [offices[o] for o in expected] + ["Weitere Gemeinden"]
    assert [i for i, s, _n in select_of(html, "home_municipality_id") if s] == [
        places["Gaggenau"].id
    ]


def test_unknown_ids_cost_no_rebuild_and_a_new_municipality_is_found(
    world, client, count_queries, monkeypatch
):
    """Ids the catalogue lacks rebuild it at most every `MISSING_AFTER_SECONDS`: fifty made-up
    ids read no municipality; one created by another process is found once that time is up."""
    client.get("/volunteer/signup")  # builds the catalogue
    home = world["places"]["Gaggenau"].id
    made_up = [str(900000 + i) for i in range(50)]
    with count_queries() as q:
        data = {"home_municipality_id": home, "municipality_ids": made_up}
        html = client.post("/volunteer/signup", data=data).get_data(as_text=True)
    assert "Bitte wählen Sie Gemeinden aus der Liste." in html
    assert not [s for s in q.statements if "municipality.name" in s]
    # another process adds a municipality (no ORM event here)
    db.session.execute(text("INSERT INTO municipality (name, kind) VALUES ('Neudorf', 'Gemeinde')"))
    db.session.commit()
    new = db.session.scalar(select(Municipality.id).where(Municipality.name == "Neudorf"))
    data = {"home_municipality_id": new}
    html = client.post("/volunteer/signup", data=data).get_data(as_text=True)
    assert 'id="home_municipality_id-error"' in html  # not yet: built just now
    monkeypatch.setattr(options, "MISSING_AFTER_SECONDS", 0.0)
    html = client.post("/volunteer/signup", data=data).get_data(as_text=True)
    assert 'id="home_municipality_id-error"' not in html
    assert [i for i, s, _n in select_of(html, "home_municipality_id") if s] == [new]
