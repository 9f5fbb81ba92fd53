"""A need's wanted languages also on the need row (``language_codes``), so that the board's
language filter is a condition on the need an index answers (PostgreSQL: a GIN index on the
array) instead of intersecting a category's needs with every need_language row of the language.
The link rows stay the record (DESIGN.md); `Need.languages` writes both. Backfilled from the
link rows in their order.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if _postgresql():
        op.add_column(
            "need",
            sa.Column(
                "language_codes",
                sa.ARRAY(sa.String(8)),
                nullable=False,
                server_default=sa.text("'{}'"),
            ),
        )
        op.execute(
            "UPDATE need SET language_codes = wanted.codes FROM (SELECT need_id, "
            "array_agg(code ORDER BY position, code) AS codes FROM need_language "
            "GROUP BY need_id) AS wanted WHERE wanted.need_id = need.id"
        )
        op.alter_column("need", "language_codes", server_default=None)
        op.create_index(
            "ix_need_language_codes", "need", ["language_codes"], postgresql_using="gin"
        )
        return
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language_codes", sa.String(), nullable=False, server_default="")
        )
    op.execute(
        "UPDATE need SET language_codes = coalesce((SELECT group_concat(code, ',') FROM "
        "(SELECT code FROM need_language WHERE need_language.need_id = need.id "
        "ORDER BY position, code)), '')"
    )
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.create_index("ix_need_language_codes", ["language_codes"])


def downgrade():
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_index("ix_need_language_codes")
        batch_op.drop_column("language_codes")
