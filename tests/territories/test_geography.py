import gzip
import json

import pytest
from django.core.management import CommandError, call_command

from territories.geography import EXTRACT_PATH, ensure_territory, load_geography, read_reference_data
from territories.models import EPCI, Commune, Department, Region, Territory
from tests.territories.factories import CommuneFactory, TerritoryFactory

MONTPELLIER = "34172"
MONTPELLIER_METROPOLE = "243400017"
# Spans the Gard (30) and the Hérault (34).
CEVENNES_GANGEOISES = "243400736"


@pytest.fixture(scope="module")
def reference():
    return read_reference_data()


def dataset_communes(reference, *departments):
    return {code for code, _name, department, _pop in reference.communes if department in departments}


def dataset_members(reference, siren):
    return next(set(members) for code, _name, _kind, members in reference.epcis if code == siren)


def row_counts():
    return {model.__name__: model.objects.count() for model in (Region, Department, EPCI, Commune)}


def test_shipped_extract_is_small_and_complete():
    assert EXTRACT_PATH.stat().st_size < 2_000_000
    with gzip.open(EXTRACT_PATH, "rt", encoding="utf-8") as f:
        raw = json.load(f)
    assert raw["source"]["package"] == "@etalab/decoupage-administratif"
    assert len(raw["regions"]) == 26
    assert len(raw["departements"]) == 109
    assert len(raw["communes"]) > 34_000
    assert len(raw["epci"]) > 1_200


def test_herault_loads_with_its_epci(db, reference):
    call_command("load_geography", departments=["34"])

    herault = Department.objects.select_related("region").get(code="34")
    assert herault.name == "Hérault"
    assert herault.region.name == "Occitanie"
    loaded = set(Commune.objects.filter(department=herault).values_list("insee_code", flat=True))
    assert loaded == dataset_communes(reference, "34")
    # 2026 vintage: Lunas and Dio-et-Valquières merged into Lunas-les-Châteaux on 1 January 2026 (342 -> 341).
    assert len(loaded) == 341

    montpellier = Commune.objects.select_related("epci").get(insee_code=MONTPELLIER)
    assert montpellier.name == "Montpellier"
    assert montpellier.population > 250_000
    assert montpellier.epci.name == "Montpellier Méditerranée Métropole"
    assert montpellier.epci.siren == MONTPELLIER_METROPOLE
    assert montpellier.epci.kind == "METRO"
    members = set(montpellier.epci.communes.values_list("insee_code", flat=True))
    assert members == dataset_members(reference, MONTPELLIER_METROPOLE)
    assert len(members) == 31


def test_load_is_idempotent(db, capsys):
    first = load_geography(departments=["34", "95"])
    counts = row_counts()
    assert first["created"] == counts["Region"] + counts["Department"] + counts["EPCI"] + counts["Commune"]

    call_command("load_geography", departments=["34", "95"])
    output = capsys.readouterr().out
    assert "21 régions, 104 départements, 524 communes, 29 EPCI chargés" in output
    assert "0 créés, 0 mis à jour" in output

    second = load_geography(departments=["34", "95"])
    assert row_counts() == counts
    assert (second["created"], second["updated"]) == (0, 0)
    assert second["unchanged"] == first["created"]
    assert {k: v for k, v in second.items() if k not in {"created", "updated", "unchanged"}} == {
        k: v for k, v in first.items() if k not in {"created", "updated", "unchanged"}
    }


def test_departments_option_limits_communes_and_epci(db, reference):
    counts = load_geography(departments=["95"])

    communes = Commune.objects.all()
    assert set(communes.values_list("department", flat=True).distinct()) == {"95"}
    assert counts["communes"] == communes.count() == len(dataset_communes(reference, "95"))
    # Only the EPCI with at least one loaded member, and each EPCI only has loaded members.
    assert not EPCI.objects.filter(communes__isnull=True).exists()
    assert EPCI.objects.count() == counts["epcis"]
    # Régions and départements are always loaded in full (a small table every form may need).
    assert Department.objects.count() == 104
    assert not Commune.objects.filter(department="34").exists()


def test_epci_spanning_departments_keeps_members_of_each_load(db, reference):
    members = dataset_members(reference, CEVENNES_GANGEOISES)

    load_geography(departments=["34"])
    epci = EPCI.objects.get(siren=CEVENNES_GANGEOISES)
    assert set(epci.communes.values_list("insee_code", flat=True)) == members & dataset_communes(reference, "34")

    load_geography(departments=["30"])
    assert set(epci.communes.values_list("insee_code", flat=True)) == members
    assert set(epci.communes.values_list("department", flat=True).distinct()) == {"30", "34"}


