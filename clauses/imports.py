"""Import of monthly hours from a spreadsheet (XLSX) or a CSV file, in two steps.

1. ``analyse(job)`` reads the uploaded file, checks its columns and every row, and stores a preview report in
   ``job.report``: counts, the first valid rows, EVERY bad row (line number, column, value, French message) and the
   valid rows to write. Nothing else is written.
2. ``confirm(job, user)`` writes the valid rows through ``statements.save_month``, grouped by (clause, month), in one
   transaction: all or nothing.

The same columns make the downloadable template (``build_template``), so a template filled in Excel imports as is.
Line numbers are those the spreadsheet shows (the header is line 1 when it is the first line).
"""

import csv
import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.db import transaction
from django.db.models import Q
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from markets.enums import AwardRole
from markets.models import LotAward

from .enums import StatementStatus
from .hours import MAX_MONTHLY_HOURS
from .models import Clause, MonthlyHours, Placement, Statement
from .statements import Entry, first_of_month, next_month, parse_hours, reporting_company_id, save_month

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
PREVIEW_ROWS = 50
PROGRESS_EVERY = 1000
SHEET_TITLE = "Relevé d'heures"
HELP_SHEET_TITLE = "Mode d'emploi"

MONTH_NAMES = {
    "janvier": 1,
    "janv": 1,
    "jan": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "mar": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "sep": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "decembre": 12,
    "dec": 12,
}
FRENCH_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


class ImportFileError(Exception):
    """The file cannot be analysed at all (not a spreadsheet, empty, wrong columns): one French message."""


class ImportConfirmError(Exception):
    """Writing the rows was refused (nothing was written): a French message and the problems, line by line."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = list(problems)


# --- Columns -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the header written in the template
    required: bool
    help: str
    aliases: tuple = ()


COLUMNS = (
    Column(
        "placement",
        "Identifiant de la mise en emploi",
        True,
        "Numéro de la mise en emploi dans l'application (ne le modifiez pas). Obligatoire.",
        ("identifiant", "id", "identifiant mise en emploi", "n mise en emploi", "numero de la mise en emploi"),
    ),
    Column(
        "participant",
        "Participant (nom prénom)",
        False,
        "Pour vous repérer. S'il est rempli, il doit correspondre à la personne de cette mise en emploi.",
        ("participant", "nom prenom", "nom et prenom", "salarie"),
    ),
    Column("company", "Entreprise", False, "Pour information : l'entreprise qui déclare ces heures.", ("employeur",)),
    Column(
        "clause",
        "Clause / marché",
        False,
        "Pour information : la référence du marché et le lot de la clause.",
        ("clause", "marche", "reference du marche", "clause marche"),
    ),
    Column(
        "month",
        "Mois (AAAA-MM)",
        True,
        "Le mois des heures : 2026-03, 03/2026, « mars 2026 » ou une date Excel. Obligatoire.",
        ("mois",),
    ),
    Column(
        "hours_worked",
        "Heures travaillées",
        True,
        f"Heures de travail du mois, décimales avec une virgule ou un point (de 0 à {MAX_MONTHLY_HOURS:.0f} h). "
        "Une cellule vide vaut 0.",
        ("heures", "heures de travail", "nombre d heures travaillees"),
    ),
    Column(
        "training_hours",
        "Heures de formation",
        True,
        "Heures de formation du mois (elles comptent comme heures d'insertion dans un contrat en alternance). "
        "Une cellule vide vaut 0.",
        ("formation", "heures formation"),
    ),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}


def normalise(text):
    """'Mois (AAAA-MM)' → 'mois': lower case, no accents, no bracketed hint, words separated by one space."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\(.*?\)", " ", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


_HEADER_LOOKUP = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        _HEADER_LOOKUP.setdefault(normalise(_name), _column.key)


