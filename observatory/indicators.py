"""Indicators: each definition written once, reused by pages, exports and reports."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from clauses.hours import counted_total
from clauses.models import Clause, Placement
from clauses.queries import completion_rate
from markets.models import Buyer, Market


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
