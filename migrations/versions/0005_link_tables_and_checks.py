"""Link tables for languages, interests and availability; CHECK constraints on every code
and on lower-cased e-mail addresses

Moves the JSON columns ``volunteer_profile.languages/interests/availability``,
``need.languages`` and ``client.languages`` into rows (``volunteer_language``,
``volunteer_interest``, ``volunteer_availability`` with weekdays 0 = Monday, ``need_language``,
``client_language``) and drops them; the downgrade rebuilds the JSON from the rows. One-off needs
get their local weekday and start time (``need.weekday``/``time_of_day``), which the board
matches against availability in SQL.

The allowed values are written out here, not imported from the application, so that this
revision keeps meaning what it meant when the application's enums change.

Revision ID: 0005
Revises: 0004
"""

from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # the old JSON keys
LANGUAGE_ORDER = ("de", "ar", "prs", "fa", "kmr", "ps", "ti", "so", "tr", "uk", "ru", "en", "fr")
LEVELS = ("basic", "good", "fluent", "native")
PARTS = ("morning", "afternoon", "evening")
CATEGORIES = (
    "tutoring",
    "language_practice",
    "accompanying",
    "youth_family",
    "housing_search",
    "other",
)

# table -> [(constraint name without prefix, SQL)], the CHECKs the models declare
CHECKS: dict[str, list[tuple[str, str]]] = {
    "need": [
        ("weekday_valid", "weekday BETWEEN 0 AND 6"),
        ("status_known", "status IN ('draft', 'open', 'filled', 'completed', 'cancelled')"),
        ("category_known", "category IN ({})".format(", ".join(f"'{c}'" for c in CATEGORIES))),
        ("schedule_kind_known", "schedule_kind IN ('once', 'weekly')"),
    ],
    "assignment": [
        ("status_known", "status IN ('active', 'completed', 'withdrawn', 'released')"),
    ],
    "volunteer_profile": [
        ("status_known", "status IN ('pending', 'approved', 'rejected', 'suspended')"),
    ],
    "volunteer_event": [
        (
            "kind_known",
            "kind IN ('submitted', 'approved', 'rejected', 'info_requested', 'suspended', "
            "'reinstated', 'resubmitted', 'profile_updated', 'certificate_recorded', "
            "'certificate_reminder')",
        ),
    ],
    "client": [("status_known", "status IN ('active', 'closed')")],
    "goal": [
        (
            "area_known",
            "area IN ('language', 'work', 'housing', 'school', 'health', 'social')",
        ),
        ("status_known", "status IN ('open', 'in_progress', 'achieved', 'dropped')"),
    ],
    "step": [
        ("status_known", "status IN ('open', 'in_progress', 'done', 'dropped')"),
        ("actor_known", "actor IN ('client', 'manager', 'volunteer', 'partner')"),
        (
            "partner_known",
            "partner IN ('', 'jobcenter', 'employment_agency', 'language_school', "
            "'youth_office', 'other')",
        ),
    ],
    "outbound_email": [("status_known", "status IN ('pending', 'sending', 'sent', 'failed')")],
    # addresses are stored lower-cased, so the unique index on email is case-insensitive and
    # the look-up by address an equality on it
    "user": [("email_lower_case", "email = lower(email)")],
}

