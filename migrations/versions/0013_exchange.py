"""Exchange between staff and volunteers: conversations on needs with unread counters, notification
settings and digests, announcements, mail headers, change confirmations on claims

Revision ID: 0013
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("sender_role", sa.String(length=12), nullable=False),
        sa.Column("subject", sa.String(length=160), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "sender_role IN ('coordinator', 'manager')",
            name=op.f("ck_announcement_sender_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["user.id"],
            name=op.f("fk_announcement_sender_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement")),
    )
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.create_index(
            "ix_announcement_sender_created", ["sender_id", "created_at"], unique=False
        )

    op.create_table(
        "digest_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('task_messages', 'new_needs', 'reminders', 'announcements')",
            name=op.f("ck_digest_item_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_digest_item_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_item")),
    )
    with op.batch_alter_table("digest_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_item_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_digest_item_user", ["user_id", "id"], unique=False)

    op.create_table(
        "notification_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('task_messages', 'new_needs', 'reminders', 'announcements')",
            name=op.f("ck_notification_preference_kind_known"),
        ),
        sa.CheckConstraint(
            "mode IN ('immediate', 'daily', 'never')",
            name=op.f("ck_notification_preference_mode_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_notification_preference_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_preference")),
    )
    op.create_table(
        "announcement_recipient",
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcement.id"],
            name=op.f("fk_announcement_recipient_announcement_id_announcement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_announcement_recipient_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "announcement_id", "user_id", name=op.f("pk_announcement_recipient")
        ),
    )
    with op.batch_alter_table("announcement_recipient", schema=None) as batch_op:
        batch_op.create_index(
            "ix_announcement_recipient_user", ["user_id", "announcement_id"], unique=False
        )

    op.create_table(
        "conversation_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_role", sa.String(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("edited_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "author_role IN ('manager', 'volunteer', 'system')",
            name=op.f("ck_conversation_message_author_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user.id"],
            name=op.f("fk_conversation_message_author_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
            name=op.f("fk_conversation_message_need_id_need"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_message")),
    )
    with op.batch_alter_table("conversation_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_message_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index("ix_conversation_message_need", ["need_id", "id"], unique=False)

    op.create_table(
        "conversation_read",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unread", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("unread >= 0", name=op.f("ck_conversation_read_unread_not_negative")),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
            name=op.f("fk_conversation_read_need_id_need"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_conversation_read_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("need_id", "user_id", name=op.f("pk_conversation_read")),
    )
    with op.batch_alter_table("conversation_read", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_read_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("change_notified_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("change_confirmed_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("outbound_email", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headers", sa.JSON(), nullable=True))

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unread_messages", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_user_unread_messages_not_negative"), "unread_messages >= 0"
        )


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_unread_messages_not_negative"), type_="check")
        batch_op.drop_column("unread_messages")

    with op.batch_alter_table("outbound_email", schema=None) as batch_op:
        batch_op.drop_column("headers")

    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_column("change_confirmed_at")
        batch_op.drop_column("change_notified_at")

    with op.batch_alter_table("conversation_read", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_read_user_id"))

    op.drop_table("conversation_read")
    with op.batch_alter_table("conversation_message", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_message_need")
        batch_op.drop_index(batch_op.f("ix_conversation_message_author_id"))

    op.drop_table("conversation_message")
    with op.batch_alter_table("announcement_recipient", schema=None) as batch_op:
        batch_op.drop_index("ix_announcement_recipient_user")

    op.drop_table("announcement_recipient")
    op.drop_table("notification_preference")
    with op.batch_alter_table("digest_item", schema=None) as batch_op:
        batch_op.drop_index("ix_digest_item_user")
        batch_op.drop_index(batch_op.f("ix_digest_item_created_at"))

    op.drop_table("digest_item")
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.drop_index("ix_announcement_sender_created")

    op.drop_table("announcement")
