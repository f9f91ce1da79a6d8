"""Programming of planned markets and their feasibility study (issue 5).

Who may see and edit what is decided by ``clauses.programming`` (``planned_markets``, ``can_edit``, ``can_assign``);
the recommended form by ``clauses.feasibility.recommend_form``. Pages about one planned market look the market up
first (a market the member may not see is a 404, companies see none), then the role (403).
"""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView, ListView, TemplateView
from django.views.generic.base import View

from accounts.enums import Role
from accounts.mixins import TerritoryMixin
from markets.enums import DEFAULT_LABOUR_SHARES, Trade

from .enums import ClauseForm
from .filters_programming import PlannedMarketFilter
from .forms_drafting import plain
from .forms_programming import (
    COMMUNE_DATALIST_ID,
    AssignForm,
    FeasibilityForm,
    LabourSharesForm,
    NotificationForm,
    PlannedMarketForm,
    percent,
)
from .labour_shares import labour_shares
from .models import ClausePlan, TradeLabourShare
from .programming import (
    NotificationError,
    can_assign,
    can_declare,
    can_edit,
    can_notify,
    employer_counts,
    holder_company,
    next_reference,
    notify_planned_market,
    own_buyer,
    own_facilitator,
    planned_markets,
    reference_year,
    retained_form,
)
from .sizing import format_number
from .tasks_programming import is_self_assignment, queue_assignment_email, queue_declaration_email

READERS = frozenset({Role.COORDINATOR, Role.FACILITATOR, Role.BUYER, Role.COMMITTEE})  # companies: 403


def detail_url(territory, pk):
    return reverse("programming:detail", kwargs={"territory_code": territory.code, "pk": pk})


class ProgrammingMixin(TerritoryMixin):
    allowed_roles = READERS


