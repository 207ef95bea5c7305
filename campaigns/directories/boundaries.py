"""Reading an organizer's GeoJSON file of district boundaries into SVG paths, once, on upload.

The file is checked whole before anything is kept: a FeatureCollection (RFC 7946) whose every
feature has a Polygon or MultiPolygon and a district code in one property, longitudes and
latitudes as numbers in range, no code twice. `BoundaryErrors` lists what is wrong, each
problem naming its feature ("feature 3 (district "CA-12"): …"), at most `MAX_ERRORS`.

Then `drawing` makes it ready to draw, once, so a page showing the map only formats strings.
"""

from __future__ import annotations

import json

from campaigns.directories.drawing import Boundaries, BoundaryErrors, Feature, Ring, draw

MAX_BYTES = 5 * 1024 * 1024
MAX_POINTS = 250_000
MAX_FEATURES = 5_000
MAX_ERRORS = 50
MAX_CODE = 32  # as PostcodeDistrict.district
# Tried in this order when the organizer names no property; "id" also matches a feature's
# own "id" member.
KEYS = ("district", "id", "GEOID", "name")


class _TooManyErrors(Exception):
    pass


class _Errors:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.truncated = False

    def add(self, message: str) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.truncated = True
            raise _TooManyErrors
        self.errors.append(message)

    def fail(self) -> BoundaryErrors:
        return BoundaryErrors(self.errors, self.truncated)


def read(data: bytes, key: str | None = None) -> Boundaries:
    """Check the file and turn it into paths; raises `BoundaryErrors` when anything is wrong."""
    features, key, source_points = parse(data, key)
    return draw(features, key, source_points)


