"""Coverage of the Hérault on its real communes and EPCI: computation, the coverage page, assignments and removals."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from accounts.enums import Role
from facilitators.coverage import (
    COVERED,
    OVERLAP,
    WHITE_ZONE,
    coverage_map,
    coverage_visible_to,
    find_communes,
    territory_coverage,
)
from facilitators.models import CoverageArea
from territories.geography import load_geography, read_reference_data
from territories.models import Commune
from tests.facilitators import coverage_fixtures
from tests.facilitators.coverage_fixtures import (
    AGDE,
    BEZIERS,
    HAUT_LANGUEDOC,
    HERAULT_COMMUNES,
    MONTPELLIER,
    MONTPELLIER_METROPOLE,
    SETE,
    SETE_AGGLOPOLE,
    assign,
)
from tests.facilitators.factories import FacilitatorOrganisationFactory
from tests.territories.factories import CommuneFactory, TerritoryFactory

pytestmark = pytest.mark.django_db

# Shared fixtures (module-scoped real geography of the Hérault, GeoJSON writer).
herault = coverage_fixtures.herault
outlines_file = coverage_fixtures.outlines_file


@pytest.fixture
def plie(herault):
    return FacilitatorOrganisationFactory(territory=herault, name="PLIE Montpellier Méditerranée")


@pytest.fixture
def mde(herault):
    return FacilitatorOrganisationFactory(territory=herault, name="Maison de l'emploi du Bassin de Thau")


def members_in_herault(siren):
    return set(Commune.objects.filter(epci_id=siren, department_id="34").values_list("insee_code", flat=True))


def codes(communes):
    return {commune.insee_code for commune in communes}


def url(territory):
    return reverse("coverage:coverage", kwargs={"territory_code": territory.code})


def remove_url(territory, area):
    return reverse("coverage:remove", kwargs={"territory_code": territory.code, "pk": area.pk})


def figure(response, name):
    match = re.search(rf'data-figure="{name}">([^<]+)<', response.content.decode())
    assert match, f"figure {name} not on the page"
    return int(re.sub(r"\D", "", match.group(1)))


def status_list(html):
    """The list of the communes by EPCI and status (the map's fallback)."""
    return html[html.index('id="coverage-list"') : html.index('id="coverage-organisations"')]


def status_of(listed, insee_code):
    """The status of the group listing commune ``insee_code`` in that list."""
    found = re.findall(r'<li data-status="([\w-]+)">((?:(?!</li>).)*)</li>', listed, re.S)
    (status,) = [status for status, text in found if f"({insee_code})" in text]
    return status


# Computation ---------------------------------------------------------------------------------------------------


def test_every_herault_commune_is_covered_or_a_white_zone(herault, plie, mde):
    assign(plie, epci=MONTPELLIER_METROPOLE)
    assign(mde, epci=SETE_AGGLOPOLE)
    assign(mde, commune=AGDE)

    coverage = territory_coverage(herault)

    all_codes = set(Commune.objects.filter(department_id="34").values_list("insee_code", flat=True))
    assert coverage.commune_count == len(all_codes) == HERAULT_COMMUNES
    covered, white = codes(coverage.covered), codes(coverage.white_zones)
    assert covered | white == all_codes
    assert not covered & white
    assert coverage.covered_count + coverage.white_zone_count == HERAULT_COMMUNES
    assert coverage.covered_count == 31 + 14 + 1
    assert sum(len(group.communes) for group in coverage.white_zones_by_epci()) == coverage.white_zone_count
    assert {commune.status for commune in coverage.communes} == {COVERED, WHITE_ZONE}


def test_nobody_covers_anything_at_first(herault, plie):
    coverage = territory_coverage(herault)
    assert coverage.white_zone_count == HERAULT_COMMUNES
    assert coverage.covered_count == coverage.overlap_count == 0
    assert coverage.covered_population == 0
    assert coverage.covered_population_share == 0
    assert [item.organisation for item in coverage.organisations] == [plie]


def test_an_epci_assignment_covers_exactly_its_member_communes(herault, plie):
    assign(plie, epci=MONTPELLIER_METROPOLE)

    coverage = territory_coverage(herault)

    expected = members_in_herault(MONTPELLIER_METROPOLE)
    reference = read_reference_data()
    dataset_members = next(set(members) for siren, _n, _k, members in reference.epcis if siren == MONTPELLIER_METROPOLE)
    assert expected == dataset_members
    assert len(expected) == 31
    assert codes(coverage.covered) == expected
    (item,) = coverage.organisations
    assert item.commune_codes == expected
    assert item.areas[0].commune_count == 31
    assert item.population == sum(coverage.by_code[code].population for code in expected)
    assert coverage.by_code[MONTPELLIER].organisations == [plie]


def test_an_epci_spanning_two_departements_covers_only_its_communes_of_the_territory(herault, plie):
    load_geography(departments=["81"])  # the Tarn: CC du Haut-Languedoc has 14 more communes there
    assert Commune.objects.filter(epci_id=HAUT_LANGUEDOC).exclude(department_id="34").count() == 14
    assign(plie, epci=HAUT_LANGUEDOC)

    coverage = territory_coverage(herault)

    assert codes(coverage.covered) == members_in_herault(HAUT_LANGUEDOC)
    assert coverage.covered_count == 6
    assert coverage.commune_count == HERAULT_COMMUNES


def test_a_commune_of_another_departement_covers_nothing_here(herault, plie):
    albi = CommuneFactory(insee_code="81004", name="Albi", department__code="81")
    area = assign(plie, commune=albi.insee_code)

    coverage = territory_coverage(herault)

    assert coverage.covered_count == 0
    assert coverage.organisations[0].areas[0].area == area
    assert coverage.organisations[0].areas[0].outside_department


def test_overlaps_are_detected(herault, plie, mde):
    assign(plie, epci=MONTPELLIER_METROPOLE)
    assign(plie, commune=SETE)
    assign(mde, epci=SETE_AGGLOPOLE)
    assign(mde, commune=MONTPELLIER)

    coverage = territory_coverage(herault)

    assert codes(coverage.overlaps) == {MONTPELLIER, SETE}
    assert coverage.overlap_count == 2
    assert coverage.by_code[SETE].status == OVERLAP
    assert coverage.by_code[SETE].organisations == [mde, plie]  # by name
    assert coverage.covered_count == 31 + 14


def test_an_organisation_covering_a_commune_twice_is_no_overlap(herault, plie):
    assign(plie, epci=MONTPELLIER_METROPOLE)
    assign(plie, commune=MONTPELLIER)

    coverage = territory_coverage(herault)

    assert coverage.overlap_count == 0
    assert coverage.by_code[MONTPELLIER].organisations == [plie]
    assert coverage.organisations[0].commune_count == 31


def test_removing_an_assignment_grows_the_white_zones(herault, plie, mde):
    metropole = assign(plie, epci=MONTPELLIER_METROPOLE)
    assign(mde, commune=MONTPELLIER)
    before = territory_coverage(herault)

    metropole.delete()
    after = territory_coverage(herault)

    assert after.white_zone_count == before.white_zone_count + 30  # Montpellier stays covered by the other one
    assert codes(after.white_zones) - codes(before.white_zones) == members_in_herault(MONTPELLIER_METROPOLE) - {
        MONTPELLIER
    }


def test_population_covered(herault, plie):
    assign(plie, commune=MONTPELLIER)
    assign(plie, commune=SETE)
    coverage = territory_coverage(herault)
    montpellier, sete = Commune.objects.get(pk=MONTPELLIER), Commune.objects.get(pk=SETE)
    assert coverage.covered_population == montpellier.population + sete.population
    total = sum(Commune.objects.filter(department_id="34").values_list("population", flat=True))
    assert coverage.population == total
    assert coverage.covered_population_share == round(100 * coverage.covered_population / total, 1)


def test_computation_costs_three_queries_whatever_the_assignments(herault, plie, mde, django_assert_num_queries):
    assign(plie, epci=MONTPELLIER_METROPOLE)
    assign(mde, epci=SETE_AGGLOPOLE)
    for code in (AGDE, BEZIERS, SETE):
        assign(mde, commune=code)
    with django_assert_num_queries(3):
        coverage = territory_coverage(herault)
        assert coverage.white_zone_count > 0
        coverage.white_zones_by_epci()
        coverage.epcis()


def test_coverage_ignores_another_territory(herault, plie, coordinator):
    other = TerritoryFactory(code="95")
    foreign = FacilitatorOrganisationFactory(territory=other)
    CoverageArea.objects.create(territory=other, organisation=foreign, commune_id=MONTPELLIER)  # nonsense, but foreign

    assert territory_coverage(herault).covered_count == 0
    assert coverage_visible_to(coordinator).covered_count == 0
    assert foreign not in [item.organisation for item in coverage_visible_to(coordinator).organisations]


def test_white_zones_are_grouped_by_epci(herault, plie):
    assign(plie, epci=MONTPELLIER_METROPOLE)
    groups = territory_coverage(herault).white_zones_by_epci()
    names = [group.name for group in groups]
    assert "Montpellier Méditerranée Métropole" not in names
    assert names == sorted(names, key=str.lower)
    assert len(groups) == 16
    for group in groups:
        assert all(commune.is_white_zone and commune.epci_id == group.siren for commune in group.communes)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Sète", {SETE}),
        ("sete", {SETE}),
        ("  SÈTE ", {SETE}),
        ("34301", {SETE}),
        ("Sète (34301)", {SETE}),
        ("St-Guilhem-le-Désert", {"34261"}),
        ("saint guilhem", {"34261"}),
        ("3430", {f"3430{n}" for n in range(10)}),
        ("montpel", {MONTPELLIER}),
        ("99999", set()),
        ("Paris", set()),
        ("", set()),
    ],
)
def test_find_communes(herault, query, expected):
    assert codes(find_communes(query, territory_coverage(herault).communes)) == expected


