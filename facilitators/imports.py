"""CSV import of inclusion employers: parse, check every row, plan (create / update / unchanged), then apply.

Nothing is written by ``build_plan``: the coordinator reads the plan (every bad row with its line, column and a French
message; the rows that would be created or updated) and confirms; ``apply_plan`` then writes the valid rows in one
transaction. Employers are matched by SIRET within the territory, so importing the same file twice writes nothing.

Why no Celery job: a département counts a few hundred inclusion employers (SIAE, GEIQ, EA, ESAT), and a file is capped
at ``MAX_ROWS`` rows (2 MB). Planning costs a handful of queries whatever the size (communes of the département, the
employers of the file's SIRETs, their sectors and communes) and applying is a few bulk statements. Measured in
``tests/facilitators/test_employers.py`` on the shared 2-core machine while loaded (load average ~10): 3,000 new
employers with 15,000 sector and commune rows, planned, written and their foreign keys checked, in 10-15 s, i.e. a
few seconds on an idle machine; a realistic file of a few hundred rows takes well under a second. The uploaded text
is kept in the session between the preview and the confirmation (no re-upload, nothing on disk) and the plan is
recomputed at confirmation, against the database as it is then.
"""

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import connection, transaction
from stdnum.fr import siret as stdnum_siret

from territories.models import Commune

from .enums import InclusionEmployerKind, Sector
from .models import InclusionEmployer, InclusionEmployerCommune, InclusionEmployerSector

MAX_ROWS = 5000
ANALYZE_THRESHOLD = 200  # new employers in one import from which the table's statistics are refreshed
LIST_SEPARATOR = "|"


@dataclass(frozen=True)
class Column:
    key: str  # the header written in the template
    label: str  # French description for the documentation and the preview
    required: bool = False
    aliases: tuple = ()
    example: str = ""
    help: str = ""


