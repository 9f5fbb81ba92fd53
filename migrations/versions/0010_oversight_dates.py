"""The dates the statistics count by: when a need was published and closed, when a goal was
opened, achieved or dropped, when a step was done

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_need_published_at"), ["published_at"], unique=False)
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("created_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("step", schema=None) as batch_op:
        batch_op.add_column(sa.Column("done_on", sa.Date(), nullable=True))
    # what existing rows tell: a published need was published when it was created
    op.execute(
        "UPDATE need SET published_at = created_at WHERE status IN "
        "('open', 'filled', 'completed', 'cancelled')"
    )
    op.execute("UPDATE need SET closed_at = updated_at WHERE status IN ('completed', 'cancelled')")


def downgrade():
    with op.batch_alter_table("step", schema=None) as batch_op:
        batch_op.drop_column("done_on")
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_column("created_at")
        batch_op.drop_column("closed_on")
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_published_at"))
        batch_op.drop_column("closed_at")
        batch_op.drop_column("published_at")
