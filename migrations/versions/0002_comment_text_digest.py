"""comment text digest for duplicate detection

A duplicate is found by one probe of (article_id, text_digest) instead of a scan of the
article's comments. Existing rows get their digest here, in batches.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:47:56.370600

"""
import hashlib

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

comment = sa.table("comment", sa.column("id", sa.Integer), sa.column("text", sa.Text),
                   sa.column("text_digest", sa.String(40)))


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_digest', sa.String(length=40), nullable=True))
    connection = op.get_bind()
    last = 0
    while rows := connection.execute(sa.select(comment.c.id, comment.c.text)
                                     .where(comment.c.id > last).order_by(comment.c.id)
                                     .limit(1000)).all():
        connection.execute(comment.update().where(comment.c.id == sa.bindparam("row_id"))
                           .values(text_digest=sa.bindparam("digest")),
                           [{"row_id": id, "digest": hashlib.sha1(
                               text.encode("utf-8", "surrogatepass")).hexdigest()}
                            for id, text in rows])
        last = rows[-1].id
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.alter_column('text_digest', existing_type=sa.String(length=40), nullable=False)
        batch_op.create_index('ix_comment_duplicate', ['article_id', 'text_digest'], unique=False)


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_duplicate')
        batch_op.drop_column('text_digest')
