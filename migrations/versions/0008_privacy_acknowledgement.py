"""Which version of the privacy notice each user acknowledged, and when

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("privacy_version", sa.String(length=20), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("privacy_acknowledged_at", sa.DateTime(), nullable=True))
    # Volunteers acknowledged the notice of their application.
    op.execute(
        'UPDATE "user" SET privacy_version = (SELECT consent_version FROM volunteer_profile '
        'WHERE user_id = "user".id), privacy_acknowledged_at = (SELECT consent_at FROM '
        'volunteer_profile WHERE user_id = "user".id) WHERE id IN (SELECT user_id FROM '
        "volunteer_profile)"
    )


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("privacy_acknowledged_at")
        batch_op.drop_column("privacy_version")
