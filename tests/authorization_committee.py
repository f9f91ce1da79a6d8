"""Authorization table of the « committee » area: see ``tests/authorization.py``."""

from tests.authorization import TerritoryView


def build(world):
    """Objects this area's views need, reachable as ``world.areas["committee"]``."""
    return None


VIEWS: list[TerritoryView] = []
