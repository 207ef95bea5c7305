"""public identifiers for tags, shifts and rsvps

Revision ID: a3c1e7f20b14
Revises: 6775d45099d1
Create Date: 2026-11-23 23:55:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a3c1e7f20b14"
down_revision = "6775d45099d1"
branch_labels = None
depends_on = None

TABLES = ("tags", "shifts", "rsvps")


def _random_uuid() -> str:
    """A version 4 UUID made by the database, so existing rows are filled in one statement
    (the same expression as in 6775d45099d1)."""
    if op.get_bind().dialect.name == "postgresql":
        return "gen_random_uuid()::text"
    r = "hex(randomblob(16))"
    return (
        f"lower(substr({r}, 1, 8) || '-' || substr({r}, 1, 4) || '-4' || substr({r}, 1, 3)"
        f" || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr({r}, 1, 3) || '-'"
        f" || substr({r}, 1, 12))"
    )


def upgrade():
    # Added nullable, filled for the rows already there, then made required and unique.
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("uuid", sa.String(length=36), nullable=True))
        op.execute(f"UPDATE {table} SET uuid = {_random_uuid()}")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("uuid", existing_type=sa.String(length=36), nullable=False)
            batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_uuid"), ["uuid"])


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"uq_{table}_uuid"), type_="unique")
            batch_op.drop_column("uuid")
