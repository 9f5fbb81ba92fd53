"""The board filtered by category (and language) walks the category's needs in date order and
stops after the page and the bounded count, instead of finding every need of the language
(ix_need_language_codes) and sorting them: ix_need_board_category leads with the category (so
that only a filtered board reads it) and, on PostgreSQL, carries the columns the board tests
while walking (languages, municipality, schedule) as INCLUDE columns, so that the walk reads
the index alone.

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"
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
]


def upgrade():
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_index("ix_need_board_category")
        batch_op.create_index(
            "ix_need_board_category",
            ["category", "status", "first_on", "time_of_day", "id"],
            postgresql_include=CARRIED,
        )


def downgrade():
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_index("ix_need_board_category")
        batch_op.create_index(
            "ix_need_board_category", ["status", "category", "first_on", "time_of_day", "id"]
        )
