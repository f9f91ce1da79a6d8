"""Authorization table of the « programming » area: see ``tests/authorization.py``.

A planned market is shown to coordinators, facilitators and the committee (the pipeline), to its own buyer only, never
to a company: pages without a market in their URL are a 403 for companies, pages about one a 404 (the market is
looked up first, and companies see none). Editing and assessing: coordinators, the buyer, the facilitator in charge
(403 for the committee and the other facilitators).
"""

from decimal import Decimal
from types import SimpleNamespace

from accounts.enums import Role
from markets.enums import DEFAULT_LABOUR_SHARES, Trade
from tests.authorization import FORBIDDEN, FOUND, NOT_FOUND, OK, TerritoryView, _only
from tests.clauses.factories_programming import ClausePlanFactory, PlannedMarketFactory


def build(world):
    """Objects this area's views need, reachable as ``world.areas["programming"]``."""
    territory = world.territory
    facilitator = world.members[Role.FACILITATOR].facilitator
    planned = PlannedMarketFactory(
        territory=territory,
        buyer=world.buyer,
        reference="PREV-2027-001",
        object="Entretien des espaces verts du lido",
        facilitator=facilitator,
    )
    unassigned = PlannedMarketFactory(
        territory=territory, buyer=world.buyer, reference="PREV-2027-002", object="Nettoyage des écoles"
    )
    other_planned = PlannedMarketFactory(
        territory=territory, buyer=world.other_buyer, reference="PREV-2027-001", object="Peinture de la résidence"
    )
    foreign_planned = PlannedMarketFactory(territory=world.other_territory, reference="PREV-2027-009")
    # Studied and sized: ready to become a market in execution once notified.
    notifiable = ClausePlanFactory(
        territory=territory,
        market=PlannedMarketFactory(
            territory=territory, buyer=world.buyer, reference="PREV-2027-003", object="Entretien des plages"
        ),
        hours=Decimal("420"),
    ).market
    foreign_notifiable = ClausePlanFactory(territory=world.other_territory).market
    return SimpleNamespace(
        notifiable=notifiable,
        foreign_notifiable=foreign_notifiable,
        planned=planned,
        unassigned=unassigned,
        other_planned=other_planned,
        foreign_planned=foreign_planned,
        facilitator=facilitator,
    )


def _area(world):
    return world.areas["programming"]


def _planned(world):
    return {"pk": _area(world).planned.pk}


def _foreign(world):
    return {"pk": _area(world).foreign_planned.pk}


def _market_data(world):
    return {
        "buyer": world.buyer.pk,  # ignored for a buyer member: its own organisation
        "object": "Collecte des déchets verts",
        "reference": "",
        "trade": Trade.WASTE,
        "amount_ht": "320000",
        "expected_tender_date": "2027-05-01",
        "duration_months": "24",
        "commune": "34301",
    }


def _feasibility_data(world):
    data = {f"{name}_level": "favourable" for name in ("duration", "amount", "technicality", "public")}
    data.update({f"{name}_reason": "Motif" for name in ("duration", "amount", "technicality", "public")})
    return {**data, "chosen_form": "", "choice_reason": ""}


def _notifiable(world):
    return {"pk": _area(world).notifiable.pk}


def _foreign_notifiable(world):
    return {"pk": _area(world).foreign_notifiable.pk}


def _notification_data(world):
    return {
        "notification_date": "2026-10-01",
        "reference": "2026-MAPA-017",
        "lot_title": "Entretien des plages",
        "hours_required": "420",
        "holder_siret": "",
        "holder_name": "",
    }


def _labour_share_data(world):
    data = {trade.value: f"{Decimal(DEFAULT_LABOUR_SHARES[trade]) * 100:f}" for trade in Trade}
    return {**data, Trade.PAINTING.value: "65"}


READERS = {Role.COORDINATOR: OK, Role.FACILITATOR: OK, Role.BUYER: OK, Role.COMMITTEE: OK}
# Editing ``planned`` (the buyer's, the facilitator member in charge): the committee may not; companies see nothing.
EDITORS = {**_only({Role.COORDINATOR: OK, Role.FACILITATOR: OK, Role.BUYER: OK}, FORBIDDEN), Role.COMPANY: NOT_FOUND}
EDITORS_POST = {
    **_only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND, Role.BUYER: FOUND}, FORBIDDEN),
    Role.COMPANY: NOT_FOUND,
}

