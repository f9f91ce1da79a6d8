"""The public directory ``/annuaire/<code>/``: no login, professional contacts only, "who is my facilitator here?"."""

import pytest
from django.urls import reverse

from accounts.enums import Role
from tests.clauses.factories import ParticipantFactory
from tests.conftest import make_member
from tests.facilitators import coverage_fixtures
from tests.facilitators.coverage_fixtures import (
    AGDE,
    MONTPELLIER,
    MONTPELLIER_METROPOLE,
    SETE,
    SETE_AGGLOPOLE,
    assign,
)
from tests.facilitators.factories import FacilitatorFactory, FacilitatorOrganisationFactory
from tests.markets.factories import BuyerFactory
from tests.territories.factories import CommuneFactory, TerritoryFactory

pytestmark = pytest.mark.django_db

# Shared fixtures (module-scoped real geography of the Hérault, GeoJSON writer).
herault = coverage_fixtures.herault


def directory_url(code="34", commune=None):
    url = reverse("directory:territory", kwargs={"code": code})
    return f"{url}?commune={commune}" if commune is not None else url


@pytest.fixture
def network(herault):
    """Two organisations of the Hérault, their facilitators (one unlisted, one inactive), buyers they lead; and the
    network of the Val-d'Oise, which must never show."""
    plie = FacilitatorOrganisationFactory(
        territory=herault,
        name="PLIE Montpellier Méditerranée",
        email="contact@plie-montpellier.example.org",
        phone="04 67 00 00 00",
    )
    thau = FacilitatorOrganisationFactory(territory=herault, name="Maison de l'emploi du Bassin de Thau")
    nadia = FacilitatorFactory(
        territory=herault,
        organisation=plie,
        first_name="Nadia",
        last_name="Benali",
        email="nadia.benali@plie-montpellier.example.org",
        phone="04 67 11 22 33",
    )
    FacilitatorFactory(
        territory=herault, organisation=plie, first_name="Discrète", last_name="Nonlistée", listed_in_directory=False
    )
    FacilitatorFactory(territory=herault, organisation=plie, first_name="Ancien", last_name="Parti", is_active=False)
    marc = FacilitatorFactory(
        territory=herault,
        organisation=thau,
        first_name="Marc",
        last_name="Roux",
        email="marc.roux@mde-thau.example.org",
    )
    BuyerFactory(territory=herault, name="Ville de Montpellier", lead_facilitator=nadia)
    BuyerFactory(territory=herault, name="ACM Habitat", lead_facilitator=nadia)
    BuyerFactory(territory=herault, name="Ville de Sète", lead_facilitator=marc)
    BuyerFactory(territory=herault, name="Hérault Logement")  # no lead facilitator
    assign(plie, epci=MONTPELLIER_METROPOLE)
    assign(thau, epci=SETE_AGGLOPOLE)
    assign(thau, commune=MONTPELLIER)

    other = TerritoryFactory(code="95")
    cergy = CommuneFactory(insee_code="95127", name="Cergy", department=other.department)
    cergy_plie = FacilitatorOrganisationFactory(territory=other, name="PLIE de Cergy-Pontoise")
    val_doise = FacilitatorFactory(territory=other, organisation=cergy_plie, first_name="Valérie", last_name="Doise")
    BuyerFactory(territory=other, name="Ville de Cergy", lead_facilitator=val_doise)
    assign(cergy_plie, commune=cergy.insee_code)
    ParticipantFactory(territory=herault, first_name="Zéphyrine", last_name="Quaresmolle")
    return {"plie": plie, "thau": thau, "nadia": nadia, "marc": marc}