def test_find_communes_prefers_exact_names(herault):
    communes = territory_coverage(herault).communes
    # "Vias" is a commune; "Viols-le-Fort", "Viols-en-Laval" only start with "Vi…".
    assert codes(find_communes("vias", communes)) == {"34332"}
    assert len(find_communes("saint", communes)) == 52


# The page ------------------------------------------------------------------------------------------------------


def test_every_member_reads_the_page_and_only_coordinators_get_the_form(client, herault, plie, member):
    assign(plie, epci=MONTPELLIER_METROPOLE)
    for role in Role:
        client.force_login(member(herault, role).user)
        response = client.get(url(herault))
        assert response.status_code == 200, role
        html = response.content.decode()
        assert figure(response, "white-zones") == HERAULT_COMMUNES - 31
        assert figure(response, "covered") == 31
        assert "PLIE Montpellier Méditerranée" in html
        assert ("coverage-assign-form" in html) == (role == Role.COORDINATOR)
        assert (f'action="{remove_url(herault, CoverageArea.objects.get())}"' in html) == (role == Role.COORDINATOR)


def test_page_lists_white_zones_by_epci_and_overlaps(client, herault, plie, mde, coordinator):
    assign(plie, epci=MONTPELLIER_METROPOLE)
    assign(mde, commune=MONTPELLIER)
    client.force_login(coordinator.user)
    response = client.get(url(herault))
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert html.count("<table") == html.count("<caption") == 1
    assert len(re.findall(r"<th[ >]", html)) == html.count('<th scope="')
    assert figure(response, "overlaps") == 1
    overlaps = html[html.index('id="coverage-overlaps"') :]
    assert "Montpellier (34172)" in overlaps
    white = html[html.index('id="coverage-white-zones"') : html.index('id="coverage-overlaps"')]
    assert "CA Sète Agglopôle Méditerranée — 14 communes" in white
    assert "Montpellier Méditerranée Métropole" not in white


