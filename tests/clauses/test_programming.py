"""Programming of planned markets and their feasibility study: rules (``clauses.programming``) and pages."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.enums import Role
from clauses.enums import ClauseForm, LegalBasis, SizingMethod
from clauses.filters_programming import quarter_bounds, quarter_choices
from clauses.models import Clause, ClausePlan, TradeLabourShare
from clauses.programming import (
    NotificationError,
    can_assign,
    can_declare,
    can_edit,
    clause_legal_basis,
    employer_counts,
    next_reference,
    notify_planned_market,
    planned_markets,
)
from facilitators.enums import InclusionEmployerKind, Sector
from facilitators.models import InclusionEmployerSector
from markets.enums import AwardRole, MarketStatus, SocialConsideration, Trade
from markets.models import Market
from tests.clauses.factories import EligibilityCriterionFactory
from tests.clauses.factories_programming import ClausePlanFactory, PlannedMarketFactory
from tests.conftest import make_member
from tests.facilitators.factories import FacilitatorFactory, InclusionEmployerFactory
from tests.markets.factories import BuyerFactory, CompanyFactory, MarketFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sete(territory):
    return CommuneFactory(insee_code="34301", name="Sète", department=territory.department)


@pytest.fixture
def buyer_member(territory):
    return make_member(territory, Role.BUYER, BuyerFactory(territory=territory, name="Ville de Sète"))


@pytest.fixture
def buyer(buyer_member):
    return buyer_member.buyer_member.buyer


def url(name, **kwargs):
    return reverse(f"programming:{name}", kwargs={"territory_code": "34", **kwargs})


def market_data(**overrides):
    return {
        "object": "Nettoyage des écoles",
        "reference": "",
        "trade": Trade.CLEANING,
        "amount_ht": "450000",
        "expected_tender_date": "2027-03-01",
        "duration_months": "12",
        "commune": "Sète",
        **overrides,
    }


LEVELS = ("duration", "amount", "technicality", "public")


def feasibility_data(level="favourable", **overrides):
    data = {f"{name}_level": level for name in LEVELS}
    data.update({f"{name}_reason": f"Motif {name}" for name in LEVELS})
    return {**data, "chosen_form": "", "choice_reason": "", **overrides}


# --- Rules ----------------------------------------------------------------------------------------------------------


def test_planned_markets_by_role(territory, buyer_member, buyer):
    own = PlannedMarketFactory(territory=territory, buyer=buyer)
    other = PlannedMarketFactory(territory=territory)
    MarketFactory(territory=territory, buyer=buyer)  # in progress: not part of the programming
    for role in (Role.COORDINATOR, Role.FACILITATOR, Role.COMMITTEE):
        assert set(planned_markets(make_member(territory, role))) == {own, other}, role
    assert list(planned_markets(buyer_member)) == [own]
    assert not planned_markets(make_member(territory, Role.COMPANY)).exists()
    assert not planned_markets(None).exists()


def test_who_declares_edits_and_assigns(territory, buyer_member, buyer):
    coordinator = make_member(territory, Role.COORDINATOR)
    facilitator = make_member(territory, Role.FACILITATOR)
    other_facilitator = make_member(territory, Role.FACILITATOR)
    committee = make_member(territory, Role.COMMITTEE)
    own = PlannedMarketFactory(territory=territory, buyer=buyer, facilitator=facilitator.facilitator)
    free = PlannedMarketFactory(territory=territory, buyer=buyer)

    assert can_declare(coordinator) and can_declare(buyer_member)
    assert not any(can_declare(m) for m in (facilitator, committee))

    assert can_edit(coordinator, own) and can_edit(buyer_member, own) and can_edit(facilitator, own)
    assert not can_edit(other_facilitator, own) and not can_edit(committee, own)
    assert not can_edit(buyer_member, PlannedMarketFactory(territory=territory))

    assert can_assign(coordinator, own) and can_assign(coordinator, free)
    assert can_assign(other_facilitator, free) and not can_assign(other_facilitator, own)
    assert not can_assign(buyer_member, free) and not can_assign(committee, free)


def test_next_reference_is_per_buyer_and_year_and_skips_the_used_numbers(territory, buyer):
    assert next_reference(territory, buyer, 2027) == "PREV-2027-001"
    PlannedMarketFactory(territory=territory, buyer=buyer, reference="PREV-2027-001")
    PlannedMarketFactory(territory=territory, buyer=buyer, reference="PREV-2027-007")
    PlannedMarketFactory(territory=territory, buyer=buyer, reference="PREV-2027-LYCEE")  # typed by hand
    PlannedMarketFactory(territory=territory, reference="PREV-2027-040")  # another buyer
    assert next_reference(territory, buyer, 2027) == "PREV-2027-008"
    assert next_reference(territory, buyer, 2028) == "PREV-2028-001"


def test_employer_counts_in_the_sector_of_the_trade_when_sectors_are_known(territory, other_territory):
    cleaning = [
        InclusionEmployerFactory(territory=territory, kind=kind)
        for kind in (InclusionEmployerKind.EI, InclusionEmployerKind.ACI, InclusionEmployerKind.ESAT)
    ]
    for employer in cleaning:
        InclusionEmployerSector.objects.create(territory=territory, employer=employer, sector=Sector.CLEANING)
    InclusionEmployerSector.objects.create(territory=territory, employer=cleaning[0], sector=Sector.CONSTRUCTION)
    InclusionEmployerFactory(territory=territory, kind=InclusionEmployerKind.AI)  # no sector recorded
    InclusionEmployerFactory(territory=territory, kind=InclusionEmployerKind.GEIQ)  # neither SIAE nor EA / ESAT
    InclusionEmployerFactory(territory=other_territory, kind=InclusionEmployerKind.EI)

    assert employer_counts(territory, Trade.CLEANING) == (2, 1, "dans le secteur « Propreté et nettoyage »")
    assert employer_counts(territory, Trade.PAINTING) == (1, 0, "dans le secteur « Bâtiment et travaux publics »")
    # No sector for intellectual services: the whole territory.
    assert employer_counts(territory, Trade.INTELLECTUAL) == (3, 1, "connus de la coordination")


def test_employer_counts_of_the_territory_when_no_sector_is_recorded(territory):
    InclusionEmployerFactory(territory=territory, kind=InclusionEmployerKind.ETTI)
    InclusionEmployerFactory(territory=territory, kind=InclusionEmployerKind.EA)
    assert employer_counts(territory, Trade.CLEANING) == (1, 1, "connus de la coordination")


def test_quarters():
    assert ("2027-T1", "1er trimestre 2027") in quarter_choices(datetime.date(2026, 6, 1))
    assert quarter_bounds("2027-T2") == (datetime.date(2027, 4, 1), datetime.date(2027, 7, 1))
    assert quarter_bounds("2027-T4") == (datetime.date(2027, 10, 1), datetime.date(2028, 1, 1))


# --- Declaring ------------------------------------------------------------------------------------------------------


def test_a_buyer_declares_a_planned_market_with_an_automatic_reference(client, territory, sete, buyer_member, buyer):
    PlannedMarketFactory(territory=territory, buyer=buyer, reference="PREV-2027-002")
    client.force_login(buyer_member.user)
    page = client.get(url("create")).content.decode()
    assert 'name="buyer"' not in page  # a buyer declares for its own organisation
    assert "Sète (34301)" in page  # the communes are suggested

    response = client.post(url("create"), market_data())

    market = Market.objects.get(object="Nettoyage des écoles")
    assert response.status_code == 302 and response.url == url("detail", pk=market.pk)
    assert market.reference == "PREV-2027-003"
    assert market.status == MarketStatus.PLANNED
    assert market.buyer == buyer and market.territory == territory
    assert market.declared_by == buyer_member.user
    assert market.execution_commune_id == "34301"
    assert market.amount_ht == Decimal("450000") and market.duration_months == 12
    assert market.expected_tender_date == datetime.date(2027, 3, 1)
    detail = client.get(response.url).content.decode()
    assert "PREV-2027-003" in detail and "Le marché programmé « PREV-2027-003 » est enregistré." in detail


def test_a_coordinator_declares_for_the_buyer_of_their_choice_and_a_typed_reference_is_kept(
    client, territory, sete, buyer
):
    coordinator = make_member(territory, Role.COORDINATOR)
    client.force_login(coordinator.user)
    response = client.post(url("create"), market_data(buyer=buyer.pk, reference="  SETE 2027 ECOLES "))
    assert response.status_code == 302
    market = Market.objects.get()
    assert market.buyer == buyer and market.reference == "SETE 2027 ECOLES"
    assert market.declared_by == coordinator.user


def test_an_invalid_declaration_is_shown_again_with_what_was_typed_and_french_messages(
    client, territory, sete, buyer_member
):
    client.force_login(buyer_member.user)
    data = market_data(object="", amount_ht="beaucoup", expected_tender_date="31/02/2027", duration_months="0")
    data["commune"] = "Montpellier"
    response = client.post(url("create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Le marché n'est pas enregistré : corrigez les champs signalés." in page
    assert "Indiquez l&#x27;objet du marché." in page
    assert "Montant non reconnu" in page
    assert "Date non reconnue" in page
    assert "La durée doit être comprise entre 1 et 240 mois." in page
    assert "Aucune commune « Montpellier » dans le département" in page
    assert 'value="beaucoup"' in page and 'value="Montpellier"' in page and 'value="31/02/2027"' in page
    assert not Market.objects.exists()


def test_a_reference_already_used_by_the_buyer_is_refused(client, territory, sete, buyer_member, buyer):
    PlannedMarketFactory(territory=territory, buyer=buyer, reference="SETE-01")
    PlannedMarketFactory(territory=territory, reference="AUTRE-01")  # another buyer's reference is free
    client.force_login(buyer_member.user)
    response = client.post(url("create"), market_data(reference="sete-01"))
    assert response.status_code == 200
    assert "La référence « sete-01 » est déjà utilisée par Ville de Sète." in response.content.decode()
    assert client.post(url("create"), market_data(reference="AUTRE-01")).status_code == 302


def test_a_coordinator_must_choose_the_buyer(client, territory, sete):
    client.force_login(make_member(territory, Role.COORDINATOR).user)
    response = client.post(url("create"), market_data())
    assert response.status_code == 200
    assert "Choisissez le donneur d&#x27;ordre." in response.content.decode()


def test_the_buyer_edits_its_planned_market(client, territory, sete, buyer_member, buyer):
    market = PlannedMarketFactory(territory=territory, buyer=buyer, reference="PREV-2027-001")
    client.force_login(buyer_member.user)
    form = client.get(url("update", pk=market.pk)).content.decode()
    assert 'value="Entretien' in form
    response = client.post(
        url("update", pk=market.pk), market_data(reference="PREV-2027-001", duration_months="18", buyer="")
    )
    assert response.status_code == 302
    market.refresh_from_db()
    assert market.duration_months == 18 and market.buyer == buyer and market.object == "Nettoyage des écoles"


# --- Who sees what --------------------------------------------------------------------------------------------------


def test_a_buyer_never_reaches_another_buyers_planned_market(client, territory, buyer_member, buyer):
    own = PlannedMarketFactory(territory=territory, buyer=buyer, object="Marché de Sète")
    other = PlannedMarketFactory(territory=territory, object="Marché d'Hérault Habitat")
    client.force_login(buyer_member.user)
    listing = client.get(url("list")).content.decode()
    assert own.reference in listing and "Marché de Sète" in listing
    assert "Marché d&#x27;Hérault Habitat" not in listing and other.buyer.name not in listing
    for name in ("detail", "update", "feasibility"):
        assert client.get(url(name, pk=other.pk)).status_code == 404, name
    assert client.post(url("feasibility", pk=other.pk), feasibility_data()).status_code == 404
    assert not ClausePlan.objects.exists()


def test_companies_never_see_the_programming(client, territory):
    market = PlannedMarketFactory(territory=territory)
    client.force_login(make_member(territory, Role.COMPANY).user)
    assert client.get(url("list")).status_code == 403
    assert client.get(url("create")).status_code == 403
    assert client.get(url("detail", pk=market.pk)).status_code == 404
    response = client.get(reverse("clauses:market_list", kwargs={"territory_code": "34"}))
    assert market.reference not in response.content.decode()


def test_the_committee_reads_but_does_not_edit(client, territory):
    market = PlannedMarketFactory(territory=territory)
    client.force_login(make_member(territory, Role.COMMITTEE).user)
    assert client.get(url("list")).status_code == 200
    page = client.get(url("detail", pk=market.pk)).content.decode()
    assert market.object in page and url("feasibility", pk=market.pk) not in page
    assert client.get(url("feasibility", pk=market.pk)).status_code == 403


# --- The pipeline ---------------------------------------------------------------------------------------------------


def test_the_pipeline_filters_and_its_query_count_does_not_grow(client, territory, django_assert_max_num_queries):
    facilitator = FacilitatorFactory(territory=territory, first_name="Inès", last_name="Roux")
    buyer = BuyerFactory(territory=territory, name="Montpellier Méditerranée Métropole")
    spring = PlannedMarketFactory(
        territory=territory,
        buyer=buyer,
        trade=Trade.ROADS,
        facilitator=facilitator,
        expected_tender_date=datetime.date(2027, 4, 10),
    )
    winter = PlannedMarketFactory(territory=territory, expected_tender_date=datetime.date(2027, 1, 20))
    ClausePlanFactory(territory=territory, market=winter)
    coordinator = make_member(territory, Role.COORDINATOR)
    client.force_login(coordinator.user)

    def listed(**params):
        response = client.get(url("list"), params)
        return [market.pk for market in response.context["markets"]]

    assert listed() == [winter.pk, spring.pk]  # by expected tender date
    assert listed(buyer=buyer.pk) == [spring.pk]
    assert listed(trade=Trade.ROADS) == [spring.pk]
    assert listed(facilitator=facilitator.pk) == [spring.pk]
    assert listed(facilitator="null") == [winter.pk]
    assert listed(quarter="2027-T2") == [spring.pk]
    assert listed(quarter="2027-T1") == [winter.pk]

    page = client.get(url("list")).content.decode()
    assert "Étudiée le 01/09/2026" in page and "À étudier" in page
    assert "Inès Roux" in page and "À prendre en charge" in page
    assert "Condition d&#x27;exécution (L2112-2)" in page

    for _ in range(5):
        ClausePlanFactory(territory=territory, market__facilitator=facilitator)
    with django_assert_max_num_queries(12):
        response = client.get(url("list"))
    assert len(response.context["markets"]) == 7


# --- Feasibility ----------------------------------------------------------------------------------------------------


def test_the_feasibility_study_recommends_a_form_and_keeps_who_assessed(client, territory, buyer_member, buyer):
    market = PlannedMarketFactory(territory=territory, buyer=buyer, amount_ht=Decimal("600000"), trade=Trade.CLEANING)
    client.force_login(buyer_member.user)
    page = client.get(url("feasibility", pk=market.pk)).content.decode()
    assert "0 SIAE, 0 EA / ESAT" in page  # what the recommendation counts on

    response = client.post(url("feasibility", pk=market.pk), feasibility_data())

    assert response.status_code == 302 and response.url == url("detail", pk=market.pk)
    plan = ClausePlan.objects.get(market=market)
    assert plan.recommended_form == ClauseForm.EXECUTION_CONDITION
    assert plan.chosen_form == ClauseForm.EXECUTION_CONDITION  # the recommendation, by default
    assert "Les quatre critères sont favorables." in plan.recommendation_reason
    assert plan.assessed_by == buyer_member.user and plan.assessed_at is not None
    assert plan.duration_reason == "Motif duration" and plan.territory == territory
    detail = client.get(response.url).content.decode()
    assert 'id="feasibility-recommendation"' in detail
    assert 'Forme recommandée : <span id="feasibility-recommended-form">Condition d&#x27;exécution (L2112-2)' in detail
    assert str(buyer_member.user) in detail


def test_the_recommendation_counts_the_siae_of_the_markets_sector(client, territory, buyer_member, buyer):
    market = PlannedMarketFactory(territory=territory, buyer=buyer, amount_ht=Decimal("120000"), trade=Trade.CLEANING)
    for _ in range(3):
        employer = InclusionEmployerFactory(territory=territory, kind=InclusionEmployerKind.ACI)
        InclusionEmployerSector.objects.create(territory=territory, employer=employer, sector=Sector.CLEANING)
    client.force_login(buyer_member.user)
    client.post(url("feasibility", pk=market.pk), feasibility_data())
    plan = ClausePlan.objects.get(market=market)
    assert plan.recommended_form == ClauseForm.RESERVED_SIAE
    assert "3 SIAE et 0 EA / ESAT dans le secteur « Propreté et nettoyage »" in plan.recommendation_reason


def test_missing_answers_and_reasons_are_refused_in_french_with_what_was_typed(client, territory, buyer_member, buyer):
    market = PlannedMarketFactory(territory=territory, buyer=buyer)
    client.force_login(buyer_member.user)
    data = feasibility_data(duration_level="", amount_reason="   ", public_reason="Quartier prioritaire voisin")
    response = client.post(url("feasibility", pk=market.pk), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Répondez au critère portant sur la durée." in page
    assert "Indiquez le motif de votre réponse sur le montant." in page
    assert "Quartier prioritaire voisin" in page
    assert not ClausePlan.objects.exists()


def test_choosing_another_form_needs_a_reason_and_keeps_both(client, territory, buyer_member, buyer):
    market = PlannedMarketFactory(territory=territory, buyer=buyer, amount_ht=Decimal("600000"))
    client.force_login(buyer_member.user)
    data = feasibility_data(chosen_form=ClauseForm.RESERVED_SIAE)

    response = client.post(url("feasibility", pk=market.pk), data)
    assert response.status_code == 200
    assert "Vous avez retenu une autre forme que celle recommandée : indiquez pourquoi." in response.content.decode()
    assert not ClausePlan.objects.exists()

    data["choice_reason"] = "Un lot d'entretien courant convient à l'ACI de la commune."
    assert client.post(url("feasibility", pk=market.pk), data).status_code == 302
    plan = ClausePlan.objects.get(market=market)
    assert plan.recommended_form == ClauseForm.EXECUTION_CONDITION
    assert plan.chosen_form == ClauseForm.RESERVED_SIAE
    assert plan.choice_reason.startswith("Un lot d'entretien")
    detail = client.get(url("detail", pk=market.pk)).content.decode()
    assert "Différente de la recommandation" in detail and "convient à l&#x27;ACI" in detail
    # The form shows the choice again, not the recommendation.
    form = client.get(url("feasibility", pk=market.pk)).content.decode()
    assert f'<option value="{ClauseForm.RESERVED_SIAE}" selected>' in form


def test_a_new_study_keeps_the_previous_one_in_the_history(client, territory, buyer_member, buyer):
    market = PlannedMarketFactory(territory=territory, buyer=buyer, amount_ht=Decimal("600000"))
    client.force_login(buyer_member.user)
    client.post(url("feasibility", pk=market.pk), feasibility_data())
    client.post(url("feasibility", pk=market.pk), feasibility_data(duration_level="unfavourable"))
    plan = ClausePlan.objects.get(market=market)
    assert plan.recommended_form == ClauseForm.NONE and plan.chosen_form == ClauseForm.NONE
    detail = client.get(url("detail", pk=market.pk)).content.decode()
    assert 'id="feasibility-history"' in detail
    assert "recommandée « Condition d&#x27;exécution (L2112-2) »" in detail


# --- Facilitator in charge ------------------------------------------------------------------------------------------


def test_a_coordinator_assigns_a_facilitator_who_may_then_assess(client, territory):
    market = PlannedMarketFactory(territory=territory)
    facilitator = make_member(territory, Role.FACILITATOR)
    client.force_login(facilitator.user)
    assert client.get(url("feasibility", pk=market.pk)).status_code == 403  # not in charge yet

    client.force_login(make_member(territory, Role.COORDINATOR).user)
    response = client.post(url("assign", pk=market.pk), {"facilitator": facilitator.facilitator.pk})
    assert response.status_code == 302
    market.refresh_from_db()
    assert market.facilitator == facilitator.facilitator

    client.force_login(facilitator.user)
    assert client.get(url("feasibility", pk=market.pk)).status_code == 200
    assert client.post(url("feasibility", pk=market.pk), feasibility_data()).status_code == 302


def test_a_facilitator_takes_an_unassigned_market_but_not_one_already_taken(client, territory):
    market = PlannedMarketFactory(territory=territory)
    first, second = make_member(territory, Role.FACILITATOR), make_member(territory, Role.FACILITATOR)
    client.force_login(first.user)
    assert "Je prends en charge ce marché" in client.get(url("detail", pk=market.pk)).content.decode()
    # Whatever facilitator it names, a facilitator can only take it for himself.
    assert client.post(url("assign", pk=market.pk), {"facilitator": second.facilitator.pk}).status_code == 302
    market.refresh_from_db()
    assert market.facilitator == first.facilitator

    client.force_login(second.user)
    assert "Je prends en charge ce marché" not in client.get(url("detail", pk=market.pk)).content.decode()
    assert client.post(url("assign", pk=market.pk)).status_code == 403
    market.refresh_from_db()
    assert market.facilitator == first.facilitator


def test_assigning_a_facilitator_of_another_territory_changes_nothing(client, territory, other_territory):
    market = PlannedMarketFactory(territory=territory)
    foreign = FacilitatorFactory(territory=other_territory)
    client.force_login(make_member(territory, Role.COORDINATOR).user)
    response = client.post(url("assign", pk=market.pk), {"facilitator": foreign.pk}, follow=True)
    assert "la prise en charge n&#x27;est pas modifiée" in response.content.decode()
    market.refresh_from_db()
    assert market.facilitator is None


# --- Labour shares --------------------------------------------------------------------------------------------------


def labour_data(**overrides):
    return {**{trade.value: "40" for trade in Trade}, **overrides}


def test_a_coordinator_edits_the_labour_shares(client, territory):
    client.force_login(make_member(territory, Role.COORDINATOR).user)
    page = client.get(url("labour_shares")).content.decode()
    assert "Valeur nationale par défaut : 70 %." in page and 'value="70"' in page

    defaults = {"painting": "70", "steel_frame": "20", "cleaning": "75,5"}
    response = client.post(url("labour_shares"), labour_data(**defaults))
    assert response.status_code == 302
    shares = dict(TradeLabourShare.objects.in_territory(territory).values_list("trade", "labour_share"))
    # Only the values that differ from the national default are stored.
    assert shares[Trade.CLEANING] == Decimal("0.7550")
    assert shares[Trade.GREEN_SPACES] == Decimal("0.4000")
    assert Trade.PAINTING not in shares and Trade.STRUCTURAL_WORKS not in shares
    assert 'value="75,5"' in client.get(url("labour_shares")).content.decode()

    # Back to a default value: the territory's value follows it.
    client.post(url("labour_shares"), labour_data(**{**defaults, "cleaning": "75"}))
    assert TradeLabourShare.objects.get(territory=territory, trade=Trade.CLEANING).labour_share == Decimal("0.75")


def test_invalid_labour_shares_are_refused_in_french_and_nothing_is_saved(client, territory):
    client.force_login(make_member(territory, Role.COORDINATOR).user)
    response = client.post(url("labour_shares"), labour_data(painting="0", cleaning="150", roads="beaucoup", waste=""))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("La part de main-d&#x27;œuvre doit être comprise entre 1 et 100 %.") == 2
    assert "Écrivez un pourcentage, par exemple 45 ou 45,5." in page
    assert "Indiquez la part de main-d&#x27;œuvre pour « Collecte et tri des déchets »." in page
    assert 'value="beaucoup"' in page
    assert not TradeLabourShare.objects.exists()


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.BUYER, Role.COMMITTEE, Role.COMPANY])
def test_only_coordinators_edit_the_labour_shares(client, territory, role):
    client.force_login(make_member(territory, role).user)
    assert client.get(url("labour_shares")).status_code == 403
    assert client.post(url("labour_shares"), labour_data()).status_code == 403
    assert not TradeLabourShare.objects.exists()


# --- Pages ----------------------------------------------------------------------------------------------------------


def checked(response):
    """The page's HTML after the checks every page passes (see tests/test_pages_render.py)."""
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert html.count("<table") == html.count("<caption")
    assert len(re.findall(r"<th[ >]", html)) == html.count('<th scope="')
    return html