VIEWS: list[TerritoryView] = [
    TerritoryView("programming-list", "programming:list", _only(READERS, FORBIDDEN)),
    TerritoryView(
        "programming-create-form", "programming:create", _only({Role.COORDINATOR: OK, Role.BUYER: OK}, FORBIDDEN)
    ),
    TerritoryView(
        "programming-create",
        "programming:create",
        _only({Role.COORDINATOR: FOUND, Role.BUYER: FOUND}, FORBIDDEN),
        method="POST",
        data=_market_data,
    ),
    TerritoryView(
        "programming-detail", "programming:detail", _only(READERS, NOT_FOUND), kwargs=_planned, foreign_kwargs=_foreign
    ),
    TerritoryView(
        "programming-detail-of-another-buyer",
        "programming:detail",
        _only({Role.COORDINATOR: OK, Role.FACILITATOR: OK, Role.COMMITTEE: OK}, NOT_FOUND),
        kwargs=lambda w: {"pk": _area(w).other_planned.pk},
    ),
    TerritoryView("programming-update-form", "programming:update", EDITORS, kwargs=_planned, foreign_kwargs=_foreign),
    TerritoryView(
        "programming-update",
        "programming:update",
        EDITORS_POST,
        method="POST",
        kwargs=_planned,
        foreign_kwargs=_foreign,
        data=_market_data,
    ),
    TerritoryView(
        "programming-update-of-another-buyer",
        "programming:update",
        # Not in charge of it: the facilitator sees it but may not edit it.
        {**_only({Role.COORDINATOR: OK, Role.FACILITATOR: FORBIDDEN, Role.COMMITTEE: FORBIDDEN}, NOT_FOUND)},
        kwargs=lambda w: {"pk": _area(w).other_planned.pk},
    ),
    TerritoryView(
        "programming-feasibility-form", "programming:feasibility", EDITORS, kwargs=_planned, foreign_kwargs=_foreign
    ),
    TerritoryView(
        "programming-feasibility",
        "programming:feasibility",
        EDITORS_POST,
        method="POST",
        kwargs=_planned,
        foreign_kwargs=_foreign,
        data=_feasibility_data,
    ),
    TerritoryView(
        "programming-assign",
        "programming:assign",
        # Nobody in charge yet: a coordinator assigns the facilitator, the facilitator takes it himself.
        {
            **_only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND}, FORBIDDEN),
            Role.COMPANY: NOT_FOUND,
        },
        method="POST",
        kwargs=lambda w: {"pk": _area(w).unassigned.pk},
        foreign_kwargs=_foreign,
        data=lambda w: {"facilitator": _area(w).facilitator.pk},
    ),
    TerritoryView(
        "programming-assign-taken",
        "programming:assign",
        # Already in charge of somebody: only a coordinator changes it (here: nobody in charge any more).
        {**_only({Role.COORDINATOR: FOUND}, FORBIDDEN), Role.COMPANY: NOT_FOUND},
        method="POST",
        kwargs=_planned,
        data=lambda w: {"facilitator": ""},
    ),
    # Recording the notification (the clause is created): coordinators and the market's own buyer.
    TerritoryView(
        "programming-notify-form",
        "programming:notify",
        {**_only({Role.COORDINATOR: OK, Role.BUYER: OK}, FORBIDDEN), Role.COMPANY: NOT_FOUND},
        kwargs=_notifiable,
        foreign_kwargs=_foreign_notifiable,
    ),
    TerritoryView(
        "programming-notify",
        "programming:notify",
        {**_only({Role.COORDINATOR: FOUND, Role.BUYER: FOUND}, FORBIDDEN), Role.COMPANY: NOT_FOUND},
        method="POST",
        kwargs=_notifiable,
        foreign_kwargs=_foreign_notifiable,
        data=_notification_data,
    ),
    TerritoryView(
        "programming-notify-of-another-buyer",
        "programming:notify",
        {**_only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FORBIDDEN, Role.COMMITTEE: FORBIDDEN}, NOT_FOUND)},
        kwargs=lambda w: {"pk": _area(w).other_planned.pk},
    ),
    TerritoryView(
        "programming-labour-shares-form", "programming:labour_shares", _only({Role.COORDINATOR: OK}, FORBIDDEN)
    ),
    TerritoryView(
        "programming-labour-shares",
        "programming:labour_shares",
        _only({Role.COORDINATOR: FOUND}, FORBIDDEN),
        method="POST",
        data=_labour_share_data,
    ),
]
