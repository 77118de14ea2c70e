"""An index on comment.ip: the moderation queue shows each author's earlier comments from
the same IP address.

Revision ID: 0006
Revises: 0007
"""

from alembic import op

revision = "0006"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_comment_ip", "comment", ["ip"])


def downgrade() -> None:
    op.drop_index("ix_comment_ip", table_name="comment")
