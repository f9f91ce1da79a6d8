"""Aggregates over clauses and hours, as queryset annotations (one query per page, whatever the data)."""

from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .enums import StatementStatus
from .models import Clause, MonthlyHours, Placement, counted_hours_expression

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))


def _sum_subquery(queryset, group_by, expression):
    return Coalesce(
        Subquery(
            queryset.values(group_by).annotate(total=Sum(expression)).values("total")[:1],
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
        ZERO,
    )


def with_market_progress(markets):
    """Annotate markets with ``hours_required`` (sum over their clauses) and ``hours_achieved`` (validated hours)."""
    clauses = Clause.objects.filter(territory_id=OuterRef("territory_id"), lot__market_id=OuterRef("pk"))
    statements = MonthlyHours.objects.filter(
        territory_id=OuterRef("territory_id"),
        placement__clause__lot__market_id=OuterRef("pk"),
        status=StatementStatus.VALIDATED,
    )
    return markets.annotate(
        hours_required=_sum_subquery(clauses, "lot__market_id", "hours_required"),
        hours_achieved=_sum_subquery(statements, "placement__clause__lot__market_id", counted_hours_expression()),
    )


def with_clause_progress(clauses):
    """Annotate clauses with ``hours_achieved`` and the number of ``participant_count`` placed on them."""
    statements = MonthlyHours.objects.filter(
        territory_id=OuterRef("territory_id"), placement__clause_id=OuterRef("pk"), status=StatementStatus.VALIDATED
    )
    participants = (
        Placement.objects.filter(territory_id=OuterRef("territory_id"), clause_id=OuterRef("pk"))
        .values("clause_id")
        .annotate(n=Count("participant_id", distinct=True))
        .values("n")[:1]
    )
    return clauses.annotate(
        hours_achieved=_sum_subquery(statements, "placement__clause_id", counted_hours_expression()),
        participant_count=Coalesce(Subquery(participants), 0),
    )


def completion_rate(achieved, required):
    """Achieved ÷ required as a percentage (None when nothing is required)."""
    if not required:
        return None
    return round(Decimal(achieved) * 100 / Decimal(required), 1)