def test_the_detail_page_leads_to_feasibility_sizing_and_the_clause_text(client, territory, sete, buyer_member, buyer):
    facilitator = FacilitatorFactory(territory=territory, first_name="Inès", last_name="Roux")
    market = PlannedMarketFactory(
        territory=territory, buyer=buyer, facilitator=facilitator, execution_commune=sete, declared_by=buyer_member.user
    )
    client.force_login(buyer_member.user)
    html = checked(client.get(url("detail", pk=market.pk)))
    assert 'id="feasibility-missing"' in html and url("feasibility", pk=market.pk) in html
    assert "Inès Roux" in html and "Sète (34301)" in html and "450\xa0000 € HT" in html
    links = {
        reverse(name, kwargs={"territory_code": "34", "pk": market.pk})
        for name in ("drafting:sizing", "drafting:clause_text", "drafting:clause_text_docx")
    }
    assert all(link in html for link in links)
    assert "Je prends en charge" not in html and 'id="assign-form"' not in html  # a buyer does not assign

    ClausePlanFactory(territory=territory, market=market, assessed_by=buyer_member.user, hours=Decimal("420"))
    html = checked(client.get(url("detail", pk=market.pk)))
    assert 'id="feasibility-recommendation"' in html and 'id="feasibility-criteria"' in html
    assert "Étude réalisée par" in html and "le 01/09/2026" in html
    assert "420 heures d'insertion" in html


