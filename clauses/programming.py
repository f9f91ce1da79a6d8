"""Programming of planned markets: who sees and edits them, their automatic reference, the inclusion employers a
feasibility study counts on, and the market in execution (with its clause) a planned market becomes once notified.

Plain functions reused by the programming views and tested on their own (tests/clauses/test_programming.py).
"""

import re
from datetime import date, timedelta

from django.db.models import Count, Exists, Q

from accounts.enums import Role
from facilitators.enums import InclusionEmployerKind, Sector
from facilitators.models import InclusionEmployer, InclusionEmployerSector
from markets.enums import AwardRole, MarketStatus, SocialConsideration, Trade
from markets.models import Company, Lot, LotAward, Market

from .enums import ClauseForm, LegalBasis, SizingMethod
from .feasibility import MANDATORY_SOCIAL_CONDITION_SINCE, eu_threshold
from .models import Clause, ClauseEligibleCriterion, ClausePlan, EligibilityCriterion
from .participants import add_months_to_day

REFERENCE_PREFIX = "PREV"

# The inclusion employers' sector matching a trade (None: no sector fits, count the whole territory).
TRADE_SECTORS = {
    Trade.STRUCTURAL_WORKS: Sector.CONSTRUCTION,
    Trade.STEEL_FRAME: Sector.CONSTRUCTION,
    Trade.ROADS: Sector.CONSTRUCTION,
    Trade.FINISHING: Sector.CONSTRUCTION,
    Trade.PAINTING: Sector.CONSTRUCTION,
    Trade.BUILDING_SERVICES: Sector.CONSTRUCTION,
    Trade.GREEN_SPACES: Sector.GREEN_SPACES,
    Trade.CLEANING: Sector.CLEANING,
    Trade.WASTE: Sector.WASTE,
    Trade.CATERING: Sector.CATERING,
    Trade.SERVICES: Sector.SERVICES,
}


def planned_markets(membership):
    """The planned markets ``membership`` may see: a buyer its own organisation's, coordinators, facilitators and the
    committee the whole pipeline; companies none (a tender in preparation is never shown to them)."""
    if membership is None or membership.role == Role.COMPANY:
        return Market.objects.none()
    return Market.objects.visible_to(membership).filter(status=MarketStatus.PLANNED)


def own_buyer(membership):
    """The buyer organisation of a buyer member (None for other roles, or a buyer member without organisation)."""
    if membership.role != Role.BUYER:
        return None
    member = getattr(membership, "buyer_member", None)
    return member.buyer if member else None


def own_facilitator(membership):
    if membership.role != Role.FACILITATOR:
        return None
    return getattr(membership, "facilitator", None)


def can_declare(membership):
    """Coordinators declare for any buyer, a buyer member for its own organisation."""
    return membership.role == Role.COORDINATOR or own_buyer(membership) is not None


def can_edit(membership, market):
    """Edit a planned market and assess its feasibility: coordinators; its buyer's members; the facilitator in charge.

    ``market`` must already be visible to ``membership`` (``planned_markets``)."""
    if membership.role == Role.COORDINATOR:
        return True
    if membership.role == Role.BUYER:
        member = getattr(membership, "buyer_member", None)
        return member is not None and member.buyer_id == market.buyer_id
    if membership.role == Role.FACILITATOR:
        facilitator = own_facilitator(membership)
        return facilitator is not None and market.facilitator_id == facilitator.pk
    return False


def can_assign(membership, market):
    """Coordinators assign any facilitator; a facilitator may take a planned market nobody is in charge of."""
    if membership.role == Role.COORDINATOR:
        return True
    if membership.role == Role.FACILITATOR:
        return own_facilitator(membership) is not None and market.facilitator_id is None
    return False


def next_reference(territory, buyer, year):
    """The next free automatic reference of ``buyer`` for ``year``: PREV-2027-001, PREV-2027-002…"""
    prefix = f"{REFERENCE_PREFIX}-{year}-"
    used = Market.objects.in_territory(territory).filter(buyer=buyer, reference__startswith=prefix)
    numbers = [int(m.group(1)) for ref in used.values_list("reference", flat=True) if (m := _SEQUENCE.match(ref))]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


