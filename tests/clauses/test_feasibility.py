"""The recommendation of a clause's form from the four feasibility criteria (``clauses.feasibility``): every branch."""

from decimal import Decimal

import pytest

from clauses.enums import ClauseForm, FeasibilityLevel
from clauses.feasibility import (
    EU_THRESHOLD_SERVICES,
    EU_THRESHOLD_SERVICES_CENTRAL,
    EU_THRESHOLD_WORKS,
    LARGE_AMOUNT,
    MIN_RESERVED_EMPLOYERS,
    MODEST_AMOUNT,
    Recommendation,
    eu_threshold,
    recommend_form,
)
from markets.enums import BuyerKind, Trade

F, M, U = FeasibilityLevel.FAVOURABLE, FeasibilityLevel.MARGINAL, FeasibilityLevel.UNFAVOURABLE
ENOUGH = MIN_RESERVED_EMPLOYERS
TOO_FEW = MIN_RESERVED_EMPLOYERS - 1


def recommend(duration=F, amount=F, technicality=F, public=F, **kwargs):
    kwargs.setdefault("amount_ht", Decimal("600000"))
    kwargs.setdefault("duration_months", 12)
    kwargs.setdefault("trade", Trade.GREEN_SPACES)
    return recommend_form(duration=duration, amount=amount, technicality=technicality, public=public, **kwargs)


def text(recommendation):
    return recommendation.justification


def test_a_recommendation_is_a_form_with_its_reasons_as_french_sentences():
    recommendation = recommend()
    assert isinstance(recommendation, Recommendation)
    assert recommendation.form == ClauseForm.EXECUTION_CONDITION
    assert recommendation.reasons and all(isinstance(reason, str) for reason in recommendation.reasons)
    assert text(recommendation) == "\n".join(recommendation.reasons)


def test_an_unknown_level_is_refused():
    with pytest.raises(ValueError, match="technicality"):
        recommend(technicality="")
    with pytest.raises(ValueError, match="public"):
        recommend(public="excellent")


def test_eu_threshold_depends_on_works_or_services():
    assert eu_threshold(Trade.STRUCTURAL_WORKS) == EU_THRESHOLD_WORKS
    assert eu_threshold(Trade.PAINTING) == EU_THRESHOLD_WORKS
    assert eu_threshold(Trade.CLEANING) == EU_THRESHOLD_SERVICES
    assert eu_threshold("") == EU_THRESHOLD_SERVICES


def test_eu_thresholds_are_those_of_2026_2027():
    # Delegated Regulation (EU) 2025/2152, annexe 2 of the code de la commande publique since 1 January 2026.
    assert Decimal("5404000") == EU_THRESHOLD_WORKS
    assert Decimal("216000") == EU_THRESHOLD_SERVICES
    assert Decimal("140000") == EU_THRESHOLD_SERVICES_CENTRAL


def test_supplies_and_services_of_the_state_have_the_lower_central_threshold():
    assert eu_threshold(Trade.CLEANING, BuyerKind.STATE) == EU_THRESHOLD_SERVICES_CENTRAL
    assert eu_threshold(Trade.CLEANING, BuyerKind.MUNICIPALITY) == EU_THRESHOLD_SERVICES
    assert eu_threshold(Trade.ROADS, BuyerKind.STATE) == EU_THRESHOLD_WORKS
    # 150,000 € of cleaning without local public: above the State's threshold, under a commune's one.
    state = recommend(public=U, amount_ht=Decimal("150000"), trade=Trade.CLEANING, buyer_kind=BuyerKind.STATE)
    assert state.form == ClauseForm.EXECUTION_CONDITION and "140\u202f000 € HT" in text(state)
    commune = recommend(public=U, amount_ht=Decimal("150000"), trade=Trade.CLEANING, buyer_kind=BuyerKind.MUNICIPALITY)
    assert commune.form == ClauseForm.AWARD_CRITERION


# --- 1. Too short ---------------------------------------------------------------------------------------------------


def test_unfavourable_duration_means_no_clause_even_with_many_siae():
    recommendation = recommend(duration=U, amount_ht=Decimal("100000"), siae_count=20, disability_count=20)
    assert recommendation.form == ClauseForm.NONE
    assert "trop court" in text(recommendation)
    assert "sous le seuil européen" in text(recommendation)


