"""Load the reference geography (régions, départements, communes, EPCI) and create territories from it.

The data comes from Etalab's *découpage administratif* (npm package ``@etalab/decoupage-administratif``): by default
the trimmed extract shipped in ``territories/data/geography.json.gz`` (see the README there), or, with ``source``, an
unpacked copy of the package (its folder or its ``data/`` folder) or another extract file.

Loading is an upsert keyed on the INSEE / SIREN codes: rows missing from the database are created, rows whose values
differ are updated, identical rows are left alone, so a second run writes nothing. Nothing is ever deleted: communes
are referenced (PROTECT) by markets and placements, so a commune that disappeared from the data (a merger) stays and is
only counted as obsolete.
"""

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from territories.data.build_extract import build as build_extract_from_package
from territories.models import DEPARTMENT_CODE_REGEX, EPCI, Commune, Department, Region, Territory

EXTRACT_PATH = Path(__file__).resolve().parent / "data" / "geography.json.gz"
BATCH_SIZE = 2000

_department_code_re = re.compile(DEPARTMENT_CODE_REGEX)


@dataclass(frozen=True)
class ReferenceData:
    """The reference geography, restricted to the départements our models accept (DEPARTMENT_CODE_REGEX)."""

    version: str
    regions: dict  # code -> name
    departments: dict  # code -> (name, region code)
    communes: list  # (code, name, department code, population or None)
    epcis: list  # (siren, name, kind, [member commune codes])


def normalize_department_code(code):
    """``"2a"`` -> ``"2A"``, ``"1"`` / ``1`` -> ``"01"``; anything else is only stripped."""
    code = str(code).strip().upper()
    if len(code) == 1 and code.isdigit():
        code = code.zfill(2)
    return code


def read_reference_data(source=None):
    """Read the shipped extract, or ``source``: an extract file (``.json``/``.json.gz``) or the npm package folder."""
    path = Path(source) if source else EXTRACT_PATH
    if path.is_dir():
        raw = build_extract_from_package(path)
    elif path.is_file():
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            raw = json.load(f)
    else:
        raise ValueError(f"Source de données géographiques introuvable : {path}")

    # Overseas collectivities outside the model's département codes (984 TAAF, 986 Wallis-et-Futuna, 987 Polynésie,
    # 988 Nouvelle-Calédonie, 989 Clipperton) are left out: they cannot be a territory here.
    departments = {
        code: (name, region) for code, name, region in raw["departements"] if _department_code_re.match(code)
    }
    regions_used = {region for _name, region in departments.values()}
    return ReferenceData(
        version=raw.get("source", {}).get("version", ""),
        regions={code: name for code, name in raw["regions"] if code in regions_used},
        departments=departments,
        communes=[tuple(row) for row in raw["communes"] if row[2] in departments],
        epcis=[tuple(row) for row in raw["epci"]],
    )


