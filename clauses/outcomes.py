"""Outcome rules (domain notes, "Outcomes"): which situations are sustainable employment, transition, positive."""

from .enums import OutcomeCategory, OutcomeSituation

SUSTAINABLE_MIN_MONTHS = 6


def outcome_category(situation, contract_months=None):
    """Classify a situation:

    - emploi durable: CDI, CDD or temporary work of 6 months or more, civil-service post, business creation;
    - emploi de transition: CDD or temporary work under 6 months, subsidised contract;
    - sortie positive: qualifying training, hiring by an SIAE;
    - otherwise none, or unknown. A CDD or temporary mission of unknown length is a transition (not proven durable).
    """
    if situation in (OutcomeSituation.CDI, OutcomeSituation.CIVIL_SERVICE, OutcomeSituation.BUSINESS_CREATION):
        return OutcomeCategory.SUSTAINABLE
    if situation in (OutcomeSituation.CDD, OutcomeSituation.TEMPORARY):
        if contract_months is not None and contract_months >= SUSTAINABLE_MIN_MONTHS:
            return OutcomeCategory.SUSTAINABLE
        return OutcomeCategory.TRANSITION
    if situation == OutcomeSituation.SUBSIDISED:
        return OutcomeCategory.TRANSITION
    if situation in (OutcomeSituation.QUALIFYING_TRAINING, OutcomeSituation.SIAE_HIRING):
        return OutcomeCategory.POSITIVE
    if situation == OutcomeSituation.UNKNOWN:
        return OutcomeCategory.UNKNOWN
    return OutcomeCategory.NONE
