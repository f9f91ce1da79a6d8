"""Shared fixtures of the coverage, map and directory tests: the real Hérault geography and a tiny GeoJSON file.

Import the fixtures into a test module (``from tests.facilitators.coverage_fixtures import herault``).
"""

import json

import pytest
from django.db import transaction

from facilitators.models import CoverageArea
from territories.geography import ensure_territory, load_geography

MONTPELLIER = "34172"
SETE = "34301"
AGDE = "34003"
BEZIERS = "34032"
MONTPELLIER_METROPOLE = "243400017"  # 31 communes, all in the Hérault
SETE_AGGLOPOLE = "200066355"  # 14 communes
HAUT_LANGUEDOC = "200066553"  # 6 communes in the Hérault, 14 in the Tarn (81)
HERAULT_COMMUNES = 341


@pytest.fixture(scope="module")
def herault(django_db_setup, django_db_blocker):
    """The real communes and EPCI of the Hérault (Etalab extract) and territory 34, once per module, rolled back at
    its end; each test still runs in its own savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_geography(departments=["34"])
        yield ensure_territory("34")
        transaction.set_rollback(True)


def assign(organisation, *, commune=None, epci=None):
    return CoverageArea.objects.create(
        territory_id=organisation.territory_id, organisation=organisation, commune_id=commune, epci_id=epci
    )


def square(lon, lat, half=0.02, steps=10):
    """A closed ring around (lon, lat), with ``steps`` points per side (for simplification to remove)."""
    ring = []
    corners = [(lon - half, lat - half), (lon + half, lat - half), (lon + half, lat + half), (lon - half, lat + half)]
    for (x1, y1), (x2, y2) in zip(corners, corners[1:] + corners[:1], strict=True):
        for step in range(steps):
            t = step / steps
            ring.append([round(x1 + (x2 - x1) * t, 6), round(y1 + (y2 - y1) * t, 6)])
    ring.append(ring[0])
    return ring


def herault_feature_collection(extra_features=()):
    """Three real Hérault communes as rough squares at their real places, in lon/lat."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": MONTPELLIER, "nom": "Montpellier"},
                "geometry": {"type": "Polygon", "coordinates": [square(3.87, 43.61)]},
            },
            {
                "type": "Feature",
                "properties": {"INSEE_COM": SETE, "NOM": "Sète"},
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [[square(3.69, 43.40)], [square(3.62, 43.38, half=0.005)]],
                },
            },
            {
                "type": "Feature",
                "properties": {"insee": AGDE},
                "geometry": {"type": "Polygon", "coordinates": [square(3.47, 43.31), square(3.47, 43.31, half=0.005)]},
            },
            *extra_features,
        ],
    }


@pytest.fixture
def outlines_file(tmp_path):
    def write(data=None):
        path = tmp_path / "communes.geojson"
        path.write_text(json.dumps(data or herault_feature_collection()), encoding="utf-8")
        return path

    return write