def map_headers(cells):
    """{column key: index} from a header row; ImportFileError when a required column is missing or repeated."""
    found, repeated = {}, []
    for index, cell in enumerate(cells):
        key = _HEADER_LOOKUP.get(normalise(cell))
        if key is None:
            continue
        if key in found:
            repeated.append(COLUMN_BY_KEY[key].header)
        found[key] = index
    missing = [column.header for column in COLUMNS if column.required and column.key not in found]
    expected = " ; ".join(f"« {column.header} »" for column in COLUMNS)
    if missing:
        names = ", ".join(f"« {name} »" for name in missing)
        raise ImportFileError(
            f"Colonnes manquantes ou mal nommées : {names}. La première ligne du fichier doit porter les en-têtes "
            f"du modèle : {expected}. Téléchargez le modèle pour repartir d'un fichier correct."
        )
    if repeated:
        names = ", ".join(f"« {name} »" for name in repeated)
        raise ImportFileError(f"Colonnes en double : {names}. Chaque colonne ne doit apparaître qu'une fois.")
    return found


# --- Reading a file ----------------------------------------------------------------------------------------------


def _is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def read_rows(data):
    """The non-empty rows of a file's first sheet: a list of (line number, cells). ImportFileError if unreadable.

    ``data`` is the file's bytes. XLSX is recognised by its content (a zip), anything else is read as CSV text
    (UTF-8 with or without BOM, else Windows-1252) separated by ``;``, ``,`` or tabs.
    """
    if not data:
        raise ImportFileError("Le fichier est vide.")
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(
            "Ce fichier est au format Excel 97-2003 (.xls), qui n'est pas accepté : enregistrez-le au format "
            "« Classeur Excel (.xlsx) » ou « CSV », puis déposez-le de nouveau."
        )
    return _read_csv(data)


@dataclass(frozen=True)
class UncomputedFormula:
    """A formula cell saved without its result (a file written by a program, never opened in a spreadsheet): the
    value is unknown. Reading it as empty would silently import 0 hours, so it is reported as a row error."""

    formula: str

    def __str__(self):
        return self.formula


UNCOMPUTED_MESSAGE = (
    "Cellule calculée sans valeur (formule « {formula} ») : ouvrez le fichier dans votre tableur et enregistrez-le "
    "avant de l'importer, pour que le résultat de la formule y soit écrit."
)


def _is_formula(value):
    """A cell read with its formula (``data_only=False``): '=SUM(A1:A3)', or an array / data-table formula object.
    A text cell starting with « = » looks the same: the second pass reads its text back, so it is not reported."""
    if isinstance(value, str):
        return value.startswith("=")
    return isinstance(value, ArrayFormula | DataTableFormula)


def _formula_text(value):
    if isinstance(value, str):
        return value
    text = getattr(value, "text", None)
    return str(text) if text else "formule"


def _open_workbook(data, *, data_only):
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception as exc:  # any unreadable archive is the user's file, not our bug
        raise ImportFileError(
            "Ce fichier n'est pas un classeur Excel (.xlsx) lisible. Enregistrez-le au format .xlsx ou CSV "
            "depuis votre tableur, puis déposez-le de nouveau."
        ) from exc


def _sheet_rows(data, *, data_only):
    """Every row of the sheet to import (the template's sheet, else the first), as tuples of values."""
    workbook = _open_workbook(data, data_only=data_only)
    try:
        sheets = workbook.worksheets
        sheet = next((s for s in sheets if s.title == SHEET_TITLE), sheets[0] if sheets else None)
        if sheet is None:
            raise ImportFileError("Le classeur ne contient aucune feuille.")
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some tools write a wrong "used range": read every row that is there
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _read_xlsx(data):
    """Read the cells' saved values; where a cell holds a formula saved without its result, an ``UncomputedFormula``.

    The first pass reads the formulas (``data_only=False``: a formula cell gives its text, any other cell its value).
    Only when there is a formula does a second pass read the saved results (``data_only=True``), which openpyxl gives
    as None for a formula never computed: those cells become ``UncomputedFormula``.
    """
    rows, formulas = [], {}
    for line, cells in enumerate(_sheet_rows(data, data_only=False), start=1):
        for column, value in enumerate(cells or ()):
            if _is_formula(value):
                formulas[(line, column)] = _formula_text(value)
        if cells and not all(_is_blank(value) for value in cells):
            rows.append((line, list(cells)))
            if len(rows) > MAX_ROWS + 1:
                raise ImportFileError(_too_many_rows())
    if not formulas:
        return rows
    rows = []
    for line, cells in enumerate(_sheet_rows(data, data_only=True), start=1):
        cells = list(cells or ())
        for column, value in enumerate(cells):
            if value is None and (line, column) in formulas:
                cells[column] = UncomputedFormula(formulas[(line, column)])
        if cells and not all(_is_blank(value) for value in cells):
            rows.append((line, cells))
    return rows


