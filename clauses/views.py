from django.db.models import Count, Prefetch
from django.views.generic import DetailView, ListView
from django_filters.views import FilterView

from accounts.enums import ROLES_SEEING_PARTICIPANTS
from accounts.mixins import TerritoryMixin
from markets.models import Lot, LotAward, Market

from .filters import MarketFilter
from .models import Clause, EligibilityValidation, Participant, Placement
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


class ParticipantListView(TerritoryMixin, ListView):
    allowed_roles = ROLES_SEEING_PARTICIPANTS
    template_name = "clauses/participant_list.html"
    paginate_by = 50
    context_object_name = "participants"

    def get_queryset(self):
        participants = self.visible(Participant).select_related("referent", "residence_commune")
        query = self.request.GET.get("q", "").strip()
        if query:
            participants = participants.filter(last_name__icontains=query) | participants.filter(
                first_name__icontains=query
            )
        return participants.annotate(placement_count=Count("placements")).order_by("last_name", "first_name")

    def get_context_data(self, **kwargs):
        return super().get_context_data(q=self.request.GET.get("q", ""), **kwargs)


class ParticipantDetailView(TerritoryMixin, DetailView):
    # No ``allowed_roles``: for a role that sees no participant the visibility rule answers 404, which does not
    # confirm that a person with this id exists (a 403 would).
    template_name = "clauses/participant_detail.html"
    context_object_name = "participant"

    def get_object(self, queryset=None):
        return (
            Participant.objects.select_related("referent", "residence_commune")
            .prefetch_related(
                Prefetch(
                    "eligibilities", queryset=EligibilityValidation.objects.select_related("criterion", "validated_by")
                ),
                Prefetch(
                    "placements",
                    queryset=Placement.objects.select_related(
                        "clause__lot__market__buyer", "employer_company", "employer_inclusion"
                    ),
                ),
            )
            .get_visible_or_404(self.membership, pk=self.kwargs["pk"])
        )
