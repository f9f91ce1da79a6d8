"""Factories and a small world for the participants' tests (issue 4): a territory with its default criteria, a
facilitator and a coordinator, a clause whose lot is awarded to a company, and an ETTI."""

import datetime
from dataclasses import dataclass

import factory
from django.urls import reverse

from accounts.enums import Role
from clauses.enums import OutcomeMilestone, OutcomeSituation
from clauses.models import EligibilityCriterion, Outcome, Training, ensure_default_criteria
from markets.enums import AwardRole
from tests.accounts.factories import UserFactory
from tests.clauses.factories import ClauseFactory, ParticipantFactory
from tests.conftest import make_member
from tests.facilitators.factories import InclusionEmployerFactory
from tests.markets.factories import CompanyFactory, LotAwardFactory, LotFactory, MarketFactory
from tests.territories.factories import TerritoryFactory


class TrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Training

    territory = factory.SubFactory(TerritoryFactory)
    participant = factory.SubFactory(ParticipantFactory, territory=factory.SelfAttribute("..territory"))
    title = "CACES R482 catégorie A"
    provider = "AFPA Montpellier"
    start_date = datetime.date(2026, 3, 2)


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    territory = factory.SubFactory(TerritoryFactory)
    participant = factory.SubFactory(ParticipantFactory, territory=factory.SelfAttribute("..territory"))
    milestone = OutcomeMilestone.END
    situation = OutcomeSituation.CDI
    observed_on = datetime.date(2026, 6, 30)
    recorded_by = factory.SubFactory(UserFactory)


def url(name, territory, **kwargs):
    return reverse(name, kwargs={"territory_code": territory.code, **kwargs})


def criterion(territory, code):
    return EligibilityCriterion.objects.get(territory=territory, code=code)


@dataclass
class PeopleWorld:
    territory: object
    facilitator: object  # Membership (facilitator role), with its Facilitator
    coordinator: object
    clause: object  # on a lot awarded to ``company`` (holder) and ``subcontractor``
    company: object
    subcontractor: object
    stranger_company: object  # awarded another lot only
    etti: object


def build_people_world(territory):
    ensure_default_criteria(territory)
    facilitator = make_member(territory, Role.FACILITATOR)
    coordinator = make_member(territory, Role.COORDINATOR)
    market = MarketFactory(territory=territory, reference="34-2026-ECOLE", object="Réhabilitation de l'école")
    lot = LotFactory(territory=territory, market=market, number=1)
    company = CompanyFactory(territory=territory, name="Bâtisseurs du Sud")
    subcontractor = CompanyFactory(territory=territory, name="Peintures de l'Orb")
    LotAwardFactory(territory=territory, lot=lot, company=company)
    LotAwardFactory(territory=territory, lot=lot, company=subcontractor, role=AwardRole.SUBCONTRACTOR)
    clause = ClauseFactory(territory=territory, lot=lot)
    other_lot = LotFactory(territory=territory, number=2)
    stranger = CompanyFactory(territory=territory, name="Routes du Midi")
    LotAwardFactory(territory=territory, lot=other_lot, company=stranger)
    ClauseFactory(territory=territory, lot=other_lot)
    etti = InclusionEmployerFactory(territory=territory, name="Intérim d'insertion Hérault")
    return PeopleWorld(
        territory=territory,
        facilitator=facilitator,
        coordinator=coordinator,
        clause=clause,
        company=company,
        subcontractor=subcontractor,
        stranger_company=stranger,
        etti=etti,
    )
