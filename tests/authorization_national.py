"""Authorization table of the « national » area: see ``tests/authorization.py``.

The national export of the territory's yearly figures is for its coordinators only: every other role gets a 403.
"""

from accounts.enums import Role
from tests.authorization import FORBIDDEN, OK, TerritoryView, _only

COORDINATORS = _only({Role.COORDINATOR: OK}, FORBIDDEN)


def build(world):
    """Objects this area's views need, reachable as ``world.areas["national"]``: none (the territory's figures)."""
    return None


VIEWS: list[TerritoryView] = [
    TerritoryView("national_csv", "national:csv", COORDINATORS),
    TerritoryView("national_json", "national:json", COORDINATORS),
]
