"""Authorization table of the « buyers » area: see ``tests/authorization.py``."""

from tests.authorization import TerritoryView


def build(world):
    """Objects this area's views need, reachable as ``world.areas["buyers"]``."""
    return None


VIEWS: list[TerritoryView] = []
