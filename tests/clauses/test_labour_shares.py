"""Labour share per trade (``clauses.labour_shares``): the territory's values over the national defaults."""

from decimal import Decimal

import pytest

from clauses.labour_shares import labour_share_for, labour_shares
from clauses.models import TradeLabourShare
from markets.enums import DEFAULT_LABOUR_SHARES, Trade

pytestmark = pytest.mark.django_db


def test_a_territory_without_values_gets_the_national_default_of_every_trade(territory):
    shares = labour_shares(territory)
    assert set(shares) == {trade.value for trade in Trade}
    assert shares[Trade.PAINTING] == Decimal("0.70")
    assert shares[Trade.STEEL_FRAME] == Decimal("0.20")
    assert all(shares[trade.value] == Decimal(DEFAULT_LABOUR_SHARES[trade]) for trade in Trade)


def test_the_territory_value_replaces_the_default_of_its_trade_only(territory):
    TradeLabourShare.objects.create(territory=territory, trade=Trade.PAINTING, labour_share=Decimal("0.6500"))
    shares = labour_shares(territory)
    assert shares[Trade.PAINTING] == Decimal("0.65")
    assert shares[Trade.CLEANING] == Decimal("0.75")


def test_another_territory_values_are_ignored(territory, other_territory):
    TradeLabourShare.objects.create(territory=other_territory, trade=Trade.ROADS, labour_share=Decimal("0.9"))
    assert labour_shares(territory)[Trade.ROADS] == Decimal("0.30")
    assert labour_shares(other_territory)[Trade.ROADS] == Decimal("0.9")


def test_all_shares_cost_one_query(territory, django_assert_num_queries):
    TradeLabourShare.objects.create(territory=territory, trade=Trade.ROADS, labour_share=Decimal("0.35"))
    with django_assert_num_queries(1):
        labour_shares(territory)


def test_share_of_one_trade_and_of_an_unknown_trade(territory):
    TradeLabourShare.objects.create(territory=territory, trade=Trade.OTHER, labour_share=Decimal("0.33"))
    assert labour_share_for(territory, Trade.CATERING) == Decimal("0.45")
    assert labour_share_for(territory, "") == Decimal("0.33")  # no trade: the « other » trade's share
