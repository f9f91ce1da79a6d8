"""Factories of programming: planned markets and their clause plans (feasibility studies)."""

import datetime
from decimal import Decimal

import factory

from clauses.enums import ClauseForm, FeasibilityLevel
from clauses.models import ClausePlan
from markets.enums import MarketStatus, Trade
from tests.markets.factories import MarketFactory
from tests.territories.factories import TerritoryFactory


class PlannedMarketFactory(MarketFactory):
    """A market declared before its tender: no notification date, an expected tender date, a trade."""

    reference = factory.Sequence(lambda n: f"PREV-2027-{n + 100:03d}")
    object = factory.Sequence(lambda n: f"Entretien des espaces verts n°{n}")
    status = MarketStatus.PLANNED
    notification_date = None
    expected_tender_date = datetime.date(2027, 3, 15)
    amount_ht = Decimal("450000")
    duration_months = 12
    trade = Trade.GREEN_SPACES


class ClausePlanFactory(factory.django.DjangoModelFactory):
    """An assessed feasibility study, favourable on every criterion, the execution condition retained."""

    class Meta:
        model = ClausePlan

    territory = factory.SubFactory(TerritoryFactory)
    market = factory.SubFactory(PlannedMarketFactory, territory=factory.SelfAttribute("..territory"))
    duration_level = FeasibilityLevel.FAVOURABLE
    duration_reason = "Douze mois d'exécution."
    amount_level = FeasibilityLevel.FAVOURABLE
    amount_reason = "Montant suffisant."
    technicality_level = FeasibilityLevel.FAVOURABLE
    technicality_reason = "Travaux d'entretien courants."
    public_level = FeasibilityLevel.FAVOURABLE
    public_reason = "Quartier prioritaire voisin."
    recommended_form = ClauseForm.EXECUTION_CONDITION
    recommendation_reason = "Les quatre critères sont favorables."
    chosen_form = ClauseForm.EXECUTION_CONDITION
    assessed_at = factory.LazyFunction(lambda: datetime.datetime(2026, 9, 1, 10, 0, tzinfo=datetime.UTC))
