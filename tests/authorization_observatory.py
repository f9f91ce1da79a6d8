"""Authorization table of the « observatory » area: see ``tests/authorization.py``.

The observatory is for the territory's coordinators, facilitators and committee members; buyers and companies get a
403. An export of an unknown table is a 404 for those roles. The regional pages are not territory URLs: they are
tested in ``tests/observatory/test_regional.py``.
"""

from accounts.enums import Role
from tests.authorization import FORBIDDEN, OK, TerritoryView, _only

OBSERVATORY = {Role.COORDINATOR: OK, Role.FACILITATOR: OK, Role.COMMITTEE: OK}


def build(world):
    """Objects this area's views need, reachable as ``world.areas["observatory"]``: none (aggregates only)."""
    return None


VIEWS: list[TerritoryView] = [
    TerritoryView("observatory-indicators", "observatory:indicators", _only(OBSERVATORY, FORBIDDEN)),
    TerritoryView(
        "observatory-table-export",
        "observatory:table_export",
        _only(OBSERVATORY, FORBIDDEN),
        kwargs=lambda w: {"table_key": "hours_by_buyer_kind"},
    ),
]
