"""The first day of a need (the board orders by it) and the indexes that let the board, the
managers' needs list and reports and the coordinators' queue read a page in index order

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _backfill_first_on() -> None:
    """One-off needs: the local (Europe/Berlin) day of the start; weekly needs: the first of
    their weekday on or after the first date."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE need SET first_on = (starts_at AT TIME ZONE 'UTC' "
            "AT TIME ZONE 'Europe/Berlin')::date "
            "WHERE schedule_kind <> 'weekly' AND starts_at IS NOT NULL"
        )
        op.execute(
            "UPDATE need SET first_on = starts_on + "
            "((weekday - CAST(extract(dow FROM starts_on) AS integer) + 8) % 7) "
            "WHERE schedule_kind = 'weekly' AND starts_on IS NOT NULL AND weekday IS NOT NULL"
        )
    else:
        # SQLite knows no time zones: read the rows, let Python convert (small databases)
        from portal.core.time import to_local

        conn = op.get_bind()
        rows = conn.execute(
            sa.text(
                "SELECT id, starts_at FROM need "
                "WHERE schedule_kind <> 'weekly' AND starts_at IS NOT NULL"
            ).columns(id=sa.Integer, starts_at=sa.DateTime)
        ).all()
        for need_id, starts_at in rows:
            conn.execute(
                sa.text("UPDATE need SET first_on = :day WHERE id = :id"),
                {"day": to_local(starts_at).date(), "id": need_id},
            )
        op.execute(
            "UPDATE need SET first_on = date(starts_on, '+' || "
            "((weekday - CAST(strftime('%w', starts_on) AS integer) + 8) % 7) || ' days') "
            "WHERE schedule_kind = 'weekly' AND starts_on IS NOT NULL AND weekday IS NOT NULL"
        )
    op.execute(
        "UPDATE need SET first_on = starts_on "
        "WHERE schedule_kind = 'weekly' AND starts_on IS NOT NULL AND weekday IS NULL"
    )


def upgrade():
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_on", sa.Date(), nullable=True))
    _backfill_first_on()
    op.create_index(
        "ix_need_board_first", "need", ["status", "first_on", "time_of_day", "id"], unique=False
    )
    op.create_index(
        "ix_need_board_weekly",
        "need",
        ["status", "schedule_kind", "weekday", "time_of_day", "id"],
        unique=False,
    )
    op.create_index("ix_need_list_order", "need", ["starts_on", "id"], unique=False)
    op.create_index(
        "ix_need_municipality_order", "need", ["municipality_id", "starts_on", "id"], unique=False
    )
    op.create_index(
        "ix_report_review",
        "report",
        ["acknowledged_at", "concern_raised", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_volunteer_profile_submitted", "volunteer_profile", ["submitted_at", "id"], unique=False
    )
    op.create_index(
        "ix_volunteer_profile_status_submitted",
        "volunteer_profile",
        ["status", "submitted_at", "id"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_volunteer_profile_status_submitted", table_name="volunteer_profile")
    op.drop_index("ix_volunteer_profile_submitted", table_name="volunteer_profile")
    op.drop_index("ix_report_review", table_name="report")
    op.drop_index("ix_need_municipality_order", table_name="need")
    op.drop_index("ix_need_list_order", table_name="need")
    op.drop_index("ix_need_board_weekly", table_name="need")
    op.drop_index("ix_need_board_first", table_name="need")
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_column("first_on")
