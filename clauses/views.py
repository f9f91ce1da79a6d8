from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.views.generic import DetailView
from django_filters.views import FilterView

from accounts.enums import ROLES_SEEING_PARTICIPANTS, Role
from accounts.mixins import TerritoryMixin
from markets.enums import MarketStatus
from markets.models import Lot, LotAward, Market

from . import views_grid
from .attestation import market_facilitators
from .buyers import market_progress
from .filters import MarketFilter
from .models import Clause, Placement
from .progress import LATE_THRESHOLD, add_months, first_of_month
from .queries import with_clause_progress, with_market_progress


class MarketListView(TerritoryMixin, FilterView):
    template_name = "clauses/market_list.html"
    filterset_class = MarketFilter
    paginate_by = 50
    context_object_name = "markets"

    def get_queryset(self):
        # Planned markets (not yet tendered) are the pipeline of the programming pages, not markets to follow.
        markets = (
            self.visible(Market)
            .exclude(status=MarketStatus.PLANNED)
            .select_related("buyer")
            .order_by("-notification_date", "reference")
        )
        return with_market_progress(markets)


class MarketDetailView(TerritoryMixin, DetailView):
    template_name = "clauses/market_detail.html"
    context_object_name = "market"

    def get_queryset(self):
        clauses = with_clause_progress(Clause.objects.select_related("facilitator__organisation"))
        # A count only, whoever asks: the people themselves are shown to the roles that see participants (below).
        participants = (
            Placement.objects.filter(territory_id=OuterRef("territory_id"), clause__lot__market_id=OuterRef("pk"))
            .values("territory_id")
            .annotate(n=Count("participant_id", distinct=True))
            .values("n")[:1]
        )
        markets = Market.objects.annotate(participant_total=Coalesce(Subquery(participants), 0))
        return markets.select_related(
            "buyer", "execution_commune", "buyer__lead_facilitator__organisation", "facilitator__organisation"
        ).prefetch_related(
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
        market = self.object
        pairs = [(lot, clause) for lot in market.lots.all() for clause in lot.clauses.all()]
        day = views_grid.today()  # looked up on use: tests set the day there
        progress = market_progress([clause for _, clause in pairs], day)
        cumulative_pending, month_rows = 0, []
        for row in progress.months if progress else []:
            cumulative_pending += row.pending
            month_rows.append({"row": row, "cumulative_pending": cumulative_pending})
        companies = {award.company_id: award.company for lot in market.lots.all() for award in lot.awards.all()}
        context.update(
            progress=progress,
            month_rows=month_rows,
            chart=views_grid.progress_chart(progress, first_of_month(day)) if progress else None,
            last_month=add_months(first_of_month(day), -1),
            late_threshold=int(LATE_THRESHOLD * 100),
            participant_total=market.participant_total,
            facilitators=market_facilitators(market, pairs),
            # A company's attestation shows its own hours only (the view decides): no per-company links for it.
            attestation_companies=[]
            if self.membership.role == Role.COMPANY
            else sorted(companies.values(), key=lambda c: c.name),
        )
        if self.membership.role in ROLES_SEEING_PARTICIPANTS:
            context["placements"] = (
                Placement.objects.visible_to(self.membership)
                .filter(clause__lot__market=self.object)
                .select_related("participant", "employer_company", "employer_inclusion", "clause__lot")
                .order_by("participant__last_name", "start_date")
            )
        return context
