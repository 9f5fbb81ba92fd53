"""Constant-cost list pages: reports carry their need's municipality (the managers' list is
scoped and ordered by one index), a volunteer's hours are summed from an index; the audit trail is read newest first by (at, id), also when
narrowed to an account, an action or a municipality

Revision ID: 0015
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

AUDIT_SINGLE = {
    "ix_audit_event_at": "at",
    "ix_audit_event_actor_id": "actor_id",
    "ix_audit_event_action": "action",
    "ix_audit_event_municipality_id": "municipality_id",
}
AUDIT_ORDERED = {
    "ix_audit_event_at_id": ["at", "id"],
    "ix_audit_event_actor_at": ["actor_id", "at", "id"],
    "ix_audit_event_action_at": ["action", "at", "id"],
    "ix_audit_event_municipality_at": ["municipality_id", "at", "id"],
}


def upgrade():
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("municipality_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE report SET municipality_id = (SELECT need.municipality_id FROM assignment "
        "JOIN need ON need.id = assignment.need_id WHERE assignment.id = report.assignment_id)"
    )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.alter_column("municipality_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_report_municipality_id_municipality"),
            "municipality",
            ["municipality_id"],
            ["id"],
        )
        batch_op.create_index(
            "ix_report_municipality_review",
            ["municipality_id", "acknowledged_at", "concern_raised", "created_at", "id"],
            unique=False,
        )
        batch_op.drop_index("ix_report_assignment_id")
        batch_op.create_index(
            "ix_report_assignment_hours", ["assignment_id", "activity_on", "minutes"], unique=False
        )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        for name in AUDIT_SINGLE:
            batch_op.drop_index(name)
        for name, columns in AUDIT_ORDERED.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        for name in AUDIT_ORDERED:
            batch_op.drop_index(name)
        for name, column in AUDIT_SINGLE.items():
            batch_op.create_index(name, [column], unique=False)
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_assignment_hours")
        batch_op.create_index("ix_report_assignment_id", ["assignment_id"], unique=False)
        batch_op.drop_index("ix_report_municipality_review")
        batch_op.drop_constraint(
            batch_op.f("fk_report_municipality_id_municipality"), type_="foreignkey"
        )
        batch_op.drop_column("municipality_id")
