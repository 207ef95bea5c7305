import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from campaigns.extensions import db
from campaigns.models import Submission
from campaigns.submissions.signing import Signer, sign
from tests.factories import make_petition


@pytest.mark.both_databases
def test_migrations_match_the_models(app):
    """The schema the migrations build is the schema the models describe."""
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_signatures_a_rate_limit_marked_become_held(app):
    """Upgrading holds what a rate limit marked fraudulent (its confirmation can release it);
    what an organizer invalidated stays fraudulent."""
    with app.app_context():
        petition = make_petition()
        ids = [
            sign(petition, Signer("Ana", "Ruiz", f"p{n}@example.org", "94612")).submission_id
            for n in range(3)
        ]
        db.session.remove()
        downgrade(revision="750b35f82d66")
        with db.engine.begin() as conn:
            for submission_id, reason in zip(
                ids, ("rate_limit_ip", "rate_limit_domain", "invalidated"), strict=True
            ):
                conn.execute(
                    text("UPDATE submissions SET fraudulent = :t, fraud_reason = :r WHERE id = :i"),
                    {"t": True, "r": reason, "i": submission_id},
                )
        upgrade()
        rows = db.session.execute(
            select(Submission.fraud_reason, Submission.held_reason).order_by(Submission.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("rate_limit_ip", "rate_limit_ip"),
        ("rate_limit_domain", "rate_limit_domain"),
        ("invalidated", None),
    ]
