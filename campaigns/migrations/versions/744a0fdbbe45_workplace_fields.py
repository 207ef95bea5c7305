"""workplace fields

Revision ID: 744a0fdbbe45
Revises: a3c1e7f20b14
Create Date: 2026-11-23 23:51:46.284746

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '744a0fdbbe45'
down_revision = 'a3c1e7f20b14'
branch_labels = None
depends_on = None


def upgrade():
    # Empty strings and false on existing rows: old actions do not ask, old submissions have
    # no workplace.
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('asks_workplace', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employer', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('worksite', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('department', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('work_shift', sa.String(length=60), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('work_shift')
        batch_op.drop_column('department')
        batch_op.drop_column('worksite')
        batch_op.drop_column('employer')

    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_column('asks_workplace')