def load_geography(departments=None, source=None):
    """Load all régions and départements, and the communes and EPCI of ``departments`` (all of them if ``None``).

    An EPCI is loaded when at least one of its member communes is; each loaded commune gets its EPCI from the data.
    Communes of other départements are not touched, so an EPCI spanning several départements keeps the members loaded
    by earlier runs. Returns the counts: rows in the data for the selection (``regions``, ``departments``,
    ``communes``, ``epcis``), and rows ``created``, ``updated``, ``unchanged``, plus ``obsolete_communes`` (in the
    database for these départements but no longer in the data; kept).
    Raises ``ValueError`` (French message) for a département code unknown to the data.
    """
    data = read_reference_data(source)
    if departments:
        selected = {normalize_department_code(code) for code in departments}
        unknown = sorted(selected - data.departments.keys())
        if unknown:
            raise ValueError(f"Département inconnu du référentiel géographique : {', '.join(unknown)}.")
    else:
        selected = set(data.departments)

    communes = [row for row in data.communes if row[2] in selected]
    commune_codes = {row[0] for row in communes}
    epci_of_commune = {}
    epcis = []
    for siren, name, kind, members in data.epcis:
        loaded_members = commune_codes.intersection(members)
        if loaded_members:
            epcis.append((siren, name, kind))
            epci_of_commune.update(dict.fromkeys(loaded_members, siren))

    stats = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        _upsert(
            Region,
            Region.objects.all(),
            {code: (name,) for code, name in data.regions.items()},
            ["name"],
            stats,
        )
        _upsert(
            Department,
            Department.objects.all(),
            {code: (name, region) for code, (name, region) in data.departments.items()},
            ["name", "region_id"],
            stats,
        )
        _upsert(EPCI, EPCI.objects.all(), {siren: (name, kind) for siren, name, kind in epcis}, ["name", "kind"], stats)
        existing_communes = (
            Commune.objects.all() if departments is None else Commune.objects.filter(department__in=selected)
        )
        obsolete = _upsert(
            Commune,
            existing_communes,
            {code: (name, dept, epci_of_commune.get(code), pop) for code, name, dept, pop in communes},
            ["name", "department_id", "epci_id", "population"],
            stats,
        )
    return {
        "regions": len(data.regions),
        "departments": len(data.departments),
        "communes": len(communes),
        "epcis": len(epcis),
        **stats,
        "obsolete_communes": len(obsolete),
        "version": data.version,
    }


def _upsert(model, existing_queryset, rows, attnames, stats):
    """Write ``rows`` ({pk: tuple of values for ``attnames``}) to ``model``: only missing or different rows.

    Returns the primary keys in ``existing_queryset`` that are absent from ``rows``.
    """
    pk_name = model._meta.pk.name
    existing = {row[0]: row[1:] for row in existing_queryset.values_list(pk_name, *attnames).iterator()}
    to_write = []
    for pk, values in rows.items():
        current = existing.get(pk)
        if current is None:
            stats["created"] += 1
        elif tuple(current) != tuple(values):
            stats["updated"] += 1
        else:
            stats["unchanged"] += 1
            continue
        to_write.append(model(**{pk_name: pk}, **dict(zip(attnames, values, strict=True))))
    if to_write:
        # An upsert rather than create + update: one statement per batch on both PostgreSQL and SQLite.
        model.objects.bulk_create(
            to_write,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=[pk_name],
            update_fields=[model._meta.get_field(attname).name for attname in attnames],
        )
    return existing.keys() - rows.keys()


def format_summary(counts):
    """The French one-line summary printed by ``manage.py load_geography``."""

    def n(value):
        return f"{value:,}".replace(",", " ")

    return (
        f"{n(counts['regions'])} régions, {n(counts['departments'])} départements, {n(counts['communes'])} communes, "
        f"{n(counts['epcis'])} EPCI chargés (enregistrements : {n(counts['created'])} créés, "
        f"{n(counts['updated'])} mis à jour, {n(counts['unchanged'])} inchangés)."
    )


def ensure_territory(code, source=None):
    """Return the territory (tenant) of département ``code``, creating it from the reference data if needed.

    The département's geography (communes, EPCI) is loaded first when it is not in the database yet. An existing
    territory keeps its name; a missing département or région link is filled in.
    Raises ``ValueError`` (French message) for a code unknown to the reference data.
    """
    code = normalize_department_code(code)
    if not _department_code_re.match(code):
        raise ValueError(f"Code de département inconnu : « {code} ».")
    if not Commune.objects.filter(department_id=code).exists():
        try:
            load_geography(departments=[code], source=source)
        except ValueError as exc:
            raise ValueError(f"Code de département inconnu : « {code} ».") from exc
    department = Department.objects.select_related("region").get(code=code)
    territory, created = Territory.objects.get_or_create(
        code=code, defaults={"name": department.name, "department": department, "region": department.region}
    )
    if not created and (territory.department_id is None or territory.region_id is None):
        territory.department = department
        territory.region = department.region
        territory.save(update_fields=["department", "region"])
    return territory
