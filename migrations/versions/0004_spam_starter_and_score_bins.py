"""spam filter: score histograms for adaptive thresholds, and the starter model

Creates `spam_score_bin`, the per-site histograms of the scores of decided comments, and
an index on the comments' (ip, status) for the site's spam history.
Then, if the stored model is empty (a fresh install), fills it with the starter model
learnt from the corpora shipped in service/data/ (English YouTube comments and SMS). It
takes about 2 s; a site that already learned from its moderators keeps its model as it
is (`flask spam train` rebuilds it, starter included). Downgrading drops the histograms
and leaves the counts: they are a valid model for the previous revision too.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

spam_corpus = sa.table("spam_corpus", sa.column("id", sa.Integer),
                       sa.column("spam_total", sa.Integer), sa.column("ham_total", sa.Integer))
spam_token = sa.table("spam_token", sa.column("token", sa.String(100)),
                      sa.column("spam", sa.Integer), sa.column("ham", sa.Integer))


def upgrade():
    op.create_table('spam_score_bin',
    sa.Column('bin', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('spam', sa.Integer(), nullable=False),
    sa.Column('ham', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('bin', name=op.f('pk_spam_score_bin'))
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index('ix_comment_ip_status', ['ip', 'status'], unique=False)
    connection = op.get_bind()
    learned = connection.execute(sa.select(sa.func.count()).select_from(spam_token)).scalar()
    totals = connection.execute(sa.select(sa.func.coalesce(sa.func.sum(
        spam_corpus.c.spam_total + spam_corpus.c.ham_total), 0))).scalar()
    if learned or totals:
        return
    # The filter of this code base, so the tokens are those it will look up.
    from service.spamfilter import corpora, model
    starter = model.train(corpora.starter_rows())
    connection.execute(spam_corpus.delete())
    op.bulk_insert(spam_corpus, [{"id": 1, "spam_total": starter.spam_total,
                                  "ham_total": starter.ham_total}])
    rows = [{"token": token, "spam": spam, "ham": ham}
            for token, (spam, ham) in sorted(starter.counts.items())]
    for start in range(0, len(rows), 5000):
        connection.execute(spam_token.insert(), rows[start:start + 5000])


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_ip_status')
    op.drop_table('spam_score_bin')