COLUMNS = (
    Column("nom", "Nom de la structure", required=True, aliases=("raison_sociale", "nom_structure"), example="Envie"),
    Column(
        "type",
        "Type de structure",
        required=True,
        aliases=("type_structure", "kind"),
        example="EI",
        help="EI, ACI, AI, ETTI, GEIQ, EA ou ESAT.",
    ),
    Column("siret", "SIRET", required=True, example="35600000000048", help="14 chiffres ; les espaces sont acceptés."),
    Column("email", "E-mail", aliases=("e_mail", "mail", "courriel", "adresse_e_mail"), example="contact@envie.org"),
    Column("telephone", "Téléphone", aliases=("tel", "telephone_fixe"), example="04 67 00 00 00"),
    Column("adresse", "Adresse", aliases=("adresse_postale",), example="1 rue de la Paix, 34000 Montpellier"),
    Column(
        "commune_siege",
        "Code commune INSEE du siège",
        aliases=("code_commune_insee_du_siege", "code_commune_siege", "code_insee_siege", "commune_du_siege"),
        example="34172",
        help="Code INSEE (pas le code postal) d'une commune du département.",
    ),
    Column(
        "secteurs",
        "Secteurs d'activité",
        aliases=("secteur", "secteurs_d_activite"),
        example="construction|green_spaces",
        help="Séparés par « | » ; code ou libellé de la liste ci-dessous.",
    ),
    Column(
        "communes_intervention",
        "Communes d'intervention (codes INSEE)",
        aliases=("communes_d_intervention", "codes_insee_communes_intervention"),
        example="34172|34129",
        help="Codes INSEE séparés par « | », communes du département.",
    ),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
HEADER = [column.key for column in COLUMNS]

FIELD_LABELS = {
    "name": "nom",
    "kind": "type",
    "email": "e-mail",
    "phone": "téléphone",
    "address": "adresse",
    "commune_id": "commune du siège",
    "sectors": "secteurs",
    "communes": "communes d'intervention",
}


def _normalize(value):
    """Lower case, no accents, runs of anything else than letters and digits as one ``_``."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


_HEADER_KEYS = {}
for _column in COLUMNS:
    for _name in (_column.key, _column.label, *_column.aliases):
        _HEADER_KEYS[_normalize(_name)] = _column.key

_KIND_KEYS = {}
for _kind in InclusionEmployerKind:
    _KIND_KEYS[_normalize(_kind.value)] = _kind.value
    _KIND_KEYS[_normalize(_kind.label)] = _kind.value

_SECTOR_KEYS = {"btp": Sector.CONSTRUCTION.value}
for _sector in Sector:
    _SECTOR_KEYS[_normalize(_sector.value)] = _sector.value
    _SECTOR_KEYS[_normalize(_sector.label)] = _sector.value


@dataclass(frozen=True)
class RowError:
    line: int  # 0: the whole file (encoding, header)
    column: str
    message: str


@dataclass
class PlannedRow:
    line: int
    siret: str
    values: dict  # model field -> value, only the columns present in the file
    sectors: list | None  # None: no "secteurs" column, leave an existing employer's sectors alone
    communes: list | None
    action: str = "create"  # create, update, unchanged
    employer: InclusionEmployer | None = None
    changes: list = field(default_factory=list)  # French labels of the changed fields (updates)

    @property
    def name(self):
        return self.values.get("name") or (self.employer.name if self.employer else "")

    @property
    def kind_label(self):
        return InclusionEmployerKind(self.values["kind"]).label


@dataclass
class ImportPlan:
    errors: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # the valid rows
    warnings: list = field(default_factory=list)
    row_count: int = 0  # data rows read (blank lines excepted)

    @property
    def file_errors(self):
        return [error for error in self.errors if error.line == 0]

    @property
    def row_errors(self):
        return [error for error in self.errors if error.line > 0]

    @property
    def rejected_lines(self):
        return sorted({error.line for error in self.row_errors})

    @property
    def to_create(self):
        return [row for row in self.rows if row.action == "create"]

    @property
    def to_update(self):
        return [row for row in self.rows if row.action == "update"]

    @property
    def unchanged(self):
        return [row for row in self.rows if row.action == "unchanged"]

    @property
    def has_changes(self):
        return any(row.action != "unchanged" for row in self.rows)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    rejected: int


def decode(data: bytes):
    """The file's text: UTF-8 (with or without BOM), else Windows-1252 (Excel's "CSV" on a French Windows)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ValueError("Encodage du fichier non reconnu : enregistrez-le en CSV UTF-8.") from exc


def digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def template_csv():
    """The CSV template: the header row, ``;``-separated, UTF-8 with a BOM (Excel opens it with the accents right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    return "\ufeff" + buffer.getvalue()


def _delimiter(text):
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    return "," if first_line.count(",") > first_line.count(";") else ";"


def _split(cell):
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]


def _commune_code(value):
    code = value.strip().upper()
    if code.isdigit() and len(code) == 4:  # a spreadsheet ate the leading zero (départements 01 to 09)
        code = code.zfill(5)
    return code


_email_validator = EmailValidator()


def build_plan(text, territory):
    """Read and check every row of ``text`` against the territory's data. Writes nothing."""
    plan = ImportPlan()
    if not text.strip():
        plan.errors.append(RowError(0, "", "Le fichier est vide."))
        return plan
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = next(reader)
        records = []
        for record in reader:
            if any(cell.strip() for cell in record):
                records.append((reader.line_num, record))
    except csv.Error as exc:
        plan.errors.append(RowError(0, "", f"Fichier CSV illisible (ligne {reader.line_num}) : {exc}."))
        return plan

    columns = _read_header(header, plan)
    if plan.file_errors:
        return plan
    plan.row_count = len(records)
    if not records:
        plan.errors.append(RowError(0, "", "Le fichier ne contient aucune ligne de données sous l'en-tête."))
        return plan
    if len(records) > MAX_ROWS:
        plan.errors.append(
            RowError(0, "", f"Le fichier compte {len(records)} lignes : {MAX_ROWS} au plus, découpez-le.")
        )
        return plan

    department_communes, other_communes = _communes(territory, records, columns)
    department = territory.department_id or territory.code
    seen_sirets = {}
    for line, record in records:
        row = _check_row(line, record, columns, len(header), department, department_communes, other_communes, plan)
        if row is None:
            continue
        if row.siret in seen_sirets:
            plan.errors.append(
                RowError(line, "siret", f"SIRET {row.siret} déjà présent ligne {seen_sirets[row.siret]} du fichier.")
            )
            continue
        seen_sirets[row.siret] = line
        plan.rows.append(row)
    _compare_with_database(plan, territory)
    return plan


