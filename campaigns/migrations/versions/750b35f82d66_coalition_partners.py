"""coalition partners

Revision ID: 750b35f82d66
Revises: 57e97369b0e4
Create Date: 2026-11-24 00:33:00.721574

"""
from alembic import op
import sqlalchemy as sa

import campaigns.database


# revision identifiers, used by Alembic.
revision = '750b35f82d66'
down_revision = '57e97369b0e4'
branch_labels = None
depends_on = None


def upgrade():
    # New tables only: existing campaigns have no partners and no one has opted in yet.
    op.create_table('campaign_partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('sharing', sa.Enum('all', 'proportional', name='sharingmode', native_enum=False, length=20), nullable=False),
    sa.Column('cap', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('created_at', campaigns.database.UTCDateTime(), nullable=False),
    sa.Column('accepted_at', campaigns.database.UTCDateTime(), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_campaign_partners_accepted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_partners_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_campaign_partners_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_partners')),
    sa.UniqueConstraint('campaign_id', 'organization_id', name=op.f('uq_campaign_partners_campaign_id_organization_id'))
    )
    with op.batch_alter_table('campaign_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_partners_organization_id'), ['organization_id'], unique=False)

    op.create_table('opt_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supporter_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('state', sa.Enum('pending', 'shared', 'over_cap', 'withdrawn', name='optinstate', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', campaigns.database.UTCDateTime(), nullable=False),
    sa.Column('shared_at', campaigns.database.UTCDateTime(), nullable=True),
    sa.Column('partner_supporter_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_opt_ins_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_opt_ins_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_supporter_id'], ['supporters.id'], name=op.f('fk_opt_ins_partner_supporter_id_supporters'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_opt_ins_submission_id_submissions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supporter_id'], ['supporters.id'], name=op.f('fk_opt_ins_supporter_id_supporters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opt_ins')),
    sa.UniqueConstraint('submission_id', 'organization_id', name=op.f('uq_opt_ins_submission_id_organization_id'))
    )
    with op.batch_alter_table('opt_ins', schema=None) as batch_op:
        batch_op.create_index('ix_opt_ins_campaign_organization', ['campaign_id', 'organization_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_opt_ins_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opt_ins_partner_supporter_id'), ['partner_supporter_id'], unique=False)
        batch_op.create_index('ix_opt_ins_pending', ['submission_id'], unique=False, postgresql_where=sa.text("state = 'pending'"), sqlite_where=sa.text("state = 'pending'"))
        batch_op.create_index(batch_op.f('ix_opt_ins_supporter_id'), ['supporter_id'], unique=False)



def downgrade():
    with op.batch_alter_table('opt_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opt_ins_supporter_id'))
        batch_op.drop_index('ix_opt_ins_pending', postgresql_where=sa.text("state = 'pending'"), sqlite_where=sa.text("state = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_opt_ins_partner_supporter_id'))
        batch_op.drop_index(batch_op.f('ix_opt_ins_organization_id'))
        batch_op.drop_index('ix_opt_ins_campaign_organization')

    op.drop_table('opt_ins')
    with op.batch_alter_table('campaign_partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_partners_organization_id'))

    op.drop_table('campaign_partners')