def test_without_outlines_the_map_falls_back_to_a_list(client, herault, plie, coordinator):
    assign(plie, commune=SETE)
    client.force_login(coordinator.user)
    html = client.get(url(herault)).content.decode()
    assert 'id="coverage-map-unavailable"' in html
    assert '<svg class="cs-map__svg"' not in html
    listed = status_list(html)
    assert all(escape(commune.label) in listed for commune in territory_coverage(herault).communes)
    assert status_of(listed, SETE) == "covered"
    assert status_of(listed, AGDE) == "white-zone"
    assert "Couverte</span>\n          par PLIE Montpellier Méditerranée\n          (1) : Sète (34301)" in listed


def test_with_outlines_the_page_draws_the_map(client, herault, plie, mde, coordinator, outlines_file):
    call_command("load_commune_outlines", str(outlines_file()))
    assign(plie, epci=MONTPELLIER_METROPOLE)
    assign(mde, epci=SETE_AGGLOPOLE)
    assign(mde, commune=MONTPELLIER)
    client.force_login(coordinator.user)
    html = client.get(url(herault)).content.decode()

    svg = html[html.index('<svg class="cs-map__svg"') : html.index("</svg>", html.index('<svg class="cs-map__svg"'))]
    assert 'role="img"' in svg
    assert svg.count("<path ") == 3
    assert re.search(r'viewBox="[-\d. ]+"', svg)
    assert f'class="cs-map__commune cs-map__commune--overlap" data-insee="{MONTPELLIER}"' in svg
    assert f'class="cs-map__commune cs-map__commune--covered" data-insee="{SETE}"' in svg
    assert f'class="cs-map__commune cs-map__commune--white-zone" data-insee="{AGDE}"' in svg
    assert "<title>Agde (34003) : Zone blanche</title>" in svg
    assert "<title>Sète (34301) : Couverte (Maison de l&#x27;emploi du Bassin de Thau)</title>" in svg
    # Patterns, not only colours, and a legend in words.
    assert 'id="cs-map-hatch"' in svg and 'id="cs-map-dots"' in svg
    assert "Couverte par plusieurs structures (hachures orange)" in html
    assert "Contours disponibles pour 3 communes sur 341" in html
    # The full list stays, in a disclosure.
    assert status_of(status_list(html), MONTPELLIER) == "overlap"