_SEQUENCE = re.compile(rf"^{REFERENCE_PREFIX}-\d{{4}}-(\d+)$")


def reference_year(expected_tender_date):
    return (expected_tender_date or date.today()).year


def employer_counts(territory, trade):
    """(SIAE count, EA / ESAT count, French scope) the territory knows for a market of ``trade``.

    In the trade's sector when one matches and the territory records its employers' sectors; else every employer of
    the territory. One query.
    """
    sector = TRADE_SECTORS.get(trade)
    siae, disability = InclusionEmployerKind.siae(), InclusionEmployerKind.disability()
    employers = InclusionEmployer.objects.in_territory(territory)
    has_sectors = Exists(InclusionEmployerSector.objects.filter(territory_id=territory.pk))
    figures = employers.aggregate(
        siae=Count("pk", filter=Q(kind__in=siae), distinct=True),
        disability=Count("pk", filter=Q(kind__in=disability), distinct=True),
        **(
            {
                "siae_sector": Count("pk", filter=Q(kind__in=siae, sectors__sector=sector), distinct=True),
                "disability_sector": Count("pk", filter=Q(kind__in=disability, sectors__sector=sector), distinct=True),
                "sectors_known": Count("pk", filter=has_sectors, distinct=True),
            }
            if sector
            else {}
        ),
    )
    if sector and figures["sectors_known"]:
        return (
            figures["siae_sector"],
            figures["disability_sector"],
            f"dans le secteur « {Sector(sector).label} »",
        )
    return figures["siae"], figures["disability"], "connus de la coordination"


# --- A planned market notified: the market to follow and its clause, from the plan -------------------------------

# The clause's legal basis for each form retained in the plan (a market or lot reserved to both SIAE and EA / ESAT is
# recorded as the form chosen). Execution conditions of a consultation launched from 22 August 2026 above the EU
# threshold are the mandatory social condition (see ``clauses.feasibility``).
FORM_LEGAL_BASIS = {
    ClauseForm.EXECUTION_CONDITION: LegalBasis.EXECUTION_CONDITION,
    ClauseForm.CONDITION_AND_CRITERION: LegalBasis.EXECUTION_CONDITION,
    ClauseForm.AWARD_CRITERION: LegalBasis.AWARD_CRITERION,
    ClauseForm.RESERVED_SIAE: LegalBasis.RESERVED_SIAE,
    ClauseForm.RESERVED_DISABILITY: LegalBasis.RESERVED_DISABILITY,
}
FORM_SOCIAL_CONSIDERATION = {
    ClauseForm.EXECUTION_CONDITION: SocialConsideration.SOCIAL_CLAUSE,
    ClauseForm.CONDITION_AND_CRITERION: SocialConsideration.SOCIAL_CLAUSE,
    ClauseForm.AWARD_CRITERION: SocialConsideration.SOCIAL_CRITERION,
    ClauseForm.RESERVED_SIAE: SocialConsideration.RESERVED,
    ClauseForm.RESERVED_DISABILITY: SocialConsideration.RESERVED,
}


class NotificationError(Exception):
    """The planned market cannot become a market in execution yet (French message for the page)."""


def retained_form(plan):
    """The form the clause takes: the buyer's choice, else the recommendation ("" when not studied)."""
    if plan is None:
        return ""
    return plan.chosen_form or plan.recommended_form


def can_notify(membership, market):
    """Coordinators and the market's buyer record its notification (the follow-up starts then)."""
    if membership.role == Role.COORDINATOR:
        return True
    buyer = own_buyer(membership)
    return buyer is not None and buyer.pk == market.buyer_id


