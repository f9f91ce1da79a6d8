"""Globalisation pages: the agreements pooling one company's clauses (list, creation, detail, edit, end, deletion),
and the allocation of a line's hours.

What may be allocated, and what then counts, is decided by ``clauses.hours`` (``applicable_agreement_clauses``,
``allocate``, ``counted_hours_subquery``); what an agreement must keep once hours are allocated under it, by the
rules of ``clauses.forms_globalisation`` (``agreement_allocations``); these views only show it and pass the user's
choices along.

``GlobalisationAgreement`` has no history table: every change is logged (who, which agreement, what changed) and
told to the user in a message.
"""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Max, Prefetch
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, ListView, TemplateView

from accounts.enums import ROLES_SEEING_PARTICIPANTS
from accounts.mixins import TerritoryMixin

from .forms_globalisation import (
    GlobalisationAgreementForm,
    GlobalisationEndForm,
    HoursAllocationForm,
    agreement_allocations,
    allocated_months,
    clause_label,
    company_lines,
    months_label,
)
from .hours import allocate, applicable_agreement_clauses, pending_reason, with_eligibility
from .models import (
    Clause,
    GlobalisationAgreement,
    GlobalisationClause,
    HoursAllocation,
    MonthlyHours,
    counted_hours_expression,
)
from .progress import add_months, first_of_month
from .queries import with_clause_progress

logger = logging.getLogger(__name__)

# How many months of lines the agreement page shows, ending with the latest month that has lines.
RECENT_MONTHS = 6
LINES_PER_PAGE = 100


def agreement_url(territory, pk):
    return reverse("clauses:globalisation_detail", kwargs={"territory_code": territory.code, "pk": pk})


class GlobalisationMixin(TerritoryMixin):
    allowed_roles = ROLES_SEEING_PARTICIPANTS  # coordinators and facilitators: they run the clauses


class ObjectFirstMixin(GlobalisationMixin):
    """The object first: one the member may not see is a 404 whatever the role (nothing confirms it exists); then the
    role: a visible object is a 403 for the roles that do not allocate hours."""

    def dispatch(self, request, *args, **kwargs):
        self.load(request.membership)
        return super().dispatch(request, *args, **kwargs)


class GlobalisationListView(GlobalisationMixin, ListView):
    template_name = "clauses/globalisation_list.html"
    context_object_name = "agreements"
    paginate_by = 50

    def get_queryset(self):
        clauses = GlobalisationClause.objects.select_related("clause__lot__market__buyer").order_by(
            "clause__lot__market__reference", "clause__lot__number"
        )
        return (
            self.visible(GlobalisationAgreement)
            .select_related("company")
            .prefetch_related(Prefetch("clauses", queryset=clauses))
            .order_by("company__name", "-start_date", "pk")
        )


class GlobalisationCreateView(GlobalisationMixin, FormView):
    template_name = "clauses/globalisation_form.html"
    form_class = GlobalisationAgreementForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "territory": self.territory}

    def form_valid(self, form):
        data = form.cleaned_data
        with transaction.atomic():
            agreement = GlobalisationAgreement.objects.create(
                territory=self.territory,
                company=data["company"],
                name=data["name"],
                start_date=data["start_date"],
                end_date=data["end_date"],
            )
            GlobalisationClause.objects.bulk_create(
                GlobalisationClause(territory=self.territory, agreement=agreement, clause=clause)
                for clause in data["clauses"]
            )
        log_change(self.request, agreement, "created")
        messages.success(self.request, f"L'accord de globalisation « {agreement.name} » est enregistré.")
        return redirect(agreement_url(self.territory, agreement.pk))


