"""The fuzzer's parts: a county to attack, the routes (from ``app.url_map``), the forms and
query names each role's pages offer (crawled), hypothesis strategies for hostile values, and
a checksum of every table to prove that a refused request changed nothing."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import strategies as st
from sqlalchemy import text
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from portal.auth.models import Membership, Role
from portal.consultations import calendar as consultation_calendar
from portal.conversations.models import ConversationMessage
from portal.core.time import today_local
from portal.extensions import db
from portal.needs import calendar
from portal.notifications.preferences import unsubscribe_token
from portal.notifications.services import queue_email
from portal.volunteers.models import VolunteerStatus
from tests import factories
from tests import factories_board as fb
from tests import factories_consultations as fc
from tests import factories_plans as fp

ROLES = {
    "anonymous": None,
    "volunteer": "lena@example.org",
    "coordinator": "koord@example.org",
    "manager": "keller@example.org",
    "admin": "admin@example.org",
}
# Ending one's own session is no input worth fuzzing and would sign the fuzzing client out.
SKIPPED_ENDPOINTS = {"static", "auth.logout"}
GENERIC_QUERY = ["page", "next", "q", "status", "all", "step_id", "municipality", "sort"]
PLACEHOLDER = re.compile(r"<(?:[^:<>]+:)?([A-Za-z_]\w*)>")


# --- the county ---------------------------------------------------------------------------------


def build_world() -> dict[str, list[int] | list[str]]:
    """Objects of every kind, and for each URL argument the record numbers worth trying.
    Objects a fuzzed POST may change for good (accounts, applications) are spares, never the
    fuzzing roles' own."""
    world = fb.county()
    gaggenau, buehl = world["gaggenau"], world["buehl"]
    factories.coordinator(gaggenau, email="koord@example.org", name="Karl Koordinator")
    factories.admin(email="admin@example.org", name="Anna Admin")
    spares = [factories.user(f"spare{i}@example.org", name=f"Spare {i}") for i in range(3)]
    applicant = factories.volunteer(gaggenau, status=VolunteerStatus.PENDING)
    client_ = fp.client(gaggenau, manager_=world["manager"])
    goal = fp.goal(client_)
    step = fp.step(goal)
    once = fb.once_need(gaggenau, title="Begleitung zum Amt")
    weekly = fb.weekly_need(gaggenau, title="Hausaufgabenhilfe", ends_on=None)
    foreign = fb.once_need(buehl, title="Fremder Bedarf")
    claim = fb.assignment(once, world["profile"])
    report = fb.report(claim, today_local() - timedelta(days=1), 90)
    fb.certificate(world["profile"])
    mail = queue_email("spare0@example.org", "verify_email", "de", user=spares[0], link="x")
    membership = Membership(user=spares[1], role=Role.COORDINATOR, municipality_id=gaggenau.id)
    db.session.add(membership)
    db.session.flush()
    token = calendar.renew_calendar_token(world["volunteer"]).token
    messages = [
        ConversationMessage(
            need_id=once.id, author_id=author.id, author_role=role, body="Treffen wir uns vorher?"
        )
        for author, role in ((world["volunteer"], "volunteer"), (world["manager"], "manager"))
    ]
    db.session.add_all(messages)
    db.session.flush()
    room = fc.place(gaggenau)
    on = fc.next_consultation_day()
    hours = fc.hours(room, world["manager"], on.weekday(), date(2025, 1, 6),
                     booking="appointment", slot_minutes=30)  # fmt: skip
    appointment = fc.appointment(hours, on, time(9, 0), time(9, 30), client_)
    db.session.commit()
    manager_token = consultation_calendar.renew_calendar_token(world["manager"]).token
    return {
        "need_id": [once.id, weekly.id, foreign.id],
        "assignment_id": [claim.id],
        "report_id": [report.id],
        "client_id": [client_.id],
        "goal_id": [goal.id],
        "step_id": [step.id],
        "municipality_id": [gaggenau.id, buehl.id],
        "office_id": [gaggenau.office_id or 1],
        "email_id": [mail.id],
        "membership_id": [membership.id],
        "volunteer_id": [fb.profile_of(applicant).id],
        "user_id": [u.id for u in spares],
        "message_id": [m.id for m in messages],
        "token": [token, unsubscribe_token(spares[2].id, "announcements"), manager_token],
        "place_id": [room.id],
        "hours_id": [hours.id],
        "appointment_id": [appointment.id],
        "on": [on.isoformat(), (on - timedelta(days=7)).isoformat()],
    }


