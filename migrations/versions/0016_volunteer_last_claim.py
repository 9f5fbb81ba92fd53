"""A volunteer's last claim on the profile: the coordinators' "without a task for three months"
reads the few approved volunteers without a recent claim from an index on (home municipality,
status, last claim) instead of checking the claims of every approved volunteer in scope

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("volunteer_profile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_claim_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE volunteer_profile SET last_claim_at = (SELECT max(assignment.claimed_at) "
        "FROM assignment WHERE assignment.volunteer_id = volunteer_profile.id)"
    )
    with op.batch_alter_table("volunteer_profile", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteer_profile_municipality_status")
        batch_op.create_index(
            "ix_volunteer_profile_municipality_status_claim",
            ["home_municipality_id", "status", "last_claim_at"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("volunteer_profile", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteer_profile_municipality_status_claim")
        batch_op.create_index(
            "ix_volunteer_profile_municipality_status",
            ["home_municipality_id", "status"],
            unique=False,
        )
        batch_op.drop_column("last_claim_at")
