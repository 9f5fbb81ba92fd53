"""Consultation hours: places, hours and their languages and exceptions, appointments, walk-in
counts, home visits, and the managers' calendar feed secrets

Revision ID: 0012
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "manager_calendar_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_manager_calendar_token_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_calendar_token")),
        sa.UniqueConstraint("token", name=op.f("uq_manager_calendar_token_token")),
        sa.UniqueConstraint("user_id", name=op.f("uq_manager_calendar_token_user_id")),
    )
    op.create_table(
        "consultation_place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("accessibility", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('branch_office', 'town_hall')", name=op.f("ck_consultation_place_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_consultation_place_municipality_id_municipality"),
        ),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["office.id"],
            name=op.f("fk_consultation_place_office_id_office"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_place")),
    )
    with op.batch_alter_table("consultation_place", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_place_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consultation_place_office_id"), ["office_id"], unique=False
        )

    op.create_table(
        "consultation_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("recurrence", sa.String(length=10), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("booking", sa.String(length=12), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "booking = 'walk_in' OR (slot_minutes BETWEEN 5 AND 240)",
            name=op.f("ck_consultation_hours_slot_length"),
        ),
        sa.CheckConstraint(
            "booking IN ('walk_in', 'appointment')",
            name=op.f("ck_consultation_hours_booking_known"),
        ),
        sa.CheckConstraint(
            "recurrence IN ('weekly', 'biweekly')",
            name=op.f("ck_consultation_hours_recurrence_known"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_consultation_hours_time_range")),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until >= valid_from",
            name=op.f("ck_consultation_hours_date_range"),
        ),
        sa.CheckConstraint(
            "weekday BETWEEN 0 AND 6", name=op.f("ck_consultation_hours_weekday_valid")
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["user.id"],
            name=op.f("fk_consultation_hours_manager_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_consultation_hours_municipality_id_municipality"),
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["consultation_place.id"],
            name=op.f("fk_consultation_hours_place_id_consultation_place"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_hours")),
    )
    with op.batch_alter_table("consultation_hours", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_hours_manager_id"), ["manager_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consultation_hours_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(
            "ix_consultation_hours_place", ["place_id", "valid_from"], unique=False
        )

    op.create_table(
        "home_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("place_type", sa.String(length=24), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "place_type IN ('home', 'shared_accommodation', 'other')",
            name=op.f("ck_home_visit_place_type_known"),
        ),
        sa.CheckConstraint(
            "duration_minutes BETWEEN 1 AND 1440", name=op.f("ck_home_visit_duration_valid")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_home_visit_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["user.id"],
            name=op.f("fk_home_visit_manager_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_home_visit_municipality_id_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_visit")),
    )
    with op.batch_alter_table("home_visit", schema=None) as batch_op:
        batch_op.create_index("ix_home_visit_client", ["client_id", "visited_on"], unique=False)
        batch_op.create_index(
            "ix_home_visit_figures", ["municipality_id", "visited_on"], unique=False
        )

    op.create_table(
        "consultation_exception",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hours_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind = 'cancelled' OR place_id IS NOT NULL",
            name=op.f("ck_consultation_exception_moved_has_place"),
        ),
        sa.CheckConstraint(
            "kind IN ('cancelled', 'moved')", name=op.f("ck_consultation_exception_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_consultation_exception_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hours_id"],
            ["consultation_hours.id"],
            name=op.f("fk_consultation_exception_hours_id_consultation_hours"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["consultation_place.id"],
            name=op.f("fk_consultation_exception_place_id_consultation_place"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_exception")),
        sa.UniqueConstraint("hours_id", "on_date", name="uq_consultation_exception_date"),
    )
    with op.batch_alter_table("consultation_exception", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_exception_on_date"), ["on_date"], unique=False
        )

    op.create_table(
        "consultation_language",
        sa.Column("hours_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hours_id"],
            ["consultation_hours.id"],
            name=op.f("fk_consultation_language_hours_id_consultation_hours"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hours_id", "code", name=op.f("pk_consultation_language")),
    )
    with op.batch_alter_table("consultation_language", schema=None) as batch_op:
        batch_op.create_index("ix_consultation_language_code", ["code", "hours_id"], unique=False)

    op.create_table(
        "consultation_walk_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hours_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.Column("visitors", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "topic IN ('work', 'housing', 'residence', 'language_course', 'other')",
            name=op.f("ck_consultation_walk_in_topic_known"),
        ),
        sa.CheckConstraint(
            "visitors >= 0", name=op.f("ck_consultation_walk_in_visitors_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["hours_id"],
            ["consultation_hours.id"],
            name=op.f("fk_consultation_walk_in_hours_id_consultation_hours"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_consultation_walk_in_municipality_id_municipality"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user.id"],
            name=op.f("fk_consultation_walk_in_recorded_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_walk_in")),
        sa.UniqueConstraint("hours_id", "on_date", "topic", name="uq_consultation_walk_in"),
    )
    with op.batch_alter_table("consultation_walk_in", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consultation_walk_in_figures", ["municipality_id", "on_date"], unique=False
        )

    op.create_table(
        "home_visit_topic",
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint(
            "code IN ('work', 'housing', 'residence', 'language_course', 'other')",
            name=op.f("ck_home_visit_topic_code_known"),
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["home_visit.id"],
            name=op.f("fk_home_visit_topic_visit_id_home_visit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("visit_id", "code", name=op.f("pk_home_visit_topic")),
    )
    op.create_table(
        "consultation_appointment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hours_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("slot_start", sa.Time(), nullable=False),
        sa.Column("slot_end", sa.Time(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("need_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("booked_by_id", sa.Integer(), nullable=True),
        sa.Column("booked_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('booked', 'cancelled')",
            name=op.f("ck_consultation_appointment_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["booked_by_id"],
            ["user.id"],
            name=op.f("fk_consultation_appointment_booked_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_consultation_appointment_client_id_client"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hours_id"],
            ["consultation_hours.id"],
            name=op.f("fk_consultation_appointment_hours_id_consultation_hours"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
            name=op.f("fk_consultation_appointment_need_id_need"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_appointment")),
    )
    with op.batch_alter_table("consultation_appointment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_appointment_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            "ix_consultation_appointment_day", ["on_date", "hours_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consultation_appointment_need_id"), ["need_id"], unique=False
        )
        batch_op.create_index(
            "uq_consultation_appointment_slot",
            ["hours_id", "on_date", "slot_start"],
            unique=True,
            sqlite_where=sa.text("status = 'booked'"),
            postgresql_where=sa.text("status = 'booked'"),
        )


def downgrade():
    with op.batch_alter_table("consultation_appointment", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_consultation_appointment_slot",
            sqlite_where=sa.text("status = 'booked'"),
            postgresql_where=sa.text("status = 'booked'"),
        )
        batch_op.drop_index(batch_op.f("ix_consultation_appointment_need_id"))
        batch_op.drop_index("ix_consultation_appointment_day")
        batch_op.drop_index(batch_op.f("ix_consultation_appointment_client_id"))

    op.drop_table("consultation_appointment")
    op.drop_table("home_visit_topic")
    with op.batch_alter_table("consultation_walk_in", schema=None) as batch_op:
        batch_op.drop_index("ix_consultation_walk_in_figures")

    op.drop_table("consultation_walk_in")
    with op.batch_alter_table("consultation_language", schema=None) as batch_op:
        batch_op.drop_index("ix_consultation_language_code")

    op.drop_table("consultation_language")
    with op.batch_alter_table("consultation_exception", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_exception_on_date"))

    op.drop_table("consultation_exception")
    with op.batch_alter_table("home_visit", schema=None) as batch_op:
        batch_op.drop_index("ix_home_visit_figures")
        batch_op.drop_index("ix_home_visit_client")

    op.drop_table("home_visit")
    with op.batch_alter_table("consultation_hours", schema=None) as batch_op:
        batch_op.drop_index("ix_consultation_hours_place")
        batch_op.drop_index(batch_op.f("ix_consultation_hours_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_consultation_hours_manager_id"))

    op.drop_table("consultation_hours")
    with op.batch_alter_table("consultation_place", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_place_office_id"))
        batch_op.drop_index(batch_op.f("ix_consultation_place_municipality_id"))

    op.drop_table("consultation_place")
    op.drop_table("manager_calendar_token")