def test_map_of_outlines_costs_one_query(herault, outlines_file, django_assert_num_queries):
    call_command("load_commune_outlines", str(outlines_file()))
    coverage = territory_coverage(herault)
    with django_assert_num_queries(1):
        drawn = coverage_map(coverage)
    assert {shape.commune.insee_code for shape in drawn.shapes} == {MONTPELLIER, SETE, AGDE}
    assert len(drawn.missing) == HERAULT_COMMUNES - 3
    x, y, width, height = (float(value) for value in drawn.view_box.split())
    assert width > 0 and height > 0 and y < 0  # north is up: y = -latitude


def test_page_query_count_is_pinned(client, herault, plie, mde, coordinator, django_assert_max_num_queries):
    assign(plie, epci=MONTPELLIER_METROPOLE)
    for code in (AGDE, BEZIERS, SETE):
        assign(mde, commune=code)
    client.force_login(coordinator.user)
    client.get(url(herault))  # session and MFA bookkeeping of the first request
    # session, user, membership, (savepoint) communes, areas, organisations, outlines (release), header memberships
    with django_assert_max_num_queries(10):
        response = client.get(url(herault))
    assert response.status_code == 200


# Assigning and removing ----------------------------------------------------------------------------------------


def test_coordinator_assigns_an_epci_and_the_white_zones_shrink(client, herault, plie, coordinator):
    client.force_login(coordinator.user)
    assert figure(client.get(url(herault)), "white-zones") == HERAULT_COMMUNES

    response = client.post(url(herault), {"organisation": plie.pk, "epci": MONTPELLIER_METROPOLE, "commune": ""})

    assert response.status_code == 302
    assert response.url == url(herault) + f"#organisation-{plie.pk}"
    area = CoverageArea.objects.get()
    assert (area.territory, area.organisation, area.epci_id, area.commune_id) == (
        herault,
        plie,
        MONTPELLIER_METROPOLE,
        None,
    )
    page = client.get(response.url)
    assert figure(page, "white-zones") == HERAULT_COMMUNES - 31
    assert "EPCI Montpellier Méditerranée Métropole affecté à PLIE Montpellier Méditerranée (31 communes" in (
        page.content.decode()
    )


