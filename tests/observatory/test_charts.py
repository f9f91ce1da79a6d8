"""The observatory's SVG charts: accessible French images, masked rows drawn as absent, printable by WeasyPrint."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from observatory.charts import format_value, render_chart
from observatory.indicators import Column, Row, Table
from tests.observatory.factories_charts import bars_table, series_table

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg):
    return ET.fromstring(str(svg))


def texts(root):
    return [element.text for element in root.iter(f"{SVG}text")]


def test_values_are_written_the_french_way():
    assert format_value(Decimal("1234.5"), "h") == "1\xa0234,5\xa0h"
    assert format_value(Decimal("52.20"), "%") == "52,2\xa0%"
    assert format_value(12000) == "12\xa0000"
    assert format_value(Decimal("400.00"), "h") == "400\xa0h"
    assert format_value(None, "h") == "—"
    assert format_value(Decimal("3"), "h", masked=True) == "< 5"


def test_bars_draw_one_bar_per_row_with_a_computable_value():
    root = parse(render_chart(bars_table()))
    assert root.get("role") == "img"
    assert root.get("data-chart") == "bars"
    bars = root.findall(f".//{SVG}rect")
    # Commune, bailleur social; the hospital is masked and the region has no value: no bar for them.
    assert len(bars) == 2
    widths = [float(bar.get("width")) for bar in bars]
    assert widths[0] > widths[1] > 0
    assert widths[0] / widths[1] == pytest.approx(1234.5 / 400, rel=0.01)


def test_bars_label_the_rows_and_their_values_and_mask_small_counts():
    shown = texts(parse(render_chart(bars_table())))
    assert "Commune" in shown
    assert "1\xa0234,5\xa0h" in shown
    assert "Établissement de santé" in shown
    assert "< 5" in shown
    assert "37\xa0h" not in shown  # the masked value is nowhere, not even in the description
    assert "37" not in parse(render_chart(bars_table())).find(f"{SVG}desc").text
    assert "—" in shown  # the region: no value


def test_the_chart_has_a_french_title_and_a_description_pointing_to_the_table():
    root = parse(render_chart(bars_table()))
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == title.get("id") == "chart-hours_by_buyer_kind-title"
    assert root.get("aria-describedby") == desc.get("id")
    assert title.text == "Heures par type de donneur d'ordre — Heures réalisées"
    assert "Diagramme en barres" in desc.text
    assert "Commune : 1\xa0234,5\xa0h" in desc.text
    assert "Établissement de santé : < 5" in desc.text
    assert "« Heures par type de donneur d'ordre »" in desc.text


def test_id_prefix_keeps_ids_unique():
    root = parse(render_chart(bars_table(), id_prefix="pdf-chart-1"))
    assert root.find(f"{SVG}title").get("id") == "pdf-chart-1-title"


def test_series_draw_rows_in_order_and_leave_masked_months_absent():
    svg = render_chart(series_table())
    root = parse(svg)
    assert root.get("data-chart") == "series"
    bars = root.findall(f".//{SVG}rect")
    heights = [float(bar.get("height")) for bar in bars]
    # January 120 h, February 0 h (a bar of height 0), March masked (no bar), April 300.25 h.
    assert len(bars) == 3
    assert heights[0] < heights[2] and heights[1] == 0
    xs = [float(bar.get("x")) for bar in bars]
    assert xs == sorted(xs)
    shown = texts(root)
    # Months are abbreviated under the axis, the year given once.
    assert shown.index("janv. 2026") < shown.index("févr.") < shown.index("avr.")
    assert "avril 2026 : 300,3\xa0h" in root.find(f"{SVG}desc").text  # rounded half up
    assert "< 5" in shown
    assert "Histogramme chronologique" in root.find(f"{SVG}desc").text


def test_long_series_still_render_with_every_row_in_the_description():
    rows = [Row(f"{year}", {"hours": Decimal(year - 1990)}, key=str(year)) for year in range(1990, 2030)]
    table = Table(
        "hours_by_year", "Heures par année", "", [Column("hours", "Heures", "h")], rows, None, "series", "hours"
    )
    root = parse(render_chart(table))
    assert len(root.findall(f".//{SVG}rect")) == 40
    assert "2029 : 39\xa0h" in root.find(f"{SVG}desc").text


def test_labels_are_escaped():
    table = bars_table(rows=[Row("Dupont & <Fils>", {"hours_achieved": Decimal(10)}, key="x", participants=9)])
    svg = str(render_chart(table))
    assert "Dupont &amp; &lt;Fils&gt;" in svg
    parse(svg)  # still well-formed XML


def test_no_chart_when_the_table_has_none():
    assert render_chart(bars_table(chart="")) == ""
    assert render_chart(bars_table(chart_column="unknown")) == ""


def test_an_empty_table_renders_an_empty_but_valid_chart():
    root = parse(render_chart(bars_table(rows=[])))
    assert root.findall(f".//{SVG}rect") == []
    assert "Aucune donnée" in root.find(f"{SVG}desc").text


def test_no_inline_style_so_the_csp_accepts_it():
    for table in (bars_table(), series_table()):
        svg = str(render_chart(table))
        assert "style=" not in svg.replace("font-style=", "")
        assert "<script" not in svg


def test_weasyprint_renders_the_chart():
    weasyprint = pytest.importorskip("weasyprint")
    html = f"<html><body><h1>Bilan</h1>{render_chart(bars_table())}{render_chart(series_table())}</body></html>"
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert pdf.startswith(b"%PDF")
