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
    """« observatoire-34-2026-hours_by_buyer_kind.xlsx »: scope (a territory or region code), period start, table
    (``table`` None: the key figures, « …-chiffres-cles.xlsx »)."""
    key = table.key if table is not None else FIGURES_KEY
    return f"observatoire-{scope}-{indicators.period.start:%Y-%m-%d}-{key}.xlsx"


def _workbook(title, indicators, filter_labels, scope_label, definition):
    """A workbook whose sheet starts with what the figures are: title, scope, period, filters, definition, the
    confidentiality rule when it applies, then a blank line."""
    if filter_labels is None:
        from .filters import describe_filters

        filter_labels = describe_filters(indicators.filters)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (title[:28] + "…") if len(title) > 31 else title
    for character in "[]:*?/\\":
        sheet.title = sheet.title.replace(character, " ")
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["Périmètre", scope_label or territories_label(indicators.territories)])
    sheet.append(["Période", indicators.period.label])
    filters_text = "; ".join(f"{label} : {value}" for label, value in filter_labels) or "Aucun"
    sheet.append(["Filtres", filters_text])
    sheet.append(["Définition", definition])
    if indicators.confidential:
        sheet.append(["Confidentialité", CONFIDENTIALITY_NOTE])
    for row in sheet.iter_rows(min_row=2, max_col=1):
        row[0].font = Font(bold=True)
    sheet.append([])
    return workbook, sheet


def _save(workbook):
    # Formula injection: openpyxl writes a string starting with "=" (a buyer's or company's name from an import…)
    # as a formula. These workbooks hold no formula of their own: every string stays text.
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FIGURES_KEY = "chiffres-cles"
FIGURES_TITLE = "Chiffres clés"
FIGURES_DEFINITION = (
    "Les chiffres clés de la page ; un taux (ou un ratio) est donné avec son numérateur et son dénominateur. La "
    "définition de chaque chiffre est dans la dernière colonne."
)
FIGURES_HEADER = ["Indicateur", "Valeur", "Unité", "Numérateur", "Valeur", "Dénominateur", "Valeur", "Définition"]


def _figure_cell(cell, value, unit, masked):
    cell.value = _cell(value, masked)
    if isinstance(cell.value, (int, float)):
        cell.number_format = NUMBER_FORMATS.get(unit, "#,##0.0")
    else:
        cell.alignment = Alignment(horizontal="right")


def figures_to_xlsx(indicators, *, filter_labels=None, scope_label=None):
    """The key figures of ``indicators`` as the bytes of an XLSX workbook: one line per figure with its value, unit,
    numerator and denominator (for a rate: label and value of each, « < 5 » when masked) and definition."""
    workbook, sheet = _workbook(FIGURES_TITLE, indicators, filter_labels, scope_label, FIGURES_DEFINITION)
    sheet.append(FIGURES_HEADER)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for figure in indicators.figures:
        sheet.append([figure.label, None, figure.unit, figure.numerator_label, None, figure.denominator_label])
        line = sheet[sheet.max_row]
        _figure_cell(line[1], figure.value, figure.unit, figure.masked)
        if figure.numerator_label:
            _figure_cell(line[4], figure.numerator, figure.numerator_unit, figure.masked)
            _figure_cell(line[6], figure.denominator, figure.denominator_unit, figure.masked)
        line[7].value = figure.definition
        line[7].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    for letter, width in zip("ABCDEFGH", (34, 14, 8, 30, 14, 34, 14, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    return _save(workbook)


def table_to_xlsx(table, indicators, *, filter_labels=None, scope_label=None):
    """``table`` of ``indicators`` as the bytes of an XLSX workbook.

    ``filter_labels``: the filters in use as [(French label, French value)] (default: resolved from
    ``indicators.filters`` by ``observatory.filters.describe_filters``); ``scope_label``: what the figures cover
    (default: the territories' names).
    """
    workbook, sheet = _workbook(table.title, indicators, filter_labels, scope_label, table.definition)
    bold = Font(bold=True)

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

    return _save(workbook)
