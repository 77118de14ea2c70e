"""comment source and source id, for idempotent imports

An imported comment keeps where it came from (wordpress, disqus, isso) and its id
there; a unique pair, so importing the same file twice finds every comment again.
Native comments leave both NULL (NULLs never collide in a unique constraint).

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-02 05:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('source_id', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint('uq_comment_source', ['source', 'source_id'])


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_constraint('uq_comment_source', type_='unique')
        batch_op.drop_column('source_id')
        batch_op.drop_column('source')
