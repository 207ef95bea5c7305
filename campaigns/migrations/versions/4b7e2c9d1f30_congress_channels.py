"""letters to Congress: a channel per target and message, constituent addresses, calls

Revision ID: 4b7e2c9d1f30
Revises: 9c1d2e3f4a5b
Create Date: 2026-12-04 21:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import campaigns.database


# revision identifiers, used by Alembic.
revision = '4b7e2c9d1f30'
down_revision = '9c1d2e3f4a5b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_code', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('channel', sa.String(length=16), nullable=True))
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('channel', sa.String(length=16), server_default='email', nullable=False)
        )
    with op.batch_alter_table('letter_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topics', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('bills', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(
            sa.Column('stance', sa.String(length=3), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('call_script', sa.Text(), server_default='', nullable=False)
        )
    op.create_table(
        'constituent_addresses',
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('prefix', sa.String(length=8), nullable=False),
        sa.Column('address1', sa.String(length=200), nullable=False),
        sa.Column('address2', sa.String(length=200), nullable=False),
        sa.Column('city', sa.String(length=100), nullable=False),
        sa.Column('state', sa.String(length=2), nullable=False),
        sa.Column('zip', sa.String(length=10), nullable=False),
        sa.Column('phone', sa.String(length=12), nullable=False),
        sa.Column('created_at', campaigns.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('submission_id'),
    )
    op.create_table(
        'calls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('action_id', sa.Integer(), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('created_at', campaigns.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['action_id'], ['actions.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['target_id'], ['targets.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_calls_action_target', 'calls', ['action_id', 'target_id'], unique=False)


def downgrade():
    op.drop_index('ix_calls_action_target', table_name='calls')
    op.drop_table('calls')
    op.drop_table('constituent_addresses')
    with op.batch_alter_table('letter_settings', schema=None) as batch_op:
        batch_op.drop_column('call_script')
        batch_op.drop_column('stance')
        batch_op.drop_column('bills')
        batch_op.drop_column('topics')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('channel')
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.drop_column('channel')
        batch_op.drop_column('office_code')