def _decode(data):
    if b"\x00" in data[:4096]:
        raise ImportFileError(
            "Ce fichier n'est ni un classeur Excel (.xlsx) ni un fichier CSV : déposez le modèle rempli, "
            "enregistré au format .xlsx ou CSV."
        )
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(data):
    text = _decode(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if not first_line:
        raise ImportFileError("Le fichier ne contient aucune ligne.")
    delimiter = max((";", ",", "\t"), key=first_line.count)
    if first_line.count(delimiter) == 0:
        raise ImportFileError(
            "Impossible de lire ce fichier comme un tableau : les colonnes doivent être séparées par des "
            "points-virgules ou des virgules (CSV), ou déposez un classeur .xlsx."
        )
    rows = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for line, cells in enumerate(reader, start=1):
            if cells and not all(_is_blank(value) for value in cells):
                rows.append((line, cells))
                if len(rows) > MAX_ROWS + 1:
                    raise ImportFileError(_too_many_rows())
    except csv.Error as exc:
        raise ImportFileError(f"Le fichier CSV est mal formé (ligne {reader.line_num}) : {exc}.") from exc
    return rows


def _too_many_rows():
    return f"Le fichier dépasse {MAX_ROWS:,} lignes".replace(",", "\u202f") + " : découpez-le en plusieurs fichiers."


# --- Cells -------------------------------------------------------------------------------------------------------


def display(value):
    """A cell's value as the user typed it, for messages."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y}" if not (value.hour or value.minute) else f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_MONTH_PATTERNS = (
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), ("year", "month")),  # 2026-03
    (re.compile(r"^(\d{1,2})[-/.](\d{4})$"), ("month", "year")),  # 03/2026
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?$"), ("year", "month", "day")),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$"), ("day", "month", "year")),
)
_NAMED_MONTH = re.compile(r"^([a-z]+)\.?[\s\-/.]*(\d{4}|\d{2})$")


@lru_cache(maxsize=1024, typed=True)  # a file repeats the same few months: parse each once
def parse_month(value):
    """(first day of the month, None) or (None, French message). Accepts 2026-03, 03/2026, « mars 2026 »,
    « mars-26 » (Excel's mmm-aa), a full date (01/03/2026, 2026-03-01) and a real Excel date cell."""
    if isinstance(value, datetime | date):
        return date(value.year, value.month, 1), None
    text = display(value)
    message = (
        f"Mois « {text} » non reconnu : écrivez-le sous la forme AAAA-MM (par exemple 2026-03), MM/AAAA "
        "ou « mars 2026 »."
    )
    if not text:
        return None, "Le mois est obligatoire (par exemple 2026-03)."
    if isinstance(value, int | float | Decimal):
        return None, message
    lowered = text.lower()
    for pattern, parts in _MONTH_PATTERNS:
        match = pattern.match(lowered)
        if match:
            values = dict(zip(parts, (int(group) for group in match.groups()), strict=True))
            try:
                day = date(values["year"], values["month"], values.get("day", 1))
            except ValueError:
                return None, message
            if not 2000 <= day.year <= 2100:
                return None, message
            return day.replace(day=1), None
    match = _NAMED_MONTH.match(_compact(lowered))
    if match:
        month = MONTH_NAMES.get(match.group(1))
        year = int(match.group(2))
        if len(match.group(2)) == 2:
            year += 2000
        if month and 2000 <= year <= 2100:
            return date(year, month, 1), None
    return None, message


def _compact(text):
    """'Mars  2026' → 'mars 2026' without accents, keeping one separator for the named-month pattern."""
    return " ".join(unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().split())


def parse_placement_id(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value > 0 else None
    text = display(value).replace("\u202f", "").replace(" ", "")
    if text.isdigit() and int(text) > 0:
        return int(text)
    return None


@lru_cache(maxsize=4096, typed=True)
def cell_hours(value, label):
    """A number of hours from a cell: spreadsheet numbers as they are, text as a person types it."""
    if isinstance(value, bool | datetime | date):
        return None, f"{label} : « {display(value)} » n'est pas un nombre d'heures."
    if isinstance(value, float):
        try:
            exact = Decimal(repr(value))
        except InvalidOperation:
            return None, f"{label} : « {display(value)} » n'est pas un nombre d'heures."
        rounded = exact.quantize(Decimal("0.01")) if exact.is_finite() else exact
        if exact.is_finite() and abs(exact - rounded) < Decimal("0.000001"):
            exact = rounded  # 12.3 typed in Excel is 12.300000000000001 in binary
        value = format(exact, "f") if exact.is_finite() else str(value)
    return parse_hours(value, label)


def month_label(month):
    return f"{month:%m/%Y}"


def month_text(month):
    return f"{month:%Y-%m}"


def hours_text(value):
    """Decimal("12.50") → "12,5"; Decimal("120") → "120"."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


@lru_cache(maxsize=8192)
def _name_key(text):
    return tuple(sorted(normalise(text).split()))


# --- Scope: which placements a requester may import --------------------------------------------------------------


def holders_by_clause(territory_id, clause_ids):
    """{clause id: holder company id}, the same rule as ``statements.holder_company_id`` for many clauses."""
    holders = {}
    awards = (
        LotAward.objects.filter(territory_id=territory_id, role=AwardRole.HOLDER, lot__clauses__id__in=clause_ids)
        .order_by("pk")
        .values_list("lot__clauses__id", "company_id")
    )
    for clause_id, company_id in awards:
        holders.setdefault(clause_id, company_id)
    return holders


def company_placements(territory_id, company_id):
    """Placements whose hours ``company_id`` may declare (before the holder check of ``reporting_company_id``)."""
    return Placement.objects.filter(territory_id=territory_id).filter(
        Q(employer_company_id=company_id)
        | Q(
            employer_company__isnull=True,
            clause__lot__awards__company_id=company_id,
            clause__lot__awards__role=AwardRole.HOLDER,
        )
    )


def placements_for_template(territory_id, month, *, clause=None, company_id=None):
    """Placements active in ``month`` for a template: a clause's, or those a company declares (all its clauses)."""
    placements = (
        Placement.objects.filter(territory_id=territory_id)
        if company_id is None
        else company_placements(territory_id, company_id)
    )
    if clause is not None:
        placements = placements.filter(clause=clause)
    placements = (
        placements.filter(start_date__lt=next_month(month))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=month))
        .select_related("participant", "employer_company", "employer_inclusion", "clause__lot__market")
        .order_by("clause__lot__market__reference", "clause__lot__number", "participant__last_name", "pk")
        .distinct()
    )
    placements = list(placements)
    holders = holders_by_clause(territory_id, {p.clause_id for p in placements})
    if company_id is not None:
        placements = [p for p in placements if reporting_company_id(p, holders.get(p.clause_id)) == company_id]
    return placements, holders


def clause_label(clause):
    lot = clause.lot
    return f"{lot.market.reference} — lot {lot.number}"


# --- Template ----------------------------------------------------------------------------------------------------


def build_template(placements, holders, companies, month, output):
    """Write the XLSX template (one row per placement, pre-filled with the hours already entered) to ``output``."""
    existing = {
        line.placement_id: line
        for line in MonthlyHours.objects.filter(placement__in=[p.pk for p in placements], month=month).only(
            "placement_id", "hours_worked", "training_hours"
        )
    }
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append([column.header for column in COLUMNS])
    header_fill = PatternFill("solid", fgColor="DDDDF5")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for placement in placements:
        line = existing.get(placement.pk)
        company_id = reporting_company_id(placement, holders.get(placement.clause_id))
        company = companies.get(company_id)
        participant = placement.participant
        sheet.append(
            [
                placement.pk,
                f"{participant.last_name.upper()} {participant.first_name}",
                company.name if company else str(placement.employer),
                clause_label(placement.clause),
                month_text(month),
                line.hours_worked if line else None,
                line.training_hours if line else None,
            ]
        )
    for row in sheet.iter_rows(min_row=2, min_col=2, max_col=4):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # a name is never a formula (formula injection)
    for row in sheet.iter_rows(min_row=2, min_col=5, max_col=7):
        row[0].number_format = "@"  # the month stays text: Excel would turn 2026-03 into a date otherwise
        row[1].number_format = row[2].number_format = "0.00"
    for index, width in enumerate((16, 32, 30, 28, 14, 14, 14), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"

    help_sheet = workbook.create_sheet(HELP_SHEET_TITLE)
    help_sheet.append(["Relevé mensuel des heures d'insertion — mode d'emploi"])
    help_sheet["A1"].font = Font(bold=True, size=14)
    help_sheet.append([])
    for text in (
        f"Remplissez la feuille « {SHEET_TITLE} » : une ligne par mise en emploi et par mois.",
        "Ne modifiez pas la première ligne (les en-têtes) ni les identifiants des mises en emploi.",
        "Vous pouvez ajouter des lignes pour d'autres mois d'une même mise en emploi, "
        "mais pas deux lignes pour le même mois.",
        "Enregistrez le fichier au format .xlsx ou CSV (séparateur point-virgule ou virgule), puis déposez-le : "
        "l'application vous montre chaque ligne en erreur avant d'importer quoi que ce soit.",
        "Un relevé déjà validé par le facilitateur est verrouillé : ses lignes sont refusées.",
    ):
        help_sheet.append([text])
    help_sheet.append([])
    help_sheet.append(["Colonne", "Obligatoire", "Contenu"])
    for cell in help_sheet[help_sheet.max_row]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        help_sheet.append([column.header, "oui" if column.required else "non", column.help])
    help_sheet.column_dimensions["A"].width = 34
    help_sheet.column_dimensions["B"].width = 12
    help_sheet.column_dimensions["C"].width = 100
    workbook.save(output)


# --- Analysis ----------------------------------------------------------------------------------------------------


@dataclass
class Row:
    line: int
    cells: dict  # column key -> raw value
    placement_id: int | None = None
    month: date | None = None
    hours_worked: Decimal | None = None
    training_hours: Decimal | None = None
    placement: Placement | None = None


class Analysis:
    """The analysis of one file for one requester (scope: a company, a clause, or the whole territory)."""

    def __init__(self, territory_id, *, company_id=None, clause_id=None, progress=None):
        self.territory_id = territory_id
        self.company_id = company_id
        self.clause_id = clause_id
        self.progress = progress or (lambda percent: None)
        self.errors = []  # dicts: line, column, value, message
        self.bad_lines = set()

    def error(self, row, key, message, value=None):
        self.errors.append(
            {
                "line": row.line,
                "column": COLUMN_BY_KEY[key].header,
                "value": display(row.cells.get(key) if value is None else value),
                "message": message,
            }
        )
        self.bad_lines.add(row.line)

    def run(self, data):
        table = read_rows(data)
        if not table:
            raise ImportFileError(
                "Le fichier ne contient aucune ligne : remplissez le modèle (une ligne par mise en emploi et par mois)."
            )
        header_line, header = table[0]
        columns = map_headers(header)
        records = table[1:]
        if not records:
            raise ImportFileError(
                f"Le fichier ne contient que la ligne d'en-têtes (ligne {header_line}) : aucune heure à importer."
            )
        if len(records) > MAX_ROWS:
            raise ImportFileError(_too_many_rows())
        self.progress(10)
        rows = []
        for index, (line, cells) in enumerate(records, start=1):
            values = {key: (cells[i] if i < len(cells) else None) for key, i in columns.items()}
            rows.append(self.parse_row(Row(line=line, cells=values)))
            if index % PROGRESS_EVERY == 0:
                self.progress(10 + 40 * index // len(records))
        self.check_placements(rows)
        self.progress(70)
        self.check_duplicates(rows)
        outcome = self.check_statements(rows)
        self.progress(95)
        return self.report(header_line, rows, outcome)

    def parse_row(self, row):
        uncomputed = self.check_uncomputed(row)
        raw_id = row.cells.get("placement")
        row.placement_id = parse_placement_id(raw_id)
        if "placement" in uncomputed:
            pass
        elif _is_blank(raw_id):
            self.error(row, "placement", "L'identifiant de la mise en emploi est obligatoire.")
        elif row.placement_id is None:
            self.error(
                row,
                "placement",
                f"Identifiant de mise en emploi « {display(raw_id)} » invalide : un numéro entier est attendu.",
            )
        if "month" not in uncomputed:
            row.month, message = parse_month(row.cells.get("month"))
            if message:
                self.error(row, "month", message)
        for key in ("hours_worked", "training_hours"):
            if key in uncomputed:
                continue
            hours, message = cell_hours(row.cells.get(key), COLUMN_BY_KEY[key].header)
            if message:
                self.error(row, key, message)
            setattr(row, key, hours)
        return row

    def check_uncomputed(self, row):
        """Report the read cells holding a formula without its result (``UncomputedFormula``); returns their keys.
        They then read as empty, each reported once. The information columns (company, clause) are not read."""
        uncomputed = set()
        for key in ("placement", "participant", "month", "hours_worked", "training_hours"):
            value = row.cells.get(key)
            if isinstance(value, UncomputedFormula):
                self.error(row, key, UNCOMPUTED_MESSAGE.format(formula=value.formula))
                row.cells[key] = None
                uncomputed.add(key)
        return uncomputed

    def visible_placements(self, ids):
        placements = Placement.objects.filter(territory_id=self.territory_id, pk__in=ids)
        placements = placements.select_related("participant", "clause__lot__market")
        found = {p.pk: p for p in placements}
        self.holders = holders_by_clause(self.territory_id, {p.clause_id for p in found.values()})
        return found

    def check_placements(self, rows):
        ids = sorted({row.placement_id for row in rows if row.placement_id})
        found = {}
        for start in range(0, len(ids), 5000):
            found.update(self.visible_placements(ids[start : start + 5000]))
        for row in rows:
            if row.placement_id is None:
                continue
            placement = found.get(row.placement_id)
            if placement is not None and self.company_id is not None:
                company = reporting_company_id(placement, self.holders.get(placement.clause_id))
                if company != self.company_id:
                    placement = None  # another company's: the same answer as an unknown one
            if placement is None:
                where = "déclarée par votre entreprise" if self.company_id else "connue dans cette coordination"
                self.error(row, "placement", f"La mise en emploi n° {row.placement_id} n'est pas {where}.")
                continue
            if self.clause_id is not None and placement.clause_id != self.clause_id:
                self.error(
                    row,
                    "placement",
                    f"La mise en emploi n° {row.placement_id} relève d'une autre clause "
                    f"({clause_label(placement.clause)}) que celle de cet import.",
                )
                continue
            row.placement = placement
            participant = placement.participant
            name = row.cells.get("participant")
            if not _is_blank(name) and _name_key(name) != _name_key(
                f"{participant.last_name} {participant.first_name}"
            ):
                self.error(
                    row,
                    "participant",
                    f"« {display(name)} » ne correspond pas à la personne de la mise en emploi n° {placement.pk} "
                    f"({participant.last_name.upper()} {participant.first_name}) : vérifiez l'identifiant.",
                )
            if row.month is not None:
                first = first_of_month(placement.start_date)
                last = first_of_month(placement.end_date) if placement.end_date else None
                if row.month < first or (last is not None and row.month > last):
                    span = f"de {month_label(first)} à {month_label(last)}" if last else f"depuis {month_label(first)}"
                    self.error(
                        row,
                        "month",
                        f"{month_label(row.month)} est en dehors de la mise en emploi n° {placement.pk}, "
                        f"qui couvre {span}.",
                    )

    def check_duplicates(self, rows):
        lines = defaultdict(list)
        for row in rows:
            if row.placement_id is not None and row.month is not None:
                lines[(row.placement_id, row.month)].append(row)
        for (placement_id, month), same in lines.items():
            if len(same) < 2:
                continue
            for row in same:
                others = ", ".join(str(other.line) for other in same if other is not row)
                self.error(
                    row,
                    "placement",
                    f"Ligne en double : la mise en emploi n° {placement_id} pour {month_label(month)} apparaît aussi "
                    f"ligne{'s' if len(same) > 2 else ''} {others}. Gardez une seule ligne par mois.",
                )

    def check_statements(self, rows):
        """Locked statements, and what the valid rows would do: {(placement, month): 'created'|'updated'|...}."""
        candidates = [row for row in rows if row.placement is not None and row.line not in self.bad_lines]
        clause_ids = {row.placement.clause_id for row in candidates}
        months = {row.month for row in candidates}
        statements = {}
        if candidates:
            for statement in Statement.objects.filter(
                territory_id=self.territory_id, clause_id__in=clause_ids, month__in=months
            ).select_related("company"):
                statements[(statement.clause_id, statement.company_id, statement.month)] = statement
        existing = {}
        placement_ids = sorted({row.placement_id for row in candidates})
        for start in range(0, len(placement_ids), 5000):
            for line in MonthlyHours.objects.filter(
                territory_id=self.territory_id, placement_id__in=placement_ids[start : start + 5000], month__in=months
            ).values_list("placement_id", "month", "hours_worked", "training_hours"):
                existing[(line[0], line[1])] = (line[2], line[3])
        editable = (
            (StatementStatus.DRAFT, StatementStatus.RETURNED)
            if self.company_id
            else (StatementStatus.DRAFT, StatementStatus.RETURNED, StatementStatus.SUBMITTED)
        )
        outcome = {}
        for row in candidates:
            placement = row.placement
            company_id = reporting_company_id(placement, self.holders.get(placement.clause_id))
            if company_id is None:
                self.error(
                    row,
                    "placement",
                    "Aucune entreprise titulaire n'est enregistrée sur ce lot : impossible de rattacher ces heures.",
                )
                continue
            statement = statements.get((placement.clause_id, company_id, row.month))
            if statement is not None and statement.status not in editable:
                if statement.status == StatementStatus.VALIDATED:
                    message = (
                        f"Le relevé de {month_label(row.month)} ({statement.company.name}) est validé : il est "
                        "verrouillé. Demandez au facilitateur de le rouvrir pour le corriger."
                    )
                else:
                    message = (
                        f"Le relevé de {month_label(row.month)} est {statement.get_status_display().lower()} : "
                        "il ne peut plus être modifié par l'entreprise."
                    )
                self.error(row, "month", message)
                continue
            before = existing.get((row.placement_id, row.month))
            if before is None:
                outcome[row.line] = "created"
            elif before == (row.hours_worked, row.training_hours):
                outcome[row.line] = "unchanged"
            else:
                outcome[row.line] = "updated"
        return outcome

    def report(self, header_line, rows, outcome):
        valid = [row for row in rows if row.line not in self.bad_lines and row.line in outcome]
        self.errors.sort(key=lambda error: error["line"])
        counts = defaultdict(int)
        for row in valid:
            counts[outcome[row.line]] += 1
        return {
            "header_line": header_line,
            "total_rows": len(rows),
            "valid_count": len(valid),
            "error_rows": len(self.bad_lines),
            "error_count": len(self.errors),
            "will_create": counts["created"],
            "will_update": counts["updated"],
            "will_keep": counts["unchanged"],
            "errors": self.errors,
            "preview": [
                {
                    "line": row.line,
                    "placement_id": row.placement_id,
                    "participant": f"{row.placement.participant.last_name.upper()} "
                    f"{row.placement.participant.first_name}",
                    "clause": clause_label(row.placement.clause),
                    "month": month_label(row.month),
                    "hours_worked": hours_text(row.hours_worked),
                    "training_hours": hours_text(row.training_hours),
                    "outcome": outcome[row.line],
                }
                for row in valid[:PREVIEW_ROWS]
            ],
            # What ``confirm`` writes: [placement id, clause id, month, hours worked, training hours, line].
            "rows": [
                [
                    row.placement_id,
                    row.placement.clause_id,
                    row.month.isoformat(),
                    str(row.hours_worked),
                    str(row.training_hours),
                    row.line,
                ]
                for row in valid
            ],
        }


def analyse(job, data, progress=None):
    """The preview report of ``data`` (the job's file) for the job's requester and scope."""
    analysis = Analysis(job.territory_id, company_id=job.company_id, clause_id=job.clause_id, progress=progress)
    return analysis.run(data)


# --- Confirmation ------------------------------------------------------------------------------------------------


def confirm(job, user):
    """Write the job's valid rows (all or nothing). Returns {'created', 'updated', 'unchanged'}; on any refusal
    raises ImportConfirmError and nothing is written."""
    rows = job.report.get("rows") or []
    if not rows:
        raise ImportConfirmError("Ce fichier ne contient aucune ligne valide à importer.")
    groups = defaultdict(list)
    for placement_id, clause_id, month, worked, training, line in rows:
        groups[(clause_id, date.fromisoformat(month))].append(
            Entry(placement_id=placement_id, hours_worked=worked, training_hours=training, version=None, row=line)
        )
    clauses = Clause.objects.in_territory(job.territory).in_bulk({clause_id for clause_id, _ in groups})
    allowed = (StatementStatus.DRAFT, StatementStatus.RETURNED) if job.company_id else None
    totals = {"created": 0, "updated": 0, "unchanged": 0}
    problems = []
    with transaction.atomic():
        for (clause_id, month), entries in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0])):
            clause = clauses.get(clause_id)
            if clause is None:
                problems.extend((entry.row, "Cette clause n'existe plus.") for entry in entries)
                continue
            result = save_month(clause, month, entries, user, company_id=job.company_id, allowed_statuses=allowed)
            if not result.ok:
                line_of = {entry.placement_id: entry.row for entry in entries}
                for placement_id, messages in result.errors.items():
                    problems.extend((line_of.get(placement_id), message) for message in messages)
                problems.extend(
                    (
                        line_of.get(placement_id),
                        "Modifiée entre-temps par quelqu'un d'autre : ses valeurs sont gardées.",
                    )
                    for placement_id in result.conflicts
                )
                continue
            totals["created"] += result.created
            totals["updated"] += result.updated
            totals["unchanged"] += result.unchanged
        if problems:
            transaction.set_rollback(True)
    if problems:
        problems.sort(key=lambda problem: problem[0] or 0)
        raise ImportConfirmError(
            "Rien n'a été importé : des lignes ont changé depuis l'analyse du fichier. Corrigez-les ou déposez de "
            "nouveau le fichier pour une nouvelle analyse.",
            [{"line": line, "message": message} for line, message in problems],
        )
    return totals
