"""held submissions: over a rate limit, kept for their confirmation

Revision ID: 9c1d2e3f4a5b
Revises: 750b35f82d66
Create Date: 2026-12-04 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c1d2e3f4a5b'
down_revision = '750b35f82d66'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_reason', sa.String(length=40), nullable=True))
    # Signatures a rate limit marked fraudulent become held: their confirmation releases them,
    # or an organizer decides. Those an organizer invalidated stay fraudulent.
    op.execute(
        "UPDATE submissions SET held_reason = fraud_reason "
        "WHERE fraudulent AND fraud_reason IN ('rate_limit_ip', 'rate_limit_domain') "
        "AND confirmed_at IS NULL"
    )


def downgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('held_reason')
