"""Authorization table of the « drafting » area: see ``tests/authorization.py``."""

from tests.authorization import TerritoryView


def build(world):
    """Objects this area's views need, reachable as ``world.areas["drafting"]``."""
    return None


VIEWS: list[TerritoryView] = []
