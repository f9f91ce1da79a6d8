"""Export of the participants' list (filtered) as an XLSX workbook, for the roles that see identities.

Columns are declared once as (header, value, width, number format); rows are read in chunks with their criteria
prefetched, and written with openpyxl's write-only mode to a temporary file the view streams: queries and memory stay
flat whatever the number of people. The view logs the export in the access journal with its row count.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .enums import OutcomeCategory
from .exports import text_cell
from .models import EligibilityValidation, Placement
from .participants import AGE_BANDS, age_band_of, with_outcome_status

SHEET_TITLE = "Participants"
CHUNK_SIZE = 1000
DATE_FORMAT = "dd/mm/yyyy"
AGE_BAND_LABELS = dict(AGE_BANDS)


def _category(value):
    return OutcomeCategory(value).label if value else ""


def _criteria(participant):
    labels = sorted({validation.criterion.label for validation in participant.eligibilities.all()})
    return " ; ".join(labels)


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable
    width: int = 16
    number_format: str | None = None


def columns(year):
    return (
        Column("N° de fiche", lambda p: p.pk, 10),
        Column("Nom", lambda p: p.last_name.upper(), 20),
        Column("Prénom", lambda p: p.first_name, 18),
        Column("Date de naissance", lambda p: p.birth_date, 12, DATE_FORMAT),
        Column("Année de naissance", lambda p: p.birth_year, 10),
        Column("Tranche d'âge", lambda p: AGE_BAND_LABELS[age_band_of(p.birth_year, year)], 14),
        Column("Sexe", lambda p: p.get_sex_display(), 8),
        Column("Niveau de qualification", lambda p: p.get_qualification_level_display(), 22),
        Column("Commune de résidence", lambda p: p.residence_commune.name if p.residence_commune else "", 22),
        Column("Habite un QPV", lambda p: "Oui" if p.is_qpv_resident else "Non", 8),
        Column("Prescripteur", lambda p: p.get_prescriber_display(), 16),
        Column("Facilitateur·rice référent·e", lambda p: p.referent.full_name if p.referent else "", 22),
        Column("Publics validés", _criteria, 40),
        Column("Mises en emploi", lambda p: p.placement_count, 10),
        Column("Dernière fin de contrat", lambda p: p.last_end, 12, DATE_FORMAT),
        Column("Sortie à la fin du contrat", lambda p: _category(p.end_category), 22),
        Column("Sortie à six mois", lambda p: _category(p.six_months_category), 22),
        Column("Sortie à renseigner", lambda p: "Oui" if p.outcome_due else "Non", 10),
        Column(
            "Anonymisé le",
            lambda p: timezone.localtime(p.anonymised_at).date() if p.anonymised_at else None,
            12,
            DATE_FORMAT,
        ),
    )


def export_queryset(participants, today):
    """The filtered participants with everything the columns read (one query per chunk, plus the criteria's)."""
    placements = (
        Placement.objects.filter(territory_id=OuterRef("territory_id"), participant_id=OuterRef("pk"))
        .values("participant_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    annotated = with_outcome_status(participants, today).annotate(
        placement_count=Coalesce(Subquery(placements, output_field=IntegerField()), 0)
    )
    return (
        annotated.select_related("referent", "residence_commune")
        .prefetch_related(
            Prefetch("eligibilities", queryset=EligibilityValidation.objects.select_related("criterion").order_by())
        )
        .order_by("last_name", "first_name", "pk")
    )


def _header(sheet, text):
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    return cell


def write_workbook(participants, output, *, territory, user, filter_labels=(), today=None):
    """Write the participants (a filtered queryset) to ``output``; returns the number of rows written."""
    today = today or timezone.localdate()
    cols = columns(today.year)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for index, column in enumerate(cols, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.append([_header(sheet, column.header) for column in cols])
    count = 0
    for participant in export_queryset(participants, today).iterator(chunk_size=CHUNK_SIZE):
        row = []
        for column in cols:
            value = column.value(participant)
            if column.number_format and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = column.number_format
                value = cell
            elif isinstance(value, str) and value.startswith("="):
                value = text_cell(sheet, value)  # typed text, never a formula
            row.append(value)
        sheet.append(row)
        count += 1
    about = workbook.create_sheet("Paramètres")
    about.append([_header(about, "Liste des participants"), territory.name])
    about.append(["Exporté le", timezone.localtime().strftime("%d/%m/%Y %H:%M")])
    about.append(["Par", user.get_full_name() or user.email])
    about.append(["Données personnelles", "Usage strictement professionnel : ne pas diffuser. Export journalisé."])
    for label, value in filter_labels:
        about.append([label, value])
    about.append(["Personnes", count])
    workbook.save(output)
    return count
