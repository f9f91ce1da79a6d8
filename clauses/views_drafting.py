"""Drafting pages: the sizing calculator, the sizing of a planned market's clause and its drafted text (HTML, DOCX).

The hours are computed by ``clauses.sizing``, the default labour shares come from ``clauses.labour_shares`` and the
text from ``clauses.clause_text``; these views read the forms, save the ClausePlan and render.

Who may do what, on a planned market (status « programmé »): the same rules as the programming pages
(``clauses.programming``): the buyer sees its own ones (another buyer's is a 404), coordinators, facilitators and the
committee every one of the territory; coordinators, the buyer and the facilitator in charge change them (others get a
403 on a POST); companies never see a tender in preparation (403).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.views.generic import TemplateView, View

from accounts.enums import Role
from accounts.mixins import TerritoryMixin
from markets.enums import Trade
from markets.models import Market

from .clause_text import draft_clause_text, eligible_publics
from .documents import DOCX_CONTENT_TYPE, clause_text_docx
from .enums import ExecutionMode, SizingMethod
from .forms_drafting import ClauseTextForm, SizingForm, as_percent, hours_label, plain
from .labour_shares import labour_share_for, labour_shares
from .models import ClausePlan, EligibilityCriterion
from .programming import can_edit, planned_markets

READER_ROLES = frozenset({Role.COORDINATOR, Role.FACILITATOR, Role.BUYER, Role.COMMITTEE})


class CalculatorView(TerritoryMixin, TemplateView):
    """The standalone calculator: the form is sent by GET (nothing is saved), the result shown under it."""

    template_name = "clauses/drafting_calculator.html"
    allowed_roles = READER_ROLES

    def get_context_data(self, **kwargs):
        shares = labour_shares(self.territory)
        initial = {
            "method": SizingMethod.LABOUR_SHARE,
            "insertion_rate": as_percent(self.territory.default_insertion_rate),
            "hourly_cost": plain(self.territory.default_hourly_cost),
        }
        bound = "method" in self.request.GET
        form = SizingForm(self.request.GET if bound else None, initial=initial, labour_shares=shares)
        if bound:
            form.is_valid()
        return super().get_context_data(
            form=form,
            share_table=[(label, as_percent(shares[value])) for value, label in Trade.choices],
            share_percents={value: str(as_percent(share)) for value, share in shares.items()},
            **kwargs,
        )


class PlannedMarketMixin(TerritoryMixin):
    """A planned market of the URL, looked up before the role: another territory's one is a 404 for everyone."""

    allowed_roles = READER_ROLES

    def dispatch(self, request, *args, **kwargs):
        membership = request.membership
        if membership is not None and membership.role not in self.allowed_roles:
            # Not a page for this role (403), once the market is known to be of this territory (else 404).
            if not Market.objects.in_territory(request.territory).filter(pk=kwargs["pk"]).exists():
                raise Http404("Aucun marché ne correspond.")
            raise PermissionDenied("Cette page n'est pas accessible avec votre rôle.")
        self.market = (
            planned_markets(membership)
            .select_related(
                "territory", "buyer__lead_facilitator__organisation", "facilitator__organisation", "execution_commune"
            )
            .get_visible_or_404(membership, pk=kwargs["pk"])
        )
        self.can_edit = can_edit(membership, self.market)
        if request.method == "POST" and not self.can_edit:
            raise PermissionDenied("Vous pouvez consulter cette page, pas la modifier.")
        self.plan = ClausePlan.objects.in_territory(request.territory).filter(market=self.market).first()
        return super().dispatch(request, *args, **kwargs)

    def plan_or_default(self):
        """The saved plan, or an unsaved one with the defaults (nothing is written on a GET)."""
        return self.plan or ClausePlan(territory=self.market.territory, market=self.market)

    def saved_plan(self):
        if self.plan is None:
            self.plan, _ = ClausePlan.objects.get_or_create(territory=self.market.territory, market=self.market)
        return self.plan

    def get_context_data(self, **kwargs):
        return super().get_context_data(market=self.market, plan=self.plan, can_edit=self.can_edit, **kwargs)


