"""The regional observatory: the indicators summed over the active territories of a region, for a user holding an
active ``RegionalAccess`` to it (any other user: 404, nothing confirms the page exists). Always under the
statistical-confidentiality mask, aggregates only: no filter naming one buyer, company or facilitator. A table gives
the main figures by territory (a territory under 5 participants is masked, and never alone).
"""

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from accounts.models import RegionalAccess
from territories.models import Territory

from .confidentiality import is_small
from .exports import FIGURES_KEY, figures_to_xlsx, filename, table_to_xlsx
from .filters import RegionalIndicatorFilter
from .indicators import Column, Row, Table, consolidate
from .views_observatory import query_suffix, table_items, xlsx_response

BY_TERRITORY_KEY = "by_territory"
# The key figures repeated per territory, when the indicators have them (else the first figures).
BY_TERRITORY_FIGURES = (
    "markets_followed",
    "hours_required",
    "hours_achieved",
    "completion_rate",
    "fte",
    "participants",
    "sustainable_employment_rate",
)
BY_TERRITORY_MAX_COLUMNS = 7


def active_accesses(user):
    return RegionalAccess.objects.filter(user=user, is_active=True).select_related("region").order_by("region__name")


def _chosen_figures(indicators):
    keys = [figure.key for figure in indicators.figures]
    chosen = [key for key in BY_TERRITORY_FIGURES if key in keys]
    return chosen or keys[:BY_TERRITORY_MAX_COLUMNS]


def _row_masked(figures):
    return any(figure.masked or is_small(figure.participants) for figure in figures)


def _columns(figure_keys, figures):
    """The table's columns and, per column key, how to read its value from {figure key: Figure}. A rate whose
    numerator or denominator is not already a column (the sustainable-employment rate) gets them as columns."""
    columns, getters = [], {}
    labels = {figures[key].label for key in figure_keys}

    def value_of(key, attribute="value"):
        return lambda own: getattr(own[key], attribute) if key in own else None

    for key in figure_keys:
        figure = figures[key]
        columns.append(Column(key, figure.label, figure.unit))
        getters[key] = value_of(key)
        for part in ("numerator", "denominator"):
            label = getattr(figure, f"{part}_label")
            if label and label not in labels:
                columns.append(Column(f"{key}_{part}", label, getattr(figure, f"{part}_unit")))
                getters[f"{key}_{part}"] = value_of(key, part)
    return columns, getters


def by_territory_table(region_indicators, per_territory):
    """Table of the main key figures per territory, total = the region's figures.

    ``per_territory``: [(territory, Indicators)]. A territory whose figures count fewer than 5 participants is masked;
    if only one row is masked, the smallest other one is masked too, so the total cannot reveal it.
    """
    figure_keys = _chosen_figures(region_indicators)
    figures = {figure.key: figure for figure in region_indicators.figures}
    columns, getters = _columns(figure_keys, figures)
    keys = [column.key for column in columns]
    rows = []
    for territory, indicators in per_territory:
        own = {figure.key: figure for figure in indicators.figures}
        chosen = [own[key] for key in figure_keys if key in own]
        participants = [figure.participants for figure in chosen if figure.participants is not None]
        masked = _row_masked(chosen)
        rows.append(
            Row(
                label=f"{territory.name} ({territory.code})",
                key=territory.code,
                values={key: None if masked else getters[key](own) for key in keys},
                participants=None if masked else max(participants, default=None),
                masked=masked,
            )
        )
    masked = [row for row in rows if row.masked]
    if len(masked) == 1 and len(rows) > 1:
        others = sorted(
            (row for row in rows if not row.masked),
            key=lambda row: row.participants if row.participants is not None else 0,
        )
        if others:
            others[0].masked = True
            others[0].values = dict.fromkeys(others[0].values)
            others[0].participants = None
    total = Row(
        label="Total de la région",
        key="total",
        values={key: getters[key](figures) for key in keys},
        masked=any(figures[key].masked for key in figure_keys),
    )
    chart_column = next((key for key in ("hours_achieved", "hours_required") if key in keys), keys[0] if keys else "")
    return Table(
        key=BY_TERRITORY_KEY,
        title="Chiffres clés par coordination départementale",
        definition=(
            "Les chiffres clés de chaque coordination départementale de la région, calculés avec les mêmes "
            "définitions, la même période et les mêmes filtres ; le total est celui de la région. Une coordination "
            "qui compte moins de 5 participants est masquée (et, si elle est seule, une autre aussi, pour que le "
            "total ne la révèle pas)."
        ),
        columns=columns,
        rows=rows,
        total=total,
        chart="bars" if chart_column else "",
        chart_column=chart_column,
    )


