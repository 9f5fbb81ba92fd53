"""The board's walk of the needs in date order (not filtered by category) reads the index
alone: on PostgreSQL ix_need_board_first carries the columns the walk tests and returns
(languages, municipality, category, schedule) as INCLUDE columns, as ix_need_board_category does
for a board filtered by category. Filtered by language at 200,000 needs, PostgreSQL now walks it
for a volunteer of the whole state instead of finding every need of the language and sorting
them.

Revision ID: 0019
Revises: 0018
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

CARRIED = [
    "language_codes",
    "municipality_id",
    "schedule_kind",
    "weekday",
    "ends_on",
    "starts_at",
    "duration_minutes",
    "category",
]


def upgrade():
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_index("ix_need_board_first")
        batch_op.create_index(
            "ix_need_board_first",
            ["status", "first_on", "time_of_day", "id"],
            postgresql_include=CARRIED,
        )


def downgrade():
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_index("ix_need_board_first")
        batch_op.create_index("ix_need_board_first", ["status", "first_on", "time_of_day", "id"])
