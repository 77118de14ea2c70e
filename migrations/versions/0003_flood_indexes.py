"""indexes for the flood limit

The flood limit counts a client's comments of the last hour in the comments table, by
address and by e-mail: one index range each, however many comments the table holds.

Revision ID: 0003
Revises: 0007
Create Date: 2026-12-02 06:05:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index('ix_comment_ip_created', ['ip', 'created_at'], unique=False)
        batch_op.create_index('ix_comment_email_created', ['email', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_email_created')
        batch_op.drop_index('ix_comment_ip_created')
