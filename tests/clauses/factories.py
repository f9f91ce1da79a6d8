import datetime
from decimal import Decimal

import factory

from clauses.enums import ContractKind, ExecutionMode, LegalBasis, Sex, SizingMethod, StatementStatus
from clauses.models import (
    Clause,
    EligibilityCriterion,
    EligibilityValidation,
    MonthlyHours,
    Participant,
    Placement,
    Statement,
)
from tests.accounts.factories import UserFactory
from tests.markets.factories import CompanyFactory, LotFactory
from tests.territories.factories import TerritoryFactory


class EligibilityCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EligibilityCriterion
        django_get_or_create = ("territory", "code")

    territory = factory.SubFactory(TerritoryFactory)
    code = "rsa"
    label = "Allocataire du RSA"


class ClauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clause

    territory = factory.SubFactory(TerritoryFactory)
    lot = factory.SubFactory(LotFactory, territory=factory.SelfAttribute("..territory"))
    legal_basis = LegalBasis.EXECUTION_CONDITION
    hours_required = Decimal("833")
    sizing_method = SizingMethod.LABOUR_SHARE
    sizing_amount_ht = Decimal("1000000")
    labour_share = Decimal("0.5")
    insertion_rate = Decimal("0.05")
    hourly_cost = Decimal("30")
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2027, 12, 31)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    territory = factory.SubFactory(TerritoryFactory)
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    birth_date = datetime.date(1990, 5, 17)
    birth_year = 1990
    sex = Sex.FEMALE


class EligibilityValidationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EligibilityValidation

    territory = factory.SubFactory(TerritoryFactory)
    participant = factory.SubFactory(ParticipantFactory, territory=factory.SelfAttribute("..territory"))
    criterion = factory.SubFactory(EligibilityCriterionFactory, territory=factory.SelfAttribute("..territory"))
    evidence_kind = "caf"
    validated_by = factory.SubFactory(UserFactory)
    validated_on = datetime.date(2026, 1, 5)


class PlacementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Placement

    territory = factory.SubFactory(TerritoryFactory)
    participant = factory.SubFactory(ParticipantFactory, territory=factory.SelfAttribute("..territory"))
    clause = factory.SubFactory(ClauseFactory, territory=factory.SelfAttribute("..territory"))
    employer_company = factory.SubFactory(CompanyFactory, territory=factory.SelfAttribute("..territory"))
    contract_kind = ContractKind.CDD
    mode = ExecutionMode.DIRECT_HIRING
    start_date = datetime.date(2026, 2, 1)


class MonthlyHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthlyHours

    territory = factory.SubFactory(TerritoryFactory)
    placement = factory.SubFactory(PlacementFactory, territory=factory.SelfAttribute("..territory"))
    month = datetime.date(2026, 2, 1)
    hours_worked = Decimal("120")
    training_hours = Decimal("0")
    status = StatementStatus.VALIDATED


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Statement

    territory = factory.SubFactory(TerritoryFactory)
    clause = factory.SubFactory(ClauseFactory, territory=factory.SelfAttribute("..territory"))
    company = factory.SubFactory(CompanyFactory, territory=factory.SelfAttribute("..territory"))
    month = datetime.date(2026, 2, 1)
    status = StatementStatus.DRAFT
