"""API links are built on PUBLIC_URL, whatever Host a request names."""

from tests.api.test_pagination import add_people


def test_a_forged_host_does_not_reach_the_links(api_app, api, org_id):
    add_people(api_app, org_id, 0, 3)
    body = api.get("/api/v1/people?per_page=1", headers={"Host": "evil.example"}).get_data(
        as_text=True
    )
    assert "evil.example" not in body
    assert "http://campaigns.test/api/v1/people/" in body
    entry = api.get("/api/v1/", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in entry and "http://campaigns.test/api/v1/" in entry
