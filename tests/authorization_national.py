"""Authorization table of the « national » area: see ``tests/authorization.py``."""

from tests.authorization import TerritoryView


def build(world):
    """Objects this area's views need, reachable as ``world.areas["national"]``."""
    return None


VIEWS: list[TerritoryView] = []
