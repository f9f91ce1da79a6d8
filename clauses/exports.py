"""Export of the "tableau de relevés mensuels": monthly hours lines as an XLSX workbook.

The columns are declared once, as (field, French header, formatter), and each says which audience may see it: the
territory's staff (coordinators, facilitators) see everything, a company contact sees its own lines without the
eligibility-based counting status. The rows are read with one query (``select_related``, ``.iterator``) and written
with openpyxl's write-only mode, to a temporary file that the view streams: memory and queries stay flat whatever the
number of lines.
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from accounts.enums import ROLES_SEEING_PARTICIPANTS, Role

from .enums import ContractKind
from .hours import pending_reason, with_eligibility
from .models import HoursAllocation, MonthlyHours, Placement, Statement

STAFF = "staff"
COMPANY = "company"
SHEET_TITLE = "Relevés mensuels"
CHUNK_SIZE = 2000


def _text(value):
    return "" if value is None else str(value)


def _upper(value):
    return (value or "").upper()


def _hours(value):
    return Decimal(value) if value is not None else None


def _insertion_hours(line):
    """Hours worked, plus training hours inside a work-study contract (``clauses.hours`` rule)."""
    if line.placement.contract_kind in ContractKind.work_study():
        return line.hours_worked + line.training_hours
    return line.hours_worked


def _declaring_company(line):
    if line.statement_id:
        return line.statement.company.name
    return line.placement.employer_company.name if line.placement.employer_company_id else ""


def _counting_status(line):
    if line.has_allocations:
        return "Réparties (accord de globalisation)"
    return pending_reason(line, line.is_eligible) or "Comptabilisées"


@dataclass(frozen=True)
class ExportColumn:
    field: str | None  # dotted path from the line; None: the line itself
    header: str
    formatter: Callable = _text
    audiences: frozenset = frozenset({STAFF, COMPANY})
    width: int = 16
    number_format: str | None = None

    def value(self, line):
        value = operator.attrgetter(self.field)(line) if self.field else line
        return self.formatter(value)


HOURS_FORMAT = "0.00"
COLUMNS = (
    ExportColumn("month", "Mois", lambda month: month, width=10, number_format="yyyy-mm"),
    ExportColumn("placement.clause.lot.market.buyer.name", "Donneur d'ordre", width=28),
    ExportColumn("placement.clause.lot.market.reference", "Marché", width=18),
    ExportColumn("placement.clause.lot.market.object", "Objet du marché", width=36),
    ExportColumn("placement.clause.lot.number", "Lot", lambda n: n, width=6),
    ExportColumn("placement.clause.get_legal_basis_display", "Clause", lambda f: f(), width=30),
    ExportColumn(None, "Entreprise déclarante", _declaring_company, width=28),
    ExportColumn("placement.employer", "Employeur", lambda employer: getattr(employer, "name", ""), width=28),
    ExportColumn("placement_id", "Identifiant de la mise en emploi", lambda n: n, width=14),
    ExportColumn("placement.participant.last_name", "Nom", _upper, width=20),
    ExportColumn("placement.participant.first_name", "Prénom", width=18),
    ExportColumn("placement.get_contract_kind_display", "Type de contrat", lambda f: f(), width=24),
    ExportColumn("placement.get_mode_display", "Modalité", lambda f: f(), width=28),
    ExportColumn("hours_worked", "Heures travaillées", _hours, width=12, number_format=HOURS_FORMAT),
    ExportColumn("training_hours", "Heures de formation", _hours, width=12, number_format=HOURS_FORMAT),
    ExportColumn(None, "Heures d'insertion", _insertion_hours, width=12, number_format=HOURS_FORMAT),
    ExportColumn("get_status_display", "Statut du relevé", lambda f: f(), width=22),
    ExportColumn(None, "Comptabilisation", _counting_status, audiences=frozenset({STAFF}), width=44),
)


def audience_of(membership):
    """STAFF, COMPANY, or None for a role that may not export statements (buyers, committee)."""
    if membership.role in ROLES_SEEING_PARTICIPANTS:
        return STAFF
    if membership.role == Role.COMPANY:
        return COMPANY
    return None


def columns_for(audience):
    return [column for column in COLUMNS if audience in column.audiences]


@dataclass
class ExportFilters:
    clause: object = None
    company: object = None
    buyer: object = None
    start: date | None = None  # first day of the first month
    end: date | None = None  # first day of the last month


def company_lines_q(company_id):
    """Lines a company declares: those of its statements (and, before any statement, of its own employees)."""
    return Q(statement__company_id=company_id) | Q(statement__isnull=True, placement__employer_company_id=company_id)


def export_lines(membership, filters):
    """The lines a member may export, filtered, in a stable order, with everything the columns read."""
    audience = audience_of(membership)
    if audience == STAFF:
        lines = MonthlyHours.objects.visible_to(membership)
    elif audience == COMPANY:
        lines = MonthlyHours.objects.in_territory(membership.territory).filter(
            Q(statement__in=Statement.objects.visible_to(membership))
            | Q(statement__isnull=True, placement__in=Placement.objects.visible_to(membership))
        )
    else:
        return MonthlyHours.objects.none()
    if filters.clause is not None:
        lines = lines.filter(placement__clause=filters.clause)
    if filters.company is not None:
        lines = lines.filter(company_lines_q(filters.company.pk))
    if filters.buyer is not None:
        lines = lines.filter(placement__clause__lot__market__buyer=filters.buyer)
    if filters.start:
        lines = lines.filter(month__gte=filters.start)
    if filters.end:
        lines = lines.filter(month__lte=filters.end)
    lines = lines.select_related(
        "statement__company",
        "placement__participant",
        "placement__employer_company",
        "placement__employer_inclusion",
        "placement__clause__lot__market__buyer",
    ).order_by(
        "month",
        "placement__clause__lot__market__reference",
        "placement__clause__lot__number",
        "placement__participant__last_name",
        "placement__participant__first_name",
        "placement_id",
    )
    if audience == STAFF:
        lines = with_eligibility(lines).annotate(
            has_allocations=Exists(
                HoursAllocation.objects.filter(territory_id=OuterRef("territory_id"), line_id=OuterRef("pk"))
            )
        )
    return lines


def text_cell(sheet, text):
    """A cell that stays text: openpyxl would write a string starting with "=" as a formula (formula injection)."""
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def _header_cell(sheet, text):
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    return cell


def write_workbook(membership, filters, output, *, filter_labels=()):
    """Write the export to ``output`` (a path or a binary file). Returns the number of lines written."""
    audience = audience_of(membership)
    columns = columns_for(audience)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.append([_header_cell(sheet, column.header) for column in columns])
    formatted = [(column, column.number_format) for column in columns]
    count = 0
    for line in export_lines(membership, filters).iterator(chunk_size=CHUNK_SIZE):
        row = []
        for column, number_format in formatted:
            value = column.value(line)
            if number_format and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = number_format
                value = cell
            elif isinstance(value, str) and value.startswith("="):
                value = text_cell(sheet, value)
            row.append(value)
        sheet.append(row)
        count += 1

    about = workbook.create_sheet("Paramètres")
    about.append([_header_cell(about, "Tableau de relevés mensuels"), membership.territory.name])
    about.append(["Exporté le", timezone.localtime().strftime("%d/%m/%Y %H:%M")])
    about.append(["Par", membership.user.get_full_name() or membership.user.email])
    for label, value in filter_labels:
        about.append([label, value])
    about.append(["Lignes", count])
    workbook.save(output)
    return count
