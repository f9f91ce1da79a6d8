"""Labour share per trade: the territory's own value, or the national default (``DEFAULT_LABOUR_SHARES``)."""

from decimal import Decimal

from markets.enums import DEFAULT_LABOUR_SHARES, Trade

from .models import TradeLabourShare


def labour_shares(territory):
    """{Trade value: Decimal fraction} for every trade: the territory's values over the defaults (one query)."""
    shares = {trade.value: Decimal(DEFAULT_LABOUR_SHARES[trade]) for trade in Trade}
    for trade, share in TradeLabourShare.objects.in_territory(territory).values_list("trade", "labour_share"):
        shares[trade] = share
    return shares


def labour_share_for(territory, trade):
    """The labour share of one trade in ``territory`` (the "other" trade's when ``trade`` is empty)."""
    return labour_shares(territory)[trade or Trade.OTHER]
