"""``manage.py load_commune_outlines``: optional commune outlines for the coverage map (tiny synthetic GeoJSON of three
real Hérault communes)."""

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from territories.models import CommuneOutline
from territories.outlines import insee_code_of, outline_of, project, simplify
from tests.facilitators import coverage_fixtures
from tests.facilitators.coverage_fixtures import (
    AGDE,
    MONTPELLIER,
    SETE,
    herault_feature_collection,
    square,
)

pytestmark = pytest.mark.django_db

# Shared fixtures (module-scoped real geography of the Hérault, GeoJSON writer).
herault = coverage_fixtures.herault
outlines_file = coverage_fixtures.outlines_file

PATH_RE = re.compile(r"^(M-?\d+(\.\d)?,-?\d+(\.\d)?L(-?\d+(\.\d)?,-?\d+(\.\d)? ?)+Z)+$")


def load(path, *args):
    out = StringIO()
    call_command("load_commune_outlines", str(path), *args, stdout=out)
    return out.getvalue()


def test_loads_the_outlines_of_known_communes(herault, outlines_file):
    output = load(outlines_file())

    assert "3 entité(s) lue(s) : 3 contour(s) créé(s), 0 mis à jour, 0 inchangé(s)" in output
    outlines = {outline.commune_id: outline for outline in CommuneOutline.objects.all()}
    assert set(outlines) == {MONTPELLIER, SETE, AGDE}
    for outline in outlines.values():
        assert PATH_RE.match(outline.path), outline.path
        assert outline.min_x < outline.max_x and outline.min_y < outline.max_y
    # Sète is a MultiPolygon (two rings), Agde a polygon with a hole (two rings), Montpellier one ring.
    assert outlines[SETE].path.count("M") == 2
    assert outlines[AGDE].path.count("M") == 2
    assert outlines[MONTPELLIER].path.count("M") == 1
    # Projected west to east and north to south: Montpellier is east and north of Agde.
    assert outlines[MONTPELLIER].min_x > outlines[AGDE].max_x
    assert outlines[MONTPELLIER].max_y < outlines[AGDE].min_y


def test_second_run_writes_nothing(herault, outlines_file):
    path = outlines_file()
    load(path)
    stamps = dict(CommuneOutline.objects.values_list("commune_id", "updated_at"))

    output = load(path)

    assert "0 contour(s) créé(s), 0 mis à jour, 3 inchangé(s) (0 enregistrés)" in output
    assert dict(CommuneOutline.objects.values_list("commune_id", "updated_at")) == stamps


def test_a_changed_outline_is_updated(herault, outlines_file):
    load(outlines_file())
    data = herault_feature_collection()
    data["features"][0]["geometry"]["coordinates"] = [square(3.88, 43.62)]
    output = load(outlines_file(data))
    assert "0 contour(s) créé(s), 1 mis à jour, 2 inchangé(s)" in output


def test_unknown_codes_and_bad_features_are_reported_not_loaded(herault, outlines_file):
    extra = [
        {"type": "Feature", "properties": {"code": "81004"}, "geometry": {"type": "Polygon", "coordinates": []}},
        {
            "type": "Feature",
            "properties": {"code": "99999"},
            "geometry": {"type": "Polygon", "coordinates": [square(2.0, 45.0)]},
        },
        {"type": "Feature", "properties": {"nom": "Sans code"}, "geometry": None},
        {"type": "Feature", "properties": {"code": "34999"}, "geometry": {"type": "Point", "coordinates": [3, 43]}},
        {"type": "Feature", "properties": {"code": "34998"}, "geometry": {"type": "Polygon", "coordinates": [["x"]]}},
        "not a feature",
    ]
    output = load(outlines_file(herault_feature_collection(extra)))

    assert "9 entité(s) lue(s) : 3 contour(s) créé(s)" in output
    assert "1 code(s) INSEE inconnu(s) du référentiel, ignoré(s) : 99999." in output
    assert "2 entité(s) sans code INSEE" in output
    assert "3 entité(s) sans polygone exploitable, ignorée(s) : 81004, 34999, 34998." in output
    assert CommuneOutline.objects.count() == 3


def test_dry_run_writes_nothing(herault, outlines_file):
    output = load(outlines_file(), "--dry-run")
    assert "3 contour(s) créé(s)" in output
    assert "rien n'a été enregistré" in output
    assert not CommuneOutline.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "n'est pas du JSON valide"),
        (json.dumps({"type": "Feature"}), "FeatureCollection"),
        (json.dumps([1, 2]), "FeatureCollection"),
    ],
)
def test_a_file_that_is_not_a_feature_collection_is_refused(tmp_path, content, message):
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        load(path)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="Fichier illisible"):
        load(tmp_path / "absent.geojson")


@pytest.mark.parametrize(
    ("properties", "code"),
    [
        ({"code": "34172"}, "34172"),
        ({"INSEE_COM": "34172"}, "34172"),
        ({"insee": 34172}, "34172"),
        ({"CODE_INSEE": "2a004"}, "2A004"),
        ({"code": 1001}, "01001"),
        ({"nom": "Montpellier"}, None),
        (None, None),
    ],
)
def test_insee_code_properties(properties, code):
    assert insee_code_of(properties) == code


def test_simplification_drops_points_on_straight_lines_and_keeps_corners():
    ring = square(3.87, 43.61, steps=25)  # 100 points, 4 corners
    outline = outline_of({"type": "Polygon", "coordinates": [ring]})
    points = outline.path.strip("MZ").replace("L", " ").split()
    assert len(points) == 4
    unsimplified = outline_of({"type": "Polygon", "coordinates": [ring]}, tolerance=0)
    assert len(unsimplified.path.strip("MZ").replace("L", " ").split()) == 100


def test_simplify_keeps_a_point_farther_than_the_tolerance():
    assert simplify([(0, 0), (5, 2), (10, 0)], tolerance=1) == [(0, 0), (5, 2), (10, 0)]
    assert simplify([(0, 0), (5, 0.5), (10, 0)], tolerance=1) == [(0, 0), (10, 0)]


def test_a_tiny_commune_keeps_its_shape():
    outline = outline_of({"type": "Polygon", "coordinates": [square(3.0, 43.0, half=0.0004, steps=1)]})
    assert outline is not None
    assert outline.path.count("M") == 1


def test_projection_is_mercator_north_up():
    x1, y1 = project(3.0, 43.0)
    x2, y2 = project(4.0, 44.0)
    assert x2 - x1 == pytest.approx(1000)
    assert y2 < y1  # north is up in SVG
    assert (y1 - y2) == pytest.approx(1000 / 0.7254, rel=0.02)  # 1° of latitude stretched by 1/cos(43.5°)
