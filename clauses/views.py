from django.db.models import Prefetch
from django.views.generic import DetailView
from django_filters.views import FilterView

from accounts.enums import ROLES_SEEING_PARTICIPANTS
from accounts.mixins import TerritoryMixin
from markets.models import Lot, LotAward, Market

from .filters import MarketFilter
from .models import Clause, Placement
from .queries import with_clause_progress, with_market_progress


class MarketListView(TerritoryMixin, FilterView):
    template_name = "clauses/market_list.html"
    filterset_class = MarketFilter
    paginate_by = 50
    context_object_name = "markets"

    def get_queryset(self):
        markets = self.visible(Market).select_related("buyer").order_by("-notification_date", "reference")
        return with_market_progress(markets)


class MarketDetailView(TerritoryMixin, DetailView):
    template_name = "clauses/market_detail.html"
    context_object_name = "market"

    def get_queryset(self):
        clauses = with_clause_progress(Clause.objects.select_related("facilitator__organisation"))
        return Market.objects.select_related("buyer", "execution_commune", "buyer__lead_facilitator").prefetch_related(
            Prefetch(
                "lots",
                queryset=Lot.objects.prefetch_related(
                    Prefetch("awards", queryset=LotAward.objects.select_related("company")),
                    Prefetch("clauses", queryset=clauses),
                ),
            )
        )

    def get_object(self, queryset=None):
        return self.get_queryset().get_visible_or_404(self.membership, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.membership.role in ROLES_SEEING_PARTICIPANTS:
            context["placements"] = (
                Placement.objects.visible_to(self.membership)
                .filter(clause__lot__market=self.object)
                .select_related("participant", "employer_company", "employer_inclusion", "clause__lot")
                .order_by("participant__last_name", "start_date")
            )
        return context
