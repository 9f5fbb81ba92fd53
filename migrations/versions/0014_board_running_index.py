"""The board reads weekly needs that have started by weekday and first day (a range of the
index), not every weekly need of the weekday in time order: at state scale most weekly needs of
a weekday may not have started yet, and the time order made the board read all of them.
Filtered boards (a category) read that category's needs in date order.

Revision ID: 0014
Revises: 0010
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_index("ix_need_board_weekly")
        batch_op.create_index(
            "ix_need_board_running", ["status", "schedule_kind", "weekday", "first_on"]
        )
        batch_op.create_index(
            "ix_need_board_category", ["status", "category", "first_on", "time_of_day", "id"]
        )


def downgrade():
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_index("ix_need_board_category")
        batch_op.drop_index("ix_need_board_running")
        batch_op.create_index(
            "ix_need_board_weekly", ["status", "schedule_kind", "weekday", "time_of_day", "id"]
        )
