"""Erasure and retention: the pending erasure request, the erased tombstone and the inactivity
warning on accounts; the erased mark on clients

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erasure_requested_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("inactivity_warned_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_user_erased_at"), ["erased_at"], unique=False)
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_client_erased_at"), ["erased_at"], unique=False)


def downgrade():
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_erased_at"))
        batch_op.drop_column("erased_at")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_erased_at"))
        batch_op.drop_column("inactivity_warned_at")
        batch_op.drop_column("erased_at")
        batch_op.drop_column("erasure_requested_at")