def _read_header(header, plan):
    """Column index -> column key; unknown columns are ignored (a warning), missing required ones stop the import."""
    columns = {}
    for index, name in enumerate(header):
        if not name.strip():
            continue
        key = _HEADER_KEYS.get(_normalize(name.lstrip("\ufeff")))
        if key is None:
            plan.warnings.append(f"Colonne « {name.strip()} » inconnue : elle est ignorée.")
        elif key in columns.values():
            plan.errors.append(RowError(0, key, f"La colonne « {key} » apparaît deux fois dans l'en-tête."))
        else:
            columns[index] = key
    missing = [column.key for column in COLUMNS if column.required and column.key not in columns.values()]
    if missing:
        plan.errors.append(
            RowError(
                0,
                ", ".join(missing),
                "Colonne(s) obligatoire(s) absente(s) de l'en-tête : "
                + ", ".join(missing)
                + ". La première ligne doit reprendre les noms de colonnes du modèle.",
            )
        )
    return columns


def _communes(territory, records, columns):
    """The département's communes (code -> name), and the other communes the file names (code -> (name, dept))."""
    department_communes = dict(
        Commune.objects.filter(department_id=territory.department_id or territory.code).values_list(
            "insee_code", "name"
        )
    )
    commune_indexes = [index for index, key in columns.items() if key in {"commune_siege", "communes_intervention"}]
    codes = set()
    for _line, record in records:
        for index in commune_indexes:
            if index < len(record):
                codes.update(_commune_code(code) for code in _split(record[index]))
    outside = codes - set(department_communes)
    other_communes = {
        code: (name, department)
        for code, name, department in Commune.objects.filter(insee_code__in=outside).values_list(
            "insee_code", "name", "department_id"
        )
    }
    return department_communes, other_communes


def _check_commune(code, department, department_communes, other_communes):
    """An error message for a commune code that is not one of the département's, else None."""
    if code in department_communes:
        return None
    if code in other_communes:
        name, other_department = other_communes[code]
        return (
            f"la commune {code} ({name}) n'est pas dans le département {department} "
            f"(elle est dans le {other_department})"
        )
    return f"code commune INSEE inconnu « {code} »"


