"""sign-up tables: a device an organizer opens for an action, exempt from address limits

Revision ID: 5c8f3a2e9d41
Revises: 4b7e2c9d1f30
Create Date: 2026-12-04 21:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

import campaigns.database


# revision identifiers, used by Alembic.
revision = '5c8f3a2e9d41'
down_revision = '4b7e2c9d1f30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'signup_tables',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('action_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('source', sa.String(length=64), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', campaigns.database.UTCDateTime(), nullable=False),
        sa.Column('expires_at', campaigns.database.UTCDateTime(), nullable=False),
        sa.Column('revoked_at', campaigns.database.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['action_id'], ['actions.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('signup_tables', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signup_tables_action_id'), ['action_id'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_signup_tables_organization_id'), ['organization_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('signup_tables', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signup_tables_organization_id'))
        batch_op.drop_index(batch_op.f('ix_signup_tables_action_id'))
    op.drop_table('signup_tables')
