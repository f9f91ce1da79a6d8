"""Optional commune outlines for the coverage map: read a GeoJSON file, project, simplify, store as SVG path data.

No outline ships with the reference data (Etalab's *découpage administratif* has no geometry), so the coverage map
works from what an operator loads with ``manage.py load_commune_outlines PATH.geojson`` (e.g. a simplified export of
IGN's ADMIN EXPRESS). Without outlines, the coverage page falls back to a list.

Projection: Web Mercator (conformal, so shapes look right at any latitude, overseas included), scaled to
``UNITS_PER_DEGREE`` units per degree of longitude, with y pointing south as in SVG. Every commune shares it: a
département's map is its communes' paths, drawn as stored, in the view box of their bounding boxes. Coordinates are
rounded to 0.1 unit (about 8 m at the latitude of the Hérault); the Douglas-Peucker simplification drops the points
closer than ``DEFAULT_TOLERANCE`` units (about 80 m) to the simplified line, which keeps a département's map light
(a few hundred kilobytes) and still recognisable.
"""

import json
import math
from dataclasses import asdict, dataclass, field

from django.db import transaction

from .models import Commune, CommuneOutline

UNITS_PER_DEGREE = 1000.0
DEFAULT_TOLERANCE = 1.0
CODE_PROPERTIES = ("code", "insee", "INSEE_COM", "code_insee", "codgeo", "insee_code")
BATCH_SIZE = 500


def project(lon, lat):
    """(longitude, latitude) in degrees -> (x, y) in map units; y grows southwards."""
    lat = max(min(lat, 85.0), -85.0)
    y = math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))
    return lon * UNITS_PER_DEGREE, -y * UNITS_PER_DEGREE


def _distance_to_segment(point, start, end):
    (px, py), (ax, ay), (bx, by) = point, start, end
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def simplify(points, tolerance):
    """Douglas-Peucker (iterative): the points of ``points`` needed to stay within ``tolerance`` of the line."""
    if len(points) < 3 or tolerance <= 0:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, index = 0.0, None
        for i in range(first + 1, last):
            distance = _distance_to_segment(points[i], points[first], points[last])
            if distance > farthest:
                farthest, index = distance, i
        if index is not None and farthest > tolerance:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def _simplify_ring(ring, tolerance):
    """A closed ring (first point repeated or not) -> simplified open ring, or None when it vanishes."""
    points = [project(float(lon), float(lat)) for lon, lat, *_rest in ring]
    if len(points) > 1 and points[0] == points[-1]:
        points = points[:-1]
    if len(points) < 3:
        return None
    # Split the ring at its farthest point from the start so that Douglas-Peucker sees two open lines.
    start = points[0]
    far = max(range(len(points)), key=lambda i: (points[i][0] - start[0]) ** 2 + (points[i][1] - start[1]) ** 2)
    simplified = simplify(points[: far + 1], tolerance)[:-1] + simplify(points[far:] + [start], tolerance)[:-1]
    rounded = []
    for x, y in simplified:
        point = (round(x, 1), round(y, 1))
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    if len(rounded) > 1 and rounded[0] == rounded[-1]:
        rounded.pop()
    return rounded if len(rounded) >= 3 else None


def _polygons(geometry):
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    if kind == "GeometryCollection":
        return [polygon for part in geometry.get("geometries", []) for polygon in _polygons(part)]
    return []


def _number(value):
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Outline:
    path: str
    min_x: float
    min_y: float
    max_x: float
    max_y: float


