import datetime

import factory

from observatory.enums import PartnerKind
from observatory.models import Partner, PartnerMeeting
from tests.accounts.factories import UserFactory
from tests.territories.factories import TerritoryFactory


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    territory = factory.SubFactory(TerritoryFactory)
    name = factory.Sequence(lambda n: f"Partenaire n°{n}")
    kind = PartnerKind.FEDERATION


class PartnerMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerMeeting

    territory = factory.SubFactory(TerritoryFactory)
    partner = factory.SubFactory(PartnerFactory, territory=factory.SelfAttribute("..territory"))
    date = datetime.date(2026, 3, 10)
    topic = "Point sur les clauses sociales"
    recorded_by = factory.SubFactory(UserFactory)