def clause_legal_basis(form, market, tender_date=None):
    """The ``LegalBasis`` of the clause of ``market`` for the retained ``form``.

    An execution condition of a market at or above the EU threshold whose consultation was launched from
    22 August 2026 is recorded as the mandatory social condition."""
    basis = FORM_LEGAL_BASIS[form]
    tender_date = tender_date or market.expected_tender_date
    if (
        basis == LegalBasis.EXECUTION_CONDITION
        and market.amount_ht is not None
        and market.amount_ht >= eu_threshold(market.trade, market.buyer.kind)
        and tender_date is not None
        and tender_date >= MANDATORY_SOCIAL_CONDITION_SINCE
    ):
        return LegalBasis.MANDATORY_CONDITION
    return basis


def notify_planned_market(
    market,
    *,
    notification_date,
    lot_title,
    hours_required,
    reference="",
    holder=None,
):
    """Turn the planned ``market`` into a market in execution with its clause created from its plan.

    ``market``: a planned market with a ``ClausePlan`` whose form (chosen, else recommended) is not « no clause »;
    ``hours_required``: the hours of the clause (the plan's sizing, or the hours of the winning offer for an award
    criterion); ``reference``: the contract's final reference (kept when empty); ``holder``: the holding ``Company``
    (optional: it may be recorded later). The clause takes the plan's sizing parameters, eligible publics and penalty,
    the market's facilitator in charge, and runs from the notification date over the market's duration.

    Returns the created ``Clause``. Raises ``NotificationError`` when the market is no longer planned or has no
    clause to create. Call it inside a transaction (the views run in ATOMIC_REQUESTS).
    """
    if market.status != MarketStatus.PLANNED:
        raise NotificationError("Ce marché n'est plus programmé : sa notification est déjà enregistrée.")
    plan = ClausePlan.objects.filter(territory_id=market.territory_id, market=market).first()
    form = retained_form(plan)
    if not form:
        raise NotificationError(
            "Étudiez d'abord la faisabilité du marché : la forme de la clause n'est pas encore retenue."
        )
    if form == ClauseForm.NONE:
        raise NotificationError(
            "Aucune clause sociale n'a été retenue pour ce marché : il n'y a pas de clause à suivre."
        )
    territory_id = market.territory_id
    market.status = MarketStatus.IN_PROGRESS
    market.notification_date = notification_date
    market.social_consideration = FORM_SOCIAL_CONSIDERATION[form]
    if reference:
        market.reference = reference
    market.save()
    lot = Lot.objects.create(
        territory_id=territory_id, market=market, number=1, title=lot_title, amount_ht=market.amount_ht
    )
    if holder is not None:
        LotAward.objects.create(territory_id=territory_id, lot=lot, company=holder, role=AwardRole.HOLDER)
    end_date = None
    if market.duration_months:
        end_date = add_months_to_day(notification_date, market.duration_months) - timedelta(days=1)
    clause = Clause.objects.create(
        territory_id=territory_id,
        lot=lot,
        legal_basis=clause_legal_basis(form, market),
        hours_required=hours_required,
        sizing_method=plan.sizing_method if plan.hours is not None else SizingMethod.MANUAL,
        sizing_amount_ht=plan.sizing_amount_ht,
        labour_share=plan.labour_share,
        insertion_rate=plan.insertion_rate,
        hourly_cost=plan.hourly_cost,
        tranche_amount=plan.tranche_amount,
        hours_per_tranche=plan.hours_per_tranche,
        start_date=notification_date,
        end_date=end_date,
        facilitator=market.facilitator,
        penalty_per_missing_hour=plan.penalty_per_missing_hour,
    )
    if plan.eligible_publics:
        criteria = EligibilityCriterion.objects.filter(territory_id=territory_id, code__in=plan.eligible_publics)
        ClauseEligibleCriterion.objects.bulk_create(
            ClauseEligibleCriterion(territory_id=territory_id, clause=clause, criterion=criterion)
            for criterion in criteria
        )
    return clause


def holder_company(territory, siret, name):
    """The territory's company of ``siret`` (a valid, compact SIRET), created with ``name`` when unknown."""
    company, _created = Company.objects.get_or_create(
        territory=territory, siret=siret, defaults={"name": name.strip()[:200]}
    )
    return company
