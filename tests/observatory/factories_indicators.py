"""Helpers to build territories whose indicators are known by construction (issue 6)."""

import datetime
from decimal import Decimal

import factory

from clauses.enums import ContractKind, ExecutionMode, OutcomeMilestone, StatementStatus
from clauses.models import Outcome
from observatory.models import CommitteeMeeting
from tests.accounts.factories import UserFactory
from tests.clauses.factories import (
    ClauseFactory,
    EligibilityCriterionFactory,
    EligibilityValidationFactory,
    MonthlyHoursFactory,
    ParticipantFactory,
    PlacementFactory,
)
from tests.markets.factories import BuyerFactory, CompanyFactory, LotAwardFactory, LotFactory, MarketFactory
from tests.territories.factories import TerritoryFactory

D = datetime.date
EARLY_2025 = D(2025, 1, 1)
FEBRUARY_2026 = D(2026, 2, 1)


class CommitteeMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeMeeting

    territory = factory.SubFactory(TerritoryFactory)
    date = D(2026, 3, 12)
    recorded_by = factory.SubFactory(UserFactory)


def clause_on_market(territory, buyer, holder, *, cpv="45000000", **clause_fields):
    """A market of ``buyer`` with one lot held by ``holder`` and one clause (``clause_fields``)."""
    market = MarketFactory(territory=territory, buyer=buyer, cpv_code=cpv)
    lot = LotFactory(territory=territory, market=market)
    LotAwardFactory(territory=territory, lot=lot, company=holder)
    return ClauseFactory(territory=territory, lot=lot, **clause_fields)


def eligible(territory, participant, code="rsa", label="Allocataire du RSA", on=EARLY_2025, until=None):
    criterion = EligibilityCriterionFactory(territory=territory, code=code, label=label)
    return EligibilityValidationFactory(
        territory=territory, participant=participant, criterion=criterion, validated_on=on, valid_until=until
    )


def placement(territory, participant, clause, *, company=None, inclusion=None, **fields):
    fields.setdefault("contract_kind", ContractKind.CDD)
    fields.setdefault("mode", ExecutionMode.DIRECT_HIRING)
    return PlacementFactory(
        territory=territory,
        participant=participant,
        clause=clause,
        employer_company=company,
        employer_inclusion=inclusion,
        **fields,
    )


def line(territory, placement, month, hours, training=0, status=StatementStatus.VALIDATED):
    return MonthlyHoursFactory(
        territory=territory,
        placement=placement,
        month=month,
        hours_worked=Decimal(hours),
        training_hours=Decimal(training),
        status=status,
    )


def outcome(territory, participant, milestone, situation, observed_on, contract_months=None):
    return Outcome.objects.create(
        territory=territory,
        participant=participant,
        milestone=milestone,
        situation=situation,
        contract_months=contract_months,
        observed_on=observed_on,
        recorded_by=UserFactory(),
    )


def counted_people(territory, clause, company, count, *, month=FEBRUARY_2026, hours=100, **participant_fields):
    """``count`` eligible participants, each with ``hours`` counted on ``clause`` in ``month``; returns them."""
    people = []
    for _ in range(count):
        person = ParticipantFactory(territory=territory, **participant_fields)
        eligible(territory, person)
        line(territory, placement(territory, person, clause, company=company, start_date=month), month, hours)
        people.append(person)
    return people


__all__ = [
    "BuyerFactory",
    "CommitteeMeetingFactory",
    "CompanyFactory",
    "OutcomeMilestone",
    "ParticipantFactory",
    "clause_on_market",
    "counted_people",
    "eligible",
    "line",
    "outcome",
    "placement",
]