def sign_in(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    email = ROLES[role]
    if email is not None:
        response = client.post("/login", data={"email": email, "password": factories.PASSWORD})
        assert response.status_code == 302, role
        client.get("/dashboard")  # drop the welcome message
    db.session.remove()
    return client


# --- routes and the forms on their pages --------------------------------------------------------


@dataclass(frozen=True)
class Target:
    rule: Rule
    method: str

    @property
    def arguments(self) -> list[str]:
        return PLACEHOLDER.findall(self.rule.rule)


def targets(app: Flask) -> list[Target]:
    """Every route and method of the application: a new route is fuzzed without a word."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append(Target(rule, method))
    return found


def fill(rule: Rule, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: quote(values[m.group(1)], safe=""), rule.rule)


def valid_values(rule: Rule, pools: dict[str, Any]) -> dict[str, str]:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = str((pools.get(name) or [1])[0])
    return values


class FormParser(HTMLParser):
    """Forms of a page: action, method, field names and the values offered for each."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            method = a.get("method", "get").upper()
            self.forms.append({"action": a.get("action", ""), "method": method, "fields": {}})
        elif not self.forms:
            return
        elif tag in ("input", "textarea", "select") and a.get("name"):
            options = self.forms[-1]["fields"].setdefault(a["name"], [])
            if tag == "input" and a.get("value"):
                options.append(a["value"])
            self._select = a["name"] if tag == "select" else None
        elif tag == "option" and self._select:
            self.forms[-1]["fields"][self._select].append(a.get("value", ""))


@dataclass
class Offer:
    """The names (with the values the pages offer) of one route's query or form."""

    names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def crawl(app: Flask, clients: dict[str, FlaskClient], pools: dict[str, Any]) -> dict:
    """(role, endpoint, method) -> field names and offered values, from every GET page."""
    adapter = app.url_map.bind("localhost")
    offers: dict[tuple[str, str, str], Offer] = defaultdict(Offer)
    for role, client in clients.items():
        for target in targets(app):
            if target.method != "GET":
                continue
            url = fill(target.rule, valid_values(target.rule, pools))
            response = client.get(url)
            db.session.remove()
            if response.mimetype != "text/html":
                continue
            parser = FormParser()
            parser.feed(response.get_data(as_text=True))
            for form in parser.forms:
                action = urlsplit(form["action"]).path or url
                try:
                    endpoint, _args = adapter.match(action, method=form["method"])
                except HTTPException:
                    continue
                offer = offers[(role, endpoint, form["method"])]
                for name, options in form["fields"].items():
                    offer.names[name].update(options)
    return offers


# --- hostile values -----------------------------------------------------------------------------

SPECIAL = [
    "",
    " ",
    "+",
    "-1",
    "0",
    "None",
    "null",
    "[]",
    "{}",
    "true",
    "%00",
    "\x00",
    "a\x00b",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "١٢٣",
    "²",
    "1e309",
    "NaN",
    "inf",
    "2147483647",
    "2147483648",
    "-2147483649",
    "99999999999999999999",
    "0001-01-01",
    "9999-12-31",
    "1899-12-31",
    "2101-01-01",
    "2026-02-30",
    "2026-13-45",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "25:61",
    "24:00",
    "\r\nBcc: x@example.org",
    "\u2028",
    "\u202e",
    "\ufeff",
    "😀" * 3,
    "ä" * 300,
]


HOSTILE: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=40),
    st.text(max_size=20).map(lambda t: t + "\x00" + t),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    st.integers(min_value=200, max_value=30_000).map(lambda n: "x" * n),
)


def plausible(name: str, options: frozenset[str]) -> str:
    """A value the field would accept: what the page offers, else one that fits the name."""
    offered = sorted(o for o in options if o)
    if offered:
        return offered[0]
    day = today_local() + timedelta(days=7)
    rules = [
        ("email", "fuzz@example.org"),
        ("password", factories.PASSWORD),
        ("confirm", factories.PASSWORD),
        ("_at", f"{day.isoformat()}T10:00"),
        ("date", day.isoformat()),
        ("_on", day.isoformat()),
        ("time", "16:00"),
        ("minutes", "60"),
        ("capacity", "1"),
        ("adults", "1"),
        ("children", "2015"),
        ("ags", "08216001"),
        ("phone", "07221 123456"),
    ]
    return next((value for key, value in rules if key in name), "Text")


