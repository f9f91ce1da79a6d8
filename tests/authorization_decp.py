"""Authorization table of the « decp » area: see ``tests/authorization.py``."""

from tests.authorization import TerritoryView


def build(world):
    """Objects this area's views need, reachable as ``world.areas["decp"]``."""
    return None


VIEWS: list[TerritoryView] = []
