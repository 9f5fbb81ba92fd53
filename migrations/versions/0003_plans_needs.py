"""Clients, integration plans, goals, steps and needs

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reference_counter",
        sa.Column("prefix", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", "year", name=op.f("pk_reference_counter")),
    )

    op.create_table(
        "client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("household", sa.JSON(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["user.id"], name=op.f("fk_client_manager_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_client_municipality_id_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client")),
        sa.UniqueConstraint("reference", name=op.f("uq_client_reference")),
    )
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index(
            "ix_client_municipality_status", ["municipality_id", "status"], unique=False
        )

    op.create_table(
        "integration_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("agreed_on", sa.Date(), nullable=True),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_integration_plan_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_plan")),
        sa.UniqueConstraint("client_id", name=op.f("uq_integration_plan_client_id")),
    )
    with op.batch_alter_table("integration_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_integration_plan_next_review_on"), ["next_review_on"], unique=False
        )

    op.create_table(
        "goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["integration_plan.id"],
            name=op.f("fk_goal_plan_id_integration_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal")),
    )
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goal_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=20), nullable=False),
        sa.Column("partner", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goal.id"], name=op.f("fk_step_goal_id_goal"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step")),
        sa.UniqueConstraint("goal_id", "id", name="uq_step_goal_id_id"),
    )
    with op.batch_alter_table("step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_step_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_step_goal_id"), ["goal_id"], unique=False)

    op.create_table(
        "need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_step_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("public_description", sa.Text(), nullable=False),
        sa.Column("private_notes", sa.Text(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("meeting_point", sa.Text(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("schedule_kind", sa.String(length=10), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=True),
        sa.Column("ends_at", sa.DateTime(), nullable=True),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("time_of_day", sa.Time(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("requires_conduct_certificate", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_need_capacity_positive")),
        sa.CheckConstraint(
            "taken >= 0 AND taken <= capacity", name=op.f("ck_need_taken_within_capacity")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_need_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_need_municipality_id_municipality"),
        ),
        sa.ForeignKeyConstraint(
            ["source_step_id"],
            ["step.id"],
            name=op.f("fk_need_source_step_id_step"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need")),
    )
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.create_index(
            "ix_need_board", ["status", "municipality_id", "starts_on"], unique=False
        )
        batch_op.create_index("ix_need_category_status", ["category", "status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_need_source_step_id"), ["source_step_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_source_step_id"))
        batch_op.drop_index("ix_need_category_status")
        batch_op.drop_index("ix_need_board")

    op.drop_table("need")
    with op.batch_alter_table("step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_step_goal_id"))
        batch_op.drop_index(batch_op.f("ix_step_due_on"))

    op.drop_table("step")
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_plan_id"))

    op.drop_table("goal")
    with op.batch_alter_table("integration_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integration_plan_next_review_on"))

    op.drop_table("integration_plan")
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_index("ix_client_municipality_status")
        batch_op.drop_index(batch_op.f("ix_client_manager_id"))

    op.drop_table("client")
    op.drop_table("reference_counter")