def value_for(options: frozenset[str]) -> st.SearchStrategy[list[str]]:
    """Usually one value (offered or hostile), sometimes several of the same name."""
    single = st.one_of(st.sampled_from(sorted(options)), HOSTILE) if options else HOSTILE
    return st.one_of(single.map(lambda v: [v]), st.lists(single, min_size=2, max_size=3))


def path_value(name: str, converter: Any, pools: dict[str, Any]) -> st.SearchStrategy[str]:
    if isinstance(converter, AnyConverter):
        return st.one_of(st.sampled_from(sorted(converter.items)), HOSTILE)
    known = [str(v) for v in pools.get(name, [])]
    if isinstance(converter, IntegerConverter):
        numbers = st.integers(min_value=-5, max_value=2**70).map(str)
        return st.one_of(st.sampled_from(known or ["1"]), numbers, HOSTILE)
    return st.one_of(st.sampled_from(known or ["x"]), HOSTILE)


def _one_request(target: Target, pools: dict[str, Any], offer: Offer) -> st.SearchStrategy:
    """Requests to one route: hostile path arguments, and a subset of the route's fields."""
    paths = {name: path_value(name, conv, pools) for name, conv in target.rule._converters.items()}
    names = {name: frozenset(values) for name, values in offer.names.items()}
    if target.method == "GET":
        for name in GENERIC_QUERY:
            names.setdefault(name, frozenset())
    names.pop("csrf_token", None)
    hostile_fields = {n: value_for(v) for n, v in names.items()}
    anything = st.fixed_dictionaries({}, optional=hostile_fields)
    fields = st.one_of(anything, _mutated(names, hostile_fields)) if names else anything

    def build(drawn: tuple[dict[str, str], dict[str, list[str]]]) -> dict[str, Any]:
        path = fill(target.rule, drawn[0])
        pairs = [(name, v) for name, values in drawn[1].items() for v in values]
        inputs = len(drawn[0]) + len(pairs)  # generated values: path arguments and fields
        if target.method == "GET":
            query = urlencode(pairs)
            url = f"{path}?{query}" if query else path
            return {"method": "GET", "url": url, "data": None, "inputs": inputs}
        return {"method": target.method, "url": path, "data": MultiDict(pairs), "inputs": inputs}

    return st.tuples(st.fixed_dictionaries(paths), fields).map(build)


def _mutated(
    names: dict[str, frozenset[str]], hostile_fields: dict[str, st.SearchStrategy[list[str]]]
) -> st.SearchStrategy[dict[str, list[str]]]:
    """A submission that would be accepted, with one to three of its fields made hostile:
    the hostile value then reaches the rules and the database behind the form's checks."""
    valid = {name: [plausible(name, options)] for name, options in names.items()}

    @st.composite
    def mutate(draw: Any) -> dict[str, list[str]]:
        chosen = draw(st.lists(st.sampled_from(sorted(names)), min_size=1, max_size=3, unique=True))
        return {**valid, **{name: draw(hostile_fields[name]) for name in chosen}}

    return mutate()


def requests(app: Flask, role: str, offers: dict, pools: dict[str, Any]) -> st.SearchStrategy:
    """Requests of one role to every route (built once: strategies are costly to create)."""
    return st.one_of(
        [
            _one_request(t, pools, offers.get((role, t.rule.endpoint, t.method)) or Offer())
            for t in targets(app)
        ]
    )


# --- has anything changed? ----------------------------------------------------------------------


def checksum_sql(dialect: str) -> str:
    parts = []
    for table in db.metadata.sorted_tables:
        if dialect == "postgresql":
            parts.append(
                f"(SELECT md5(coalesce(string_agg(t::text, ';' ORDER BY t::text), '')) "
                f'FROM "{table.name}" t)'
            )
        else:
            row = " || '|' || ".join(f'quote("{c.name}")' for c in table.columns)
            parts.append(
                f"(SELECT group_concat(r, ';') FROM (SELECT {row} AS r "
                f'FROM "{table.name}" ORDER BY 1))'
            )
    return "SELECT " + ", ".join(parts)


def checksum(sql: str) -> str:
    with db.engine.connect() as conn:
        row = conn.execute(text(sql)).one()
    return hashlib.sha256(repr(tuple(row)).encode()).hexdigest()
