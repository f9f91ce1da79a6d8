"""Indicators: each definition written once, reused by pages, exports and reports.

The observatory (pages, XLSX tables, regional view, national export, bilan PDF) reads one structure,
``Indicators``, made by ``compute_indicators``: key figures (``Figure``) and tables (``Table`` of ``Row`` by
``Column``). Every definition is written here once, in French, and shown with its figure or table.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count

from clauses.hours import counted_total
from clauses.models import Clause, Placement
from clauses.queries import completion_rate
from markets.models import Buyer, Market

from .enums import PartnerKind
from .models import Partner

# --- The observatory's structure (issue 6) ---


@dataclass(frozen=True)
class Period:
    """A period of the observatory: both ends included. ``kind`` is a ``ReportPeriodKind`` value."""

    start: date
    end: date
    kind: str = "custom"

    @classmethod
    def year(cls, year):
        return cls(date(year, 1, 1), date(year, 12, 31), "year")

    @classmethod
    def quarter(cls, year, quarter):
        first_month = 3 * (quarter - 1) + 1
        end = date(year + 1, 1, 1) if quarter == 4 else date(year, first_month + 3, 1)
        return cls(date(year, first_month, 1), date.fromordinal(end.toordinal() - 1), "quarter")

    @property
    def label(self):
        """French label: « Année 2026 », « 2e trimestre 2026 », « Du 01/03/2026 au 15/06/2026 »."""
        if self.kind == "year":
            return f"Année {self.start.year}"
        if self.kind == "quarter":
            quarter = (self.start.month - 1) // 3 + 1
            return f"{quarter}{'er' if quarter == 1 else 'e'} trimestre {self.start.year}"
        return f"Du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"

    @property
    def first_month(self):
        return self.start.replace(day=1)

    @property
    def last_month(self):
        return self.end.replace(day=1)


@dataclass(frozen=True)
class Filters:
    """The observatory's filters (each a single value, empty when unused)."""

    buyer: int | None = None  # Buyer id
    buyer_kind: str = ""  # markets.enums.BuyerKind
    company: int | None = None  # Company id
    sector: str = ""  # "works" | "services" | "supplies" (CPV division 45 = works, 03–44 supplies, 50–98 services)
    legal_basis: str = ""  # clauses.enums.LegalBasis
    mode: str = ""  # clauses.enums.ExecutionMode (of the placement)
    public: str = ""  # EligibilityCriterion code (validated for the participant)
    facilitator: int | None = None  # Facilitator id (in charge of the clause)

    def active(self):
        """The filters in use, as {name: value}."""
        return {name: value for name, value in self.__dict__.items() if value not in (None, "")}


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # French
    unit: str = ""  # "h", "%", "ETP", "mois", "" (a count)


@dataclass
class Row:
    label: str  # French
    values: dict  # Column.key -> int | Decimal | None (None: not applicable / not computable)
    key: str = ""  # stable code for exports: an enum value, an id, "YYYY-MM"…
    participants: int | None = None  # distinct participants behind the row: drives the confidentiality mask
    masked: bool = False  # set by ``observatory.confidentiality``: every value shows as « < 5 »


@dataclass
class Table:
    key: str  # stable id, e.g. "hours_by_buyer_kind"
    title: str  # French
    definition: str  # French: what is counted, written once
    columns: list  # [Column]
    rows: list  # [Row]
    total: Row | None = None
    chart: str = "bars"  # "bars" | "series" (rows are months or years, in order) | "" (no chart)
    chart_column: str = ""  # the Column.key the chart draws


@dataclass(frozen=True)
class Figure:
    key: str
    label: str  # French
    value: object  # int | Decimal | None
    unit: str = ""
    definition: str = ""
    numerator: object = None  # for rates: what is divided…
    denominator: object = None  # …by what
    participants: int | None = None
    masked: bool = False


@dataclass
class Indicators:
    period: Period
    territories: list  # [Territory]: one, or the territories of a region
    filters: Filters
    figures: list = field(default_factory=list)  # [Figure]
    tables: list = field(default_factory=list)  # [Table]
    confidential: bool = False  # the statistical-confidentiality mask was applied

    def figure(self, key):
        return next(f for f in self.figures if f.key == key)

    def table(self, key):
        return next(t for t in self.tables if t.key == key)


def compute_indicators(territories, period, filters=None, *, confidential=False):
    """Every indicator of ``territories`` (summed) for ``period``, under ``filters``; masked when ``confidential``."""
    raise NotImplementedError  # issue 6: being written


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
