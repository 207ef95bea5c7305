import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from campaigns.extensions import db


@pytest.mark.both_databases
def test_migrations_match_the_models(app):
    """The schema the migrations build is the schema the models describe."""
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
