"""Aggregates over clauses and hours, as queryset annotations (one query per page, whatever the data).

What counts is defined once in ``clauses.hours``; these helpers only attach it to markets and clauses.
"""

from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from .hours import DECIMAL, ZERO, counted_hours_subquery, entered_hours_subquery
from .models import Clause, Placement


def _sum_of_required(clause_path):
    clauses = Clause.objects.filter(territory_id=OuterRef("territory_id"), **{clause_path: OuterRef("pk")})
    return Coalesce(
        Subquery(clauses.values("territory_id").annotate(total=Sum("hours_required")).values("total")[:1]),
        ZERO,
        output_field=DECIMAL,
    )


def with_market_progress(markets):
    """Annotate markets with ``hours_required`` (sum over their clauses), ``hours_achieved`` (counted hours) and
    ``hours_entered`` (every hour entered, counted or pending)."""
    return markets.annotate(
        hours_required=_sum_of_required("lot__market_id"),
        hours_achieved=counted_hours_subquery("lot__market_id"),
        hours_entered=entered_hours_subquery("lot__market_id"),
    )


def with_clause_progress(clauses):
    """Annotate clauses with ``hours_achieved``, ``hours_entered`` and ``participant_count``."""
    participants = (
        Placement.objects.filter(territory_id=OuterRef("territory_id"), clause_id=OuterRef("pk"))
        .values("clause_id")
        .annotate(n=Count("participant_id", distinct=True))
        .values("n")[:1]
    )
    return clauses.annotate(
        hours_achieved=counted_hours_subquery("id"),
        hours_entered=entered_hours_subquery("id"),
        participant_count=Coalesce(Subquery(participants), 0),
    )


def completion_rate(achieved, required):
    """Achieved ÷ required as a percentage (None when nothing is required)."""
    if not required:
        return None
    return round(Decimal(achieved) * 100 / Decimal(required), 1)
