"""Bilans (``observatory.models.Report``) and the small territory whose bilan has known figures."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from clauses.enums import StatementStatus
from markets.enums import BuyerKind
from observatory.enums import ReportPeriodKind, ReportStatus
from observatory.models import Report
from tests.accounts.factories import UserFactory
from tests.clauses.factories import (
    ClauseFactory,
    EligibilityCriterionFactory,
    EligibilityValidationFactory,
    MonthlyHoursFactory,
    PlacementFactory,
)
from tests.markets.factories import BuyerFactory, CompanyFactory, LotAwardFactory, LotFactory, MarketFactory
from tests.territories.factories import TerritoryFactory

# The smallest file a PDF reader recognises as one: enough for the download tests.
TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class ReportFactory(factory.django.DjangoModelFactory):
    """A bilan of the year 2025, pending; the ``done`` trait gives it a (tiny) PDF, ``failed`` an error."""

    class Meta:
        model = Report
        skip_postgeneration_save = True

    territory = factory.SubFactory(TerritoryFactory)
    period_kind = ReportPeriodKind.YEAR
    start_date = datetime.date(2025, 1, 1)
    end_date = datetime.date(2025, 12, 31)
    title = factory.LazyAttribute(lambda o: f"Bilan année {o.start_date.year} — {o.territory.name}")
    requested_by = factory.SubFactory(UserFactory)
    requested_at = factory.LazyFunction(timezone.now)

    class Params:
        done = factory.Trait(
            status=ReportStatus.DONE,
            progress=100,
            started_at=factory.LazyFunction(timezone.now),
            finished_at=factory.LazyFunction(timezone.now),
            notified_generation=1,
            file_size=len(TINY_PDF),
        )
        failed = factory.Trait(
            status=ReportStatus.FAILED,
            error="La production du bilan a échoué à cause d'une erreur inattendue.",
            started_at=factory.LazyFunction(timezone.now),
            finished_at=factory.LazyFunction(timezone.now),
        )

    @factory.post_generation
    def with_file(obj, create, extracted, **kwargs):
        if create and obj.status == ReportStatus.DONE and not obj.file:
            obj.file.save(f"bilan-{obj.territory.code}-{obj.start_date:%Y}.pdf", ContentFile(TINY_PDF), save=True)


@dataclass
class KnownTerritory:
    """Territory 34 with, in February 2026, 6 participants × 100 h on a commune's clause and 2 × 50 h on a social
    landlord's clause. Both clauses require 833 h over 2026–2027 (24 months): 416.5 h each fall in 2026, so the year
    2026 has 700 h achieved of 833 h required (84 %), 8 participants; the social landlord's 2 people are masked."""

    territory: object
    big_buyer: object
    small_buyer: object
    clauses: list

    HOURS_ACHIEVED_2026 = Decimal("700")
    HOURS_REQUIRED_2026 = Decimal("833")
    PARTICIPANTS_2026 = 8


def known_territory(territory=None):
    territory = territory or TerritoryFactory(code="34")
    criterion = EligibilityCriterionFactory(territory=territory)
    validator = UserFactory()
    big_buyer = BuyerFactory(territory=territory, name="Ville de Sète", kind=BuyerKind.MUNICIPALITY)
    small_buyer = BuyerFactory(territory=territory, name="Hérault Habitat", kind=BuyerKind.SOCIAL_HOUSING)
    clauses = []
    for buyer, people, hours in ((big_buyer, 6, Decimal("100")), (small_buyer, 2, Decimal("50"))):
        company = CompanyFactory(territory=territory)
        market = MarketFactory(territory=territory, buyer=buyer)
        lot = LotFactory(territory=territory, market=market, number=1)
        LotAwardFactory(territory=territory, lot=lot, company=company)
        clause = ClauseFactory(territory=territory, lot=lot)
        clauses.append(clause)
        for _ in range(people):
            placement = PlacementFactory(
                territory=territory, clause=clause, employer_company=company, start_date=datetime.date(2026, 2, 1)
            )
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
                month=datetime.date(2026, 2, 1),
                hours_worked=hours,
                status=StatementStatus.VALIDATED,
            )
    return KnownTerritory(territory, big_buyer, small_buyer, clauses)
