"""Where a buyer's clauses stand: per market, for a year, and in total; a market's month-by-month curve.

What counts is defined once in ``clauses.hours``; the pace and the late flag in ``clauses.progress``. This module only
gathers them per market: the dashboard costs one query whatever the number of markets (every figure is a subquery
annotation on the clauses), and a market's curve sums its clauses' monthly figures (four queries).

A market *is late* when one of its clauses is late (``progress.is_late``: the hours counted by the end of last month
are below 80 % of the clause's steady pace): a lot far ahead must not hide a lot behind.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .hours import ZERO, clause_month_figures, counted_hours_subquery, pending_hours_subquery
from .models import Clause
from .progress import ClauseProgress, MonthRow, add_months, expected_hours, first_of_month, is_late
from .queries import completion_rate

# Before any clause: the lower bound of "every month up to the end of last month".
EPOCH = date(1900, 1, 1)


def year_bounds(year):
    """The first and last days of ``year``."""
    return date(year, 1, 1), date(year, 12, 31)


def clauses_for_year(membership, year, buyer=None):
    """The clauses the member may see that run during ``year`` (optionally of one buyer), annotated with ``counted``
    (every month), ``counted_in_year``, ``pending`` (every month) and ``pending_in_year``."""
    start, end = year_bounds(year)
    clauses = Clause.objects.visible_to(membership).active_during(start, end)
    if buyer is not None:
        clauses = clauses.filter(lot__market__buyer=buyer)
    return clauses.select_related("lot__market__buyer").annotate(
        counted=counted_hours_subquery("id"),
        counted_in_year=counted_hours_subquery("id", period=(start, date(year, 12, 1))),
        pending=pending_hours_subquery(),
        pending_in_year=pending_hours_subquery(period=(start, date(year, 12, 1))),
    )


@dataclass
class MarketStatusRow:
    """One market of the dashboard: the sums over its clauses running during the year."""

    market: object
    clause_count: int = 0
    required: Decimal = ZERO
    counted: Decimal = ZERO  # counted (validated) hours, every month of the clauses
    counted_in_year: Decimal = ZERO
    pending: Decimal = ZERO  # entered, not counted
    pending_in_year: Decimal = ZERO
    expected: Decimal = ZERO  # hours expected by the end of last month at a steady pace
    late_clause_count: int = 0

    @property
    def buyer(self):
        return self.market.buyer

    @property
    def late(self):
        return self.late_clause_count > 0

    @property
    def rate(self):
        return completion_rate(self.counted, self.required)

    @property
    def remaining(self):
        return max(self.required - self.counted, ZERO)


@dataclass
class YearTotals:
    year: int
    market_count: int = 0
    late_count: int = 0
    required: Decimal = ZERO  # hours required by the clauses running during the year
    counted: Decimal = ZERO  # hours counted in the year's months
    pending: Decimal = ZERO  # hours entered in the year's months, not counted

    @property
    def rate(self):
        return completion_rate(self.counted, self.required)


def market_status_rows(membership, year, today, *, buyer=None, late_only=False):
    """The markets the member may see with a clause running during ``year``: late ones first, then by reference.

    One query, whatever the number of markets and clauses.
    """
    last_month = add_months(first_of_month(today), -1)
    clauses = clauses_for_year(membership, year, buyer).annotate(
        counted_due=counted_hours_subquery("id", period=(EPOCH, last_month))
    )
    rows = {}
    for clause in clauses.order_by("lot__market_id", "pk"):
        market = clause.lot.market
        row = rows.get(market.pk)
        if row is None:
            row = rows[market.pk] = MarketStatusRow(market=market)
        row.clause_count += 1
        row.required += clause.hours_required
        row.counted += clause.counted
        row.counted_in_year += clause.counted_in_year
        row.pending += clause.pending
        row.pending_in_year += clause.pending_in_year
        row.expected += expected_hours(clause.hours_required, clause.start_date, clause.end_date, last_month)
        if is_late(clause.hours_required, clause.counted_due, clause.start_date, clause.end_date, today):
            row.late_clause_count += 1
    result = sorted(rows.values(), key=lambda r: (not r.late, r.market.reference, r.market.pk))
    if late_only:
        result = [row for row in result if row.late]
    return result


def year_totals(rows, year):
    """The year's totals over the rows of ``market_status_rows`` (no query)."""
    totals = YearTotals(year=year)
    for row in rows:
        totals.market_count += 1
        totals.late_count += row.late
        totals.required += row.required
        totals.counted += row.counted_in_year
        totals.pending += row.pending_in_year
    return totals


# --- A market's curve -------------------------------------------------------------------------------------------


@dataclass
class MarketProgress(ClauseProgress):
    """The sum of a market's clauses' progress (the shape of ``ClauseProgress``, so the same chart draws it)."""

    late_clause_count: int = 0


def market_progress(clauses, today):
    """Month by month, the counted and pending hours of a market's clauses and their summed steady pace; the market is
    late when one of its clauses is (``progress.is_late``). Four queries, whatever the number of clauses.

    The months run from the first clause's start to the last one's end (or today), without gaps; each month's expected
    cumulative is the sum of each clause's (0 before its start, its hours required after its end). Each clause's
    figures are those of ``progress.clause_progress`` (a test holds them together).
    """
    clauses = list(clauses)
    if not clauses:
        return None
    figures = clause_month_figures(clauses[0].territory_id, [clause.pk for clause in clauses])
    last_month = add_months(first_of_month(today), -1)
    counted, pending = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    bounds, late_count = [], 0
    for clause in clauses:
        bounds += [first_of_month(clause.start_date), first_of_month(max(clause.end_date or today, clause.start_date))]
        by_month = figures.get(clause.pk, {})
        for month, f in by_month.items():
            counted[month] += f.counted
            pending[month] += f.pending
        counted_when_due = sum((f.counted for month, f in by_month.items() if month <= last_month), ZERO)
        late_count += is_late(clause.hours_required, counted_when_due, clause.start_date, clause.end_date, today)
    bounds += list(counted)
    first, last = min(bounds), max(bounds)
    rows, cumulative, month = [], ZERO, first
    while month <= last:
        cumulative += counted[month]
        expected = sum((expected_hours(c.hours_required, c.start_date, c.end_date, month) for c in clauses), ZERO)
        rows.append(
            MonthRow(
                month=month,
                counted=counted[month],
                pending=pending[month],
                cumulative=cumulative,
                expected_cumulative=expected,
            )
        )
        month = add_months(month, 1)
    return MarketProgress(
        required=sum((clause.hours_required for clause in clauses), ZERO),
        counted=cumulative,
        pending=sum(pending.values(), ZERO),
        expected_to_date=sum(
            (expected_hours(c.hours_required, c.start_date, c.end_date, last_month) for c in clauses), ZERO
        ),
        late=late_count > 0,
        months=rows,
        late_clause_count=late_count,
    )