def test_every_programming_page_renders_for_a_coordinator(client, territory, sete):
    market = PlannedMarketFactory(territory=territory, execution_commune=sete)
    ClausePlanFactory(territory=territory, market=market, assessed_by=None)
    FacilitatorFactory(territory=territory)
    client.force_login(make_member(territory, Role.COORDINATOR).user)
    for name, kwargs in [
        ("list", {}),
        ("create", {}),
        ("detail", {"pk": market.pk}),
        ("update", {"pk": market.pk}),
        ("feasibility", {"pk": market.pk}),
        ("notify", {"pk": market.pk}),
        ("labour_shares", {}),
    ]:
        checked(client.get(url(name, **kwargs)))
    html = checked(client.get(url("detail", pk=market.pk)))
    assert 'id="assign-form"' in html and 'name="facilitator"' in html
    assert 'value="Sète (34301)"' in checked(client.get(url("update", pk=market.pk)))


def test_an_empty_pipeline_says_so(client, territory, buyer_member):
    client.force_login(buyer_member.user)
    html = checked(client.get(url("list")))
    assert "Aucun marché à venir n'est encore déclaré par votre organisation." in html
    assert url("create") in html


# --- A planned market notified: its clause is created from the plan and followed -------------------------------------


def sized_plan(territory, buyer, facilitator=None, **overrides):
    """A planned market studied and sized (12 months, 1,000,000 € of green spaces), its text parameters set."""
    EligibilityCriterionFactory(territory=territory, code="rsa", label="Allocataire du RSA")
    EligibilityCriterionFactory(territory=territory, code="qpv", label="Résident d'un QPV")
    EligibilityCriterionFactory(territory=territory, code="senior", label="Demandeur d'emploi de plus de 50 ans")
    market = PlannedMarketFactory(
        territory=territory,
        buyer=buyer,
        facilitator=facilitator,
        amount_ht=Decimal("1000000"),
        expected_tender_date=datetime.date(2026, 9, 1),
        object="Entretien des espaces verts du lido",
    )
    values = {
        "sizing_method": SizingMethod.LABOUR_SHARE,
        "sizing_amount_ht": Decimal("1000000"),
        "labour_share": Decimal("0.5"),
        "insertion_rate": Decimal("0.05"),
        "hourly_cost": Decimal("30"),
        "hours": Decimal("833"),
        "sizing_working": "1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833 h",
        "eligible_publics": ["rsa", "qpv"],
        "penalty_per_missing_hour": Decimal("45"),
        **overrides,
    }
    return ClausePlanFactory(territory=territory, market=market, **values)


