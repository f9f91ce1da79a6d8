"""Authorization table of the « observatory » area: see ``tests/authorization.py``."""

from tests.authorization import TerritoryView


def build(world):
    """Objects this area's views need, reachable as ``world.areas["observatory"]``."""
    return None


VIEWS: list[TerritoryView] = []