class PlannedMarketMixin(TerritoryMixin):
    """Pages about one planned market: the market first (404 when not visible), then the permission (403)."""

    permission = None  # None: whoever sees the market; else a function (membership, market) -> bool

    def dispatch(self, request, *args, **kwargs):
        membership = request.membership
        self.market = (
            planned_markets(membership)
            .select_related("buyer", "facilitator__organisation", "execution_commune", "declared_by")
            .get_visible_or_404(membership, pk=kwargs["pk"])
        )
        if self.permission is not None and not type(self).permission(membership, self.market):
            raise PermissionDenied("Vous ne pouvez pas modifier ce marché programmé.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("market", self.market)
        return super().get_context_data(**kwargs)


class PlannedMarketListView(ProgrammingMixin, ListView):
    template_name = "clauses/programming_list.html"
    context_object_name = "markets"
    paginate_by = 50

    def get_queryset(self):
        queryset = (
            planned_markets(self.membership)
            .select_related("buyer", "facilitator", "execution_commune", "clause_plan")
            .order_by("expected_tender_date", "buyer__name", "reference")
        )
        self.filter = PlannedMarketFilter(self.request.GET or None, queryset=queryset, request=self.request)
        return self.filter.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(filter=self.filter, can_declare=can_declare(self.membership), **kwargs)
        for market in context["markets"]:
            market.plan = getattr(market, "clause_plan", None)  # None when not studied yet
        return context


class PlannedMarketFormMixin:
    template_name = "clauses/programming_form.html"
    form_class = PlannedMarketForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "territory": self.territory,
            "buyer": own_buyer(self.membership),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(commune_datalist_id=COMMUNE_DATALIST_ID, **kwargs)


class PlannedMarketCreateView(PlannedMarketFormMixin, TerritoryMixin, FormView):
    allowed_roles = frozenset({Role.COORDINATOR, Role.BUYER})

    def dispatch(self, request, *args, **kwargs):
        membership = request.membership
        if membership is not None and membership.role == Role.BUYER and own_buyer(membership) is None:
            raise PermissionDenied("Votre compte n'est rattaché à aucun donneur d'ordre.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("market", None)
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        market = form.instance
        market.declared_by = self.request.user
        auto_reference = not form.data.get("reference", "").strip()
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    market.save()
                break
            except IntegrityError:
                # Two declarations at once took the same automatic reference: take the next one.
                if not auto_reference:
                    raise
                market.pk = None
                market.reference = next_reference(
                    self.territory, market.buyer, reference_year(market.expected_tender_date)
                )
        queue_declaration_email(market)  # the lead facilitator and the coordinators see the pipeline early
        messages.success(self.request, f"Le marché programmé « {market.reference} » est enregistré.")
        return redirect(detail_url(self.territory, market.pk))


class PlannedMarketUpdateView(PlannedMarketFormMixin, PlannedMarketMixin, FormView):
    permission = can_edit

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.market
        if self.membership.role != Role.COORDINATOR:
            kwargs["buyer"] = self.market.buyer  # only a coordinator moves a market to another buyer
        return kwargs

    def form_valid(self, form):
        market = form.save()
        messages.success(self.request, f"Le marché programmé « {market.reference} » est modifié.")
        return redirect(detail_url(self.territory, market.pk))


def assessment_history(plan):
    """The successive feasibility studies of ``plan`` (newest first): who, when, recommended and chosen form."""
    if plan is None or plan.pk is None:
        return []
    rows = (
        plan.history.filter(assessed_at__isnull=False)
        .select_related("assessed_by")
        .order_by("-history_date")
        .only("assessed_at", "assessed_by", "recommended_form", "chosen_form", "choice_reason", "history_date")
    )
    seen, result = set(), []
    for row in rows[:50]:
        key = (row.assessed_at, row.recommended_form, row.chosen_form)
        if key not in seen:
            seen.add(key)
            result.append(row)
    return result


class PlannedMarketDetailView(PlannedMarketMixin, TemplateView):
    template_name = "clauses/programming_detail.html"
    allowed_roles = READERS

    def get_context_data(self, **kwargs):
        plan = ClausePlan.objects.filter(market=self.market).select_related("assessed_by").first()
        membership = self.membership
        assign_form = None
        if membership.role == Role.COORDINATOR:
            assign_form = AssignForm(territory=self.territory, initial={"facilitator": self.market.facilitator_id})
        form = retained_form(plan)
        return super().get_context_data(
            plan=plan,
            history=assessment_history(plan)[1:],
            can_edit=can_edit(membership, self.market),
            can_assign=can_assign(membership, self.market),
            assign_form=assign_form,
            can_notify=can_notify(membership, self.market),
            notifiable=bool(form) and form != ClauseForm.NONE,
            no_clause=form == ClauseForm.NONE,
            **kwargs,
        )


class FeasibilityView(PlannedMarketMixin, FormView):
    template_name = "clauses/programming_feasibility.html"
    form_class = FeasibilityForm
    permission = can_edit

    @cached_property
    def plan(self):
        return ClausePlan.objects.filter(market=self.market).first() or ClausePlan(
            territory=self.territory, market=self.market
        )

    @cached_property
    def employers(self):
        return employer_counts(self.territory, self.market.trade)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.plan, "market": self.market, "employers": self.employers}

    def get_context_data(self, **kwargs):
        siae, disability, scope = self.employers
        return super().get_context_data(
            plan=self.plan if self.plan.pk else None,
            siae_count=siae,
            disability_count=disability,
            employer_scope=scope,
            **kwargs,
        )

    def form_valid(self, form):
        plan = form.save(commit=False)
        plan.assessed_by = self.request.user
        plan.assessed_at = timezone.now()
        plan.save()
        messages.success(
            self.request,
            f"L'étude de faisabilité est enregistrée. Forme recommandée : {plan.get_recommended_form_display()}.",
        )
        return redirect(detail_url(self.territory, self.market.pk))


class AssignView(PlannedMarketMixin, View):
    """POST: a coordinator puts a facilitator (or nobody) in charge; a facilitator takes an unassigned market."""

    http_method_names = ["post"]
    permission = can_assign

    def post(self, request, *args, **kwargs):
        market = self.market
        previous = market.facilitator_id
        if self.membership.role == Role.COORDINATOR:
            form = AssignForm(request.POST, territory=self.territory)
            if not form.is_valid():
                messages.error(request, "Facilitateur·rice inconnu·e : la prise en charge n'est pas modifiée.")
                return redirect(detail_url(self.territory, market.pk))
            market.facilitator = form.cleaned_data["facilitator"]
        else:
            market.facilitator = own_facilitator(self.membership)
        changed = market.facilitator_id != previous
        tell = changed and market.facilitator is not None and not is_self_assignment(market.facilitator, request.user)
        if changed:
            # Whoever takes a market themselves knows it; nobody in charge: a later assignment is told again.
            market.facilitator_notified = None if tell else market.facilitator
        market.save(update_fields=["facilitator", "facilitator_notified", "updated_at"])
        if tell:
            queue_assignment_email(market, request.user)
        if market.facilitator:
            messages.success(request, f"{market.facilitator.full_name} prend en charge « {market.reference} ».")
        else:
            messages.success(request, f"Plus personne n'est en charge de « {market.reference} ».")
        return redirect(detail_url(self.territory, market.pk))


class NotifyView(PlannedMarketMixin, FormView):
    """« Marché notifié : créer la clause »: the planned market becomes a market in execution, its clause created
    from the plan (form, hours, sizing, eligible publics, facilitator, penalty); the follow-up starts."""

    template_name = "clauses/programming_notify.html"
    form_class = NotificationForm
    permission = can_notify

    @cached_property
    def plan(self):
        return ClausePlan.objects.filter(market=self.market).first()

    def get(self, request, *args, **kwargs):
        return self.refused() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.refused() or super().post(request, *args, **kwargs)

    def refused(self):
        """A redirection with the reason when there is no clause to create (not studied, or no clause retained)."""
        form = retained_form(self.plan)
        if form and form != ClauseForm.NONE:
            return None
        messages.error(self.request, self.not_notifiable_message(form))
        return redirect(detail_url(self.territory, self.market.pk))

    @staticmethod
    def not_notifiable_message(form):
        if form == ClauseForm.NONE:
            return "Aucune clause sociale n'a été retenue pour ce marché : il n'y a pas de clause à suivre."
        return "Étudiez d'abord la faisabilité du marché : la forme de la clause n'est pas encore retenue."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "market": self.market}

    def get_initial(self):
        market, plan = self.market, self.plan
        return {
            "reference": market.reference,
            "lot_title": market.object[:300],
            "hours_required": plain(plan.hours) if plan is not None else None,
        }

    def get_context_data(self, **kwargs):
        form = retained_form(self.plan)
        return super().get_context_data(plan=self.plan, form_label=ClauseForm(form).label if form else "", **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        holder = form.holder
        if holder is None and data["holder_siret"]:
            holder = holder_company(self.territory, data["holder_siret"], data["holder_name"])
        try:
            clause = notify_planned_market(
                self.market,
                notification_date=data["notification_date"],
                lot_title=data["lot_title"],
                hours_required=data["hours_required"],
                reference=data["reference"],
                holder=holder,
            )
        except NotificationError as error:
            transaction.set_rollback(True)
            messages.error(self.request, str(error))
            return redirect(detail_url(self.territory, self.market.pk))
        messages.success(
            self.request,
            f"Le marché « {self.market.reference} » est notifié : sa clause ({clause.get_legal_basis_display()}, "
            f"{format_number(clause.hours_required)} heures) est maintenant suivie.",
        )
        return redirect(self.market.get_absolute_url())


class LabourSharesView(TerritoryMixin, FormView):
    template_name = "clauses/programming_labour_shares.html"
    form_class = LabourSharesForm
    allowed_roles = frozenset({Role.COORDINATOR})

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "shares": labour_shares(self.territory)}

    def get_context_data(self, **kwargs):
        form = kwargs.get("form") or self.get_form()
        rows = [(form[trade.value], percent(DEFAULT_LABOUR_SHARES[trade])) for trade in Trade]
        return super().get_context_data(rows=rows, **kwargs)

    def form_valid(self, form):
        existing = {
            share.trade: share for share in TradeLabourShare.objects.in_territory(self.territory).select_for_update()
        }
        for trade, fraction in form.fractions().items():
            share = existing.get(trade)
            if share is None and fraction == Decimal(DEFAULT_LABOUR_SHARES[Trade(trade)]):
                continue
            if share is None:
                TradeLabourShare.objects.create(territory=self.territory, trade=trade, labour_share=fraction)
            elif share.labour_share != fraction:
                share.labour_share = fraction
                share.save(update_fields=["labour_share"])
        messages.success(self.request, "Les parts de main-d'œuvre de la coordination sont enregistrées.")
        return redirect(reverse("programming:labour_shares", kwargs={"territory_code": self.territory.code}))