def test_a_contract_under_two_months_means_no_clause_whatever_the_answer():
    recommendation = recommend(duration=F, duration_months=1)
    assert recommendation.form == ClauseForm.NONE
    assert "Durée trop courte (1 mois)" in text(recommendation)


def test_no_clause_above_the_eu_threshold_is_an_exception_to_justify_under_l2112_2_1_1():
    recommendation = recommend(duration=U, amount_ht=Decimal("300000"), trade=Trade.CLEANING)
    assert recommendation.form == ClauseForm.NONE
    assert "L2112-2-1-1" in text(recommendation)
    assert "exception" in text(recommendation)
    assert "22 août 2026" in text(recommendation)


def test_works_below_their_own_threshold_need_no_justification_of_the_exception():
    recommendation = recommend(duration=U, amount_ht=Decimal("3000000"), trade=Trade.ROADS)
    assert recommendation.form == ClauseForm.NONE
    assert "L2112-2-1-1" not in text(recommendation)


# --- 2. Reserved markets --------------------------------------------------------------------------------------------


def test_low_technicality_modest_amount_and_enough_siae_recommend_a_market_reserved_to_siae():
    recommendation = recommend(amount_ht=MODEST_AMOUNT, siae_count=ENOUGH, disability_count=0)
    assert recommendation.form == ClauseForm.RESERVED_SIAE
    assert "L2113-13" in text(recommendation)
    assert f"{ENOUGH} SIAE" in text(recommendation)
    assert "L2113-12" not in text(recommendation)


def test_a_reserved_market_needs_no_local_public_nor_a_hosting_company():
    """The structures bring their own employees: the public and amount criteria do not block the reservation."""
    recommendation = recommend(amount=U, public=U, amount_ht=Decimal("80000"), siae_count=ENOUGH)
    assert recommendation.form == ClauseForm.RESERVED_SIAE


def test_when_both_kinds_are_numerous_siae_come_first_and_the_disability_reservation_is_mentioned():
    recommendation = recommend(amount_ht=Decimal("100000"), siae_count=ENOUGH, disability_count=ENOUGH)
    assert recommendation.form == ClauseForm.RESERVED_SIAE
    assert "L2113-12" in text(recommendation)


def test_the_sector_scope_of_the_counts_is_quoted():
    recommendation = recommend(
        amount_ht=Decimal("100000"), siae_count=5, employer_scope="dans le secteur « Propreté et nettoyage »"
    )
    assert "5 SIAE et 0 EA / ESAT dans le secteur « Propreté et nettoyage »" in text(recommendation)


def test_enough_ea_esat_but_too_few_siae_recommend_a_market_reserved_to_ea_esat():
    recommendation = recommend(amount_ht=Decimal("200000"), siae_count=TOO_FEW, disability_count=ENOUGH)
    assert recommendation.form == ClauseForm.RESERVED_DISABILITY
    assert "L2113-12" in text(recommendation)
    assert "Pas assez de SIAE" in text(recommendation)


def test_medium_technicality_rules_out_siae_reservation_but_not_ea_esat():
    recommendation = recommend(technicality=M, amount_ht=Decimal("200000"), siae_count=ENOUGH, disability_count=ENOUGH)
    assert recommendation.form == ClauseForm.RESERVED_DISABILITY
    assert "Pas assez de SIAE" not in text(recommendation)


def test_too_few_inclusion_employers_rule_out_a_reservation():
    recommendation = recommend(amount_ht=Decimal("100000"), siae_count=TOO_FEW, disability_count=TOO_FEW)
    assert recommendation.form == ClauseForm.EXECUTION_CONDITION
    assert f"{TOO_FEW} SIAE et {TOO_FEW} EA / ESAT" in text(recommendation)
    assert "concurrentiel" in text(recommendation)


def test_an_amount_above_the_modest_one_rules_out_a_reservation():
    recommendation = recommend(amount_ht=MODEST_AMOUNT + 1, siae_count=50, disability_count=50)
    assert recommendation.form == ClauseForm.EXECUTION_CONDITION


def test_an_unknown_amount_rules_out_a_reservation():
    recommendation = recommend(amount_ht=None, siae_count=50, disability_count=50)
    assert recommendation.form == ClauseForm.EXECUTION_CONDITION


# --- 3. Several unfavourable criteria ---------------------------------------------------------------------------------