class AgreementMixin(ObjectFirstMixin):
    """Pages of one agreement: another territory's agreement is a 404, then the role check (403)."""

    def load(self, membership):
        self.agreement = GlobalisationAgreement.objects.select_related("company").get_visible_or_404(
            membership, pk=self.kwargs["pk"]
        )

    def detail_url(self):
        return agreement_url(self.territory, self.agreement.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(agreement=self.agreement, detail_url=self.detail_url(), **kwargs)


class GlobalisationDetailView(AgreementMixin, DetailView):
    template_name = "clauses/globalisation_detail.html"
    context_object_name = "agreement"

    def get_object(self, queryset=None):
        return self.agreement

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agreement = self.object
        clauses = list(
            with_clause_progress(
                Clause.objects.in_territory(self.territory).filter(globalisations__agreement=agreement)
            )
            .select_related("lot__market__buyer")
            .order_by("lot__market__reference", "lot__number")
        )
        lines = company_lines(self.territory, agreement.company, [c.pk for c in clauses])
        first_month = first_of_month(agreement.start_date)
        lines = lines.filter(month__gte=first_month)
        if agreement.end_date:
            lines = lines.filter(month__lte=agreement.end_date)
        latest = lines.aggregate(latest=Max("month"))["latest"]
        if latest:
            since = max(add_months(latest, 1 - RECENT_MONTHS), first_month)
            lines = with_eligibility(lines.filter(month__gte=since)).annotate(counted=counted_hours_expression())
            lines = lines.select_related("placement__participant", "placement__clause__lot__market").prefetch_related(
                Prefetch(
                    "allocations",
                    queryset=HoursAllocation.objects.select_related("clause__lot__market").order_by(
                        "clause__lot__market__reference", "clause__lot__number"
                    ),
                )
            )
            lines = lines.order_by("-month", "placement__participant__last_name", "placement__participant__first_name")
            page = Paginator(lines, LINES_PER_PAGE).get_page(self.request.GET.get("page"))
            for line in page.object_list:
                line.reason = pending_reason(line, line.is_eligible)
            context.update(since=since, latest=latest)
        else:
            page = None
        context.update(clauses=clauses, page_obj=page, lines=page.object_list if page else [])
        return context


def period_label(start, end):
    if end:
        return f"du {start:%d/%m/%Y} au {end:%d/%m/%Y}"
    return f"depuis le {start:%d/%m/%Y}, sans date de fin"


def log_change(request, agreement, action, changes=""):
    logger.info(
        "Globalisation agreement %s (%s, territory %s) %s by user %s%s",
        agreement.pk,
        agreement.name,
        agreement.territory_id,
        action,
        request.user.pk,
        f": {changes}" if changes else "",
    )


class GlobalisationUpdateView(AgreementMixin, FormView):
    """Edit an agreement's name, period and clauses; what was already allocated under it is kept (see the form)."""

    template_name = "clauses/globalisation_form.html"
    form_class = GlobalisationAgreementForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "territory": self.territory, "agreement": self.agreement}

    def form_valid(self, form):
        agreement, data = self.agreement, form.cleaned_data
        changes = []
        if data["name"] != agreement.name:
            changes.append(f"intitulé « {agreement.name} » → « {data['name']} »")
        if (data["start_date"], data["end_date"]) != (agreement.start_date, agreement.end_date):
            changes.append(
                f"période {period_label(agreement.start_date, agreement.end_date)} → "
                f"{period_label(data['start_date'], data['end_date'])}"
            )
        current = {gc.clause_id: gc for gc in agreement.clauses.select_related("clause__lot__market__buyer")}
        wanted = {clause.pk: clause for clause in data["clauses"]}
        added = [clause for pk, clause in wanted.items() if pk not in current]
        removed = [gc for pk, gc in current.items() if pk not in wanted]
        if added:
            changes.append("clauses ajoutées : " + " ; ".join(clause_label(c) for c in added))
        if removed:
            changes.append("clauses retirées : " + " ; ".join(clause_label(gc.clause) for gc in removed))
        if not changes:
            messages.info(self.request, "Aucune modification : l'accord est inchangé.")
            return redirect(self.detail_url())
        with transaction.atomic():
            agreement.name, agreement.start_date, agreement.end_date = (
                data["name"],
                data["start_date"],
                data["end_date"],
            )
            agreement.save(update_fields=["name", "start_date", "end_date"])
            GlobalisationClause.objects.filter(pk__in=[gc.pk for gc in removed]).delete()
            GlobalisationClause.objects.bulk_create(
                GlobalisationClause(territory=self.territory, agreement=agreement, clause=clause) for clause in added
            )
        log_change(self.request, agreement, "changed", " ; ".join(changes))
        messages.success(self.request, f"L'accord « {agreement.name} » est modifié : {' ; '.join(changes)}.")
        return redirect(self.detail_url())


