"""Indicators: each definition written once, reused by pages, exports and reports."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count

from clauses.hours import counted_total
from clauses.models import Clause, Placement
from clauses.queries import completion_rate
from markets.models import Buyer, Market

from .enums import PartnerKind
from .models import Partner


@dataclass(frozen=True)
class HomeFigures:
    year: int
    buyers: int
    markets_with_clause: int
    hours_required: Decimal
    hours_achieved: Decimal
    participants: int

    @property
    def completion_rate(self):
        return completion_rate(self.hours_achieved, self.hours_required)


def home_figures(membership, year):
    """The territory home's key figures, within what the member may see.

    - buyers: buyers visible to the member;
    - markets with a clause: visible markets with at least one clause active during the year;
    - hours required: the sum of the hours required by those clauses (whole obligation of each clause);
    - hours achieved: hours counted (``clauses.hours``) in the months of the year, on visible clauses;
    - participants: distinct people with a placement on a visible clause active during the year (a count only).
    """
    start, end = date(year, 1, 1), date(year, 12, 31)
    clauses = Clause.objects.visible_to(membership).active_during(start, end)
    placements = (
        Placement.objects.in_territory(membership.territory)
        .filter(clause__in=clauses, start_date__lte=end)
        .exclude(end_date__lt=start)
    )
    return HomeFigures(
        year=year,
        buyers=Buyer.objects.visible_to(membership).count(),
        markets_with_clause=Market.objects.visible_to(membership).filter(lots__clauses__in=clauses).distinct().count(),
        hours_required=clauses.aggregate_hours_required(),
        hours_achieved=counted_total(membership.territory, Clause.objects.visible_to(membership), (start, end)),
        participants=placements.values("participant_id").distinct().count(),
    )


# --- Network: partners and meetings ---


@dataclass(frozen=True)
class PartnersInvolved:
    """Distinct active partners met at least once in a period, in total and by kind (every kind listed, 0 if none)."""

    total: int
    by_kind: dict  # PartnerKind value -> count, in PartnerKind order

    @property
    def rows(self):
        """(French label, count) per kind, for a table."""
        return [(PartnerKind(kind).label, count) for kind, count in self.by_kind.items()]


@dataclass(frozen=True)
class BuyersAndFederationsMet:
    """Distinct partners of kind buyer or federation met at least once in a period."""

    buyers: int
    federations: int

    @property
    def total(self):
        return self.buyers + self.federations


def _met_partners(territory, start, end):
    """Partners of the territory with a meeting dated in [start, end] (both included)."""
    return Partner.objects.in_territory(territory).filter(
        meetings__territory_id=territory.pk, meetings__date__gte=start, meetings__date__lte=end
    )


def _count_by_kind(partners):
    return dict(partners.order_by().values_list("kind").annotate(n=Count("pk", distinct=True)))


def partners_involved(territory, start, end):
    """Indicator "partenaires impliqués": distinct *active* partners with at least one meeting in the period.

    A partner met several times counts once; an inactive partner does not count. One query.
    """
    counts = _count_by_kind(_met_partners(territory, start, end).filter(is_active=True))
    by_kind = {kind.value: counts.get(kind.value, 0) for kind in PartnerKind}
    return PartnersInvolved(total=sum(by_kind.values()), by_kind=by_kind)


def buyers_and_federations_met(territory, start, end):
    """Indicator "donneurs d'ordre et fédérations rencontrés": distinct partners of kind buyer or federation with at
    least one meeting in the period (whether or not still active: they were met). One query.
    """
    counts = _count_by_kind(
        _met_partners(territory, start, end).filter(kind__in=[PartnerKind.BUYER, PartnerKind.FEDERATION])
    )
    return BuyersAndFederationsMet(
        buyers=counts.get(PartnerKind.BUYER.value, 0), federations=counts.get(PartnerKind.FEDERATION.value, 0)
    )
