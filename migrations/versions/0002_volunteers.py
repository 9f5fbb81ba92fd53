"""Volunteer profiles and certificate-of-conduct checks

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "volunteer_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("home_municipality_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("interests", sa.JSON(), nullable=False),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("has_car", sa.Boolean(), nullable=False),
        sa.Column("motivation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("consent_version", sa.String(length=20), nullable=False),
        sa.Column("consent_at", sa.DateTime(), nullable=True),
        sa.Column("pledge_signed_at", sa.DateTime(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user.id"],
            name=op.f("fk_volunteer_profile_decided_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["home_municipality_id"],
            ["municipality.id"],
            name=op.f("fk_volunteer_profile_home_municipality_id_municipality"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_volunteer_profile_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_profile")),
        sa.UniqueConstraint("user_id", name=op.f("uq_volunteer_profile_user_id")),
    )
    with op.batch_alter_table("volunteer_profile", schema=None) as batch_op:
        batch_op.create_index(
            "ix_volunteer_profile_municipality_status",
            ["home_municipality_id", "status"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_volunteer_profile_status"), ["status"], unique=False)

    op.create_table(
        "volunteer_municipality",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_volunteer_municipality_municipality_id_municipality"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer_profile.id"],
            name=op.f("fk_volunteer_municipality_volunteer_id_volunteer_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "volunteer_id", "municipality_id", name=op.f("pk_volunteer_municipality")
        ),
    )

    op.create_table(
        "volunteer_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=False),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
            name=op.f("fk_volunteer_event_actor_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer_profile.id"],
            name=op.f("fk_volunteer_event_volunteer_id_volunteer_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_event")),
    )
    with op.batch_alter_table("volunteer_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteer_event_volunteer_id"), ["volunteer_id"], unique=False
        )

    op.create_table(
        "conduct_certificate_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("seen_on", sa.Date(), nullable=False),
        sa.Column("seen_by_id", sa.Integer(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("reminder_sent_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["seen_by_id"],
            ["user.id"],
            name=op.f("fk_conduct_certificate_check_seen_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer_profile.id"],
            name=op.f("fk_conduct_certificate_check_volunteer_id_volunteer_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conduct_certificate_check")),
    )
    with op.batch_alter_table("conduct_certificate_check", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conduct_certificate_check_valid_until"), ["valid_until"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_conduct_certificate_check_volunteer_id"), ["volunteer_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("conduct_certificate_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conduct_certificate_check_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_conduct_certificate_check_valid_until"))

    op.drop_table("conduct_certificate_check")
    with op.batch_alter_table("volunteer_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_event_volunteer_id"))

    op.drop_table("volunteer_event")
    op.drop_table("volunteer_municipality")
    with op.batch_alter_table("volunteer_profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_profile_status"))
        batch_op.drop_index("ix_volunteer_profile_municipality_status")

    op.drop_table("volunteer_profile")
