"""Observatory journeys in a real browser: a committee member filters the indicators and exports a masked table; a
regional user lands on the regional observatory after logging in. Both pages pass axe."""

from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.enums import Role
from accounts.models import RegionalAccess
from markets.enums import BuyerKind
from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.pages import LoginPage, TerritoryHomePage
from tests.browser.pages_observatory import ObservatoryPage
from tests.conftest import make_member
from tests.observatory.factories_observatory import DEFAULT_BUYERS, populate
from tests.territories.factories import RegionFactory, TerritoryFactory


@pytest.fixture
def herault(territory):
    # 6 × 100 h for a commune, 2 × 50 h for a social landlord, 7 × 20 h for an EPCI: filtering on communes leaves out
    # 9 people, so the filtered figures are shown to the committee.
    populate(territory, (*DEFAULT_BUYERS, ("Montpellier Méditerranée Métropole", BuyerKind.EPCI, 7, 20)))
    return territory


def test_committee_member_filters_the_observatory_and_exports_a_masked_table(page, axe, herault):
    member = make_member(herault, Role.COMMITTEE)
    LoginPage(page).open().log_in(member.user.email, PASSWORD)
    TerritoryHomePage(page, "34").expect_current()

    observatory = ObservatoryPage.of_territory(page, "34").open("?year=2026")
    expect(observatory.notice()).to_contain_text("Les effectifs inférieurs à 5 sont masqués")
    assert observatory.figure("hours_achieved") == "840 h"
    assert set(observatory.row("hours_by_buyer", "Hérault Habitat")) == {"< 5"}
    axe(page)

    observatory.filter_by("Type de donneur d'ordre", "Commune").apply()
    assert observatory.figure("hours_achieved") == "600 h"
    expect(observatory.filters.get_by_label("Type de donneur d'ordre", exact=False)).to_have_value(
        BuyerKind.MUNICIPALITY
    )

    download = observatory.export("hours_by_buyer")
    assert download.suggested_filename == "observatoire-34-2026-01-01-hours_by_buyer.xlsx"
    with open(download.path(), "rb") as handle:
        sheet = load_workbook(BytesIO(handle.read())).active
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert rows["Filtres"][1] == "Type de donneur d'ordre : Commune"
    assert rows["Ville de Sète"][2] == 600

    # Masked view: whole years only (no quarter or free range to subtract a masked month from its year).
    expect(observatory.filters.locator("input[name=start]")).to_have_count(0)
    observatory.set_year(1850).apply()
    expect(page.locator("#observatory-filter-errors")).to_be_visible()
    expect(page.get_by_text("Indiquez une année à partir de 2000.")).to_be_visible()
    expect(observatory.filters.locator("input[name=year]")).to_have_value("1850")
    axe(page)


def test_regional_user_lands_on_the_regional_observatory(page, axe, herault):
    gard = TerritoryFactory(code="30", name="Gard")
    populate(gard, (("Ville de Nîmes", BuyerKind.MUNICIPALITY, 5, 40),))
    user = UserFactory(email="dreets.occitanie@example.org")
    RegionalAccess.objects.create(user=user, region=RegionFactory(code="76", name="Occitanie"))

    LoginPage(page).open().log_in(user.email, PASSWORD)
    regional = ObservatoryPage.of_region(page, "76").expect_current()
    expect(regional.heading).to_have_text("Observatoire régional — Occitanie")
    regional.set_year(2026).apply()
    assert regional.figure("hours_achieved") == "1 040 h"
    assert "200" in regional.row("by_territory", "Gard (30)")
    axe(page)
