"""A need's text for volunteers never names its client: publish, edit and duplicate refuse it,
with the message next to the field and the rest of the form kept."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from portal.core.errors import ValidationFailed
from portal.extensions import db
from portal.needs import services, validation
from portal.needs.models import Need
from tests import factories
from tests import factories_plans as fp
from tests.integration.test_needs_manage import edit_data
from tests.integration.test_needs_publish import once

FIELDS = ("title", "public_description", "meeting_point")


@pytest.fixture
def world(app):
    places = factories.reference_data()
    keller = factories.manager(office_=places["Gaggenau"].office, email="keller@example.org")
    person = fp.client(
        places["Gaggenau"], name="Amira Haidari", manager_=keller, reference="RA-2026-0042"
    )
    step = fp.step(fp.goal(person))
    need = fp.need(places["Gaggenau"], title="Begleitung zum Jobcenter", source_step=step)
    db.session.commit()
    return {"places": places, "keller": keller, "client": person, "step": step, "need": need}


def _error_of(page: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    return html.unescape(match.group(1)) if match else ""


def _needs() -> int:
    return db.session.scalar(select(func.count()).select_from(Need))


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize(
    "text", ["Hilfe für AMIRA", "Termin bei Frau haidari", "Akte RA-2026-0042"]
)
def test_publishing_refuses_the_client_in_each_field(world, client, auth, field, text):
    auth.login("keller@example.org")
    before = _needs()
    data = once(world, source_step_id=world["step"].id, **{field: text})
    response = client.post("/needs/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "verrät, um wen es geht" in _error_of(page, field)
    for other in set(FIELDS) - {field}:
        assert _error_of(page, other) == ""
    # What the manager typed is still in the form.
    assert html.escape(text, quote=False) in page
    assert _needs() == before


def test_editing_refuses_the_clients_name_with_other_accents(world, client, auth):
    need = world["need"]
    auth.login("keller@example.org")
    response = client.post(
        f"/needs/{need.id}/edit", data=edit_data(need, meeting_point="Wohnung Haïdari, 2. OG")
    )
    assert response.status_code == 400
    assert "Treffpunkt" in _error_of(response.get_data(as_text=True), "meeting_point")
    db.session.refresh(need)
    assert need.meeting_point == "Rathaus, Eingang B"


def test_words_that_merely_contain_the_name_pass(world, client, auth):
    auth.login("keller@example.org")
    data = once(
        world,
        source_step_id=world["step"].id,
        title="Begleitung zur Amiraplatz-Schule",
        public_description="Haidarisch ist kein Wort; Familie und Kinder willkommen.",
    )
    assert client.post("/needs/new", data=data).status_code == 302


def test_a_need_without_a_plan_step_still_refuses_client_references(world, client, auth):
    auth.login("keller@example.org")
    response = client.post("/needs/new", data=once(world, title="Fall RA-2025-0007"))
    assert response.status_code == 400
    assert "RA-2025-0007" in _error_of(response.get_data(as_text=True), "title")


def test_duplicating_a_need_that_names_its_client_is_refused(world, client, auth):
    need = world["need"]
    # Written before the guard existed (or straight into the database).
    need.public_description = "Amira braucht Begleitung."
    db.session.commit()
    auth.login("keller@example.org")
    before = _needs()
    response = client.post(f"/needs/{need.id}/duplicate")
    assert response.status_code == 422
    assert "Öffentliche Beschreibung" in response.get_data(as_text=True)
    assert _needs() == before


def test_the_service_refuses_whichever_code_path_calls_it(world):
    data = validation.NeedInput.from_need(world["need"])
    data.title = "Für Haidari"
    with pytest.raises(ValidationFailed) as refused:
        services.update_need(world["keller"], world["need"], data)
    assert set(refused.value.errors) == {"title"}
    assert validation.client_identity_errors(world["need"], world["client"]) == {}
