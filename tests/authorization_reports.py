"""Authorization table of the « reports » area: see ``tests/authorization.py``."""

from tests.authorization import TerritoryView


def build(world):
    """Objects this area's views need, reachable as ``world.areas["reports"]``."""
    return None


VIEWS: list[TerritoryView] = []
