"""The office lead role (Leitung der Außenstelle): sees the statistics and the Pakt report of
their office's municipalities

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OLD = "'volunteer', 'coordinator', 'manager', 'admin'"
NEW = "'volunteer', 'coordinator', 'manager', 'admin', 'office_lead'"
TABLES = ("membership", "two_factor_policy")


def _roles(values: str) -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_role_known"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_role_known"), f"role IN ({values})")


def upgrade():
    _roles(NEW)


def downgrade():
    for table in TABLES:
        rows = sa.table(table, sa.column("role"))
        op.execute(rows.delete().where(rows.c.role == "office_lead"))
    _roles(OLD)