def _check_row(line, record, columns, width, department, department_communes, other_communes, plan):
    """A ``PlannedRow`` if every cell of the row is valid, else None (its errors added to the plan)."""
    errors = []
    if len(record) > width and any(cell.strip() for cell in record[width:]):
        errors.append(
            RowError(line, "", f"La ligne compte {len(record)} cellules pour {width} colonnes dans l'en-tête.")
        )
    cells = {key: (record[index].strip() if index < len(record) else "") for index, key in columns.items()}
    values = {}

    name = cells.get("nom", "")
    if not name:
        errors.append(RowError(line, "nom", "Le nom est obligatoire."))
    elif len(name) > 200:
        errors.append(RowError(line, "nom", "Le nom dépasse 200 caractères."))
    values["name"] = name

    kind = cells.get("type", "")
    if not kind:
        errors.append(RowError(line, "type", "Le type est obligatoire : EI, ACI, AI, ETTI, GEIQ, EA ou ESAT."))
    elif _normalize(kind) not in _KIND_KEYS:
        errors.append(
            RowError(line, "type", f"Type inconnu « {kind} » : indiquez EI, ACI, AI, ETTI, GEIQ, EA ou ESAT.")
        )
    else:
        values["kind"] = _KIND_KEYS[_normalize(kind)]

    raw_siret = cells.get("siret", "")
    siret = stdnum_siret.compact(raw_siret)
    if not raw_siret:
        errors.append(RowError(line, "siret", "Le SIRET est obligatoire."))
    elif not stdnum_siret.is_valid(siret):
        errors.append(
            RowError(
                line,
                "siret",
                f"SIRET invalide « {raw_siret} » : il faut 14 chiffres avec une clé de contrôle correcte.",
            )
        )

    if "email" in cells:
        email = cells["email"]
        if email:
            try:
                _email_validator(email)
            except ValidationError:
                errors.append(RowError(line, "email", f"Adresse e-mail invalide « {email} »."))
        values["email"] = email
    if "telephone" in cells:
        if len(cells["telephone"]) > 30:
            errors.append(RowError(line, "telephone", "Le téléphone dépasse 30 caractères."))
        values["phone"] = cells["telephone"]
    if "adresse" in cells:
        if len(cells["adresse"]) > 300:
            errors.append(RowError(line, "adresse", "L'adresse dépasse 300 caractères."))
        values["address"] = cells["adresse"]
    if "commune_siege" in cells:
        code = _commune_code(cells["commune_siege"]) if cells["commune_siege"] else ""
        problem = _check_commune(code, department, department_communes, other_communes) if code else None
        if problem:
            errors.append(RowError(line, "commune_siege", problem[0].upper() + problem[1:] + "."))
        values["commune_id"] = code or None

    sectors = None
    if "secteurs" in cells:
        sectors = []
        for token in _split(cells["secteurs"]):
            sector = _SECTOR_KEYS.get(_normalize(token))
            if sector is None:
                errors.append(
                    RowError(
                        line,
                        "secteurs",
                        f"Secteur inconnu « {token} » : valeurs possibles {', '.join(Sector.values)}.",
                    )
                )
            elif sector not in sectors:
                sectors.append(sector)

    communes = None
    if "communes_intervention" in cells:
        communes = []
        for token in _split(cells["communes_intervention"]):
            code = _commune_code(token)
            problem = _check_commune(code, department, department_communes, other_communes)
            if problem:
                errors.append(RowError(line, "communes_intervention", problem[0].upper() + problem[1:] + "."))
            elif code not in communes:
                communes.append(code)

    if errors:
        plan.errors.extend(errors)
        return None
    return PlannedRow(line=line, siret=siret, values=values, sectors=sectors, communes=communes)


def _compare_with_database(plan, territory):
    """Each valid row: created (unknown SIRET), updated (something differs) or unchanged. Three queries."""
    sirets = [row.siret for row in plan.rows]
    existing = {
        employer.siret: employer
        for employer in InclusionEmployer.objects.in_territory(territory).filter(siret__in=sirets)
    }
    sectors, communes = {}, {}
    for employer_id, sector in (
        InclusionEmployerSector.objects.in_territory(territory)
        .filter(employer__siret__in=sirets)
        .values_list("employer_id", "sector")
    ):
        sectors.setdefault(employer_id, set()).add(sector)
    for employer_id, code in (
        InclusionEmployerCommune.objects.in_territory(territory)
        .filter(employer__siret__in=sirets)
        .values_list("employer_id", "commune_id")
    ):
        communes.setdefault(employer_id, set()).add(code)

    for row in plan.rows:
        employer = existing.get(row.siret)
        if employer is None:
            row.action = "create"
            continue
        row.employer = employer
        changes = [
            FIELD_LABELS[name]
            for name, value in row.values.items()
            if getattr(employer, name) != (value or _blank(name))
        ]
        if row.sectors is not None and set(row.sectors) != sectors.get(employer.pk, set()):
            changes.append(FIELD_LABELS["sectors"])
        if row.communes is not None and set(row.communes) != communes.get(employer.pk, set()):
            changes.append(FIELD_LABELS["communes"])
        row.changes = changes
        row.action = "update" if changes else "unchanged"