# --- checking -------------------------------------------------------------------------------


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def parse(data: bytes, key: str | None = None) -> tuple[list[Feature], str, int]:
    """[(district, polygons)], the property used and the number of points, in lon/lat."""
    if len(data) > MAX_BYTES:
        raise BoundaryErrors(
            [
                f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB; simplify it first "
                "(for example with mapshaper's -simplify)"
            ]
        )
    if not data.strip():
        raise BoundaryErrors(["the file is empty"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BoundaryErrors(["the file is not UTF-8 text"]) from exc
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise BoundaryErrors(
            [f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]
        ) from exc
    except ValueError as exc:
        raise BoundaryErrors([f"not JSON: {exc}"]) from exc
    except RecursionError:
        # GeoJSON nests five levels at most (a MultiPolygon's positions); this is far deeper.
        raise BoundaryErrors(["not GeoJSON: its lists are nested far too deeply"]) from None

    kind = document.get("type") if isinstance(document, dict) else None
    if kind != "FeatureCollection":
        found = f'its "type" is {kind!r}' if isinstance(kind, str) else "it has no such type"
        raise BoundaryErrors([f"not a GeoJSON FeatureCollection ({found})"])
    features = document.get("features")
    if not isinstance(features, list):
        raise BoundaryErrors(['the FeatureCollection has no "features" list'])
    if not features:
        raise BoundaryErrors(["the FeatureCollection has no features"])
    if len(features) > MAX_FEATURES:
        raise BoundaryErrors(
            [f"too many features: {len(features):,} (at most {MAX_FEATURES:,} districts)"]
        )

    key = (key or "").strip() or _guess_key(features)
    if key is None:
        raise BoundaryErrors(
            [
                "no feature has a district property (tried "
                + ", ".join(KEYS)
                + "): name the property that holds the district code"
            ]
        )
    errors = _Errors()
    result: list[Feature] = []
    seen: dict[str, int] = {}
    points = 0
    try:
        for number, feature in enumerate(features, start=1):
            before = len(errors.errors)
            code = _code(errors, number, feature, key)
            label = f"feature {number}" + (f' (district "{code}")' if code else "")
            polygons, n = _geometry(errors, label, feature)
            points += n
            if points > MAX_POINTS:
                raise BoundaryErrors(
                    [
                        f"too many points: more than {MAX_POINTS:,} by {label}; simplify the "
                        "file first (for example with mapshaper's -simplify)"
                    ]
                )
            if code is not None:
                if code in seen:
                    errors.add(f'{label}: district "{code}" is also feature {seen[code]}')
                else:
                    seen[code] = number
            if len(errors.errors) == before and code is not None:
                result.append((code, polygons))
    except _TooManyErrors:
        pass
    if errors.errors:
        raise errors.fail()
    return result, key, points


def _guess_key(features: list) -> str | None:
    """The first of KEYS that every feature carries; failing that, the first any carries
    (the features without it are then named as errors)."""
    carried = dict.fromkeys(KEYS, 0)
    for feature in features:
        if not isinstance(feature, dict):
            continue
        for name in KEYS:
            if _value(feature, name) is not None:
                carried[name] += 1
    for name in KEYS:
        if carried[name] == len(features):
            return name
    return next((name for name in KEYS if carried[name]), None)


def _value(feature: dict, key: str):
    properties = feature.get("properties")
    if isinstance(properties, dict) and properties.get(key) is not None:
        return properties[key]
    if key == "id":
        return feature.get("id")
    return None


def _code(errors: _Errors, number: int, feature, key: str) -> str | None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        errors.add(f'feature {number}: not a GeoJSON Feature (no "type": "Feature")')
        return None
    value = _value(feature, key)
    if value is None:
        errors.add(f'feature {number}: no "{key}" property (the district code)')
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors.add(f'feature {number}: its "{key}" is not text or a whole number')
        return None
    code = str(value).strip()
    if not code:
        errors.add(f'feature {number}: its "{key}" is empty')
        return None
    if len(code) > MAX_CODE:
        errors.add(
            f'feature {number}: its "{key}" is too long ({len(code)} characters; '
            f"at most {MAX_CODE})"
        )
        return None
    return code


def _geometry(errors: _Errors, label: str, feature) -> tuple[list[list[Ring]], int]:
    """The feature's polygons (each a list of rings) and its number of points."""
    if not isinstance(feature, dict):
        return [], 0
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        errors.add(f"{label}: no geometry")
        return [], 0
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon":
        polygons = coordinates if isinstance(coordinates, list) else None
        if not polygons:
            errors.add(f"{label}: a MultiPolygon needs a list of polygons")
            return [], 0
    else:
        found = kind if isinstance(kind, str) else "no type"
        errors.add(f"{label}: the geometry is {found}, not a Polygon or MultiPolygon")
        return [], 0
    result: list[list[Ring]] = []
    points = 0
    for p, polygon in enumerate(polygons, start=1):
        where = f"{label}, polygon {p}" if kind == "MultiPolygon" else label
        if not isinstance(polygon, list) or not polygon:
            errors.add(f"{where}: a polygon needs a list of rings")
            continue
        rings: list[Ring] = []
        for r, ring in enumerate(polygon, start=1):
            ring_where = f"{where}, ring {r}"
            if not isinstance(ring, list) or len(ring) < 4:
                n = len(ring) if isinstance(ring, list) else 0
                errors.add(f"{ring_where}: {n} positions; a ring needs at least 4")
                continue
            points += len(ring)
            checked = _ring(errors, ring_where, ring)
            if checked is not None:
                rings.append(checked)
        result.append(rings)
    return result, points


def _ring(errors: _Errors, where: str, ring: list) -> Ring | None:
    result: Ring = []
    for i, position in enumerate(ring, start=1):
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2])
        ):
            errors.add(f"{where}, point {i}: not a pair of numbers [longitude, latitude]")
            return None
        lon, lat = float(position[0]), float(position[1])
        if not -180 <= lon <= 180:
            errors.add(f"{where}, point {i}: longitude {position[0]} is not between -180 and 180")
            return None
        if not -90 <= lat <= 90:
            errors.add(f"{where}, point {i}: latitude {position[1]} is not between -90 and 90")
            return None
        result.append((lon, lat))
    return result