class GlobalisationEndView(AgreementMixin, FormView):
    """End an agreement: set its end date (never before a month already allocated under it)."""

    template_name = "clauses/globalisation_end.html"
    form_class = GlobalisationEndForm

    def get_initial(self):
        return {"end_date": self.agreement.end_date or timezone.localdate()}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "territory": self.territory, "agreement": self.agreement}

    def get_context_data(self, **kwargs):
        months = allocated_months(agreement_allocations(self.agreement, self.territory))
        return super().get_context_data(last_allocated=months[-1] if months else None, **kwargs)

    def form_valid(self, form):
        agreement = self.agreement
        previous = agreement.end_date
        agreement.end_date = form.cleaned_data["end_date"]
        agreement.save(update_fields=["end_date"])
        log_change(self.request, agreement, "ended", f"end date {previous} → {agreement.end_date}")
        messages.success(self.request, f"L'accord « {agreement.name} » prend fin le {agreement.end_date:%d/%m/%Y}.")
        return redirect(self.detail_url())


class GlobalisationDeleteView(AgreementMixin, TemplateView):
    """Delete an agreement under which nothing was allocated (confirmation page); otherwise refused, with the months
    whose allocations keep it: end it instead, or undo those allocations first."""

    template_name = "clauses/globalisation_delete.html"

    def get_context_data(self, **kwargs):
        months = allocated_months(agreement_allocations(self.agreement, self.territory))
        return super().get_context_data(allocated_months=months, allocated_months_label=months_label(months), **kwargs)

    def post(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        if context["allocated_months"]:
            return self.render_to_response(context)  # the page explains why, and offers to end it instead
        name = self.agreement.name
        log_change(request, self.agreement, "deleted")
        self.agreement.delete()  # its GlobalisationClause rows go with it (CASCADE)
        messages.success(request, f"L'accord de globalisation « {name} » est supprimé.")
        return redirect(reverse("clauses:globalisation_list", kwargs={"territory_code": self.territory.code}))


class HoursAllocationView(ObjectFirstMixin, FormView):
    template_name = "clauses/globalisation_allocation.html"
    form_class = HoursAllocationForm

    def load(self, membership):
        self.line = (
            MonthlyHours.objects.select_related(
                "placement__participant",
                "placement__employer_company",
                "placement__employer_inclusion",
                "placement__clause__lot__market",
            )
            .annotate(counted=counted_hours_expression())
            .get_visible_or_404(membership, pk=self.kwargs["pk"])
        )
        if membership.role not in self.allowed_roles:
            return  # refused by the role check: no need to read further
        applicable = list(
            applicable_agreement_clauses(self.line)
            .select_related("agreement", "clause__lot__market__buyer")
            .order_by("clause__lot__market__reference", "clause__lot__number", "agreement_id")
        )
        self.agreements = list({gc.agreement_id: gc.agreement for gc in applicable}.values())
        self.clauses = list({gc.clause_id: gc.clause for gc in applicable}.values())
        self.allocations = list(self.line.allocations.select_related("clause__lot__market__buyer"))

    def post(self, request, *args, **kwargs):
        if not self.clauses:
            messages.error(request, "Aucun accord de globalisation en vigueur ne couvre cette ligne : rien à répartir.")
            return self.render_to_response(self.get_context_data())
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        current = {a.clause_id: a.hours for a in self.allocations}
        return {**super().get_form_kwargs(), "clauses": self.clauses, "current": current}

    def form_valid(self, form):
        try:
            allocate(self.line, form.shares(), user=self.request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(self.request, "La répartition des heures est enregistrée.")
        return redirect(self.return_url())

    def return_agreement(self):
        """The agreement page the user came from (``?accord=``) when it applies to this line, else the first one."""
        wanted = self.request.GET.get("accord", "")
        for agreement in self.agreements:
            if str(agreement.pk) == wanted:
                return agreement
        return self.agreements[0] if self.agreements else None

    def return_url(self):
        agreement = self.return_agreement()
        if agreement is None:
            return reverse("clauses:globalisation_list", kwargs={"territory_code": self.territory.code})
        return agreement_url(self.territory, agreement.pk)

    def get_context_data(self, **kwargs):
        applicable = {c.pk for c in self.clauses}
        return super().get_context_data(
            line=self.line,
            agreements=self.agreements,
            clauses=self.clauses,
            allocations=self.allocations,
            stale_allocations=[
                (clause_label(a.clause), a.hours) for a in self.allocations if a.clause_id not in applicable
            ],
            allocated_total=sum((a.hours for a in self.allocations), 0),
            return_agreement=self.return_agreement(),
            return_url=self.return_url(),
            **kwargs,
        )