class RegionalMixin:
    """Resolves ``region_code`` to an active access of the user (else 404) and the region's active territories."""

    def dispatch(self, request, *args, region_code, **kwargs):
        self.access = get_object_or_404(active_accesses(request.user), region_id=region_code.upper())
        self.region = self.access.region
        self.territories = list(Territory.objects.filter(region=self.region, is_active=True).order_by("code"))
        return super().dispatch(request, *args, **kwargs)

    def get_filterset(self):
        return RegionalIndicatorFilter(
            self.request.GET or None, request=self.request, territories=self.territories, confidential=True
        )

    def compute(self, filterset):
        period, filters = filterset.indicator_period(), filterset.indicator_filters()
        # Each territory is computed once (and once per active filter, for the mask): the region is their sum, and
        # the same results, masked territory by territory, give the table by territory.
        consolidation = consolidate(self.territories, period, filters, confidential=True)
        indicators = consolidation.indicators
        if len(self.territories) > 1:
            indicators.tables = [*indicators.tables, by_territory_table(indicators, consolidation.by_territory)]
        return indicators

    @property
    def scope_label(self):
        count = len(self.territories)
        return f"Région {self.region.name} ({count} coordination{'s' if count > 1 else ''})"


class RegionalIndicatorsView(RegionalMixin, TemplateView):
    template_name = "observatory/regional.html"

    def get_context_data(self, **kwargs):
        filterset = self.get_filterset()
        indicators = self.compute(filterset) if self.territories and filterset.is_usable else None
        code = self.region.code
        suffix = query_suffix(self.request)

        def export_url(key):
            return reverse("regional:table_export", kwargs={"region_code": code, "table_key": key}) + suffix

        return super().get_context_data(
            region=self.region,
            territories=self.territories,
            other_regions=[access for access in active_accesses(self.request.user) if access.pk != self.access.pk],
            filter=filterset,
            period_fields=RegionalIndicatorFilter.PERIOD_FIELDS,
            page_url=reverse("regional:indicators", kwargs={"region_code": code}),
            indicators=indicators,
            tables=table_items(indicators, export_url) if indicators else [],
            figures_export_url=export_url(FIGURES_KEY),
            filter_summary=filterset.summary(),
            scope_label=self.scope_label,
            **kwargs,
        )


class RegionalTableExportView(RegionalMixin, View):
    def get(self, request, *args, table_key, **kwargs):
        filterset = self.get_filterset()
        if not self.territories:
            raise Http404("Aucune coordination dans la région.")
        if not filterset.is_usable:
            page = reverse("regional:indicators", kwargs={"region_code": self.region.code})
            return HttpResponseRedirect(page + query_suffix(request))
        indicators = self.compute(filterset)
        if table_key == FIGURES_KEY:
            content = figures_to_xlsx(indicators, filter_labels=filterset.summary(), scope_label=self.scope_label)
            return xlsx_response(content, filename(None, indicators, f"region-{self.region.code}"))
        table = next((table for table in indicators.tables if table.key == table_key), None)
        if table is None:
            raise Http404("Tableau inconnu.")
        content = table_to_xlsx(table, indicators, filter_labels=filterset.summary(), scope_label=self.scope_label)
        return xlsx_response(content, filename(table, indicators, f"region-{self.region.code}"))
