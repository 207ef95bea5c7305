"""Drawing checked boundaries as SVG paths: projection, simplification, path strings.

- **Projection**: Web Mercator (as web maps use), north up, fitted into a `WIDTH` x `HEIGHT`
  viewBox with the aspect ratio kept; the viewBox is cut to the shapes' own bounds. A set
  of boundaries straddling the 180th meridian (the Aleutians) is drawn in one piece.
- **Simplification**: Douglas-Peucker on each ring at `TOLERANCE` pixels of that viewBox, so
  nothing visible is lost; each ring keeps at least three points (a tiny island stays a
  speck rather than vanishing). Coordinates are written to a tenth of a pixel.
- Holes (inner rings) are drawn with the even-odd fill rule, whatever their winding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 600, 400
TOLERANCE = 0.5
# Web Mercator's limit: the square world map.
MAX_LATITUDE = 85.05112878

Point = tuple[float, float]
Ring = list[Point]
# A district's code and its polygons, each a list of rings (the first the outer one).
Feature = tuple[str, list[list[Ring]]]


class BoundaryErrors(Exception):
    """The file was not saved; `errors` says where and why."""

    def __init__(self, errors: list[str], truncated: bool = False):
        self.errors = errors
        self.truncated = truncated
        more = f" (only the first {len(errors)} are listed)" if truncated else ""
        noun = "error" if len(errors) == 1 else "errors"
        super().__init__(f"nothing was saved: {len(errors)} {noun}{more}")


@dataclass
class Boundaries:
    """The file ready to store: `shapes` is `[(district, path d), …]` in the file's order."""

    key: str
    width: int
    height: int
    shapes: list[tuple[str, str]]
    points: int
    source_points: int


def mercator(lon: float, lat: float) -> Point:
    """Web Mercator in radians, y growing southwards as SVG's does."""
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    return math.radians(lon), -math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _unwrap(features: list[Feature]) -> bool:
    """Whether to add 360° to western longitudes: when that makes the shapes narrower, as for
    a set crossing the 180th meridian (Alaska's Aleutians sit on both sides of it)."""
    lons = [
        lon for _, polygons in features for rings in polygons for ring in rings for lon, _ in ring
    ]
    plain = max(lons) - min(lons)
    if plain <= 180:
        return False
    shifted = [lon + 360 if lon < 0 else lon for lon in lons]
    return max(shifted) - min(shifted) < plain


def draw(features: list[Feature], key: str, source_points: int) -> Boundaries:
    unwrap = _unwrap(features)
    projected: list[tuple[str, list[Ring]]] = []
    for code, polygons in features:
        rings = []
        for polygon in polygons:
            for ring in polygon:
                rings.append(
                    [mercator(lon + 360 if unwrap and lon < 0 else lon, lat) for lon, lat in ring]
                )
        projected.append((code, rings))
    xs = [x for _, rings in projected for ring in rings for x, _ in ring]
    ys = [y for _, rings in projected for ring in rings for _, y in ring]
    left, top = min(xs), min(ys)
    dx, dy = max(xs) - left, max(ys) - top
    if dx <= 0 or dy <= 0:
        raise BoundaryErrors(["the boundaries cover no area (every point on one line)"])
    scale = min(WIDTH / dx, HEIGHT / dy)
    shapes: list[tuple[str, str]] = []
    kept = 0
    for code, rings in projected:
        parts = []
        for ring in rings:
            pixels = [((x - left) * scale, (y - top) * scale) for x, y in ring]
            simple = simplify_ring(pixels, TOLERANCE)
            kept += len(simple)
            parts.append(ring_path(simple))
        shapes.append((code, "".join(parts)))
    return Boundaries(
        key=key,
        # Up to the next pixel, so the tenth-of-a-pixel rounding stays inside.
        width=max(1, math.ceil(dx * scale - 1e-6)),
        height=max(1, math.ceil(dy * scale - 1e-6)),
        shapes=shapes,
        points=kept,
        source_points=source_points,
    )


def _number(value: float) -> str:
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def ring_path(ring: Ring) -> str:
    """`M x,y L x,y … Z`, dropping points that round onto the one before."""
    words: list[str] = []
    last = None
    for x, y in ring:
        pair = f"{_number(x)},{_number(y)}"
        if pair != last:
            words.append(pair)
            last = pair
    if len(words) > 1 and words[-1] == words[0]:
        words.pop()
    return "M" + "L".join(words) + "Z"


def _line_distance2(p: Point, a: Point, b: Point) -> float:
    """Squared distance from p to the line through a and b (to a itself if they coincide)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    norm = dx * dx + dy * dy
    if norm == 0:
        return (p[0] - a[0]) ** 2 + (p[1] - a[1]) ** 2
    cross = dx * (p[1] - a[1]) - dy * (p[0] - a[0])
    return cross * cross / norm


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    """Keep the ends and every point further than `tolerance` from the simplified line."""
    n = len(points)
    if n < 3:
        return list(points)
    keep = [False] * n
    keep[0] = keep[-1] = True
    limit = tolerance * tolerance
    stack = [(0, n - 1)]
    # A stack, not recursion: a ring of 100,000 points would exceed Python's limit.
    while stack:
        a, b = stack.pop()
        best, index = -1.0, -1
        for i in range(a + 1, b):
            d = _line_distance2(points[i], points[a], points[b])
            if d > best:
                best, index = d, i
        if index != -1 and best > limit:
            keep[index] = True
            stack.append((a, index))
            stack.append((index, b))
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_ring(ring: Ring, tolerance: float) -> Ring:
    """A closed ring simplified, without its closing point, keeping at least three points.

    Split at the point farthest from the first, so both ends of each half stay.
    """
    points = list(ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring)
    if len(points) <= 3:
        return points
    first = points[0]
    far = max(range(len(points)), key=lambda i: math.dist(points[i], first))
    if far == 0:
        return points[:3]  # every point in one place
    out = douglas_peucker(points[: far + 1], tolerance)
    back = douglas_peucker(points[far:] + [first], tolerance)
    result = out + back[1:-1]
    if len(result) < 3:
        # Narrower than the tolerance: keep the point widest from the first-to-far line.
        third = max(
            (i for i in range(len(points)) if i not in (0, far)),
            key=lambda i: _line_distance2(points[i], first, points[far]),
        )
        result = sorted({0: first, far: points[far], third: points[third]}.items())
        result = [p for _, p in result]
    return result
