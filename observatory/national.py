"""The territory's yearly figures in a stable long format for the national consolidation (CSV and JSON).

One record per (territory code, year, indicator, dimension, modality): the key figures (dimension ``total``) and the
breakdowns of ``observatory.indicators`` (dimension = what the table splits by). Statistical confidentiality always
applies: a masked value is empty with ``masked`` true. Documented in ``docs/export_national.md``; any change of
columns, keys or meaning must bump ``FORMAT_VERSION``.
"""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from .indicators import DEFINITIONS, FIGURE_KEYS, Period, compute_indicators

FORMAT_NAME = "clauses-sociales/indicateurs-annuels"
FORMAT_VERSION = "1.1"  # 1.1: the numerator and denominator of every rate (``<rate>_numerator``…)
COLUMNS = [
    "format_version",
    "territory_code",
    "year",
    "indicator",
    "dimension",
    "modality_key",
    "modality_label",
    "value",
    "unit",
    "masked",
]
TOTAL = "total"
# Units in the file: the indicators' units, a count being « nombre ».
UNITS = {"h": "h", "%": "%", "ETP": "ETP", "mois": "mois", "": "nombre"}

# Breakdowns exported: table key → (dimension, {column key: indicator key in the file}). Per-buyer and per-company
# tables are not exported: their keys are local identifiers and they name organisations.
HOURS = {
    "hours_required": "hours_required",
    "hours_achieved": "hours_achieved",
    "completion_rate": "completion_rate",
    "participants": "participants",
}
PEOPLE = {
    "participants": "participants",
    "hours_achieved": "hours_achieved",
    "hours_per_participant": "hours_per_participant",
}
BREAKDOWNS = {
    "hours_by_month": ("month", HOURS),
    "hours_by_buyer_kind": ("buyer_kind", HOURS),
    "hours_by_sector": ("sector", HOURS),
    "hours_by_legal_basis": ("legal_basis", HOURS),
    "hours_by_mode": ("mode", HOURS),
    "participants_by_sex": ("sex", PEOPLE),
    "participants_by_age_band": ("age_band", PEOPLE),
    "participants_by_public": ("public", PEOPLE),
    "participants_by_qualification": ("qualification", PEOPLE),
    "participants_by_prescriber": ("prescriber", PEOPLE),
    "contracts_by_kind": (
        "contract_kind",
        {
            "contracts": "contracts",
            "average_duration_months": "average_duration_months",
            "participants": "participants",
        },
    ),
    "outcomes": ("outcome_category", {"end": "outcomes_at_end", "six_months": "outcomes_after_six_months"}),
}
# Indicators of the breakdowns that are not key figures, with their French label.
BREAKDOWN_INDICATORS = {
    "contracts": ("Contrats de travail", "nombre"),
    "average_duration_months": ("Durée moyenne des contrats", "mois"),
    "outcomes_at_end": ("Sorties à la fin du dernier contrat (participants)", "nombre"),
    "outcomes_after_six_months": ("Sorties six mois après (participants)", "nombre"),
}


@dataclass(frozen=True)
class Record:
    territory_code: str
    year: int
    indicator: str
    dimension: str
    modality_key: str
    modality_label: str
    value: object  # int | Decimal | None (empty: masked or not applicable)
    unit: str
    masked: bool

    def as_dict(self):
        return {
            "format_version": FORMAT_VERSION,
            "territory_code": self.territory_code,
            "year": self.year,
            "indicator": self.indicator,
            "dimension": self.dimension,
            "modality_key": self.modality_key,
            "modality_label": self.modality_label,
            "value": _json_value(self.value),
            "unit": self.unit,
            "masked": self.masked,
        }


def _json_value(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def national_records(territory, year):
    """The records of ``territory`` for calendar ``year``, confidentiality applied."""
    indicators = compute_indicators([territory], Period.year(year), confidential=True)
    code = territory.code
    records = []
    for figure in indicators.figures:
        records.append(Record(code, year, figure.key, TOTAL, "", "", figure.value, UNITS[figure.unit], figure.masked))
        if figure.numerator_label:  # a rate comes with its numerator and denominator (masked with it)
            for part, value, unit in (
                ("numerator", figure.numerator, figure.numerator_unit),
                ("denominator", figure.denominator, figure.denominator_unit),
            ):
                records.append(
                    Record(code, year, f"{figure.key}_{part}", TOTAL, "", "", value, UNITS[unit], figure.masked)
                )
    for table_key, (dimension, columns) in BREAKDOWNS.items():
        table = indicators.table(table_key)
        units = {column.key: UNITS[column.unit] for column in table.columns}
        for row in [*table.rows, table.total]:
            key = TOTAL if row is table.total else row.key
            for column_key, indicator in columns.items():
                value = row.values.get(column_key)
                records.append(
                    Record(code, year, indicator, dimension, key, row.label, value, units[column_key], row.masked)
                )
    return records


def indicator_catalogue():
    """Every indicator key of the file with its French label and unit (for the documentation and the JSON)."""
    catalogue = {}
    for key in FIGURE_KEYS:
        definition = DEFINITIONS[key]
        catalogue[key] = (definition.label, UNITS[definition.unit])
        for part, name in (("numerator", "numérateur"), ("denominator", "dénominateur")):
            if getattr(definition, part):
                label, unit = getattr(definition, part)
                catalogue[f"{key}_{part}"] = (f"{definition.label}, {name} : {label.lower()}", UNITS[unit])
    catalogue.update(BREAKDOWN_INDICATORS)
    return catalogue


def to_csv(records):
    """CSV, UTF-8 with a BOM (opens in a spreadsheet), comma-separated, decimal point, one header line."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record in records:
        data = record.as_dict()
        data["value"] = "" if data["value"] is None else data["value"]
        data["masked"] = "true" if record.masked else "false"
        writer.writerow([data[column] for column in COLUMNS])
    return out.getvalue()


def to_json(territory, year, records, generated_at):
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "territory": {"code": territory.code, "name": str(territory)},
        "year": year,
        "generated_at": generated_at.isoformat(),
        "confidentiality": "Valeurs reposant sur 1 à 4 participants masquées (value vide, masked = true).",
        "columns": COLUMNS,
        "records": [record.as_dict() for record in records],
    }
