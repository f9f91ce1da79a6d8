"""One observatory table as an XLSX workbook: the figures exactly as the page shows them, with their context.

The sheet says what the table is before giving it: title, territories, period, filters in use, definition, the
confidentiality rule when it applies; then the header (with units), one line per row and the total. Numbers stay
numbers (a spreadsheet can sum them); a masked cell is written « < 5 », a value that cannot be computed is left empty.
"""

from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .charts import MASK_LABEL

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONFIDENTIALITY_NOTE = "Les effectifs inférieurs à 5 sont masqués (« < 5 »)."
NUMBER_FORMATS = {"h": "#,##0.0", "%": "0.0", "ETP": "0.0", "mois": "0.0", "": "#,##0"}


def column_header(column):
    return f"{column.label} ({column.unit})" if column.unit else column.label


def _cell(value, masked):
    if masked:
        return MASK_LABEL
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def territories_label(territories):
    return ", ".join(f"{territory.name} ({territory.code})" for territory in territories)


def filename(table, indicators, scope):
    """« observatoire-34-2026-hours_by_buyer_kind.xlsx »: scope (a territory or region code), period start, table."""
    return f"observatoire-{scope}-{indicators.period.start:%Y-%m-%d}-{table.key}.xlsx"


def table_to_xlsx(table, indicators, *, filter_labels=None, scope_label=None):
    """``table`` of ``indicators`` as the bytes of an XLSX workbook.

    ``filter_labels``: the filters in use as [(French label, French value)] (default: resolved from
    ``indicators.filters`` by ``observatory.filters.describe_filters``); ``scope_label``: what the figures cover
    (default: the territories' names).
    """
    if filter_labels is None:
        from .filters import describe_filters

        filter_labels = describe_filters(indicators.filters)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (table.title[:28] + "…") if len(table.title) > 31 else table.title
    for character in "[]:*?/\\":
        sheet.title = sheet.title.replace(character, " ")

    bold = Font(bold=True)
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["Périmètre", scope_label or territories_label(indicators.territories)])
    sheet.append(["Période", indicators.period.label])
    filters_text = "; ".join(f"{label} : {value}" for label, value in filter_labels) or "Aucun"
    sheet.append(["Filtres", filters_text])
    sheet.append(["Définition", table.definition])
    if indicators.confidential:
        sheet.append(["Confidentialité", CONFIDENTIALITY_NOTE])
    for row in sheet.iter_rows(min_row=2, max_col=1):
        row[0].font = bold
    sheet.append([])

    header = ["Libellé", *(column_header(column) for column in table.columns)]
    sheet.append(header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    lines = [*table.rows, *([table.total] if table.total is not None else [])]
    for line in lines:
        sheet.append([line.label, *(_cell(line.values.get(column.key), line.masked) for column in table.columns)])
        for column, cell in zip(table.columns, sheet[sheet.max_row][1:], strict=True):
            if isinstance(cell.value, (int, float)):
                cell.number_format = NUMBER_FORMATS.get(column.unit, "#,##0.0")
            else:
                cell.alignment = Alignment(horizontal="right")
    if table.total is not None:
        for cell in sheet[sheet.max_row]:
            cell.font = bold
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    sheet.column_dimensions["A"].width = 40
    for index in range(2, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 18

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