class SizingView(PlannedMarketMixin, TemplateView):
    """Sizing the clause of a planned market: « Calculer » shows the result, « Enregistrer » saves it on the plan."""

    template_name = "clauses/drafting_sizing.html"

    @cached_property
    def default_share(self):
        return labour_share_for(self.territory, self.market.trade)

    def initial(self):
        """The saved parameters, each falling back to its default: the market's amount, the labour share of its
        trade, the coordination's insertion rate and hourly cost."""
        plan, market, territory = self.plan, self.market, self.territory
        initial = {
            "method": SizingMethod.LABOUR_SHARE,
            "amount_ht": plain(market.amount_ht),
            "labour_share": as_percent(self.default_share),
            "insertion_rate": as_percent(territory.default_insertion_rate),
            "hourly_cost": plain(territory.default_hourly_cost),
        }
        if plan is not None and plan.hours is not None:
            saved = {
                "method": plan.sizing_method if plan.sizing_method != SizingMethod.MANUAL else None,
                "amount_ht": plain(plan.sizing_amount_ht),
                "labour_share": as_percent(plan.labour_share),
                "insertion_rate": as_percent(plan.insertion_rate),
                "hourly_cost": plain(plan.hourly_cost),
                "tranche_amount": plain(plan.tranche_amount),
                "hours_per_tranche": plain(plan.hours_per_tranche),
            }
            initial.update({name: value for name, value in saved.items() if value is not None})
        return initial

    def form(self, data=None):
        return SizingForm(data, initial=self.initial(), labour_shares={}, with_trade=False)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.form())
        trade = self.market.trade or Trade.OTHER
        return super().get_context_data(
            trade_label=Trade(trade).label,
            default_share=as_percent(self.default_share),
            saved_hours=hours_label(self.plan.hours) if self.plan and self.plan.hours is not None else "",
            default_rate=as_percent(self.territory.default_insertion_rate),
            default_cost=plain(self.territory.default_hourly_cost),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid() and request.POST.get("action") == "save":
            plan = self.saved_plan()
            for name, value in form.plan_values().items():
                setattr(plan, name, value)
            plan.save()
            messages.success(request, f"Dimensionnement enregistré : {form.sizing.working}.")
            return redirect(self.request.path)
        return self.render_to_response(self.get_context_data(form=form, calculated=True))


class ClauseTextView(PlannedMarketMixin, TemplateView):
    """The parameters of the clause text (publics, modes, penalty) and its preview."""

    template_name = "clauses/drafting_clause_text.html"

    def criteria(self):
        return list(
            EligibilityCriterion.objects.in_territory(self.territory).filter(is_active=True).order_by("position")
        )

    def form(self, data=None):
        plan = self.plan_or_default()
        criteria = self.criteria()
        initial = {
            "eligible_publics": plan.eligible_publics or [criterion.code for criterion in criteria],
            "execution_modes": plan.execution_modes or list(ExecutionMode.values),
            "penalty_per_missing_hour": plain(plan.penalty_per_missing_hour),
        }
        return ClauseTextForm(data, initial=initial, criteria=criteria)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.form())
        return super().get_context_data(text=draft_clause_text(self.plan_or_default()), **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        plan = self.saved_plan()
        plan.eligible_publics = form.cleaned_data["eligible_publics"]
        plan.execution_modes = form.cleaned_data["execution_modes"]
        plan.penalty_per_missing_hour = form.cleaned_data["penalty_per_missing_hour"]
        plan.save()
        messages.success(request, "Les paramètres de la clause sont enregistrés : le texte ci-dessous en tient compte.")
        return redirect(self.request.path)


class ClauseTextDocxView(PlannedMarketMixin, View):
    def get(self, request, *args, **kwargs):
        plan = self.plan_or_default()
        text = draft_clause_text(plan, publics=eligible_publics(plan))
        market = self.market
        # A few pages of text, built in milliseconds: generated in the request, no Celery job needed.
        content = clause_text_docx(text, subtitle=f"Acheteur : {market.buyer.name}")
        response = HttpResponse(content, content_type=DOCX_CONTENT_TYPE)
        filename = f"clause-sociale-{slugify(market.reference) or market.pk}.docx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