def test_a_notified_planned_market_becomes_a_market_followed_with_its_clause_from_the_plan(territory, buyer):
    facilitator = FacilitatorFactory(territory=territory, first_name="Inès", last_name="Roux")
    plan = sized_plan(territory, buyer, facilitator)
    holder = CompanyFactory(territory=territory, name="Verts Jardins")

    clause = notify_planned_market(
        plan.market,
        notification_date=datetime.date(2026, 10, 15),
        lot_title="Lot unique — espaces verts",
        hours_required=Decimal("833"),
        reference="2026-AO-042",
        holder=holder,
    )

    market = Market.objects.get(pk=plan.market.pk)
    assert market.status == MarketStatus.IN_PROGRESS
    assert market.notification_date == datetime.date(2026, 10, 15)
    assert market.reference == "2026-AO-042"
    assert market.social_consideration == SocialConsideration.SOCIAL_CLAUSE
    lot = market.lots.get()
    assert lot.title == "Lot unique — espaces verts" and lot.amount_ht == Decimal("1000000")
    assert list(lot.awards.values_list("company__name", "role")) == [("Verts Jardins", AwardRole.HOLDER)]
    assert clause.lot == lot
    # 1 M€ of services of a commune (above 216,000 €), tendered after 22 August 2026: the mandatory condition.
    assert clause.legal_basis == LegalBasis.MANDATORY_CONDITION
    assert clause.hours_required == Decimal("833")
    assert (clause.labour_share, clause.insertion_rate, clause.hourly_cost) == (
        Decimal("0.5"),
        Decimal("0.05"),
        Decimal("30"),
    )
    assert clause.sizing_method == SizingMethod.LABOUR_SHARE and clause.sizing_amount_ht == Decimal("1000000")
    assert clause.facilitator == facilitator and clause.penalty_per_missing_hour == Decimal("45")
    assert clause.start_date == datetime.date(2026, 10, 15) and clause.end_date == datetime.date(2027, 10, 14)
    assert sorted(clause.eligible_criteria.values_list("criterion__code", flat=True)) == ["qpv", "rsa"]
    assert not planned_markets(make_member(territory, Role.COORDINATOR)).filter(pk=market.pk).exists()


