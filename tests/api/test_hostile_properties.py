"""The hostile inputs of tests/api/test_hostile_input.py, generated: hypothesis draws dates
anywhere in years 1 to 9999 with any offset, cursors of any bytes, bodies nested to any
depth and text with NUL characters at any place. None is a 5xx; each refusal is a 400 that
says what was wrong."""

import base64
import json
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.test_hostile_input import HELPER, signup

PROPERTY = settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
moments = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59), timezones=offsets
)


def answered_sanely(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.status_code == 400
        assert isinstance(response.get_json().get("error"), str)


def test_any_date_in_a_filter(api):
    @PROPERTY
    @given(moment=moments, operator=st.sampled_from(["gt", "lt", "ge", "le"]))
    def check(moment, operator):
        query = {"filter": f"modified_date {operator} '{moment.isoformat()}'"}
        response = api.get("/api/v1/people", query_string=query)
        answered_sanely(response)
        # Well inside the range once in UTC: the filter is read and answered.
        if 2 <= (moment.replace(tzinfo=None) - moment.utcoffset()).year <= 9998:
            assert response.status_code == 200

    check()


def test_any_cursor(api):
    @PROPERTY
    @given(
        raw=st.one_of(
            st.binary(min_size=1, max_size=200),  # an empty "after" is no cursor at all
            st.lists(st.integers(min_value=-(2**70), max_value=2**70), max_size=4).map(
                lambda ids: json.dumps(ids).encode()
            ),
        )
    )
    def check(raw):
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        response = api.get("/api/v1/people", query_string={"after": cursor, "per_page": 1})
        answered_sanely(response)
        assert response.status_code == 400  # only a cursor the API made walks on

    check()


nested = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=60,
)


def test_any_nesting_in_a_body(api):
    @PROPERTY
    @given(custom=nested, depth=st.integers(min_value=0, max_value=3000))
    def check(custom, depth):
        body = "[" * depth + json.dumps(signup(custom_fields={"x": custom})) + "]" * depth
        response = api.client.post(
            HELPER, data=body, headers=api.headers({"Content-Type": "application/json"})
        )
        answered_sanely(response)

    check()


def test_nul_characters_anywhere_in_a_person(api):
    @PROPERTY
    @given(
        field=st.sampled_from(["given_name", "family_name"]),
        before=st.text(max_size=20),
        after=st.text(max_size=20),
    )
    def check(field, before, after):
        response = api.post(HELPER, json=signup(**{field: f"{before}\x00{after}"}))
        answered_sanely(response)
        assert response.status_code == 400 and "NUL" in response.get_json()["error"]

    check()
