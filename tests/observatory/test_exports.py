"""One observatory table as XLSX: context first, numbers as numbers, masked cells « < 5 »."""

from io import BytesIO

from openpyxl import load_workbook

from observatory.exports import table_to_xlsx
from observatory.indicators import Filters
from tests.observatory.factories_charts import bars_table, sample_indicators
from tests.territories.factories import TerritoryFactory


def read(content):
    sheet = load_workbook(BytesIO(content)).active
    return sheet, [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_workbook_gives_title_scope_period_filters_definition_then_the_table(db):
    territory = TerritoryFactory(code="34")
    indicators = sample_indicators(territory)
    table = bars_table()
    content = table_to_xlsx(table, indicators, filter_labels=[("Type de donneur d'ordre", "Commune")])
    sheet, rows = read(content)
    assert rows[0][0] == "Heures par type de donneur d'ordre"
    assert rows[1][:2] == ["Périmètre", "Hérault (34)"]
    assert rows[2][:2] == ["Période", "Année 2026"]
    assert rows[3][:2] == ["Filtres", "Type de donneur d'ordre : Commune"]
    assert rows[4][:2] == ["Définition", table.definition]
    header = rows.index(["Libellé", "Heures exigées (h)", "Heures réalisées (h)", "Participants"])
    body = rows[header + 1 :]
    assert body[0] == ["Commune", 2000, 1234.5, 12]
    assert body[1] == ["Bailleur social", 800, 400, 6]
    assert body[2] == ["Établissement de santé", "< 5", "< 5", "< 5"]  # masked row
    assert body[3] == ["Région", 100, None, 0]  # not computable: empty
    assert body[4] == ["Total", 3200, 1671.5, 20]
    assert not any(row[0] == "Confidentialité" for row in rows)  # no mask applied


def test_the_confidentiality_rule_is_stated_when_applied(db):
    indicators = sample_indicators(TerritoryFactory(code="34"), confidential=True)
    _sheet, rows = read(table_to_xlsx(bars_table(), indicators, filter_labels=[]))
    assert rows[5][:2] == ["Confidentialité", "Les effectifs inférieurs à 5 sont masqués (« < 5 »)."]
    assert rows[3][:2] == ["Filtres", "Aucun"]


def test_filters_are_resolved_to_names_by_default(db):
    from tests.markets.factories import BuyerFactory

    territory = TerritoryFactory(code="34")
    buyer = BuyerFactory(territory=territory, name="Ville de Sète")
    indicators = sample_indicators(territory)
    indicators.filters = Filters(buyer=buyer.pk, sector="works")
    _sheet, rows = read(table_to_xlsx(bars_table(), indicators))
    assert rows[3][1] == "Donneur d'ordre : Ville de Sète; Secteur : Travaux"


def test_numbers_are_formatted_and_the_header_frozen(db):
    indicators = sample_indicators(TerritoryFactory(code="34"))
    sheet, rows = read(table_to_xlsx(bars_table(), indicators, filter_labels=[]))
    header = rows.index(["Libellé", "Heures exigées (h)", "Heures réalisées (h)", "Participants"]) + 1
    assert sheet.freeze_panes == f"B{header + 1}"
    assert sheet.cell(row=header + 1, column=3).number_format == "#,##0.0"
    assert sheet.cell(row=header + 1, column=4).number_format == "#,##0"


def test_a_name_starting_with_an_equals_sign_stays_text_never_a_formula(db):
    """A company or buyer name comes from imports: « =HYPERLINK(…) » must not become a live formula in Excel."""
    table = bars_table()
    table.rows[0].label = '=HYPERLINK("http://example.org","Cliquez")'
    indicators = sample_indicators(TerritoryFactory(code="34"))
    content = table_to_xlsx(table, indicators, filter_labels=[("Entreprise", "=1+1")])
    sheet = load_workbook(BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    injected = [cell for cell in cells if cell.value.startswith("=") or "=1+1" in cell.value]
    assert injected, "the test must find the names"
    assert all(cell.data_type == "s" for cell in cells)
