"""Progress of a clause against its expected pace. Plain functions over figures already fetched."""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .hours import monthly_figures

ZERO = Decimal("0")
# A clause is late when the hours counted to the end of last month are below this share of the expected pace.
LATE_THRESHOLD = Decimal("0.8")


def first_of_month(day):
    return day.replace(day=1)


def add_months(month, n):
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(start, end):
    """The first days of every month from ``start``'s month to ``end``'s month, both included."""
    month, last = first_of_month(start), first_of_month(end)
    months = []
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def expected_hours(required, start, end, up_to_month):
    """Hours expected by the end of ``up_to_month`` at a steady pace from ``start``'s month to ``end``'s month."""
    if end is None or required <= 0:
        return ZERO
    months = months_between(start, end)
    elapsed = sum(1 for m in months if m <= first_of_month(up_to_month))
    return (Decimal(required) * elapsed / len(months)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def is_late(required, counted, start, end, today):
    """Late: the clause has run at least one full month and the hours counted by the end of last month are below
    ``LATE_THRESHOLD`` of the expected pace (hours of the current month are not due yet)."""
    last_month = add_months(first_of_month(today), -1)
    if end is None or first_of_month(start) > last_month:
        return False
    expected = expected_hours(required, start, end, min(last_month, first_of_month(end)))
    return expected > 0 and Decimal(counted) < expected * LATE_THRESHOLD


@dataclass(frozen=True)
class MonthRow:
    month: date
    counted: Decimal
    pending: Decimal
    cumulative: Decimal
    expected_cumulative: Decimal


@dataclass
class ClauseProgress:
    required: Decimal
    counted: Decimal
    pending: Decimal
    expected_to_date: Decimal
    late: bool
    months: list = field(default_factory=list)

    @property
    def rate(self):
        if not self.required:
            return None
        return (self.counted * 100 / self.required).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def remaining(self):
        return max(self.required - self.counted, ZERO)


def clause_progress(clause, today):
    """Month-by-month progress of a clause from its start to its end (or today), with pace and late flag."""
    figures = {f.month: f for f in monthly_figures(clause)}
    last = clause.end_date or today
    months = months_between(clause.start_date, max(last, clause.start_date))
    extra = [m for m in figures if m not in months]
    rows, cumulative = [], ZERO
    for month in sorted(months + extra):
        f = figures.get(month)
        counted = f.counted if f else ZERO
        pending = f.pending if f else ZERO
        cumulative += counted
        rows.append(
            MonthRow(
                month=month,
                counted=counted,
                pending=pending,
                cumulative=cumulative,
                expected_cumulative=expected_hours(clause.hours_required, clause.start_date, clause.end_date, month),
            )
        )
    counted_total = sum((r.counted for r in rows), ZERO)
    last_month = add_months(first_of_month(today), -1)
    # The pace is judged on the months already due: hours of the current month must not hide a delay.
    counted_when_due = sum((r.counted for r in rows if r.month <= last_month), ZERO)
    return ClauseProgress(
        required=clause.hours_required,
        counted=counted_total,
        pending=sum((r.pending for r in rows), ZERO),
        expected_to_date=expected_hours(clause.hours_required, clause.start_date, clause.end_date, last_month),
        late=is_late(clause.hours_required, counted_when_due, clause.start_date, clause.end_date, today),
        months=rows,
    )
