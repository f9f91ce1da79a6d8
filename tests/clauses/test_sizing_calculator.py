"""The sizing calculator (standalone, nothing saved) and the sizing of a planned market's clause (saved on its plan)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.enums import Role
from clauses.enums import ClauseForm, SizingMethod
from clauses.forms_drafting import SizingForm, as_percent, plain
from clauses.models import ClausePlan, TradeLabourShare, ensure_default_criteria
from markets.enums import Trade
from tests.clauses.factories_programming import ClausePlanFactory, PlannedMarketFactory
from tests.conftest import make_member
from tests.markets.factories import MarketFactory
from tests.test_pages_render import page as checked_page

pytestmark = pytest.mark.django_db

NNBSP = "\N{NARROW NO-BREAK SPACE}"


def calculator_url(territory):
    return reverse("drafting:calculator", kwargs={"territory_code": territory.code})


def sizing_url(market):
    return reverse("drafting:sizing", kwargs={"territory_code": market.territory.code, "pk": market.pk})


LABOUR_SHARE = {"method": "labour_share", "amount_ht": "1000000", "labour_share": "50", "insertion_rate": "5"}


# --- The form --------------------------------------------------------------------------------------------------------


def _form(data, shares=None):
    form = SizingForm(data, labour_shares=shares or {})
    form.is_valid()
    return form


def test_percentages_are_typed_as_percents():
    form = _form({**LABOUR_SHARE, "hourly_cost": "30"})
    assert form.is_valid()
    assert form.sizing.hours == Decimal("833")
    assert form.sizing.working == f"1{NNBSP}000{NNBSP}000 € × 50 % × 5 % ÷ 30 €/h = 833 h"
    assert form.full_time_equivalents == "0,52"
    values = form.plan_values()
    assert values["labour_share"] == Decimal("0.5") and values["insertion_rate"] == Decimal("0.05")
    assert values["tranche_amount"] is None and values["hours"] == Decimal("833")


def test_french_decimal_comma_is_accepted():
    form = _form({**LABOUR_SHARE, "insertion_rate": "7,5", "hourly_cost": "27,50"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["insertion_rate"] == Decimal("7.5")


def test_invoiced_tranche_ignores_the_labour_share_fields():
    form = _form(
        {
            "method": "invoiced_tranche",
            "amount_ht": "150000",
            "tranche_amount": "2000",
            "hours_per_tranche": "1",
            "labour_share": "n'importe quoi",  # a field of the other method: neither used nor blocking
        }
    )
    assert form.is_valid(), form.errors
    assert form.sizing.hours == Decimal("75")
    assert form.sizing.working == f"⌊150{NNBSP}000 € ÷ 2{NNBSP}000 €⌋ = 75 tranches × 1 h = 75 h"
    values = form.plan_values()
    assert values["sizing_method"] == SizingMethod.INVOICED_TRANCHE
    assert values["labour_share"] is None and values["hourly_cost"] is None
    assert values["tranche_amount"] == Decimal("2000")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({**LABOUR_SHARE, "hourly_cost": ""}, "hourly_cost", "Indiquez : coût horaire (€ / h)."),
        ({**LABOUR_SHARE, "hourly_cost": "trente"}, "hourly_cost", "Saisissez un montant en chiffres"),
        ({**LABOUR_SHARE, "hourly_cost": "0"}, "hourly_cost", "Le coût horaire doit être une valeur strictement"),
        ({**LABOUR_SHARE, "labour_share": "150", "hourly_cost": "30"}, "labour_share", "Un pourcentage est compris"),
        ({**LABOUR_SHARE, "insertion_rate": "0", "hourly_cost": "30"}, "insertion_rate", "Le taux d'insertion doit"),
        ({**LABOUR_SHARE, "amount_ht": "-5", "hourly_cost": "30"}, "amount_ht", "Saisissez une valeur positive."),
        (
            {"method": "invoiced_tranche", "amount_ht": "1000", "tranche_amount": "0", "hours_per_tranche": "1"},
            "tranche_amount",
            "Le montant de la tranche doit être une valeur strictement positive.",
        ),
        (
            {"method": "invoiced_tranche", "amount_ht": "1000", "tranche_amount": "2000"},
            "hours_per_tranche",
            "Indiquez : heures par tranche.",
        ),
    ],
)
def test_bad_input_gets_a_french_message_on_its_field(data, field, message):
    form = _form(data)
    assert not form.is_valid()
    assert form.sizing is None
    assert any(error.startswith(message) for error in form.errors[field]), form.errors


def test_absurd_result_is_refused():
    form = _form({**LABOUR_SHARE, "amount_ht": "999999999999", "labour_share": "100", "insertion_rate": "100",
                  "hourly_cost": "0,01"})  # fmt: skip
    assert not form.is_valid()
    assert "démesuré" in form.non_field_errors()[0]


def test_percent_helpers():
    assert as_percent(Decimal("0.5000")) == Decimal("50")
    assert str(as_percent(Decimal("0.0750"))) == "7.5"
    assert as_percent(None) is None
    assert str(plain(Decimal("30.00"))) == "30"


# --- The standalone calculator ---------------------------------------------------------------------------------------


@pytest.fixture
def buyer_member(territory):
    return make_member(territory, Role.BUYER)


def test_calculator_proposes_the_territory_defaults(client, territory, buyer_member):
    territory.default_insertion_rate = Decimal("0.075")
    territory.default_hourly_cost = Decimal("28")
    territory.save()
    client.force_login(buyer_member.user)
    response = client.get(calculator_url(territory))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="insertion_rate" value="7,5"' in html
    assert 'name="hourly_cost" value="28"' in html
    assert 'id="sizing-result"' not in html
    assert "Peinture, revêtements" in html  # the table of labour shares per trade


def test_calculator_shows_hours_fte_and_working_and_saves_nothing(client, territory, buyer_member):
    client.force_login(buyer_member.user)
    response = client.get(calculator_url(territory), {**LABOUR_SHARE, "hourly_cost": "30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "833 heures" in html
    assert "0,52" in html
    assert f"1{NNBSP}000{NNBSP}000 € × 50 % × 5 % ÷ 30 €/h = 833 h" in html
    assert not ClausePlan.objects.exists()


def test_calculator_uses_the_territory_s_labour_share_of_the_trade_when_left_empty(client, territory, buyer_member):
    TradeLabourShare.objects.create(territory=territory, trade=Trade.PAINTING, labour_share=Decimal("0.65"))
    client.force_login(buyer_member.user)
    data = {**LABOUR_SHARE, "labour_share": "", "trade": Trade.PAINTING, "hourly_cost": "30"}
    html = client.get(calculator_url(territory), data).content.decode()
    assert "× 65 % ×" in html
    assert "1\N{NARROW NO-BREAK SPACE}083 heures" in html  # 1,000,000 × 0.65 × 0.05 / 30 = 1,083.3


def test_calculator_keeps_bad_values_with_a_french_message(client, territory, buyer_member):
    client.force_login(buyer_member.user)
    data = {**LABOUR_SHARE, "insertion_rate": "cinq", "hourly_cost": "30"}
    response = client.get(calculator_url(territory), data)
    html = response.content.decode()
    assert "Saisissez un pourcentage en chiffres" in html
    assert 'value="cinq"' in html and 'value="1000000"' in html
    assert 'id="sizing-result"' not in html


def test_calculator_is_refused_to_companies(client, territory):
    company = make_member(territory, Role.COMPANY)
    client.force_login(company.user)
    assert client.get(calculator_url(territory)).status_code == 403


# --- Sizing a planned market -----------------------------------------------------------------------------------------


@pytest.fixture
def market(territory, buyer_member):
    return PlannedMarketFactory(
        territory=territory,
        buyer=buyer_member.buyer_member.buyer,
        trade=Trade.PAINTING,
        amount_ht=Decimal("600000"),
    )


def test_planned_market_defaults_come_from_the_market_and_the_territory(client, territory, market, buyer_member):
    TradeLabourShare.objects.create(territory=territory, trade=Trade.PAINTING, labour_share=Decimal("0.6"))
    territory.default_insertion_rate = Decimal("0.08")
    territory.save()
    client.force_login(buyer_member.user)
    response = client.get(sizing_url(market))
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["amount_ht"] == Decimal("600000")
    assert initial["labour_share"] == Decimal("60")
    assert initial["insertion_rate"] == Decimal("8")
    assert initial["hourly_cost"] == Decimal("30")
    html = response.content.decode()
    assert 'name="amount_ht" value="600000"' in html
    assert "« Peinture, revêtements » (60 %)" in html
    assert 'id="no-sizing"' in html


def test_calculate_shows_the_result_without_saving(client, market, buyer_member):
    client.force_login(buyer_member.user)
    data = {"action": "calculate", "method": "labour_share", "amount_ht": "600000", "labour_share": "70",
            "insertion_rate": "5", "hourly_cost": "30"}  # fmt: skip
    response = client.post(sizing_url(market), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "700 heures" in html  # 600,000 × 70 % × 5 % ÷ 30
    assert "non enregistré" in html
    assert f"600{NNBSP}000 € × 70 % × 5 % ÷ 30 €/h = 700 h" in html
    assert not ClausePlan.objects.filter(market=market).exists()


def test_save_creates_the_plan_with_parameters_and_result(client, market, buyer_member):
    client.force_login(buyer_member.user)
    data = {"action": "save", "method": "labour_share", "amount_ht": "600000", "labour_share": "70",
            "insertion_rate": "5", "hourly_cost": "30"}  # fmt: skip
    response = client.post(sizing_url(market), data)
    assert response.status_code == 302 and response.url == sizing_url(market)
    plan = ClausePlan.objects.get(market=market)
    assert plan.territory == market.territory
    assert plan.sizing_method == SizingMethod.LABOUR_SHARE
    assert (plan.sizing_amount_ht, plan.labour_share, plan.insertion_rate, plan.hourly_cost) == (
        Decimal("600000"),
        Decimal("0.7"),
        Decimal("0.05"),
        Decimal("30"),
    )
    assert plan.hours == Decimal("700")
    assert plan.sizing_working == f"600{NNBSP}000 € × 70 % × 5 % ÷ 30 €/h = 700 h"

    response = client.get(sizing_url(market))
    html = response.content.decode()
    assert 'id="saved-sizing"' in html and "700 heures" in html
    assert "Dimensionnement enregistré" in html
    assert response.context["form"].initial["labour_share"] == Decimal("70")  # the saved parameters are reloaded


def test_save_keeps_the_feasibility_study_of_an_existing_plan(client, territory, market, buyer_member):
    plan = ClausePlanFactory(territory=territory, market=market, chosen_form=ClauseForm.AWARD_CRITERION)
    client.force_login(buyer_member.user)
    data = {"action": "save", "method": "invoiced_tranche", "amount_ht": "300000", "tranche_amount": "2000",
            "hours_per_tranche": "1,5"}  # fmt: skip
    client.post(sizing_url(market), data)
    plan.refresh_from_db()
    assert plan.chosen_form == ClauseForm.AWARD_CRITERION
    assert plan.sizing_method == SizingMethod.INVOICED_TRANCHE
    assert plan.hours == Decimal("225")
    assert plan.labour_share is None
    assert ClausePlan.objects.filter(market=market).count() == 1


def test_invalid_save_saves_nothing_and_keeps_the_values(client, market, buyer_member):
    client.force_login(buyer_member.user)
    data = {"action": "save", "method": "labour_share", "amount_ht": "600 000", "labour_share": "70 %",
            "insertion_rate": "5", "hourly_cost": "30"}  # fmt: skip
    response = client.post(sizing_url(market), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Saisissez un pourcentage en chiffres" in html
    assert 'value="70 %"' in html
    assert not ClausePlan.objects.filter(market=market).exists()


def test_committee_reads_the_saved_sizing_without_the_form(client, territory, market):
    ClausePlanFactory(territory=territory, market=market, hours=Decimal("700"), sizing_working="… = 700 h")
    committee = make_member(territory, Role.COMMITTEE)
    client.force_login(committee.user)
    response = client.get(sizing_url(market))
    html = response.content.decode()
    assert response.status_code == 200
    assert "700 heures" in html and 'id="sizing-form"' not in html
    assert client.post(sizing_url(market), {"action": "save", **LABOUR_SHARE}).status_code == 403


def test_a_buyer_never_reaches_another_buyer_s_planned_market(client, territory, buyer_member):
    other = PlannedMarketFactory(territory=territory)
    client.force_login(buyer_member.user)
    assert client.get(sizing_url(other)).status_code == 404
    assert client.post(sizing_url(other), {"action": "save", **LABOUR_SHARE, "hourly_cost": "30"}).status_code == 404
    assert not ClausePlan.objects.exists()


def test_a_market_in_progress_is_not_sized_here(client, territory, buyer_member):
    market = MarketFactory(territory=territory, buyer=buyer_member.buyer_member.buyer)
    client.force_login(buyer_member.user)
    assert client.get(sizing_url(market)).status_code == 404


def test_sizing_page_query_count_is_small(client, market, buyer_member, django_assert_max_num_queries):
    client.force_login(buyer_member.user)
    with django_assert_max_num_queries(13):  # 12, plus the buyer membership read to decide whether it may edit
        assert client.get(sizing_url(market)).status_code == 200


def test_hours_saved_without_their_parameters_show_the_defaults(client, territory, market, buyer_member):
    """A plan whose hours were recorded elsewhere (no parameters): each missing parameter falls back to its default."""
    ClausePlanFactory(territory=territory, market=market, hours=Decimal("500"), sizing_working="500 h")
    client.force_login(buyer_member.user)
    initial = client.get(sizing_url(market)).context["form"].initial
    assert (initial["amount_ht"], initial["labour_share"], initial["hourly_cost"]) == (
        Decimal("600000"),
        Decimal("70"),
        Decimal("30"),
    )


def test_drafting_pages_pass_the_common_page_checks(client, territory, market, buyer_member):
    """One h1, captioned tables with scoped headers, in French: with a result shown and with errors shown."""
    ensure_default_criteria(territory)
    client.force_login(buyer_member.user)
    checked_page(client.get(calculator_url(territory), {**LABOUR_SHARE, "hourly_cost": "30"}))
    checked_page(client.get(calculator_url(territory), {**LABOUR_SHARE, "hourly_cost": "?"}))
    checked_page(client.post(sizing_url(market), {"action": "calculate", **LABOUR_SHARE, "hourly_cost": "30"}))
    checked_page(client.post(sizing_url(market), {"action": "save", **LABOUR_SHARE}))
    text_url = reverse("drafting:clause_text", kwargs={"territory_code": territory.code, "pk": market.pk})
    checked_page(client.get(text_url))
    checked_page(client.post(text_url, {"execution_modes": ["training"]}))
