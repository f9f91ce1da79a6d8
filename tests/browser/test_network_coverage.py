"""Network coverage journeys in a real browser: an anonymous visitor finds the facilitator of a commune in the public
directory; a coordinator assigns an EPCI to an organisation and sees the white zones shrink."""

import pytest
from playwright.sync_api import expect

from accounts.enums import Role
from facilitators.models import CoverageArea
from territories.geography import load_geography
from tests.accounts.factories import PASSWORD
from tests.browser.pages import LoginPage, TerritoryHomePage
from tests.browser.pages_network_coverage import CoveragePage, DirectoryPage
from tests.conftest import make_member
from tests.facilitators.coverage_fixtures import MONTPELLIER, MONTPELLIER_METROPOLE, SETE_AGGLOPOLE, assign
from tests.facilitators.factories import FacilitatorFactory, FacilitatorOrganisationFactory
from tests.markets.factories import BuyerFactory

HERAULT_COMMUNES = 341


@pytest.fixture
def herault(territory):
    load_geography(departments=["34"])
    return territory


def test_anonymous_visitor_finds_the_facilitator_of_a_commune(page, axe, herault):
    thau = FacilitatorOrganisationFactory(
        territory=herault, name="Maison de l'emploi du Bassin de Thau", email="clauses@mde-thau.example.org"
    )
    marc = FacilitatorFactory(
        territory=herault,
        organisation=thau,
        first_name="Marc",
        last_name="Roux",
        email="marc.roux@mde-thau.example.org",
        phone="04 67 46 00 00",
    )
    BuyerFactory(territory=herault, name="Ville de Sète", lead_facilitator=marc)
    assign(thau, epci=SETE_AGGLOPOLE)
    herault.contact_email = "coordination@herault.example.org"
    herault.save()

    directory = DirectoryPage(page, "34").open()
    expect(directory.heading).to_contain_text("Hérault")
    axe(page)

    directory.search("Sete")
    assert "Sète (34301)" in directory.result_text()
    assert directory.facilitators_in_result() == ["Marc Roux"]
    assert directory.organisations_in_result() == ["Maison de l'emploi du Bassin de Thau"]
    expect(directory.result.get_by_role("link", name="marc.roux@mde-thau.example.org")).to_have_attribute(
        "href", "mailto:marc.roux@mde-thau.example.org"
    )
    expect(directory.result).to_contain_text("Chef de file pour : Ville de Sète")
    axe(page)

    # A commune nobody covers: a clear white-zone answer with the coordination's contact.
    directory.search("Agde")
    expect(directory.result).to_contain_text("Agde (34003) est en zone blanche")
    expect(directory.result.get_by_role("link", name="coordination@herault.example.org")).to_be_visible()
    assert directory.facilitators_in_result() == []
    axe(page)


def test_coordinator_assigns_an_epci_and_sees_the_white_zones_shrink(page, axe, herault):
    coordinator = make_member(herault, Role.COORDINATOR)
    plie = FacilitatorOrganisationFactory(territory=herault, name="PLIE Montpellier Méditerranée")
    FacilitatorOrganisationFactory(territory=herault, name="Maison de l'emploi du Bassin de Thau")

    LoginPage(page).open().log_in(coordinator.user.email, PASSWORD)
    TerritoryHomePage(page, "34").expect_current()
    coverage = CoveragePage.from_menu(page, "34")
    assert coverage.figure("white-zones") == HERAULT_COMMUNES
    assert coverage.figure("covered") == 0
    expect(page.locator("#coverage-map-unavailable")).to_be_visible()  # no outline loaded: the list instead
    assert coverage.commune_status(MONTPELLIER) == "white-zone"
    expect(coverage.white_zone_group("Montpellier Méditerranée Métropole")).to_have_count(1)
    axe(page)

    coverage.assign_epci("PLIE Montpellier Méditerranée", "Montpellier Méditerranée Métropole (31 communes)")

    expect(coverage.success_message()).to_contain_text("Montpellier Méditerranée Métropole")
    assert coverage.figure("white-zones") == HERAULT_COMMUNES - 31
    assert coverage.figure("covered") == 31
    assert coverage.commune_status(MONTPELLIER) == "covered"
    expect(coverage.white_zone_group("Montpellier Méditerranée Métropole")).to_have_count(0)
    assert CoverageArea.objects.get().epci_id == MONTPELLIER_METROPOLE
    assert CoverageArea.objects.get().organisation == plie
    axe(page)

    # A commune typed with the suggestions list, already covered by the other organisation: an overlap.
    coverage.assign_commune("Maison de l'emploi du Bassin de Thau", "Montpellier (34172)")
    assert coverage.figure("overlaps") == 1
    assert coverage.commune_status(MONTPELLIER) == "overlap"
    # An invalid entry is refused in French, the typed text kept.
    coverage.assign_commune("Maison de l'emploi du Bassin de Thau", "Lyon")
    expect(coverage.form).to_contain_text("Aucune commune « Lyon » dans le département Hérault (34).")
    expect(coverage.commune_input).to_have_value("Lyon")
    assert coverage.figure("white-zones") == HERAULT_COMMUNES - 31
    axe(page)
