"""Authorization table of the « programming » area: see ``tests/authorization.py``."""

from tests.authorization import TerritoryView


def build(world):
    """Objects this area's views need, reachable as ``world.areas["programming"]``."""
    return None


VIEWS: list[TerritoryView] = []
