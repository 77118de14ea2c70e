"""approved-comment count kept on the article

The counts endpoint reads one column per article through the unique index on `key`,
instead of counting comments: its cost no longer grows with the comment table. Every
change of what is approved recounts the article's comments in the same transaction
(moderation.actions.touch_article); existing articles are counted here once.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

article = sa.table("article", sa.column("id", sa.Integer),
                   sa.column("comment_count", sa.Integer))
comment = sa.table("comment", sa.column("article_id", sa.Integer),
                   sa.column("status", sa.String(16)))


def upgrade():
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment_count', sa.Integer(), server_default='0',
                                      nullable=False))
    approved = (sa.select(sa.func.count()).select_from(comment)
                .where(comment.c.article_id == article.c.id, comment.c.status == 'approved')
                .scalar_subquery())
    op.get_bind().execute(article.update().values(comment_count=approved))


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35+ has it): a batch copy of `article` would have to drop
    # the table that comments reference, which SQLite's foreign keys refuse.
    op.drop_column('article', 'comment_count')
