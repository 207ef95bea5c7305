"""Reading a GeoJSON file of district boundaries: what is refused and why, and how what is
kept is projected and simplified (services.boundaries; no database needed)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from campaigns.directories import boundaries, drawing
from campaigns.directories.boundaries import BoundaryErrors

FIXTURE = Path(__file__).parent.parent / "data" / "oakland-wards.geojson"


def square(lon: float = -1, lat: float = -1, size: float = 2) -> list:
    return [
        [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    ]


def feature(code="A", geometry=None, key="district", **extra) -> dict:
    geometry = geometry or {"type": "Polygon", "coordinates": square()}
    return {"type": "Feature", "properties": {key: code}, "geometry": geometry, **extra}


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def errors_of(data: bytes, key: str | None = None) -> list[str]:
    with pytest.raises(BoundaryErrors) as caught:
        boundaries.read(data, key)
    return caught.value.errors


def test_the_fixture_reads_with_a_path_per_district():
    """The test wards: three polygons (one with a hole) and a multipolygon, keyed "district"."""
    result = boundaries.read(FIXTURE.read_bytes())
    assert result.key == "district"
    assert [code for code, _ in result.shapes] == ["OAK-1", "OAK-2", "OAK-3", "OAK-4"]
    paths = dict(result.shapes)
    assert paths["OAK-2"].count("M") == 2  # the outer ring and the hole ward 4 fills
    assert paths["OAK-3"].count("M") == 2  # the mainland and the island
    assert paths["OAK-1"].count("M") == 1
    assert max(result.width, result.height) == 400
    assert result.source_points == 30


def test_a_known_square_fills_the_viewbox():
    """A 2°×2° square on the equator becomes the 400×400 square of the viewBox, north up."""
    result = boundaries.read(collection(feature("SQ")))
    assert (result.width, result.height) == (400, 400)
    assert result.shapes == [("SQ", "M0,400L400,400L400,0L0,0Z")]


def test_mercator_stretches_north_south_away_from_the_equator():
    """At 60°N a degree of latitude is about twice as tall as a degree of longitude is wide."""
    result = boundaries.read(
        collection(feature("N", {"type": "Polygon", "coordinates": square(0, 59.5, 1)}))
    )
    assert result.height == 400
    assert result.width == pytest.approx(400 * math.cos(math.radians(60)), abs=2)


def test_wide_shapes_are_fitted_to_the_width():
    """A strip four times wider than tall takes the full 600 pixels and a quarter of that high."""
    strip = [[[0, 0], [8, 0], [8, 2], [0, 2], [0, 0]]]
    result = boundaries.read(collection(feature("W", {"type": "Polygon", "coordinates": strip})))
    assert result.width == 600
    assert result.height == pytest.approx(150, abs=1)


def test_shapes_across_the_180th_meridian_are_drawn_in_one_piece():
    """Islands either side of the date line sit side by side, not at the map's two ends."""
    east = {"type": "Polygon", "coordinates": square(178, 51, 1)}
    west = {"type": "Polygon", "coordinates": square(-180, 51, 1)}
    result = boundaries.read(collection(feature("E", east), feature("W", west)))
    # 3° wide (178 to 181), 1° of latitude tall at 51°N: far from a 360° world.
    assert result.width == 600
    assert 100 < result.height < 400


def circle(n: int, radius: float = 1.0) -> list:
    ring = [
        [radius * math.cos(2 * math.pi * i / n), radius * math.sin(2 * math.pi * i / n)]
        for i in range(n)
    ]
    return [ring + [ring[0]]]


def test_simplification_drops_points_closer_than_half_a_pixel():
    """A 5,000-point circle keeps far fewer points, and still looks round (dozens remain)."""
    result = boundaries.read(
        collection(feature("C", {"type": "Polygon", "coordinates": circle(5000)}))
    )
    assert result.source_points == 5001
    assert 20 < result.points < 500
    # Every kept point is still on the circle: no point moved.
    words = result.shapes[0][1].strip("MZ").split("L")
    centre = 200
    for word in words:
        x, y = map(float, word.split(","))
        assert math.hypot(x - centre, y - centre) == pytest.approx(200, abs=0.2)


def test_each_ring_keeps_at_least_three_points():
    """A ring far smaller than a pixel, and a long sliver, keep three points each."""
    tiny = [[0.0, 0.0], [1e-7, 0.0], [1e-7, 1e-7], [0.0, 1e-7]]
    assert len(drawing.simplify_ring(tiny + [tiny[0]], 0.5)) >= 3
    sliver = [(float(i), 0.0) for i in range(100)] + [(99.0, 0.1), (0.0, 0.1)]
    kept = drawing.simplify_ring(sliver + [sliver[0]], 0.5)
    assert len(kept) == 3
    # In a whole map: a big square and an island too small to see.
    island = {"type": "Polygon", "coordinates": square(5, 5, 0.0001)}
    result = boundaries.read(collection(feature("BIG"), feature("DOT", island)))
    assert dict(result.shapes)["DOT"].count(",") >= 1
    assert result.points >= 4 + 3


