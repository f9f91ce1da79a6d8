"""Authorization table of the « drafting » area (sizing calculator, sizing and clause text of planned markets): see
``tests/authorization.py``.

On a planned market: the buyer its own ones (another buyer's is a 404), coordinators, facilitators and the committee
every one of the territory; coordinators, the buyer and the facilitator in charge write (``planned`` is in the
facilitator member's charge, ``other_planned`` in nobody's: a POST there is a 403 for the facilitator); companies
never (403).
"""

from decimal import Decimal
from types import SimpleNamespace

from accounts.enums import Role
from markets.enums import MarketStatus, Trade
from tests.authorization import FORBIDDEN, FOUND, NOT_FOUND, OK, TerritoryView, _only
from tests.markets.factories import MarketFactory

READERS = {Role.COORDINATOR: OK, Role.FACILITATOR: OK, Role.BUYER: OK, Role.COMMITTEE: OK}
EDITORS = {Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND, Role.BUYER: FOUND}


def build(world):
    """Objects this area's views need, reachable as ``world.areas["drafting"]``."""

    def planned(territory, buyer, reference, facilitator=None):
        return MarketFactory(
            facilitator=facilitator,
            territory=territory,
            buyer=buyer,
            reference=reference,
            object="Peinture du groupe scolaire",
            status=MarketStatus.PLANNED,
            trade=Trade.PAINTING,
            amount_ht=Decimal("400000"),
            notification_date=None,
        )

    return SimpleNamespace(
        planned=planned(world.territory, world.buyer, "SETE-2027-PROG", world.members[Role.FACILITATOR].facilitator),
        other_planned=planned(world.territory, world.other_buyer, "HH-2027-PROG"),
        foreign_planned=MarketFactory(
            territory=world.other_territory, reference="VO-2027-PROG", status=MarketStatus.PLANNED
        ),
    )


def _area(world):
    return world.areas["drafting"]


def _planned(world):
    return {"pk": _area(world).planned.pk}


def _other_planned(world):
    return {"pk": _area(world).other_planned.pk}


def _foreign(world):
    return {"pk": _area(world).foreign_planned.pk}


def _sizing_data(world):
    return {
        "action": "save",
        "method": "labour_share",
        "amount_ht": "400000",
        "labour_share": "70",
        "insertion_rate": "5",
        "hourly_cost": "30",
    }


def _clause_text_data(world):
    return {"eligible_publics": ["rsa", "rqth"], "execution_modes": ["direct_hiring"], "penalty_per_missing_hour": "60"}


def _planned_views(prefix, url_name, *, method="GET", data=None):
    """The same view on the buyer's planned market and on another buyer's one."""
    if method == "GET":
        own, others = _only(READERS, FORBIDDEN), _only({Role.BUYER: NOT_FOUND, Role.COMPANY: FORBIDDEN}, OK)
    else:
        own = _only(EDITORS, FORBIDDEN)
        others = _only({Role.COORDINATOR: FOUND, Role.BUYER: NOT_FOUND}, FORBIDDEN)
    extra = {"method": method, "data": data} if data else {"method": method}
    return [
        TerritoryView(prefix, url_name, own, kwargs=_planned, foreign_kwargs=_foreign, **extra),
        TerritoryView(f"{prefix}-of-another-buyer", url_name, others, kwargs=_other_planned, **extra),
    ]


VIEWS: list[TerritoryView] = [
    TerritoryView("drafting-calculator", "drafting:calculator", _only(READERS, FORBIDDEN)),
    *_planned_views("drafting-sizing", "drafting:sizing"),
    *_planned_views("drafting-sizing-save", "drafting:sizing", method="POST", data=_sizing_data),
    *_planned_views("drafting-clause-text", "drafting:clause_text"),
    *_planned_views("drafting-clause-text-save", "drafting:clause_text", method="POST", data=_clause_text_data),
    *_planned_views("drafting-clause-text-docx", "drafting:clause_text_docx"),
]
