"""notifications: the outbox, webhooks, moderators' mail preferences, reply opt-in

Every notification is an outbox row written in the transaction of its event; a worker
delivers them. Moderators get an address and a preference, comments a reply opt-in,
and one-click moderation links a table of the ones already used.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'webhook',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('secret', sa.String(length=200), nullable=False),
        sa.Column('include_personal_data', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook')))
    op.create_table(
        'outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.String(length=36), nullable=False),
        sa.Column('event', sa.String(length=32), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('state', sa.Enum('pending', 'sent', 'dead', 'dropped', name='delivery',
                                   native_enum=False, length=16, create_constraint=True),
                  nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['state', 'due_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_event_id'), ['event_id'], unique=False)
    op.create_table(
        'link_use',
        sa.Column('nonce', sa.String(length=32), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('nonce', name=op.f('pk_link_use')))
    # New NOT NULL columns get their value for existing rows from a default dropped after.
    with op.batch_alter_table('moderator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column(
            'notify', sa.Enum('each', 'digest', 'none', name='notify_mode', native_enum=False,
                              length=16, create_constraint=True),
            nullable=False, server_default='none'))
        batch_op.add_column(sa.Column('digest_minutes', sa.Integer(), nullable=False,
                                      server_default='60'))
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('last_digest_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('moderator', schema=None) as batch_op:
        batch_op.alter_column('notify', server_default=None)
        batch_op.alter_column('digest_minutes', server_default=None)
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_replies', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.alter_column('notify_replies', server_default=None)


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_column('language')
        batch_op.drop_column('notify_replies')
    with op.batch_alter_table('moderator', schema=None) as batch_op:
        batch_op.drop_column('last_digest_at')
        batch_op.drop_column('language')
        batch_op.drop_column('digest_minutes')
        batch_op.drop_constraint(batch_op.f('ck_moderator_notify_mode'), type_='check')
        batch_op.drop_column('notify')
        batch_op.drop_column('email')
    op.drop_table('link_use')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_event_id'))
        batch_op.drop_index('ix_outbox_due')
    op.drop_table('outbox')
    op.drop_table('webhook')