def test_the_legal_basis_follows_the_form_retained_and_the_mandatory_condition_above_the_threshold(territory, buyer):
    market = PlannedMarketFactory(
        territory=territory, buyer=buyer, trade=Trade.STRUCTURAL_WORKS, amount_ht=Decimal("6000000")
    )
    market.expected_tender_date = datetime.date(2026, 9, 1)
    assert clause_legal_basis(ClauseForm.EXECUTION_CONDITION, market) == LegalBasis.MANDATORY_CONDITION
    assert clause_legal_basis(ClauseForm.CONDITION_AND_CRITERION, market) == LegalBasis.MANDATORY_CONDITION
    market.expected_tender_date = datetime.date(2026, 8, 21)  # launched before the obligation
    assert clause_legal_basis(ClauseForm.EXECUTION_CONDITION, market) == LegalBasis.EXECUTION_CONDITION
    market.expected_tender_date = datetime.date(2026, 9, 1)
    market.amount_ht = Decimal("5403999")  # works: under 5,404,000 €
    assert clause_legal_basis(ClauseForm.EXECUTION_CONDITION, market) == LegalBasis.EXECUTION_CONDITION
    assert clause_legal_basis(ClauseForm.AWARD_CRITERION, market) == LegalBasis.AWARD_CRITERION
    assert clause_legal_basis(ClauseForm.RESERVED_SIAE, market) == LegalBasis.RESERVED_SIAE
    assert clause_legal_basis(ClauseForm.RESERVED_DISABILITY, market) == LegalBasis.RESERVED_DISABILITY


