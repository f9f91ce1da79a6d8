"""Programming of planned markets: who sees and edits them, their automatic reference, the inclusion employers a
feasibility study counts on.

Plain functions reused by the programming views and tested on their own (tests/clauses/test_programming.py).
"""

import re
from datetime import date

from django.db.models import Count, Exists, Q

from accounts.enums import Role
from facilitators.enums import InclusionEmployerKind, Sector
from facilitators.models import InclusionEmployer, InclusionEmployerSector
from markets.enums import MarketStatus, Trade
from markets.models import Market

REFERENCE_PREFIX = "PREV"

# The inclusion employers' sector matching a trade (None: no sector fits, count the whole territory).
TRADE_SECTORS = {
    Trade.STRUCTURAL_WORKS: Sector.CONSTRUCTION,
    Trade.STEEL_FRAME: Sector.CONSTRUCTION,
    Trade.ROADS: Sector.CONSTRUCTION,
    Trade.FINISHING: Sector.CONSTRUCTION,
    Trade.PAINTING: Sector.CONSTRUCTION,
    Trade.BUILDING_SERVICES: Sector.CONSTRUCTION,
    Trade.GREEN_SPACES: Sector.GREEN_SPACES,
    Trade.CLEANING: Sector.CLEANING,
    Trade.WASTE: Sector.WASTE,
    Trade.CATERING: Sector.CATERING,
    Trade.SERVICES: Sector.SERVICES,
}


def planned_markets(membership):
    """The planned markets ``membership`` may see: a buyer its own organisation's, coordinators, facilitators and the
    committee the whole pipeline; companies none (a tender in preparation is never shown to them)."""
    if membership is None or membership.role == Role.COMPANY:
        return Market.objects.none()
    return Market.objects.visible_to(membership).filter(status=MarketStatus.PLANNED)


def own_buyer(membership):
    """The buyer organisation of a buyer member (None for other roles, or a buyer member without organisation)."""
    if membership.role != Role.BUYER:
        return None
    member = getattr(membership, "buyer_member", None)
    return member.buyer if member else None


def own_facilitator(membership):
    if membership.role != Role.FACILITATOR:
        return None
    return getattr(membership, "facilitator", None)


def can_declare(membership):
    """Coordinators declare for any buyer, a buyer member for its own organisation."""
    return membership.role == Role.COORDINATOR or own_buyer(membership) is not None


def can_edit(membership, market):
    """Edit a planned market and assess its feasibility: coordinators; its buyer's members; the facilitator in charge.

    ``market`` must already be visible to ``membership`` (``planned_markets``)."""
    if membership.role == Role.COORDINATOR:
        return True
    if membership.role == Role.BUYER:
        buyer = own_buyer(membership)
        return buyer is not None and buyer.pk == market.buyer_id
    if membership.role == Role.FACILITATOR:
        facilitator = own_facilitator(membership)
        return facilitator is not None and market.facilitator_id == facilitator.pk
    return False


def can_assign(membership, market):
    """Coordinators assign any facilitator; a facilitator may take a planned market nobody is in charge of."""
    if membership.role == Role.COORDINATOR:
        return True
    if membership.role == Role.FACILITATOR:
        return own_facilitator(membership) is not None and market.facilitator_id is None
    return False


def next_reference(territory, buyer, year):
    """The next free automatic reference of ``buyer`` for ``year``: PREV-2027-001, PREV-2027-002…"""
    prefix = f"{REFERENCE_PREFIX}-{year}-"
    used = Market.objects.in_territory(territory).filter(buyer=buyer, reference__startswith=prefix)
    numbers = [int(m.group(1)) for ref in used.values_list("reference", flat=True) if (m := _SEQUENCE.match(ref))]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


_SEQUENCE = re.compile(rf"^{REFERENCE_PREFIX}-\d{{4}}-(\d+)$")


def reference_year(expected_tender_date):
    return (expected_tender_date or date.today()).year


def employer_counts(territory, trade):
    """(SIAE count, EA / ESAT count, French scope) the territory knows for a market of ``trade``.

    In the trade's sector when one matches and the territory records its employers' sectors; else every employer of
    the territory. One query.
    """
    sector = TRADE_SECTORS.get(trade)
    siae, disability = InclusionEmployerKind.siae(), InclusionEmployerKind.disability()
    employers = InclusionEmployer.objects.in_territory(territory)
    has_sectors = Exists(InclusionEmployerSector.objects.filter(territory_id=territory.pk))
    figures = employers.aggregate(
        siae=Count("pk", filter=Q(kind__in=siae), distinct=True),
        disability=Count("pk", filter=Q(kind__in=disability), distinct=True),
        **(
            {
                "siae_sector": Count("pk", filter=Q(kind__in=siae, sectors__sector=sector), distinct=True),
                "disability_sector": Count("pk", filter=Q(kind__in=disability, sectors__sector=sector), distinct=True),
                "sectors_known": Count("pk", filter=has_sectors, distinct=True),
            }
            if sector
            else {}
        ),
    )
    if sector and figures["sectors_known"]:
        return (
            figures["siae_sector"],
            figures["disability_sector"],
            f"dans le secteur « {Sector(sector).label} »",
        )
    return figures["siae"], figures["disability"], "connus de la coordination"
