"""The counting rules of insertion hours, written once.

A monthly line (``MonthlyHours``) *counts* toward a clause when
1. its statement is validated (``status == validated``), and
2. the participant's eligibility is validated for that month: a validation made in or before that month and still
   valid on its first day, with a criterion the clause accepts (any criterion when the clause lists none).
Its counted hours are the hours worked plus, inside a work-study contract, the training hours (other training hours are
reported apart). A line under a globalisation agreement counts only through its allocations (``HoursAllocation``), whose
sum never exceeds its counted hours: no hour is ever counted twice.
Every other line is *pending*, with its reason (statement not validated, eligibility not validated).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, DecimalField, Exists, ExpressionWrapper, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest, TruncMonth

from markets.enums import AwardRole
from markets.models import LotAward

from .enums import ContractKind, StatementStatus
from .models import (
    ClauseEligibleCriterion,
    EligibilityValidation,
    GlobalisationAgreement,
    GlobalisationClause,
    HoursAllocation,
    MonthlyHours,
    counted_hours_expression,
)

ZERO = Decimal("0")
DECIMAL = DecimalField(max_digits=14, decimal_places=2)
# 48 h a week over a month (48 × 52 / 12): above this a line is refused as implausible.
MAX_MONTHLY_HOURS = Decimal("208")


def eligibility_condition(prefix=""):
    """A Q that holds when the line's participant is eligible for the line's month on the line's clause.

    ``prefix`` is the path from the queried model to ``MonthlyHours`` ("" when querying lines, "line__" from an
    allocation). The clause is the placement's clause for a line, the allocation's clause for an allocation.
    """
    line = prefix
    clause_ref = "clause_id" if prefix else "placement__clause_id"
    validations = EligibilityValidation.objects.annotate(validated_month=TruncMonth("validated_on")).filter(
        territory_id=OuterRef("territory_id"),
        participant_id=OuterRef(f"{line}placement__participant_id"),
        validated_month__lte=OuterRef(f"{line}month"),
    )
    validations = validations.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=OuterRef(f"{line}month")))
    clause_criteria = ClauseEligibleCriterion.objects.filter(
        territory_id=OuterRef("territory_id"), clause_id=OuterRef(clause_ref)
    )
    accepted = validations.filter(
        criterion_id__in=ClauseEligibleCriterion.objects.filter(clause_id=OuterRef(OuterRef(clause_ref))).values(
            "criterion_id"
        )
    )
    return Q(~Exists(clause_criteria) & Exists(validations)) | Q(Exists(accepted))


def counting_lines(lines):
    """The lines that count: validated statement and eligible participant."""
    return lines.filter(status=StatementStatus.VALIDATED).filter(eligibility_condition())


def has_allocations():
    return Exists(HoursAllocation.objects.filter(territory_id=OuterRef("territory_id"), line_id=OuterRef("pk")))


def counted_hours_subquery(clause_path, outer_ref="pk", period=None):
    """An expression: the counted hours of the clauses reached by ``clause_path`` from an outer row.

    ``clause_path`` is the lookup from a clause to the outer row's key (``"id"`` for a clause, ``"lot__market_id"`` for
    a market, ``"lot__market__buyer_id"`` for a buyer). ``period`` optionally limits the months (first days).
    """
    lines = counting_lines(
        MonthlyHours.objects.filter(
            territory_id=OuterRef("territory_id"), **{f"placement__clause__{clause_path}": OuterRef(outer_ref)}
        )
    ).exclude(has_allocations())
    allocations = (
        HoursAllocation.objects.filter(
            territory_id=OuterRef("territory_id"), **{f"clause__{clause_path}": OuterRef(outer_ref)}
        )
        .filter(line__status=StatementStatus.VALIDATED)
        .filter(eligibility_condition("line__"))
    )
    if period:
        lines = lines.filter(month__gte=period[0], month__lte=period[1])
        allocations = allocations.filter(line__month__gte=period[0], line__month__lte=period[1])
    direct = Subquery(
        lines.values("territory_id").annotate(total=Sum(counted_hours_expression())).values("total")[:1],
        output_field=DECIMAL,
    )
    allocated = Subquery(
        allocations.values("territory_id").annotate(total=Sum("hours")).values("total")[:1], output_field=DECIMAL
    )
    return Coalesce(direct, Value(ZERO), output_field=DECIMAL) + Coalesce(allocated, Value(ZERO), output_field=DECIMAL)


def entered_hours_subquery(clause_path, outer_ref="pk", period=None):
    """An expression: every hour entered on the lines of the reached clauses, counted or not."""
    lines = MonthlyHours.objects.filter(
        territory_id=OuterRef("territory_id"), **{f"placement__clause__{clause_path}": OuterRef(outer_ref)}
    )
    if period:
        lines = lines.filter(month__gte=period[0], month__lte=period[1])
    return Coalesce(
        Subquery(
            lines.values("territory_id").annotate(total=Sum(counted_hours_expression())).values("total")[:1],
            output_field=DECIMAL,
        ),
        Value(ZERO),
        output_field=DECIMAL,
    )


@dataclass(frozen=True)
class MonthFigures:
    month: date
    counted: Decimal
    pending: Decimal


def monthly_figures(clause):
    """Counted and pending hours of a clause, month by month (four queries, whatever the number of lines).

    Counted: its lines counted directly plus the allocations credited to it (from its lines or, by globalisation,
    from another clause's). Pending: what its own lines entered and nobody counts — hours of its lines counted
    directly or credited (here or to another clause) are settled; hours received from another clause's lines must not
    hide its own pending hours.
    """
    figures = clause_month_figures(clause.territory_id, [clause.pk]).get(clause.pk, {})
    return [figures[month] for month in sorted(figures)]


def clause_month_figures(territory_id, clause_ids):
    """``monthly_figures`` of several clauses at once: ``{clause_id: {month: MonthFigures}}``, in four queries
    whatever the number of clauses, lines and months."""
    lines = MonthlyHours.objects.filter(territory_id=territory_id, placement__clause_id__in=clause_ids)
    counted = defaultdict(lambda: ZERO)
    entered = defaultdict(lambda: ZERO)
    settled = defaultdict(lambda: ZERO)
    direct = counting_lines(lines).exclude(has_allocations())
    total = Sum(counted_hours_expression())
    for row in direct.values("placement__clause_id", "month").annotate(total=total).order_by():
        key = (row["placement__clause_id"], row["month"])
        counted[key] += row["total"]
        settled[key] += row["total"]
    allocations = HoursAllocation.objects.filter(territory_id=territory_id, clause_id__in=clause_ids).filter(
        line__status=StatementStatus.VALIDATED
    )
    allocations = allocations.filter(eligibility_condition("line__"))
    for row in allocations.values("clause_id", "line__month").annotate(total=Sum("hours")).order_by():
        counted[(row["clause_id"], row["line__month"])] += row["total"]
    for row in lines.values("placement__clause_id", "month").annotate(total=total).order_by():
        entered[(row["placement__clause_id"], row["month"])] += row["total"]
    credited = (
        HoursAllocation.objects.filter(territory_id=territory_id, line__placement__clause_id__in=clause_ids)
        .filter(line__status=StatementStatus.VALIDATED)
        .filter(eligibility_condition("line__"))
    )
    for row in credited.values("line__placement__clause_id", "line__month").annotate(total=Sum("hours")).order_by():
        settled[(row["line__placement__clause_id"], row["line__month"])] += row["total"]
    figures = defaultdict(dict)
    for clause_id, month in sorted(set(counted) | set(entered)):
        key = (clause_id, month)
        figures[clause_id][month] = MonthFigures(
            month=month, counted=counted[key], pending=max(entered[key] - settled[key], ZERO)
        )
    return figures


def _sum_or_zero(queryset, expression):
    return Coalesce(
        Subquery(queryset.values("territory_id").annotate(total=expression).values("total")[:1], output_field=DECIMAL),
        Value(ZERO),
        output_field=DECIMAL,
    )


def pending_hours_subquery(period=None):
    """An expression on clauses: the hours entered on a clause's own lines that nobody counts (yet).

    The rule of ``monthly_figures``: a line counted directly, or credited to a clause by globalisation, is
    settled; every other hour entered is pending (statement not validated, eligibility not validated, or the share of a
    globalised line not allocated yet). Hours received from another clause's lines never hide pending hours.
    """
    lines = MonthlyHours.objects.filter(territory_id=OuterRef("territory_id"), placement__clause_id=OuterRef("pk"))
    credited = HoursAllocation.objects.filter(
        territory_id=OuterRef("territory_id"), line__placement__clause_id=OuterRef("pk")
    )
    if period:
        lines = lines.filter(month__gte=period[0], month__lte=period[1])
        credited = credited.filter(line__month__gte=period[0], line__month__lte=period[1])
    direct = counting_lines(lines).exclude(has_allocations())
    credited = credited.filter(line__status=StatementStatus.VALIDATED).filter(eligibility_condition("line__"))
    pending = (
        entered_hours_subquery("id", period=period)
        - _sum_or_zero(direct, Sum(counted_hours_expression()))
        - _sum_or_zero(credited, Sum("hours"))
    )
    return Greatest(pending, Value(ZERO), output_field=DECIMAL)


def pending_reason(line, eligible):
    """Why a line does not count yet, in French (None when it counts)."""
    if line.status != StatementStatus.VALIDATED:
        return {
            StatementStatus.DRAFT: "Relevé en cours de saisie",
            StatementStatus.SUBMITTED: "Relevé transmis, en attente de validation",
            StatementStatus.RETURNED: "Relevé renvoyé à l'entreprise pour correction",
        }[line.status]
    if not eligible:
        return "Éligibilité du participant non validée pour ce mois"
    return None


def with_eligibility(lines):
    """Annotate lines with ``is_eligible`` (bool)."""
    return lines.annotate(is_eligible=ExpressionWrapper(eligibility_condition(), output_field=BooleanField()))


def hours_label(value):
    """Hours as French text for messages: ``Decimal("110.25")`` → ``"110,25"``, ``Decimal("100.00")`` → ``"100"``."""
    text = f"{Decimal(value).quantize(Decimal('0.01')):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def counted_hours_of_line(line):
    """The same rule as ``counted_hours_expression``, for one loaded line."""
    if line.placement.contract_kind in ContractKind.work_study():
        return line.hours_worked + line.training_hours
    return line.hours_worked


def line_company_id(placement):
    """The company a placement's hours count for: its employer, or the lot's holder for staff provided by an inclusion
    employer (the same rule as ``statements.reporting_company_id``)."""
    if placement.employer_company_id:
        return placement.employer_company_id
    return (
        LotAward.objects.filter(
            territory_id=placement.territory_id, lot__clauses__id=placement.clause_id, role=AwardRole.HOLDER
        )
        .order_by("pk")
        .values_list("company_id", flat=True)
        .first()
    )


def applicable_agreement_clauses(line):
    """The ``GlobalisationClause`` rows a line's hours may be allocated to: the clauses of the agreements of the line's
    company that cover the line's clause and are in force during the line's month."""
    month_end = date(line.month.year + line.month.month // 12, line.month.month % 12 + 1, 1)
    agreements = GlobalisationAgreement.objects.filter(
        territory_id=line.territory_id,
        company_id=line_company_id(line.placement),
        clauses__clause_id=line.placement.clause_id,
        start_date__lt=month_end,
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=line.month))
    return GlobalisationClause.objects.filter(territory_id=line.territory_id, agreement__in=agreements)


@transaction.atomic
def allocate(line, shares, user=None):
    """Replace a line's globalisation allocations by ``shares`` ({clause: hours}).

    Refused (ValidationError, French) when a clause is not in an agreement of the line's company that covers the
    line's clause and is in force in the line's month, or when the shares exceed the line's counted hours. The line
    is locked while allocating.
    """
    line = MonthlyHours.objects.select_for_update().select_related("placement").get(pk=line.pk)
    total = sum((Decimal(h) for h in shares.values()), ZERO)
    available = counted_hours_of_line(line)
    if total > available:
        raise ValidationError(
            f"La répartition ({hours_label(total)} h) dépasse les heures de la ligne ({hours_label(available)} h) : "
            "une heure ne compte qu'une fois."
        )
    allowed = set(applicable_agreement_clauses(line).values_list("clause_id", flat=True))
    for clause, hours in shares.items():
        if clause.pk not in allowed:
            raise ValidationError(
                f"La clause « {clause} » n'est pas couverte par un accord de globalisation de l'entreprise "
                f"en vigueur en {line.month:%m/%Y}."
            )
        if Decimal(hours) < 0:
            raise ValidationError("Les heures ne peuvent pas être négatives.")
    # Row by row (a line has a handful of shares) so that the history keeps who changed what.
    existing = {a.clause_id: a for a in HoursAllocation.objects.filter(territory_id=line.territory_id, line=line)}
    wanted = {clause.pk: Decimal(hours) for clause, hours in shares.items() if Decimal(hours) > 0}
    for clause_id, allocation in existing.items():
        if clause_id not in wanted:
            _set_history_user(allocation, user)
            allocation.delete()
    for clause_id, hours in wanted.items():
        allocation = existing.get(clause_id) or HoursAllocation(
            territory_id=line.territory_id, line=line, clause_id=clause_id
        )
        if allocation.pk is None or allocation.hours != hours:
            allocation.hours = hours
            _set_history_user(allocation, user)
            allocation.save()


def _set_history_user(instance, user):
    if user is not None:  # otherwise the history middleware supplies the request's user
        instance._history_user = user


def counted_total(territory, clauses, period=None):
    """Counted hours credited to ``clauses`` (a queryset), optionally within ``period`` (first days of months)."""
    lines = counting_lines(MonthlyHours.objects.filter(territory_id=territory.pk, placement__clause__in=clauses))
    lines = lines.exclude(has_allocations())
    allocations = HoursAllocation.objects.filter(territory_id=territory.pk, clause__in=clauses).filter(
        line__status=StatementStatus.VALIDATED
    )
    allocations = allocations.filter(eligibility_condition("line__"))
    if period:
        lines = lines.filter(month__gte=period[0], month__lte=period[1])
        allocations = allocations.filter(line__month__gte=period[0], line__month__lte=period[1])
    direct = lines.aggregate(total=Sum(counted_hours_expression()))["total"] or ZERO
    allocated = allocations.aggregate(total=Sum("hours"))["total"] or ZERO
    return direct + allocated