@pytest.mark.parametrize(
    ("chosen", "recommended", "message"),
    [
        (ClauseForm.NONE, ClauseForm.NONE, "Aucune clause sociale n'a été retenue"),
        ("", "", "Étudiez d'abord la faisabilité"),
    ],
)
def test_no_clause_is_created_without_a_retained_form(territory, buyer, chosen, recommended, message):
    plan = sized_plan(territory, buyer, chosen_form=chosen, recommended_form=recommended)
    with pytest.raises(NotificationError, match=message):
        notify_planned_market(
            plan.market, notification_date=datetime.date(2026, 10, 1), lot_title="Lot", hours_required=Decimal("1")
        )
    assert Market.objects.get(pk=plan.market.pk).status == MarketStatus.PLANNED
    assert not Clause.objects.exists()


def notification_data(**overrides):
    return {
        "notification_date": "2026-10-15",
        "reference": "2026-AO-042",
        "lot_title": "Lot unique — espaces verts",
        "hours_required": "900",
        "holder_siret": "",
        "holder_name": "",
        **overrides,
    }


def test_the_buyer_records_the_notification_and_follows_the_clause(client, territory, buyer_member, buyer):
    plan = sized_plan(territory, buyer, chosen_form=ClauseForm.AWARD_CRITERION, choice_reason="Peu de public.")
    client.force_login(buyer_member.user)
    html = checked(client.get(url("detail", pk=plan.market.pk)))
    assert url("notify", pk=plan.market.pk) in html and "Marché notifié : créer la clause" in html

    html = checked(client.get(url("notify", pk=plan.market.pk)))
    assert 'value="833"' in html and 'value="Entretien des espaces verts du lido"' in html
    assert "Critère d&#x27;attribution (L2152-7)" in html

    response = client.post(
        url("notify", pk=plan.market.pk),
        notification_data(holder_siret="732 829 320 00074", holder_name="Verts Jardins"),
        follow=True,
    )
    market = Market.objects.get(pk=plan.market.pk)
    assert response.redirect_chain[-1][0] == market.get_absolute_url()
    html = response.content.decode()
    assert "est notifié" in html and "900 heures" in html
    clause = Clause.objects.get(lot__market=market)
    assert clause.legal_basis == LegalBasis.AWARD_CRITERION and clause.hours_required == Decimal("900")
    assert market.social_consideration == SocialConsideration.SOCIAL_CRITERION
    holder = market.lots.get().awards.get().company
    assert (holder.name, holder.siret, holder.territory) == ("Verts Jardins", "73282932000074", territory)
    # Out of the pipeline, into the markets followed.
    assert market.reference not in client.get(url("list")).content.decode()
    assert "2026-AO-042" in client.get(reverse("clauses:market_list", kwargs={"territory_code": "34"})).content.decode()
    assert client.get(url("notify", pk=market.pk)).status_code == 404  # no longer a planned market


