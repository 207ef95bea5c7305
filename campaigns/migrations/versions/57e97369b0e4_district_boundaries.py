"""district boundaries

One row per directory holding its districts' boundaries as SVG paths, projected and
simplified when the organizer uploads a GeoJSON file (the map on the sources page).

Revision ID: 57e97369b0e4
Revises: 744a0fdbbe45
Create Date: 2026-11-24 00:32:43.896917

"""
from alembic import op
import sqlalchemy as sa

import campaigns.database


# revision identifiers, used by Alembic.
revision = '57e97369b0e4'
down_revision = '744a0fdbbe45'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('district_maps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('directory_id', sa.Integer(), nullable=False),
    sa.Column('key_property', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('shapes', sa.JSON(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('source_points', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', campaigns.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['directory_id'], ['directories.id'], name=op.f('fk_district_maps_directory_id_directories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_district_maps_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_district_maps')),
    sa.UniqueConstraint('directory_id', name=op.f('uq_district_maps_directory_id'))
    )


def downgrade():
    op.drop_table('district_maps')
