"""The territory's observatory: the indicators of ``compute_indicators`` for a period and filters, and each table as
XLSX. Coordinators and facilitators see the figures as they are (they already see the people); committee members
see them under the statistical-confidentiality mask. Buyers and companies have no access (403).
"""

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from accounts.enums import ROLES_SEEING_PARTICIPANTS, Role
from accounts.mixins import TerritoryMixin

from .exports import FIGURES_KEY, XLSX_TYPE, figures_to_xlsx, filename, table_to_xlsx
from .filters import IndicatorFilter
from .indicators import compute_indicators

OBSERVATORY_ROLES = {Role.COORDINATOR, Role.FACILITATOR, Role.COMMITTEE}


def is_confidential(membership):
    """The mask applies to whoever does not already see the participants (the committee)."""
    return membership.role not in ROLES_SEEING_PARTICIPANTS


def xlsx_response(content, name):
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def table_items(indicators, export_url):
    """[{"table", "export_url"}] for the page's tables; ``export_url(key)`` gives a table's XLSX URL."""
    return [{"table": table, "export_url": export_url(table.key)} for table in indicators.tables]


def query_suffix(request):
    query = request.GET.urlencode()
    return f"?{query}" if query else ""


class ObservatoryMixin(TerritoryMixin):
    allowed_roles = OBSERVATORY_ROLES

    def get_filterset(self):
        return IndicatorFilter(
            self.request.GET or None,
            request=self.request,
            territories=[self.territory],
            confidential=is_confidential(self.membership),
        )

    def compute(self, filterset):
        return compute_indicators(
            [self.territory],
            filterset.indicator_period(),
            filterset.indicator_filters(),
            confidential=is_confidential(self.membership),
        )


class IndicatorsView(ObservatoryMixin, TemplateView):
    template_name = "observatory/indicators.html"

    def get_context_data(self, **kwargs):
        filterset = self.get_filterset()
        indicators = self.compute(filterset) if filterset.is_usable else None
        code = self.territory.code
        suffix = query_suffix(self.request)

        def export_url(key):
            return reverse("observatory:table_export", kwargs={"territory_code": code, "table_key": key}) + suffix

        return super().get_context_data(
            filter=filterset,
            period_fields=IndicatorFilter.PERIOD_FIELDS,
            page_url=reverse("observatory:indicators", kwargs={"territory_code": code}),
            indicators=indicators,
            tables=table_items(indicators, export_url) if indicators else [],
            figures_export_url=export_url(FIGURES_KEY),
            filter_summary=filterset.summary(),
            scope_label=f"{self.territory.name} ({code})",
            **kwargs,
        )


class TableExportView(ObservatoryMixin, View):
    """One table of the page, same query string, as XLSX. Invalid filters: back to the page, which shows them."""

    def get(self, request, *args, table_key, **kwargs):
        filterset = self.get_filterset()
        if not filterset.is_usable:
            page = reverse("observatory:indicators", kwargs={"territory_code": self.territory.code})
            return HttpResponseRedirect(page + query_suffix(request))
        indicators = self.compute(filterset)
        scope_label = f"{self.territory.name} ({self.territory.code})"
        if table_key == FIGURES_KEY:
            content = figures_to_xlsx(indicators, filter_labels=filterset.summary(), scope_label=scope_label)
            return xlsx_response(content, filename(None, indicators, self.territory.code))
        table = next((table for table in indicators.tables if table.key == table_key), None)
        if table is None:
            raise Http404("Tableau inconnu.")
        content = table_to_xlsx(table, indicators, filter_labels=filterset.summary(), scope_label=scope_label)
        return xlsx_response(content, filename(table, indicators, self.territory.code))
