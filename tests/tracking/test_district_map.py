"""The district map: organizers upload a directory's boundaries, replace or remove them, and
every member sees the directory's districts shaded by signatures on the sources page."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from campaigns.extensions import db
from campaigns.models import AuditEvent, DistrictMap, PostcodeDistrict, Role
from campaigns.submissions.signing import Signer, sign
from campaigns.tracking import district_maps
from tests.factories import make_council_letter, make_user

FIXTURE = Path(__file__).parent.parent / "data" / "oakland-wards.geojson"
PATH = re.compile(
    r'<path class="q(\d)" data-district="([^"]+)" data-count="(\d+)" d="[^"]+">'
    r"<title>([^<]+)</title>"
)
TWO_WARDS = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"ward": code},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]],
                },
            }
            for x, code in [(0, "OAK-1"), (1, "OAK-2")]
        ],
    }
)
BAD = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"district": "OAK-1"},
                "geometry": {"type": "Point", "coordinates": [-122.3, 37.8]},
            }
        ],
    }
)


@pytest.fixture
def council(app, login):
    """Oakland's council directory (94612 in wards 1 and 2, 94610 in ward 2) used by a letter
    of Local 7; an organizer and a viewer; the organizer logged in."""
    with app.app_context():
        letter = make_council_letter(write_to_all=True)
        org = letter.campaign.organization
        make_user(org, Role.organizer, email="org@example.org")
        make_user(org, Role.viewer, email="viewer@example.org")
        settings_directory = db.session.scalar(
            select(PostcodeDistrict.directory_id).where(PostcodeDistrict.postcode == "94612")
        )
        # A ward the boundaries leave out.
        db.session.add(
            PostcodeDistrict(directory_id=settings_directory, postcode="94601", district="OAK-9")
        )
        db.session.commit()
        info = {
            "org": org.slug,
            "letter": letter.id,
            "directory": settings_directory,
            "prefix": f"/organize/{org.slug}",
        }
    login("org@example.org")
    info["boundaries"] = f"{info['prefix']}/directories/{info['directory']}/boundaries"
    info["sources"] = f"{info['prefix']}/actions/{info['letter']}/sources"
    return info


def sign_from(app, letter_id: int, postcodes: list[str]) -> None:
    from campaigns.models import Action

    with app.app_context():
        letter = db.session.get(Action, letter_id)
        for n, postcode in enumerate(postcodes):
            sign(
                letter,
                Signer(first_name="A", last_name="B", email=f"m{n}@example.org", postcode=postcode),
            )


def upload(client, csrf, url: str, text: str | bytes, key: str = ""):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        url,
        data={
            "key_property": key,
            "file": (io.BytesIO(data), "wards.geojson"),
            "csrf_token": csrf(url),
        },
        content_type="multipart/form-data",
    )


def stored(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(DistrictMap.directory_id, DistrictMap.key_property, DistrictMap.digest)
        ).all()


def audit_kinds(app) -> list[tuple[str, dict]]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.kind.like("boundaries_%")).order_by(AuditEvent.id)
        )
        return [(e.kind, e.details) for e in events]


def paths(html: str) -> dict[str, tuple[int, int, str]]:
    """district: (shade, count, title) for each path of the page."""
    return {d: (int(q), int(n), title) for q, d, n, title in PATH.findall(html)}


@pytest.mark.both_databases
def test_sources_page_shades_each_district_by_its_signatures(app, client, csrf, council):
    """One path per district, shaded by class; a legend; districts without a shape listed."""
    assert upload(client, csrf, council["boundaries"], FIXTURE.read_text()).status_code == 302
    sign_from(app, council["letter"], ["94612"] * 3 + ["94610"] * 2 + ["10001", "94601"])
    html = client.get(council["sources"]).get_data(as_text=True)
    # OAK-1 has 3 (94612), OAK-2 has 5 (94612 and 94610); 3 and 4 none. Two classes above
    # zero, spread to the lightest and darkest blue.
    assert paths(html) == {
        "OAK-1": (1, 3, "District OAK-1: 3 signatures"),
        "OAK-2": (5, 5, "District OAK-2: 5 signatures"),
        "OAK-3": (0, 0, "District OAK-3: 0 signatures"),
        "OAK-4": (0, 0, "District OAK-4: 0 signatures"),
    }
    assert html.count("<path ") == 4
    svg = re.search(r'<svg id="(map-\d+)" viewBox="0 0 (\d+) (\d+)" role="img"', html)
    assert svg and svg.group(3) == "400"
    map_id = svg.group(1)
    assert f'aria-labelledby="{map_id}-title {map_id}-desc"' in html
    assert f'<title id="{map_id}-title">Districts (Oakland council): map</title>' in html
    assert "The table beside the map has the same numbers." in html
    legend = re.findall(r'<li data-shade="(\d)">.*?</svg>([^<]+)</li>', html)
    assert legend == [("0", "0"), ("1", "1–3"), ("5", "4–5")]
    assert re.search(r"Not on the map \(no boundary for these districts\):\s+OAK-9 \(1\)\.", html)
    # Beside the table that has the same numbers.
    assert re.search(r'<div class="with-map">\s*<section class="breakdown"', html)
    assert 'data-value="5"' in html


def test_an_action_without_boundaries_has_no_map(app, client, council):
    """Without boundaries the district table stands alone, as before."""
    sign_from(app, council["letter"], ["94612"])
    html = client.get(council["sources"]).get_data(as_text=True)
    assert "Districts (Oakland council)" in html
    assert "<path" not in html and "with-map" not in html


def test_classes_are_quantiles_of_the_counts_above_zero():
    """Five classes of about a fifth of the districts each; repeated bounds merge."""
    assert district_maps.breaks(range(0, 11)) == [2, 4, 6, 8, 10]
    assert district_maps.breaks([1, 1, 1, 1, 1000]) == [1, 1000]
    assert district_maps.breaks([7, 7, 7]) == [7]
    assert district_maps.breaks([0, 0]) == []
    assert district_maps.shades_for(5) == [1, 2, 3, 4, 5]
    assert district_maps.shades_for(2) == [1, 5]
    assert district_maps.shades_for(1) == [3]


def test_shading_a_map_with_many_districts():
    """Each district's shade is the class its count falls in; the legend covers 1 to the top."""
    shapes = district_maps.Shapes(10, 10, tuple((f"D{i}", "M0,0L1,0L1,1Z") for i in range(11)))
    counts = Counter({f"D{i}": i for i in range(11)})
    shaded = district_maps.shade(shapes, counts, 1, "Districts")
    assert [a.shade for a in shaded.areas] == [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert [s.label for s in shaded.legend] == ["0", "1–2", "3–4", "5–6", "7–8", "9–10"]
    assert shaded.areas[1].title == "District D1: 1 signature"


@pytest.mark.both_databases
def test_organizer_uploads_replaces_and_removes_boundaries(app, client, csrf, council):
    """Upload, replace wholesale, remove: each through the page with its CSRF token, audited."""
    page = client.get(council["boundaries"]).get_data(as_text=True)
    assert "No boundaries yet" in page
    resp = upload(client, csrf, council["boundaries"], FIXTURE.read_text())
    assert resp.status_code == 302
    page = client.get(council["boundaries"]).get_data(as_text=True)
    assert "Boundaries saved: 4 districts from the &#34;district&#34; property" in page
    assert 'data-stat="districts">4<' in page and 'data-stat="matched">2<' in page
    text = " ".join(page.split())
    assert "On the map but not in the directory's postcodes (2): OAK-3, OAK-4" in text
    assert "In the directory's postcodes but not on the map (1): OAK-9" in text
    assert page.count("<path ") == 4
    # A preview of the shapes, unshaded: no legend of signatures on this page.
    assert 'class="q0"' in page and "Signatures per district" not in page
    directory_page = council["boundaries"].removesuffix("/boundaries")
    assert f'href="{council["boundaries"]}"' in client.get(directory_page).get_data(as_text=True)
    first = stored(app)
    assert [(d, k) for d, k, _ in first] == [(council["directory"], "district")]

    # A new file replaces the old one, named property and all.
    assert upload(client, csrf, council["boundaries"], TWO_WARDS, key="ward").status_code == 302
    second = stored(app)
    assert [(d, k) for d, k, _ in second] == [(council["directory"], "ward")]
    assert second[0][2] != first[0][2]
    page = client.get(council["boundaries"]).get_data(as_text=True)
    assert page.count("<path ") == 2

    url = f"{council['boundaries']}/delete"
    assert client.post(url, data={"csrf_token": csrf(council["boundaries"])}).status_code == 302
    assert stored(app) == []
    assert "<path" not in client.get(council["sources"]).get_data(as_text=True)
    assert [(kind, details.get("districts")) for kind, details in audit_kinds(app)] == [
        ("boundaries_uploaded", 4),
        ("boundaries_uploaded", 2),
        ("boundaries_deleted", 2),
    ]
    assert [details.get("replaced") for _, details in audit_kinds(app)[:2]] == [False, True]


def test_an_invalid_upload_changes_nothing(app, client, csrf, council):
    """A bad file is refused with its feature named, and the boundaries before stay."""
    upload(client, csrf, council["boundaries"], FIXTURE.read_text())
    before = stored(app)
    resp = upload(client, csrf, council["boundaries"], BAD)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "nothing was saved: 1 error" in html
    assert "feature 1 (district &#34;OAK-1&#34;): the geometry is Point" in html
    assert stored(app) == before
    assert len(audit_kinds(app)) == 1
    # Not JSON at all, and no file: the same.
    assert "not JSON" in upload(client, csrf, council["boundaries"], "oops").get_data(as_text=True)
    resp = client.post(council["boundaries"], data={"csrf_token": csrf(council["boundaries"])})
    assert resp.status_code == 422 and "Choose a GeoJSON file to upload." in resp.get_data(
        as_text=True
    )
    assert stored(app) == before


def test_uploads_and_removal_need_the_csrf_token(app, client, csrf, council):
    """A post from another site (no token) is refused and changes nothing."""
    upload(client, csrf, council["boundaries"], FIXTURE.read_text())
    before = stored(app)
    resp = client.post(
        council["boundaries"],
        data={"file": (io.BytesIO(TWO_WARDS.encode()), "wards.geojson"), "key_property": "ward"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    assert client.post(f"{council['boundaries']}/delete").status_code == 400
    assert stored(app) == before


def test_viewer_sees_the_map_but_cannot_upload(app, client, csrf, login, council):
    """Viewers read the sources page, map included; the boundaries pages are not theirs."""
    upload(client, csrf, council["boundaries"], FIXTURE.read_text())
    client.post("/organize/logout", data={"csrf_token": csrf(council["sources"])})
    login("viewer@example.org")
    html = client.get(council["sources"]).get_data(as_text=True)
    assert len(paths(html)) == 4
    assert client.get(council["boundaries"]).status_code == 403
    token = csrf(council["sources"])
    resp = client.post(
        council["boundaries"],
        data={"file": (io.BytesIO(TWO_WARDS.encode()), "w.geojson"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 403
    resp = client.post(f"{council['boundaries']}/delete", data={"csrf_token": token})
    assert resp.status_code == 403
    assert len(stored(app)) == 1


def grid(n: int) -> str:
    """n districts in rows of 25 small squares, each a ring of 40 points (a wiggly edge)."""
    features = []
    for i in range(n):
        x, y = (i % 25) * 0.1, (i // 25) * 0.1
        edge = [[x + 0.1 * k / 10, y + (0.002 if k % 2 else 0)] for k in range(10)]
        edge += [[x + 0.1, y + 0.1 * k / 10] for k in range(10)]
        edge += [[x + 0.1 - 0.1 * k / 10, y + 0.1] for k in range(10)]
        edge += [[x, y + 0.1 - 0.1 * k / 10] for k in range(10)]
        features.append(
            {
                "type": "Feature",
                "properties": {"district": f"D-{i}"},
                "geometry": {"type": "Polygon", "coordinates": [edge + [edge[0]]]},
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features})


def test_a_500_district_map_draws_from_memory(app, client, csrf, council):
    """The shapes are read from the database once per upload per process and a page draws
    all 500 districts (how fast is bench/read.py's to say, not a test's)."""
    assert upload(client, csrf, council["boundaries"], grid(500)).status_code == 302
    with app.app_context():
        first = district_maps.shapes_of([council["directory"]])[council["directory"]]
        again = district_maps.shapes_of([council["directory"]])[council["directory"]]
        assert again is first and len(first.shapes) == 500
        counts = Counter({f"D-{i}": i for i in range(500)})
        shaded = district_maps.shade(first, counts, council["directory"], "Districts")
        assert sorted(Counter(a.shade for a in shaded.areas).items()) == [
            (0, 1),
            (1, 100),
            (2, 100),
            (3, 100),
            (4, 100),
            (5, 99),
        ]
    html = client.get(council["sources"]).get_data(as_text=True)
    assert html.count("<path ") == 500
    # A new upload is a new digest: the next page reads the new shapes.
    assert upload(client, csrf, council["boundaries"], FIXTURE.read_text()).status_code == 302
    assert client.get(council["sources"]).get_data(as_text=True).count("<path ") == 4
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DistrictMap)) == 1