def test_douglas_peucker_keeps_corners_and_drops_collinear_points():
    """Points on a straight edge go; the corners stay."""
    line = [(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (3.0, 0.0), (3.0, 3.0)]
    assert drawing.douglas_peucker(line, 0.5) == [(0.0, 0.0), (3.0, 0.0), (3.0, 3.0)]


# --- what is refused -----------------------------------------------------------------------


def test_not_json():
    assert errors_of(b'{"type": "FeatureCollection", ')[0].startswith("not JSON:")
    assert "line 1" in errors_of(b"{nope}")[0]
    assert errors_of(b"\xff\xfe\x00") == ["the file is not UTF-8 text"]
    assert errors_of(b"   ") == ["the file is empty"]


def test_nan_is_not_a_number_json_allows():
    data = collection(feature()).replace(b"-1, -1]", b"NaN, -1]", 1)
    assert errors_of(data)[0].startswith("not JSON")


def test_not_a_feature_collection():
    """A bare Feature or geometry is refused with what it is."""
    assert errors_of(json.dumps(feature()).encode()) == [
        "not a GeoJSON FeatureCollection (its \"type\" is 'Feature')"
    ]
    assert "no such type" in errors_of(b"[1, 2]")[0]
    assert errors_of(b'{"type": "FeatureCollection", "features": []}') == [
        "the FeatureCollection has no features"
    ]


def test_a_feature_without_polygon_geometry_is_named():
    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    errors = errors_of(
        collection(feature("A"), feature("B", line), feature("C", None) | {"geometry": None})
    )
    assert errors == [
        'feature 2 (district "B"): the geometry is LineString, not a Polygon or MultiPolygon',
        'feature 3 (district "C"): no geometry',
    ]


def test_missing_and_duplicate_district_codes_are_named():
    no_code = feature("A")
    no_code["properties"] = {"name": "Somewhere"}
    errors = errors_of(collection(feature("A"), feature("B"), feature("A"), no_code))
    assert errors == [
        'feature 3 (district "A"): district "A" is also feature 1',
        'feature 4: no "district" property (the district code)',
    ]
    assert errors_of(collection(feature(""), feature(True))) == [
        'feature 1: its "district" is empty',
        'feature 2: its "district" is not text or a whole number',
    ]
    assert "too long" in errors_of(collection(feature("X" * 33)))[0]


def test_no_property_found_asks_for_one():
    data = collection(feature("A", key="ward"))
    assert "name the property" in errors_of(data)[0]
    # Named in the form, it is used.
    assert boundaries.read(data, "ward").shapes[0][0] == "A"


def test_the_district_property_is_guessed_in_order():
    """district, then id (a property or the feature's own id), GEOID, name."""
    with_geoid = feature("0612", key="GEOID")
    with_geoid["properties"]["name"] = "California 12"
    result = boundaries.read(collection(with_geoid))
    assert (result.key, result.shapes[0][0]) == ("GEOID", "0612")
    # "name" is on every feature, "district" on one only: every feature has a code.
    partly = feature("A")
    partly["properties"]["name"] = "Ward A"
    named = feature("B", key="name")
    result = boundaries.read(collection(partly, named))
    assert (result.key, [c for c, _ in result.shapes]) == ("name", ["Ward A", "B"])
    by_id = feature("x", key="other", id=12)
    result = boundaries.read(collection(by_id))
    assert (result.key, result.shapes[0][0]) == ("id", "12")


def test_coordinates_must_be_numbers_in_range():
    bad_lon = {"type": "Polygon", "coordinates": [[[0, 0], [190, 0], [1, 1], [0, 0]]]}
    bad_lat = {
        "type": "MultiPolygon",
        "coordinates": [square(), [[[0, 0], [1, 0], [1, 95], [0, 0]]]],
    }
    text = {"type": "Polygon", "coordinates": [[[0, 0], ["1", 0], [1, 1], [0, 0]]]}
    short = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}
    errors = errors_of(
        collection(
            feature("LON", bad_lon),
            feature("LAT", bad_lat),
            feature("TXT", text),
            feature("SHORT", short),
        )
    )
    assert errors == [
        'feature 1 (district "LON"), ring 1, point 2: longitude 190 is not between -180 and 180',
        'feature 2 (district "LAT"), polygon 2, ring 1, point 3: '
        "latitude 95 is not between -90 and 90",
        'feature 3 (district "TXT"), ring 1, point 2: not a pair of numbers [longitude, latitude]',
        'feature 4 (district "SHORT"), ring 1: 3 positions; a ring needs at least 4',
    ]


def test_too_large_files_are_refused():
    """Over 5 MB, or over 250,000 points, the file is refused before it is drawn."""
    assert "larger than 5 MB" in errors_of(b" " * (boundaries.MAX_BYTES + 1))[0]
    ring = [[0, 0], [1, 0], [1, 1], [0, 1]] * 62_500 + [[0, 0]]
    big = {"type": "Polygon", "coordinates": [ring]}
    data = collection(feature("A"), feature("B", big))
    assert len(data) < boundaries.MAX_BYTES
    assert errors_of(data) == [
        'too many points: more than 250,000 by feature 2 (district "B"); simplify the file '
        "first (for example with mapshaper's -simplify)"
    ]


def test_errors_stop_at_fifty():
    data = collection(
        *[feature(f"D{i}", {"type": "Point", "coordinates": [0, 0]}) for i in range(80)]
    )
    with pytest.raises(BoundaryErrors) as caught:
        boundaries.read(data)
    assert len(caught.value.errors) == 50 and caught.value.truncated
    assert "only the first 50" in str(caught.value)


def test_nesting_past_the_parser_is_refused_with_a_reason():
    deep = b'{"type": "FeatureCollection", "features": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert errors_of(deep) == ["not GeoJSON: its lists are nested far too deeply"]