def _blank(name):
    return None if name == "commune_id" else ""


@transaction.atomic
def apply_plan(plan, territory):
    """Write the plan's valid rows in one transaction: bulk inserts and updates, children synchronised by diff."""
    created = [row for row in plan.rows if row.action == "create"]
    updated = [row for row in plan.rows if row.action == "update"]

    new_employers = []
    for row in created:
        values = {name: (value if value is not None else _blank(name)) for name, value in row.values.items()}
        new_employers.append(InclusionEmployer(territory=territory, siret=row.siret, **values))
    InclusionEmployer.objects.bulk_create(new_employers, batch_size=1000)
    if len(new_employers) >= ANALYZE_THRESHOLD:
        _refresh_statistics(InclusionEmployer)
    for row, employer in zip(created, new_employers, strict=True):
        row.employer = employer

    update_fields = set()
    for row in updated:
        for name, value in row.values.items():
            setattr(row.employer, name, value if value is not None else _blank(name))
            update_fields.add(name)
    if updated:
        InclusionEmployer.objects.bulk_update([row.employer for row in updated], sorted(update_fields), batch_size=1000)

    _sync_children(
        territory,
        InclusionEmployerSector,
        "sector",
        [(row.employer, row.sectors) for row in created + updated if row.sectors is not None],
    )
    _sync_children(
        territory,
        InclusionEmployerCommune,
        "commune_id",
        [(row.employer, row.communes) for row in created + updated if row.communes is not None],
    )
    return ImportResult(
        created=len(created),
        updated=len(updated),
        unchanged=len(plan.unchanged),
        rejected=len(plan.rejected_lines),
    )


def _refresh_statistics(model):
    """ANALYZE a table that has just grown a lot inside this transaction (PostgreSQL only).

    The sectors and communes reference their employer through the composite (territory, id) foreign key, checked
    row by row at COMMIT (deferred). With statistics from when the table was (nearly) empty, PostgreSQL checks each
    row through the single-column territory index and filters on the id: every check reads every employer of the
    territory, so a first import of 3,000 employers (15,000 child rows) took longer than the 30 s statement timeout.
    Fresh statistics (a ~0.1 s sample) make it use the (territory, id) unique index: one row per check.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _sync_children(territory, model, attribute, wanted_by_employer):
    """Make each employer's child rows (sectors or communes) exactly the wanted values: one delete, one insert."""
    if not wanted_by_employer:
        return
    employer_ids = [employer.pk for employer, _wanted in wanted_by_employer]
    existing = {}
    for pk, employer_id, value in (
        model.objects.in_territory(territory)
        .filter(employer_id__in=employer_ids)
        .values_list("pk", "employer_id", attribute)
    ):
        existing.setdefault(employer_id, {})[value] = pk
    to_delete, to_create = [], []
    for employer, wanted in wanted_by_employer:
        current = existing.get(employer.pk, {})
        to_delete.extend(pk for value, pk in current.items() if value not in wanted)
        to_create.extend(
            # Ids rather than instances: no related-object descriptor work for thousands of rows. (Measured: the
            # database's side of the inserts dominates; a raw executemany was no faster than this bulk_create.)
            model(territory_id=territory.pk, employer_id=employer.pk, **{attribute: value})
            for value in wanted
            if value not in current
        )
    if to_delete:
        model.objects.filter(pk__in=to_delete).delete()
    model.objects.bulk_create(to_create, batch_size=2000)