def outline_of(geometry, tolerance=DEFAULT_TOLERANCE):
    """A GeoJSON (Multi)Polygon geometry -> ``Outline`` (SVG path data + bounding box), or None if nothing is left.

    Each ring becomes ``M x,y L x,y … Z``; holes are rings too (the map draws with ``fill-rule: evenodd``). A ring that
    simplification reduces below three points (a tiny islet) is dropped, unless the outer ring is all there is.
    """
    rings = []
    for polygon in _polygons(geometry):
        for position, ring in enumerate(polygon):
            simplified = _simplify_ring(ring, tolerance)
            if simplified is None and position == 0:
                # A commune smaller than the tolerance still gets its shape, unsimplified.
                simplified = _simplify_ring(ring, 0)
            if simplified is not None:
                rings.append(simplified)
    if not rings:
        return None
    xs = [x for ring in rings for x, _y in ring]
    ys = [y for ring in rings for _x, y in ring]
    path = "".join(
        "M"
        + f"{_number(ring[0][0])},{_number(ring[0][1])}"
        + "L"
        + " ".join(f"{_number(x)},{_number(y)}" for x, y in ring[1:])
        + "Z"
        for ring in rings
    )
    return Outline(path=path, min_x=min(xs), min_y=min(ys), max_x=max(xs), max_y=max(ys))


def insee_code_of(properties):
    """The INSEE code in a feature's properties (``code``, ``insee``, ``INSEE_COM``…; any case), or None."""
    if not isinstance(properties, dict):
        return None
    by_lower = {str(key).lower(): value for key, value in properties.items()}
    for name in CODE_PROPERTIES:
        value = by_lower.get(name.lower())
        if value is None or value == "":
            continue
        code = str(value).strip().upper()
        if code.isdigit() and len(code) == 4:  # "1001" for 01001 (codes read as numbers by a spreadsheet)
            code = code.zfill(5)
        return code
    return None


@dataclass
class OutlineReport:
    features: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unknown_codes: list = field(default_factory=list)  # INSEE codes absent from the reference geography
    without_code: int = 0  # features without an INSEE code property
    without_geometry: list = field(default_factory=list)  # codes whose geometry is missing or not a polygon
    duplicates: list = field(default_factory=list)  # codes seen more than once (the last one wins)

    @property
    def written(self):
        return self.created + self.updated


def read_feature_collection(path):
    """The features of a GeoJSON FeatureCollection file; ``ValueError`` (French message) for anything else."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise ValueError(f"Fichier illisible : {path} ({exc.strerror}).") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"Le fichier n'est pas du JSON valide : {path} (ligne {exc.lineno}).") from exc
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise ValueError("Le fichier doit être une FeatureCollection GeoJSON.")
    return data["features"]


def load_outlines(features, tolerance=DEFAULT_TOLERANCE, dry_run=False):
    """Store the outlines of ``features`` for the communes of the reference geography; returns an ``OutlineReport``.

    Idempotent: an outline identical to the stored one is not rewritten. Codes unknown to the reference geography
    (not loaded, or merged away) are reported and skipped; nothing is ever deleted.
    """
    report = OutlineReport(features=len(features))
    outlines = {}
    for feature in features:
        feature = feature if isinstance(feature, dict) else {}
        code = insee_code_of(feature.get("properties"))
        if code is None:
            report.without_code += 1
            continue
        try:
            outline = outline_of(feature.get("geometry"), tolerance)
        except (TypeError, ValueError, IndexError, KeyError):  # malformed coordinates: reported, never a crash
            outline = None
        if outline is None:
            report.without_geometry.append(code)
            continue
        if code in outlines:
            report.duplicates.append(code)
        outlines[code] = outline

    known = set(Commune.objects.filter(insee_code__in=outlines).values_list("insee_code", flat=True))
    report.unknown_codes = sorted(set(outlines) - known)
    existing = {
        row[0]: Outline(*row[1:])
        for row in CommuneOutline.objects.filter(commune_id__in=known).values_list(
            "commune_id", "path", "min_x", "min_y", "max_x", "max_y"
        )
    }
    to_write = []
    for code in sorted(known):
        outline = outlines[code]
        current = existing.get(code)
        if current == outline:
            report.unchanged += 1
            continue
        if current is None:
            report.created += 1
        else:
            report.updated += 1
        to_write.append(CommuneOutline(commune_id=code, **asdict(outline)))
    if to_write and not dry_run:
        with transaction.atomic():
            CommuneOutline.objects.bulk_create(
                to_write,
                batch_size=BATCH_SIZE,
                update_conflicts=True,
                unique_fields=["commune"],
                update_fields=["path", "min_x", "min_y", "max_x", "max_y", "updated_at"],
            )
    return report