# lightweight tables for moving data (typed, so that JSON, dates and times convert alike on
# SQLite and PostgreSQL)
profile_t = sa.table(
    "volunteer_profile",
    sa.column("id", sa.Integer),
    sa.column("languages", sa.JSON),
    sa.column("interests", sa.JSON),
    sa.column("availability", sa.JSON),
)
need_t = sa.table(
    "need",
    sa.column("id", sa.Integer),
    sa.column("languages", sa.JSON),
    sa.column("schedule_kind", sa.String),
    sa.column("starts_at", sa.DateTime),
    sa.column("weekday", sa.Integer),
    sa.column("time_of_day", sa.Time),
)
client_t = sa.table("client", sa.column("id", sa.Integer), sa.column("languages", sa.JSON))
volunteer_language_t = sa.table(
    "volunteer_language",
    sa.column("volunteer_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("level", sa.String),
)
volunteer_interest_t = sa.table(
    "volunteer_interest", sa.column("volunteer_id", sa.Integer), sa.column("category", sa.String)
)
volunteer_availability_t = sa.table(
    "volunteer_availability",
    sa.column("volunteer_id", sa.Integer),
    sa.column("weekday", sa.SmallInteger),
    sa.column("part_of_day", sa.String),
)
need_language_t = sa.table(
    "need_language",
    sa.column("need_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("position", sa.SmallInteger),
)
client_language_t = sa.table(
    "client_language",
    sa.column("client_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("position", sa.SmallInteger),
)


def _insert(table, rows: list[dict]) -> None:
    if rows:
        op.get_bind().execute(table.insert(), rows)


def _create_link_tables() -> None:
    op.create_table(
        "volunteer_language",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "level IN ('basic', 'good', 'fluent', 'native')",
            name=op.f("ck_volunteer_language_level_known"),
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer_profile.id"],
            name=op.f("fk_volunteer_language_volunteer_id_volunteer_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("volunteer_id", "code", name=op.f("pk_volunteer_language")),
    )
    op.create_index(
        "ix_volunteer_language_code_volunteer", "volunteer_language", ["code", "volunteer_id"]
    )

    op.create_table(
        "volunteer_interest",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "category IN ({})".format(", ".join(f"'{c}'" for c in CATEGORIES)),
            name=op.f("ck_volunteer_interest_category_known"),
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer_profile.id"],
            name=op.f("fk_volunteer_interest_volunteer_id_volunteer_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("volunteer_id", "category", name=op.f("pk_volunteer_interest")),
    )
    op.create_index(
        "ix_volunteer_interest_category_volunteer",
        "volunteer_interest",
        ["category", "volunteer_id"],
    )

    op.create_table(
        "volunteer_availability",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("part_of_day", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "weekday BETWEEN 0 AND 6", name=op.f("ck_volunteer_availability_weekday_valid")
        ),
        sa.CheckConstraint(
            "part_of_day IN ('morning', 'afternoon', 'evening')",
            name=op.f("ck_volunteer_availability_part_of_day_known"),
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer_profile.id"],
            name=op.f("fk_volunteer_availability_volunteer_id_volunteer_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "volunteer_id", "weekday", "part_of_day", name=op.f("pk_volunteer_availability")
        ),
    )

    op.create_table(
        "need_language",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"], ["need.id"], name=op.f("fk_need_language_need_id_need"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("need_id", "code", name=op.f("pk_need_language")),
    )
    op.create_index("ix_need_language_code_need", "need_language", ["code", "need_id"])

    op.create_table(
        "client_language",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_client_language_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "code", name=op.f("pk_client_language")),
    )
    op.create_index("ix_client_language_code_client", "client_language", ["code", "client_id"])


def _json_to_rows() -> None:
    conn = op.get_bind()
    languages, interests, availability = [], [], []
    for pid, langs, cats, avail in conn.execute(
        sa.select(
            profile_t.c.id, profile_t.c.languages, profile_t.c.interests, profile_t.c.availability
        ).order_by(profile_t.c.id)
    ):
        seen: set[str] = set()
        for entry in langs or []:
            if entry.get("code") and entry["code"] not in seen:
                seen.add(entry["code"])
                languages.append(
                    {"volunteer_id": pid, "code": entry["code"], "level": entry.get("level")}
                )
        for category in dict.fromkeys(cats or []):
            interests.append({"volunteer_id": pid, "category": category})
        for key, parts in (avail or {}).items():
            for part in dict.fromkeys(parts or []):
                availability.append(
                    {"volunteer_id": pid, "weekday": WEEKDAY_KEYS.index(key), "part_of_day": part}
                )
    _insert(volunteer_language_t, languages)
    _insert(volunteer_interest_t, interests)
    _insert(volunteer_availability_t, availability)

    for table, source, key in (
        (need_language_t, need_t, "need_id"),
        (client_language_t, client_t, "client_id"),
    ):
        rows = []
        for oid, codes in conn.execute(
            sa.select(source.c.id, source.c.languages).order_by(source.c.id)
        ):
            for position, code in enumerate(dict.fromkeys(codes or [])):
                rows.append({key: oid, "code": code, "position": position})
        _insert(table, rows)

    # one-off needs: the local weekday and start time of the appointment
    for nid, starts_at in conn.execute(
        sa.select(need_t.c.id, need_t.c.starts_at).where(
            need_t.c.schedule_kind != "weekly", need_t.c.starts_at.is_not(None)
        )
    ):
        local = starts_at.replace(tzinfo=UTC).astimezone(BERLIN)
        conn.execute(
            need_t.update()
            .where(need_t.c.id == nid)
            .values(weekday=local.weekday(), time_of_day=local.time().replace(tzinfo=None))
        )


def upgrade():
    _create_link_tables()
    _json_to_rows()
    # the application always stored addresses lower-cased; make sure before the CHECK (two
    # accounts differing in case only would fail here, to be merged by hand)
    user_t = sa.table("user", sa.column("email", sa.String))
    op.get_bind().execute(
        user_t.update()
        .where(user_t.c.email != sa.func.lower(user_t.c.email))
        .values(email=sa.func.lower(user_t.c.email))
    )

    with op.batch_alter_table("volunteer_profile", schema=None) as batch_op:
        batch_op.drop_column("languages")
        batch_op.drop_column("interests")
        batch_op.drop_column("availability")
    for table in ("need", "client"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("languages")

    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, condition in checks:
                batch_op.create_check_constraint(op.f(f"ck_{table}_{name}"), condition)


def _rows_to_json() -> None:
    conn = op.get_bind()
    order = {code: i for i, code in enumerate(LANGUAGE_ORDER)}

    languages: dict[int, list[tuple[str, str]]] = {}
    for vid, code, level in conn.execute(sa.select(volunteer_language_t)):
        languages.setdefault(vid, []).append((code, level))
    interests: dict[int, set[str]] = {}
    for vid, category in conn.execute(sa.select(volunteer_interest_t)):
        interests.setdefault(vid, set()).add(category)
    availability: dict[int, set[tuple[int, str]]] = {}
    for vid, weekday, part in conn.execute(sa.select(volunteer_availability_t)):
        availability.setdefault(vid, set()).add((weekday, part))
    for (pid,) in conn.execute(sa.select(profile_t.c.id)):
        langs = sorted(languages.get(pid, []), key=lambda x: (order.get(x[0], len(order)), x[0]))
        cats = interests.get(pid, set())
        slots = availability.get(pid, set())
        conn.execute(
            profile_t.update()
            .where(profile_t.c.id == pid)
            .values(
                languages=[{"code": code, "level": level} for code, level in langs],
                interests=[c for c in CATEGORIES if c in cats]
                + sorted(c for c in cats if c not in CATEGORIES),
                availability={
                    key: [p for p in PARTS if (day, p) in slots]
                    for day, key in enumerate(WEEKDAY_KEYS)
                    if any((day, p) in slots for p in PARTS)
                },
            )
        )

    for table, target, key in (
        (need_language_t, need_t, "need_id"),
        (client_language_t, client_t, "client_id"),
    ):
        codes: dict[int, list[str]] = {}
        for oid, code, _position in conn.execute(
            sa.select(table).order_by(table.c[key], table.c.position, table.c.code)
        ):
            codes.setdefault(oid, []).append(code)
        for (oid,) in conn.execute(sa.select(target.c.id)):
            conn.execute(
                target.update().where(target.c.id == oid).values(languages=codes.get(oid, []))
            )

    # before this revision, one-off needs kept no weekday or time of day
    conn.execute(
        need_t.update()
        .where(need_t.c.schedule_kind != "weekly")
        .values(weekday=None, time_of_day=None)
    )


def downgrade():
    with op.batch_alter_table("volunteer_profile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("languages", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("interests", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("availability", sa.JSON(), nullable=True))
    for table in ("need", "client"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("languages", sa.JSON(), nullable=True))

    _rows_to_json()

    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _condition in reversed(checks):
                batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
            if table == "volunteer_profile":
                for column in ("languages", "interests", "availability"):
                    batch_op.alter_column(column, existing_type=sa.JSON(), nullable=False)
            elif table in ("need", "client"):
                batch_op.alter_column("languages", existing_type=sa.JSON(), nullable=False)

    op.drop_index("ix_client_language_code_client", table_name="client_language")
    op.drop_table("client_language")
    op.drop_index("ix_need_language_code_need", table_name="need_language")
    op.drop_table("need_language")
    op.drop_table("volunteer_availability")
    op.drop_index("ix_volunteer_interest_category_volunteer", table_name="volunteer_interest")
    op.drop_table("volunteer_interest")
    op.drop_index("ix_volunteer_language_code_volunteer", table_name="volunteer_language")
    op.drop_table("volunteer_language")
