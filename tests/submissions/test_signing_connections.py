import pytest
from sqlalchemy import create_engine, func, select, text

from campaigns.extensions import db
from campaigns.models import Action, Submission
from campaigns.submissions.signing import Signer, sign
from tests.factories import make_petition

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


def terminate_other_connections(url: str) -> int:
    """What a database restart does to every pooled connection."""
    engine = create_engine(url)
    with engine.begin() as conn:
        killed = conn.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE pid <> pg_backend_pid() AND datname = current_database()"
            )
        )
    engine.dispose()
    return killed


def test_a_signature_survives_its_pooled_connection_dying(app, backend):
    """After the server drops the pool's connections, the next signature is still recorded."""
    with app.app_context():
        petition_id = make_petition().id
        assert sign(db.session.get(Action, petition_id), Signer("Ana", "Ruiz", "a@x.org")).created
        db.session.remove()
        assert terminate_other_connections(str(db.engine.url.render_as_string(False))) >= 1
        result = sign(db.session.get(Action, petition_id), Signer("Bo", "Lee", "b@x.org"))
        assert result.created
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 2