def test_unknown_department_is_refused(db):
    with pytest.raises(CommandError, match="Département inconnu du référentiel géographique : 00"):
        call_command("load_geography", departments=["00"])
    with pytest.raises(ValueError, match="984"):  # Outside the codes a territory may have.
        load_geography(departments=["984"])
    assert not Region.objects.exists()


def test_department_codes_are_normalised(db):
    counts = load_geography(departments=["2a", "1"])
    assert set(Commune.objects.values_list("department", flat=True).distinct()) == {"2A", "01"}
    assert counts["communes"] == Commune.objects.count()


def make_package(tmp_path, communes, epci):
    """A minimal copy of the npm package layout: data/{regions,departements,communes,epci}.json."""
    data = tmp_path / "package" / "data"
    data.mkdir(parents=True)
    (tmp_path / "package" / "package.json").write_text('{"version": "0.0.1"}')
    files = {
        "regions": [{"code": "76", "nom": "Occitanie"}, {"code": "988", "nom": "Nouvelle-Calédonie"}],
        "departements": [
            {"code": "34", "nom": "Hérault", "region": "76"},
            {"code": "988", "nom": "Nouvelle-Calédonie", "region": "988"},
        ],
        "communes": communes,
        "epci": epci,
    }
    for name, content in files.items():
        (data / f"{name}.json").write_text(json.dumps(content), encoding="utf-8")
    return data


def commune(code, name, population=100, type="commune-actuelle"):
    return {"code": code, "nom": name, "departement": "34", "type": type, "population": population}


def test_source_reads_the_npm_package_and_updates_changes(db, tmp_path):
    communes = [
        commune("34001", "Abeilhan"),
        commune("34002", "Adissan"),
        commune("34003", "Agde ancienne", type="commune-deleguee"),
    ]
    epci = [{"code": "200000001", "nom": "CC Test", "type": "CC", "membres": [{"code": "34001"}, {"code": "34002"}]}]
    source = make_package(tmp_path, communes, epci)

    counts = load_geography(source=source)
    assert (counts["regions"], counts["departments"], counts["communes"], counts["epcis"]) == (1, 1, 2, 1)
    assert set(Commune.objects.values_list("insee_code", "epci")) == {("34001", "200000001"), ("34002", "200000001")}

    # A new vintage: a commune renamed and moved out of the EPCI, another one gone (a merger).
    (source / "communes.json").write_text(json.dumps([commune("34001", "Abeilhan-le-Neuf", 120)]))
    (source / "epci.json").write_text(json.dumps([{**epci[0], "membres": []}]))
    counts = load_geography(source=source.parent)
    assert counts["updated"] == 1
    assert counts["obsolete_communes"] == 1
    renamed = Commune.objects.get(insee_code="34001")
    assert (renamed.name, renamed.population, renamed.epci) == ("Abeilhan-le-Neuf", 120, None)
    # Communes are referenced by markets and placements: a vanished one is kept, not deleted.
    assert Commune.objects.filter(insee_code="34002").exists()


def test_missing_source_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        call_command("load_geography", source=str(tmp_path / "nowhere"))


def test_ensure_territory_creates_it_from_reference_data(db):
    territory = ensure_territory("34")

    assert territory.code == "34"
    assert territory.name == "Hérault"
    assert territory.department.name == "Hérault"
    assert territory.region.name == "Occitanie"
    assert Commune.objects.filter(department="34").count() == 341
    assert ensure_territory("34") == territory
    assert Territory.objects.count() == 1


def test_ensure_territory_completes_an_existing_territory(db):
    existing = TerritoryFactory(code="95", name="Coordination du Val-d'Oise", department=None, region=None)
    CommuneFactory(department__code="34")  # Another département with communes does not count.

    territory = ensure_territory("95")

    assert territory.pk == existing.pk
    assert territory.name == "Coordination du Val-d'Oise"
    assert (territory.department.name, territory.region.name) == ("Val-d'Oise", "Île-de-France")
    assert Commune.objects.filter(department="95").exists()


@pytest.mark.parametrize("code", ["00", "984", "AB", ""])
def test_ensure_territory_refuses_unknown_codes(db, code):
    with pytest.raises(ValueError, match="Code de département inconnu"):
        ensure_territory(code)
    assert not Territory.objects.exists()