def test_unfavourable_on_several_criteria_means_no_clause_and_names_them():
    recommendation = recommend(technicality=U, public=U)
    assert recommendation.form == ClauseForm.NONE
    assert "Critères défavorables : la technicité et le public mobilisable" in text(recommendation)


def test_several_unfavourable_criteria_above_the_threshold_must_justify_the_exception():
    recommendation = recommend(amount=U, public=U, amount_ht=Decimal("6000000"), trade=Trade.STRUCTURAL_WORKS)
    assert recommendation.form == ClauseForm.NONE
    assert "L2112-2-1-1" in text(recommendation)


# --- 4. One unfavourable criterion ----------------------------------------------------------------------------------


def test_an_amount_too_small_below_the_threshold_means_no_clause():
    recommendation = recommend(amount=U, amount_ht=Decimal("60000"), trade=Trade.ROADS)
    assert recommendation.form == ClauseForm.NONE
    assert "coûts fixes" in text(recommendation)


def test_an_unfavourable_amount_above_the_threshold_still_needs_a_light_execution_condition():
    recommendation = recommend(amount=U, amount_ht=Decimal("250000"), trade=Trade.SERVICES)
    assert recommendation.form == ClauseForm.EXECUTION_CONDITION
    assert "L2112-2-1-1" in text(recommendation)
    assert "allégé" in text(recommendation)


def test_no_local_public_below_the_threshold_recommends_an_award_criterion():
    recommendation = recommend(public=U, amount_ht=Decimal("150000"), trade=Trade.CLEANING)
    assert recommendation.form == ClauseForm.AWARD_CRITERION
    assert "L2152-7" in text(recommendation)


def test_no_local_public_above_the_threshold_recommends_a_lighter_execution_condition():
    recommendation = recommend(public=U, amount_ht=Decimal("400000"), trade=Trade.CLEANING)
    assert recommendation.form == ClauseForm.EXECUTION_CONDITION
    assert "L2112-2-1-1" in text(recommendation)
    assert "formation" in text(recommendation)


def test_high_technicality_recommends_an_execution_condition_through_work_study_contracts():
    recommendation = recommend(technicality=U, amount_ht=Decimal("2000000"), trade=Trade.BUILDING_SERVICES)
    assert recommendation.form == ClauseForm.EXECUTION_CONDITION
    assert "alternance" in text(recommendation)


# --- 5. Execution condition -----------------------------------------------------------------------------------------


def test_favourable_on_every_criterion_recommends_an_execution_condition():
    recommendation = recommend(amount_ht=Decimal("600000"))
    assert recommendation.form == ClauseForm.EXECUTION_CONDITION
    assert "Les quatre critères sont favorables." in recommendation.reasons
    assert "L2112-2" in text(recommendation)


def test_a_large_market_favourable_on_every_criterion_combines_condition_and_award_criterion():
    recommendation = recommend(amount_ht=LARGE_AMOUNT, trade=Trade.STRUCTURAL_WORKS)
    assert recommendation.form == ClauseForm.CONDITION_AND_CRITERION
    assert "L2152-7" in text(recommendation)
    assert "1\u202f000\u202f000 € HT" in text(recommendation)


def test_a_large_market_with_a_marginal_criterion_keeps_the_execution_condition_alone():
    recommendation = recommend(public=M, amount_ht=Decimal("3000000"), trade=Trade.STRUCTURAL_WORKS)
    assert recommendation.form == ClauseForm.EXECUTION_CONDITION


def test_above_the_threshold_the_execution_condition_is_said_mandatory():
    recommendation = recommend(amount_ht=Decimal("500000"), trade=Trade.CLEANING)
    assert recommendation.form == ClauseForm.EXECUTION_CONDITION
    assert "obligatoire depuis le 22 août 2026 (article L2112-2-1-1)" in text(recommendation)


@pytest.mark.parametrize(
    ("criterion", "advice"),
    [
        ("public", "alléger le volume d'heures et ouvrir la clause aux actions de formation"),
        ("duration", "mise à disposition de personnel (ETTI, AI, GEIQ)"),
        ("technicality", "tutorat"),
        ("amount", "volume d'heures modeste"),
    ],
)
def test_a_marginal_criterion_adapts_the_execution_condition(criterion, advice):
    recommendation = recommend(**{criterion: M})
    assert recommendation.form == ClauseForm.EXECUTION_CONDITION
    assert advice in text(recommendation)
    assert "Les quatre critères sont favorables." not in recommendation.reasons
