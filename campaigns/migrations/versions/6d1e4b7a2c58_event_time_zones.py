"""an event's own time zone; shifts stay the UTC instants they are

Revision ID: 6d1e4b7a2c58
Revises: 5c8f3a2e9d41
Create Date: 2026-12-04 22:25:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d1e4b7a2c58'
down_revision = '5c8f3a2e9d41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_column('timezone')
