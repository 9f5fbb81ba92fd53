"""The town hall hears of an application once it is real: after the e-mail is verified, at
once for a logged-in applicant, and again when a volunteer moves to another municipality."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.notifications.models import OutboundEmail
from tests import factories
from tests.factories_volunteers import profile_form, profile_of, signup_form


@pytest.fixture
def towns(app):
    towns = factories.reference_data()
    db.session.commit()
    return towns


def mails(template: str) -> list[OutboundEmail]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboundEmail)
            .where(OutboundEmail.template == template)
            .order_by(OutboundEmail.id)
        )
    )


def test_coordinators_hear_of_a_sign_up_only_after_verification(client, towns):
    factories.coordinator(towns["Gaggenau"], email="k.gaggenau@example.org", locale="en")
    factories.coordinator(towns["Bühl"], email="k.buehl@example.org")
    db.session.commit()
    client.post("/volunteer/signup", data=signup_form(towns["Gaggenau"].id))
    assert mails("volunteer_new_application") == []  # not before the address is confirmed

    verify = mails("verify_email")[0]
    link = re.search(r"http://\S+/verify/\S+", verify.body_text).group(0)
    client.get(link)
    client.get(link)  # a second click verifies nothing new and mails nobody again
    sent = mails("volunteer_new_application")
    assert [m.recipient for m in sent] == ["k.gaggenau@example.org"]
    assert sent[0].locale == "en" and sent[0].subject.startswith("New application")
    profile = profile_of(db.session.scalar(select(User).where(User.email == "neu@example.org")))
    assert f"/coordination/volunteers/{profile.id}" in sent[0].body_text


def test_a_logged_in_applicant_is_announced_at_once(client, auth, towns):
    factories.coordinator(towns["Rastatt"], email="k.rastatt@example.org")
    factories.user(email="person@example.org")
    db.session.commit()
    auth.login("person@example.org")
    data = {**profile_form(towns["Rastatt"].id), "consent": "y", "pledge": "y"}
    assert client.post("/volunteer/apply", data=data).status_code == 302
    sent = mails("volunteer_new_application")
    assert [m.recipient for m in sent] == ["k.rastatt@example.org"]
    assert sent[0].subject.startswith("Neue Bewerbung")


def test_a_move_to_another_municipality_is_announced_to_its_coordinators(client, auth, towns):
    factories.coordinator(towns["Gaggenau"], email="k.gaggenau@example.org")
    factories.coordinator(towns["Bühl"], email="k.buehl@example.org")
    factories.volunteer(towns["Gaggenau"], email="v@example.org")
    db.session.commit()
    auth.login("v@example.org")
    client.post("/volunteer/profile", data=profile_form(towns["Gaggenau"].id))
    assert mails("volunteer_new_application") == []  # an edit without a move is no news
    client.post("/volunteer/profile", data=profile_form(towns["Bühl"].id))
    assert [m.recipient for m in mails("volunteer_new_application")] == ["k.buehl@example.org"]
