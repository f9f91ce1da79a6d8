"""The territory's observatory page and its XLSX exports: roles, filters, the confidentiality mask, query counts.

Territory 34 (``populate``): in February 2026, 6 participants × 100 h on the clause of « Ville de Sète » (a commune)
and 2 × 50 h on the clause of « Hérault Habitat » (a social landlord): 700 h achieved, 8 participants.
"""

import re
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.enums import Role
from markets.enums import BuyerKind
from observatory.exports import XLSX_TYPE
from tests.conftest import make_member
from tests.observatory.factories_observatory import populate

NOTICE = "Les effectifs inférieurs à 5 sont masqués"


def page_url(**query):
    url = reverse("observatory:indicators", kwargs={"territory_code": "34"})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def export_url(table_key, query=""):
    return reverse("observatory:table_export", kwargs={"territory_code": "34", "table_key": table_key}) + query


def text(response):
    """The page's visible text, tags stripped, spaces normalised (non-breaking ones included)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&lt;", "<").replace("&#x27;", "'")


def table_section(response, key):
    html = response.content.decode()
    start = html.index(f'id="table-{key}"')
    return html[start : html.index("</section>", start)]


def row_cells(section, label):
    """The cells of the row labelled ``label`` in a table section."""
    match = re.search(rf"<th scope=\"row\">{re.escape(label)}</th>(.*?)</tr>", section, flags=re.S)
    assert match, f"no row {label!r}"
    return [cell.replace("\xa0", " ") for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1))]


@pytest.fixture
def data(territory):
    return populate(territory)


@pytest.fixture
def login(client, territory):
    def login_as(role):
        client.force_login(make_member(territory, role).user)
        return client

    return login_as


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FACILITATOR, Role.COMMITTEE])
def test_observatory_roles_see_the_indicators(login, data, role):
    response = login(role).get(page_url(year=2026))
    assert response.status_code == 200
    page = text(response)
    assert "Observatoire des clauses sociales" in page
    assert "Année 2026 — Hérault (34)" in page
    assert 'data-figure="hours_achieved"' in response.content.decode()
    assert "700 h" in page.replace("\xa0", " ")


@pytest.mark.parametrize("role", [Role.BUYER, Role.COMPANY])
def test_buyers_and_companies_are_refused(login, data, role):
    client = login(role)
    assert client.get(page_url()).status_code == 403
    assert client.get(export_url("hours_by_buyer")).status_code == 403


def test_default_period_is_the_current_year(login, data):
    from django.utils import timezone

    response = login(Role.COORDINATOR).get(page_url())
    year = timezone.localdate().year
    assert f"Année {year}" in text(response)
    assert f'name="year" value="{year}"' in response.content.decode()


def test_coordinator_sees_small_counts_without_mask(login, data):
    response = login(Role.COORDINATOR).get(page_url(year=2026))
    assert NOTICE not in text(response)
    section = table_section(response, "hours_by_buyer")
    cells = row_cells(section, "Hérault Habitat")
    assert cells[1] == "100"  # hours achieved
    assert cells[-1] == "2"  # participants
    assert "&lt; 5" not in section


def test_committee_sees_small_counts_masked_with_a_notice(login, data):
    response = login(Role.COMMITTEE).get(page_url(year=2026))
    page = text(response)
    assert NOTICE in page
    section = table_section(response, "hours_by_buyer")
    cells = row_cells(section, "Hérault Habitat")
    assert set(cells) == {"&lt; 5"}
    # Two participants: and the other buyer is masked too, so the total cannot reveal them.
    assert set(row_cells(section, "Ville de Sète")) == {"&lt; 5"}
    assert row_cells(section, "Total")[1] == "700"
    # The chart draws no bar for them, and says why.
    assert "Hérault Habitat : &lt; 5" in section


def test_each_table_has_its_chart_definition_and_export_link(login, data):
    response = login(Role.COORDINATOR).get(page_url(year=2026, buyer_kind="municipality"))
    html = response.content.decode()
    section = table_section(response, "hours_by_buyer_kind")
    assert "<svg" in section and 'role="img"' in section
    assert "Définition." in section
    link = export_url("hours_by_buyer_kind", "?year=2026&amp;buyer_kind=municipality")
    assert f'href="{link}"' in section
    assert html.count("Exporter (XLSX)") >= 10


def test_rates_show_numerator_and_denominator(login, data):
    response = login(Role.COORDINATOR).get(page_url(year=2026))
    html = response.content.decode()
    start = html.index('data-figure="completion_rate"')
    tile = html[start : html.index("</div>\n  </div>\n</div>", start)]
    # Each part says what it counts, with its unit.
    assert "Heures réalisées : <strong data-numerator>700\xa0h</strong>" in tile
    assert "Heures exigées : <strong data-denominator>" in tile
    start = html.index('data-figure="hours_per_participant"')
    tile = html[start : html.index("</div>\n  </div>\n</div>", start)]
    assert "Participants : <strong data-denominator>8</strong>" in tile


def test_key_figures_export_gives_each_rate_its_numerator_and_denominator(login, data):
    response = login(Role.COORDINATOR).get(page_url(year=2026))
    link = export_url("chiffres-cles", "?year=2026")
    assert f'href="{link.replace("&", "&amp;")}"' in response.content.decode()
    download = login(Role.COORDINATOR).get(link)
    assert download.status_code == 200
    assert 'filename="observatoire-34-2026-01-01-chiffres-cles.xlsx"' in download["Content-Disposition"]
    rows = _workbook_rows(download)
    assert rows[0][0] == "Chiffres clés"
    by_label = {row[0]: row for row in rows}
    completion = by_label["Taux de réalisation"]
    assert completion[2:7] == ["%", "Heures réalisées", 700, "Heures exigées", completion[6]]
    assert completion[6] > 0 and completion[1] == round(700 * 100 / completion[6], 1)
    sustainable = by_label["Taux d'accès à l'emploi durable"]
    assert sustainable[3] == "Participants en emploi durable"
    assert sustainable[5] == "Participants ayant une sortie connue"
    assert by_label["Marchés suivis"][3] is None  # not a rate: no numerator


def test_committee_key_figures_export_masks_the_parts_of_a_masked_rate(login, data):
    # Filtered on social housing, two participants: the hours per participant rest on 2 people.
    query = f"?year=2026&buyer_kind={BuyerKind.SOCIAL_HOUSING}"
    rows = _workbook_rows(login(Role.COMMITTEE).get(export_url("chiffres-cles", query)))
    by_label = {row[0]: row for row in rows}
    assert by_label["Heures par participant"][1:7] == ["< 5", "h", "Heures réalisées", "< 5", "Participants", "< 5"]
    assert 100 not in [cell for row in rows for cell in row]


def test_filter_by_buyer_kind_restricts_the_figures(login, data):
    response = login(Role.COORDINATOR).get(page_url(year=2026, buyer_kind=BuyerKind.SOCIAL_HOUSING))
    html = response.content.decode()
    start = html.index('data-figure="hours_achieved"')
    assert "100\xa0h" in html[start : start + 400]
    assert "Type de donneur d&#x27;ordre : Bailleur social" in html
    # The value chosen stays selected.
    assert re.search(r'<option value="social_housing" selected>', html)


def test_filter_by_buyer(login, data):
    buyer = data["Ville de Sète"]
    response = login(Role.COORDINATOR).get(page_url(year=2026, buyer=buyer.pk))
    html = response.content.decode()
    start = html.index('data-figure="hours_achieved"')
    assert "600\xa0h" in html[start : start + 400]
    assert "Donneur d&#x27;ordre : Ville de Sète" in html


def test_quarter_and_custom_periods(login, data):
    client = login(Role.COORDINATOR)
    assert "1er trimestre 2026" in text(client.get(page_url(year=2026, quarter=1)))
    response = client.get(page_url(start="2026-03-01", end="2026-03-31"))
    page = text(response)
    assert "Du 01/03/2026 au 31/03/2026" in page
    html = response.content.decode()
    start = html.index('data-figure="hours_achieved"')
    assert ">0\xa0h<" in html[start : start + 400]  # nothing in March


def test_committee_reads_whole_years_only(login, data):
    """Hours add up across periods: a quarter or a custom range next to its year would let a committee member
    subtract their way to a masked month. The masked view offers (and honours) whole calendar years only."""
    client = login(Role.COMMITTEE)
    response = client.get(page_url(year=2026, quarter=1, start="2026-03-01", end="2026-03-31"))
    html = response.content.decode()
    for name in ("quarter", "start", "end"):
        assert f'name="{name}"' not in html
    assert "une année civile (secret statistique" in html
    assert response.context["indicators"].period.label == "Année 2026"
    assert "1er trimestre 2026" not in text(response)
    assert "Du 01/03/2026" not in text(response)
    # The coordinator, who sees the people anyway, keeps quarters and custom ranges.
    coordinator = login(Role.COORDINATOR)
    assert coordinator.get(page_url(year=2026, quarter=1)).context["indicators"].period.label == "1er trimestre 2026"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"year": "deux-mille"}, "year", "Indiquez une année en chiffres"),
        ({"year": "1850"}, "year", "Indiquez une année à partir de 2000"),
        ({"buyer": "999999"}, "buyer", "Sélectionnez un choix valide"),
        ({"sector": "mines"}, "sector", "Sélectionnez un choix valide"),
        ({"start": "2026-03-01"}, "end", "Indiquez aussi la fin de la période personnalisée."),
        ({"start": "2026-03-01", "end": "2026-01-01"}, "end", "La fin de la période doit être postérieure"),
        ({"start": "32/13/2026", "end": "2026-01-01"}, "start", "Date non reconnue"),
    ],
)
def test_invalid_filters_show_a_french_error_and_keep_the_typed_values(login, data, query, field, message):
    response = login(Role.COORDINATOR).get(page_url(**query))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Les filtres contiennent des erreurs" in html
    errors = html[html.index(f'id="id_{field}-desc-error"') :][:400]
    assert message in errors.replace("&#x27;", "'")
    assert 'data-figure="hours_achieved"' not in html
    typed = query.get("year") or query.get("start")
    if typed:
        assert f'value="{typed}"' in html


def test_export_with_invalid_filters_goes_back_to_the_page(login, data):
    response = login(Role.COORDINATOR).get(export_url("hours_by_buyer", "?year=abc"))
    assert response.status_code == 302
    assert response["Location"] == page_url(year="abc")


def test_unknown_table_is_404(login, data):
    assert login(Role.COORDINATOR).get(export_url("no_such_table")).status_code == 404


def _workbook_rows(response):
    sheet = load_workbook(BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_coordinator_downloads_a_table_as_xlsx(login, data):
    response = login(Role.COORDINATOR).get(export_url("hours_by_buyer", "?year=2026"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert 'filename="observatoire-34-2026-01-01-hours_by_buyer.xlsx"' in response["Content-Disposition"]
    rows = _workbook_rows(response)
    assert rows[0][0] == "Heures par donneur d'ordre"
    assert rows[2][:2] == ["Période", "Année 2026"]
    by_label = {row[0]: row for row in rows}
    assert by_label["Hérault Habitat"][2] == 100
    assert by_label["Ville de Sète"][2] == 600


def test_committee_download_is_masked_and_filtered(login, data):
    query = f"?year=2026&buyer_kind={BuyerKind.MUNICIPALITY}"
    rows = _workbook_rows(login(Role.COMMITTEE).get(export_url("hours_by_buyer", query)))
    assert rows[3][:2] == ["Filtres", "Type de donneur d'ordre : Commune"]
    assert any(row[0] == "Confidentialité" for row in rows)
    by_label = {row[0]: row for row in rows}
    assert by_label["Ville de Sète"][2] == 600  # six participants: shown
    assert 100 not in [cell for row in rows for cell in row]


def _queries(client):
    with CaptureQueriesContext(connection) as context:
        assert client.get(page_url(year=2026)).status_code == 200
    return len(context)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.COMMITTEE])
def test_query_count_does_not_grow_with_the_data(login, territory, role, django_assert_max_num_queries):
    client = login(role)
    populate(territory, (("Petite commune", BuyerKind.MUNICIPALITY, 1, 10),))
    _queries(client)  # the first request also stores the territory in the session
    small = _queries(client)
    populate(
        territory,
        tuple((f"Acheteur {n}", BuyerKind.EPCI, 3, 20) for n in range(6)),
    )
    assert _queries(client) == small
    with django_assert_max_num_queries(60):
        client.get(page_url(year=2026, buyer_kind=BuyerKind.EPCI))