def test_anonymous_visitor_reads_the_directory(client, network):
    response = client.get(directory_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1 and '<html lang="fr"' in html
    assert "PLIE Montpellier Méditerranée" in html
    assert "contact@plie-montpellier.example.org" in html
    assert "Nadia Benali" in html
    assert "nadia.benali@plie-montpellier.example.org" in html
    assert "04 67 11 22 33" in html
    assert "Chef de file pour : ACM Habitat, Ville de Montpellier" in html
    assert "Chef de file pour : Ville de Sète" in html
    assert "Montpellier Méditerranée Métropole (EPCI) ; Montpellier (34172)" not in html  # the PLIE has only the EPCI
    assert "Montpellier Méditerranée Métropole (EPCI)" in html
    assert "CA Sète Agglopôle Méditerranée (EPCI) ; Montpellier (34172)" in html
    assert "45 communes couvertes sur 341" in html


def test_unlisted_or_inactive_facilitators_and_personal_data_never_show(client, network):
    html = client.get(directory_url()).content.decode()
    for hidden in ("Nonlistée", "Discrète", "Ancien", "Zéphyrine", "Quaresmolle", "Hérault Logement"):
        assert hidden not in html


def test_another_territorys_network_never_shows(client, network):
    html = client.get(directory_url()).content.decode()
    for foreign in ("Cergy", "Valérie", "Doise", "Val-d'Oise"):
        assert foreign not in html
    html = client.get(directory_url(commune="Cergy")).content.decode()
    assert 'id="directory-no-match"' in html
    assert "PLIE de Cergy-Pontoise" not in html
    # The Val-d'Oise's own page shows its own network only.
    html = client.get(directory_url("95")).content.decode()
    assert "PLIE de Cergy-Pontoise" in html and "Valérie Doise" in html and "Chef de file pour : Ville de Cergy" in html
    assert "PLIE Montpellier" not in html and "Nadia" not in html


@pytest.mark.parametrize("typed", ["Montpellier", "montpellier", "34172", "Montpellier (34172)"])
def test_search_finds_the_facilitators_of_a_commune(client, network, typed):
    html = client.get(directory_url(commune=typed)).content.decode()
    result = html[html.index('id="directory-result"') : html.index('id="directory-organisations"')]
    assert "Résultat pour « " in result
    assert "Montpellier (34172)" in result
    assert "est couverte par" in result and "2 structures" in result
    assert "PLIE Montpellier Méditerranée" in result and "Nadia Benali" in result
    assert "Maison de l&#x27;emploi du Bassin de Thau" in result and "Marc Roux" in result


def test_search_in_a_single_organisations_commune(client, network):
    html = client.get(directory_url(commune="sete")).content.decode()
    result = html[html.index('id="directory-result"') : html.index('id="directory-organisations"')]
    assert "Sète (34301)" in result and "la structure suivante" in result
    assert "Marc Roux" in result and "marc.roux@mde-thau.example.org" in result
    assert "Nadia" not in result


def test_search_in_a_white_zone_says_so_with_the_coordinations_contact(client, network, herault):
    herault.contact_email = "clauses@herault.example.org"
    herault.contact_phone = "04 67 00 00 00"
    herault.save()
    # The coordinators' own accounts are never published: only the coordination's public contact.
    coordinator = make_member(herault, Role.COORDINATOR, first_name="Claire", last_name="Martin")

    html = client.get(directory_url(commune=AGDE)).content.decode()

    white = html[html.index('id="directory-white-zone"') : html.index('id="directory-organisations"')]
    assert "Agde (34003) est en zone blanche" in white
    assert "Aucune structure porteuse" in white
    assert "clauses@herault.example.org" in white and "04 67 00 00 00" in white
    assert coordinator.email not in html and "Claire" not in white
    assert white.count("mailto:") == 1


def test_white_zone_without_a_public_contact_names_the_coordination(client, network):
    html = client.get(directory_url(commune=AGDE)).content.decode()
    white = html[html.index('id="directory-white-zone"') : html.index('id="directory-organisations"')]
    assert "contactez la coordination départementale" in white and "mailto:" not in white


def test_search_with_several_matches_offers_a_choice(client, network):
    html = client.get(directory_url(commune="saint")).content.decode()
    assert "Plusieurs communes correspondent" in html
    assert f'href="{directory_url()}?commune=34261"' in html  # Saint-Guilhem-le-Désert
    assert "et 22 autres" in html  # 52 communes, 30 listed


def test_search_without_match(client, network):
    html = client.get(directory_url(commune="Lyon")).content.decode()
    assert 'id="directory-no-match"' in html
    assert "Aucune commune du département Hérault ne correspond à « Lyon »" in html


def test_search_input_is_labelled_and_offers_the_communes(client, network):
    html = client.get(directory_url(commune="Sète")).content.decode()
    assert '<label class="fr-label" for="directory-commune">' in html
    assert 'name="commune" value="Sète"' in html
    assert html.count('<option value="') >= 341


@pytest.mark.parametrize("code", ["99", "2A", "75"])
def test_unknown_territory_is_a_404(client, network, code):
    assert client.get(directory_url(code)).status_code == 404


def test_inactive_territory_is_a_404(client, network, herault):
    type(herault).objects.filter(pk=herault.pk).update(is_active=False)  # the module's object stays untouched
    assert client.get(directory_url()).status_code == 404


def test_a_member_of_another_territory_reads_it_too(client, network):
    """The URL has no ``territory_code``: the territory middleware does not 404 an authenticated non-member."""
    client.force_login(make_member(TerritoryFactory(code="95"), Role.FACILITATOR).user)
    response = client.get(directory_url(commune=SETE))
    assert response.status_code == 200
    assert "Marc Roux" in response.content.decode()
    assert "private" in response["Cache-Control"]


def test_anonymous_page_is_cacheable_and_sets_no_cookie(client, network):
    response = client.get(directory_url(commune=MONTPELLIER))
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_query_count_is_pinned(client, network, django_assert_num_queries):
    # territory, communes, coverage areas, organisations, their listed facilitators, buyers led; plus the savepoint
    # and its release of ATOMIC_REQUESTS (inside the test's transaction). No session, no user.
    with django_assert_num_queries(8):
        assert client.get(directory_url(commune=SETE)).status_code == 200
    # A white zone costs nothing more: the coordination's public contact is on the territory.
    with django_assert_num_queries(8):
        assert client.get(directory_url(commune=AGDE)).status_code == 200
