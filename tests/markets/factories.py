import datetime
from decimal import Decimal

import factory

from markets.enums import AwardRole, BuyerKind, MarketStatus
from markets.models import Buyer, BuyerMember, Company, CompanyMember, Lot, LotAward, Market
from tests.territories.factories import TerritoryFactory
from tests.utils import siret_sequence


class BuyerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Buyer

    territory = factory.SubFactory(TerritoryFactory)
    name = factory.Sequence(lambda n: f"Commune acheteuse {n}")
    siret = factory.Sequence(lambda n: siret_sequence(100000 + n))
    kind = BuyerKind.MUNICIPALITY


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    territory = factory.SubFactory(TerritoryFactory)
    name = factory.Sequence(lambda n: f"BTP Entreprise {n}")
    siret = factory.Sequence(lambda n: siret_sequence(300000 + n))
    naf_code = "43.31Z"


class MarketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Market

    territory = factory.SubFactory(TerritoryFactory)
    buyer = factory.SubFactory(BuyerFactory, territory=factory.SelfAttribute("..territory"))
    reference = factory.Sequence(lambda n: f"2026-M{n:04d}")
    object = factory.Sequence(lambda n: f"Travaux de réhabilitation n°{n}")
    cpv_code = "45000000"
    amount_ht = Decimal("1000000")
    notification_date = datetime.date(2026, 1, 15)
    duration_months = 24
    status = MarketStatus.IN_PROGRESS


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    territory = factory.SubFactory(TerritoryFactory)
    market = factory.SubFactory(MarketFactory, territory=factory.SelfAttribute("..territory"))
    number = factory.Sequence(lambda n: n + 1)
    title = "Gros œuvre"


class LotAwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LotAward

    territory = factory.SubFactory(TerritoryFactory)
    lot = factory.SubFactory(LotFactory, territory=factory.SelfAttribute("..territory"))
    company = factory.SubFactory(CompanyFactory, territory=factory.SelfAttribute("..territory"))
    role = AwardRole.HOLDER


class BuyerMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BuyerMember

    territory = factory.SubFactory(TerritoryFactory)
    buyer = factory.SubFactory(BuyerFactory, territory=factory.SelfAttribute("..territory"))
    membership = None


class CompanyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompanyMember

    territory = factory.SubFactory(TerritoryFactory)
    company = factory.SubFactory(CompanyFactory, territory=factory.SelfAttribute("..territory"))
    membership = None