def test_a_known_holder_is_found_by_its_siret(client, territory, buyer_member, buyer):
    plan = sized_plan(territory, buyer)
    company = CompanyFactory(territory=territory, name="Verts Jardins", siret="73282932000074")
    client.force_login(buyer_member.user)
    client.post(url("notify", pk=plan.market.pk), notification_data(holder_siret="73282932000074"))
    assert plan.market.lots.get().awards.get().company == company


def test_an_invalid_notification_is_shown_again_in_french_with_what_was_typed(client, territory, buyer_member, buyer):
    plan = sized_plan(territory, buyer)
    PlannedMarketFactory(territory=territory, buyer=buyer, reference="2026-AO-001")
    client.force_login(buyer_member.user)
    response = client.post(
        url("notify", pk=plan.market.pk),
        notification_data(
            notification_date="2099-01-01",
            reference="2026-AO-001",
            hours_required="beaucoup",
            holder_siret="35600000000048",
            lot_title="Lot 3 — tonte",
        ),
    )
    html = checked(response)
    assert "La notification n'est pas enregistrée" in html
    assert "La date de notification ne peut pas être postérieure à aujourd&#x27;hui." in html
    assert "Le donneur d&#x27;ordre a déjà un marché de référence « 2026-AO-001 »." in html
    assert "Écrivez un nombre d&#x27;heures, par exemple 840." in html
    assert "Aucune entreprise n&#x27;a ce SIRET dans la coordination : indiquez sa raison sociale" in html
    assert 'value="Lot 3 — tonte"' in html and 'value="beaucoup"' in html
    response = client.post(url("notify", pk=plan.market.pk), notification_data(holder_siret="123"))
    assert "n&#x27;est pas valide" in checked(response)
    response = client.post(url("notify", pk=plan.market.pk), notification_data(holder_name="Verts Jardins"))
    assert "Indiquez le SIRET du titulaire « Verts Jardins »." in checked(response)
    assert Market.objects.get(pk=plan.market.pk).status == MarketStatus.PLANNED and not Clause.objects.exists()


def test_a_market_without_clause_retained_says_so_and_creates_nothing(client, territory, buyer_member, buyer):
    plan = sized_plan(territory, buyer, chosen_form=ClauseForm.NONE, recommended_form=ClauseForm.NONE)
    client.force_login(buyer_member.user)
    html = checked(client.get(url("detail", pk=plan.market.pk)))
    assert 'id="notify-no-clause"' in html and url("notify", pk=plan.market.pk) not in html
    response = client.post(url("notify", pk=plan.market.pk), notification_data(), follow=True)
    assert "Aucune clause sociale n&#x27;a été retenue" in response.content.decode()
    assert Market.objects.get(pk=plan.market.pk).status == MarketStatus.PLANNED and not Clause.objects.exists()


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.COMMITTEE])
def test_only_coordinators_and_the_buyer_record_the_notification(client, territory, buyer, role):
    plan = sized_plan(territory, buyer)
    client.force_login(make_member(territory, role).user)
    assert url("notify", pk=plan.market.pk) not in checked(client.get(url("detail", pk=plan.market.pk)))
    assert client.post(url("notify", pk=plan.market.pk), notification_data()).status_code == 403
    assert not Clause.objects.exists()