@pytest.mark.parametrize("typed", ["Sète", "sete", "34301", "Sète (34301)"])
def test_coordinator_assigns_a_commune_typed_by_name_or_code(client, herault, plie, coordinator, typed):
    client.force_login(coordinator.user)
    response = client.post(url(herault), {"organisation": plie.pk, "epci": "", "commune": typed})
    assert response.status_code == 302
    assert CoverageArea.objects.get().commune_id == SETE


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"epci": "", "commune": ""}, None, "Choisissez un EPCI entier ou indiquez une commune."),
        ({"epci": SETE_AGGLOPOLE, "commune": "Sète"}, None, "Choisissez un EPCI ou une commune, pas les deux."),
        ({"epci": "", "commune": "Albi"}, "commune", "Aucune commune « Albi » dans le département Hérault (34)."),
        ({"epci": "", "commune": "81004"}, "commune", "Aucune commune « 81004 » dans le département Hérault (34)."),
        ({"epci": "", "commune": "Saint"}, "commune", "Plusieurs communes correspondent à « Saint »"),
        ({"epci": "200069250", "commune": ""}, "epci", "Sélectionnez un choix valide."),  # an EPCI of the Tarn
        ({"epci": MONTPELLIER_METROPOLE, "commune": ""}, "epci", "couvre déjà l'EPCI Montpellier Méditerranée"),
        ({"epci": "", "commune": "Montpellier"}, "commune", "couvre déjà Montpellier (34172) par l'EPCI"),
        ({"epci": "", "commune": "Agde"}, "commune", "couvre déjà Agde (34003)."),
    ],
)
def test_invalid_assignment_is_refused_with_what_was_typed(client, herault, plie, coordinator, data, field, message):
    assign(plie, epci=MONTPELLIER_METROPOLE)
    assign(plie, commune=AGDE)
    client.force_login(coordinator.user)
    before = set(CoverageArea.objects.values_list("pk", flat=True))

    response = client.post(url(herault), {"organisation": plie.pk, **data})

    assert response.status_code == 200
    form = response.context["form"]
    errors = form.errors.get(field or "__all__")
    assert errors and message in " ".join(errors), form.errors
    assert set(CoverageArea.objects.values_list("pk", flat=True)) == before
    html = response.content.decode()
    if data["commune"]:
        assert f'value="{data["commune"]}"' in html


def test_an_organisation_of_another_territory_cannot_be_assigned(client, herault, coordinator):
    foreign = FacilitatorOrganisationFactory(territory=TerritoryFactory(code="95"))
    client.force_login(coordinator.user)
    response = client.post(url(herault), {"organisation": foreign.pk, "epci": MONTPELLIER_METROPOLE, "commune": ""})
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not CoverageArea.objects.exists()


@pytest.mark.parametrize("role", [role for role in Role if role != Role.COORDINATOR])
def test_non_coordinator_cannot_assign_or_remove(client, herault, plie, member, role):
    area = assign(plie, commune=SETE)
    client.force_login(member(herault, role).user)

    response = client.post(url(herault), {"organisation": plie.pk, "epci": MONTPELLIER_METROPOLE, "commune": ""})
    assert response.status_code == 403
    response = client.post(remove_url(herault, area))
    assert response.status_code == 403

    assert list(CoverageArea.objects.all()) == [area]


def test_coordinator_removes_an_assignment(client, herault, plie, coordinator):
    area = assign(plie, epci=MONTPELLIER_METROPOLE)
    client.force_login(coordinator.user)
    response = client.post(remove_url(herault, area))
    assert response.status_code == 302
    assert not CoverageArea.objects.exists()
    page = client.get(response.url)
    assert figure(page, "white-zones") == HERAULT_COMMUNES
    assert "PLIE Montpellier Méditerranée ne couvre plus l&#x27;EPCI Montpellier Méditerranée Métropole." in (
        page.content.decode()
    )


def test_removing_another_territorys_assignment_is_a_404(client, herault, coordinator):
    other = TerritoryFactory(code="95")
    cergy = CommuneFactory(insee_code="95127", name="Cergy", department=other.department)
    foreign = CoverageArea.objects.create(
        territory=other, organisation=FacilitatorOrganisationFactory(territory=other), commune=cergy
    )
    client.force_login(coordinator.user)

    response = client.post(remove_url(herault, foreign))

    assert response.status_code == 404
    assert CoverageArea.objects.filter(pk=foreign.pk).exists()


def test_removal_is_post_only(client, herault, plie, coordinator):
    area = assign(plie, commune=SETE)
    client.force_login(coordinator.user)
    assert client.get(remove_url(herault, area)).status_code == 405
    assert CoverageArea.objects.filter(pk=area.pk).exists()
