import pytest

from tests.factories import make_petition


@pytest.mark.both_databases
def test_petition_page_renders(app, client):
    with app.app_context():
        slug = make_petition().slug
    resp = client.get(f"/a/{slug}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
