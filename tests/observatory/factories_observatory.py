"""Territories with known observatory figures, for the observatory and regional pages."""

import datetime
from decimal import Decimal

from clauses.enums import StatementStatus
from markets.enums import BuyerKind
from tests.accounts.factories import UserFactory
from tests.clauses.factories import (
    ClauseFactory,
    EligibilityCriterionFactory,
    EligibilityValidationFactory,
    MonthlyHoursFactory,
    PlacementFactory,
)
from tests.markets.factories import BuyerFactory, CompanyFactory, LotAwardFactory, LotFactory, MarketFactory

FEBRUARY_2026 = datetime.date(2026, 2, 1)
# (buyer name, buyer kind, participants, hours each): 6 × 100 h for a commune, 2 × 50 h for a social landlord.
DEFAULT_BUYERS = (
    ("Ville de Sète", BuyerKind.MUNICIPALITY, 6, Decimal("100")),
    ("Hérault Habitat", BuyerKind.SOCIAL_HOUSING, 2, Decimal("50")),
)


def populate(territory, buyers=DEFAULT_BUYERS, *, month=FEBRUARY_2026):
    """For each (name, kind, people, hours): a buyer, a market with one clause (833 h required, 2026–2027), a company,
    and ``people`` eligible participants with ``hours`` validated in ``month``. Returns {buyer name: buyer}."""
    criterion = EligibilityCriterionFactory(territory=territory)
    validator = UserFactory()
    created = {}
    for name, kind, people, hours in buyers:
        buyer = BuyerFactory(territory=territory, name=name, kind=kind)
        created[name] = buyer
        company = CompanyFactory(territory=territory, name=f"Titulaire de {name}")
        market = MarketFactory(territory=territory, buyer=buyer)
        lot = LotFactory(territory=territory, market=market, number=1)
        LotAwardFactory(territory=territory, lot=lot, company=company)
        clause = ClauseFactory(territory=territory, lot=lot)
        for _ in range(people):
            placement = PlacementFactory(territory=territory, clause=clause, employer_company=company, start_date=month)
            EligibilityValidationFactory(
                territory=territory,
                participant=placement.participant,
                criterion=criterion,
                validated_by=validator,
                validated_on=datetime.date(2026, 1, 5),
            )
            MonthlyHoursFactory(
                territory=territory,
                placement=placement,
                month=month,
                hours_worked=hours,
                status=StatementStatus.VALIDATED,
            )
    return created
