"""A need's wanted languages are kept twice: as link rows (the board ranks on them) and as a list
on the need row (the board filters on it, through an index). Every path that writes a need's
languages keeps both the same, in the manager's order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core.code_list import has_any_code
from portal.core.time import today_local
from portal.extensions import db
from portal.needs.matching import BoardFilters, board
from portal.needs.models import Need, NeedLanguage
from portal.needs.services import duplicate_need
from portal.volunteers.models import VolunteerLanguage
from tests import factories
from tests import factories_board as fb
from tests import factories_plans as fp


def rows_and_codes() -> dict[int, tuple[list[str], list[str]]]:
    """For every need, read back from the database: (link rows by position, the row's list)."""
    db.session.expire_all()
    rows: dict[int, list[str]] = {}
    for need_id, code in db.session.execute(
        select(NeedLanguage.need_id, NeedLanguage.code).order_by(
            NeedLanguage.need_id, NeedLanguage.position
        )
    ):
        rows.setdefault(need_id, []).append(code)
    return {
        need_id: (rows.get(need_id, []), list(codes))
        for need_id, codes in db.session.execute(select(Need.id, Need.language_codes))
    }


def assert_in_step() -> dict[int, tuple[list[str], list[str]]]:
    found = rows_and_codes()
    assert found, "no needs written"
    differing = {need_id: pair for need_id, pair in found.items() if pair[0] != pair[1]}
    assert differing == {}
    return found


@pytest.fixture
def world(app):
    places = factories.reference_data()
    keller = factories.manager(office_=places["Gaggenau"].office, email="keller@example.org")
    person = fp.client(places["Gaggenau"], name="Familie Haidari", manager_=keller)
    step = fp.step(fp.goal(person))
    db.session.commit()
    return {"places": places, "keller": keller, "step": step}


def form(world, languages, **overrides):
    day = (today_local() + timedelta(days=5)).isoformat()
    data = {
        "category": "accompanying",
        "title": "Begleitung zur VHS-Anmeldung",
        "public_description": "Gemeinsam zur Anmeldung für den Integrationskurs gehen.",
        "private_notes": "",
        "municipality_id": world["places"]["Gaggenau"].id,
        "meeting_point": "Bahnhof Gaggenau",
        "languages": languages,
        "schedule_kind": "once",
        "starts_at": f"{day}T10:00",
        "ends_at": f"{day}T11:30",
        "capacity": "1",
        "status": "open",
    }
    data.update(overrides)
    return data


def test_publishing_from_a_plan_step_editing_and_copying_keep_both_in_step(world, client, auth):
    auth.login("keller@example.org")
    data = form(world, ["prs", "de"], source_step_id=world["step"].id)
    assert client.post("/needs/new", data=data).status_code == 302
    need = db.session.scalars(select(Need)).one()
    assert assert_in_step()[need.id] == (["prs", "de"], ["prs", "de"])

    edited = form(world, ["ar", "prs"])
    assert client.post(f"/needs/{need.id}/edit", data=edited).status_code == 302
    assert assert_in_step()[need.id] == (["ar", "prs"], ["ar", "prs"])

    assert client.post(f"/needs/{need.id}/edit", data=form(world, [])).status_code == 302
    assert assert_in_step()[need.id] == ([], [])

    assert client.post("/needs/new", data=form(world, ["uk"], status="draft")).status_code == 302
    draft = db.session.scalars(select(Need).where(Need.status == "draft")).one()
    copy = duplicate_need(world["keller"], draft)
    found = assert_in_step()
    assert found[draft.id] == found[copy.id] == (["uk"], ["uk"])


def test_the_board_filters_on_the_list_the_service_wrote(app):
    data = fb.county()
    profile = data["profile"]
    asks = fb.once_need(data["gaggenau"], title="Arabisch gewünscht", languages=["de", "ar"])
    fb.once_need(data["gaggenau"], title="Farsi gewünscht", languages=["fa"])
    db.session.commit()
    assert_in_step()
    titles = {e.need.title for e in board(profile, BoardFilters(language="ar")).items}
    assert "Arabisch gewünscht" in titles and "Farsi gewünscht" not in titles
    entry = next(e for e in board(profile, BoardFilters()).items if e.need.id == asks.id)
    assert entry.need.languages == ("de", "ar")
    # the list changes with the languages: the board follows at once
    asks.languages = ["fa"]
    db.session.commit()
    titles = {e.need.title for e in board(profile, BoardFilters(language="ar")).items}
    assert "Arabisch gewünscht" not in titles


def test_a_list_holds_any_of_the_codes_a_select_reads(app):
    """`has_any_code`: the needs asking for any language a volunteer speaks (the board's fit),
    whole codes only, none for a volunteer who lists no language."""
    data = fb.county()
    profile = data["profile"]
    profile.languages = {"de": "native", "ar": "good"}
    quiet = factories.volunteer(data["buehl"], email="still@example.org", name="Stilla Stumm")
    quiet_profile = fb.profile_of(quiet)
    quiet_profile.languages = {}
    asked = {
        "none": [],
        "arabic": ["ar"],
        "farsi and german": ["fa", "de"],
        "ukrainian": ["uk"],
        "a prefix of arabic": ["a"],
    }
    ids = {
        name: fb.once_need(data["gaggenau"], title=name, languages=codes).id
        for name, codes in asked.items()
    }
    db.session.commit()

    def matching(volunteer_id: int) -> set[int]:
        spoken = select(VolunteerLanguage.code).where(
            VolunteerLanguage.volunteer_id == volunteer_id
        )
        return set(
            db.session.scalars(select(Need.id).where(has_any_code(Need.language_codes, spoken)))
        )

    assert matching(profile.id) == {ids["arabic"], ids["farsi and german"]}
    assert matching(quiet_profile.id) == set()


def test_the_demo_seed_keeps_both_in_step(app):
    from portal.demo import seed

    seed()
    found = assert_in_step()
    assert any(codes for codes, _list in found.values())


def test_the_scale_seed_keeps_both_in_step(app):
    from portal.scale_seed import Sizes, seed_scale

    seed_scale(Sizes(municipalities=30, volunteers=60, needs=200, reports=100))
    found = assert_in_step()
    assert len(found) == 200
    assert any(len(codes) == 2 for codes, _list in found.values())
