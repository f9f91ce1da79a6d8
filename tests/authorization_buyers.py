"""Authorization table of the « buyers » area: see ``tests/authorization.py``.

The dashboard is for the roles that follow buyers' markets (a company has its own statements: 403). The attestation
follows the market's visibility: the buyer's own markets, the markets a company holds (its own hours only), every
market for the coordination's staff and the committee; another buyer's market is a 404 for a buyer.
"""

from accounts.enums import Role
from tests.authorization import EVERYONE_OK, FORBIDDEN, NOT_FOUND, OK, TerritoryView, _only


def build(world):
    """Objects this area's views need, reachable as ``world.areas["buyers"]``: the world's markets suffice."""
    return None


VIEWS: list[TerritoryView] = [
    TerritoryView(
        "buyers-dashboard",
        "buyers:dashboard",
        _only({Role.COORDINATOR: OK, Role.FACILITATOR: OK, Role.COMMITTEE: OK, Role.BUYER: OK}, FORBIDDEN),
    ),
    TerritoryView(
        "buyers-attestation",
        "buyers:attestation",
        EVERYONE_OK,  # the buyer bought it, the company holds a lot of it
        kwargs=lambda w: {"pk": w.market.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_market.pk},
    ),
    TerritoryView(
        "buyers-attestation-of-another-buyer",
        "buyers:attestation",
        # Same territory, another buyer's market that the company was not awarded.
        _only({Role.BUYER: NOT_FOUND, Role.COMPANY: NOT_FOUND}, OK),
        kwargs=lambda w: {"pk": w.other_market.pk},
    ),
]
