"""Buyers: where the clauses of their markets stand (dashboard), and the attestation (PDF) of a market's hours.

The figures come from ``clauses.buyers`` and ``clauses.attestation``; nothing here decides what counts. A buyer sees
its own markets only (``Market.objects.visible_to``), and never a participant's identity: only counts.
"""

from django import forms
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.views import View
from django.views.generic import TemplateView
from dsfr.forms import DsfrBaseForm

from accounts.enums import Role
from accounts.mixins import TerritoryMixin
from markets.models import Buyer, Company, Market

from .attestation import build_attestation
from .buyers import market_status_rows, year_totals
from .progress import LATE_THRESHOLD, add_months, first_of_month

DASHBOARD_ROLES = frozenset({Role.COORDINATOR, Role.FACILITATOR, Role.COMMITTEE, Role.BUYER})


def today():
    """The current date in the territory's time zone (a function, so tests can set the day)."""
    return timezone.localdate()


class BuyerDashboardForm(DsfrBaseForm):
    annee = forms.IntegerField(
        label="Année",
        min_value=2000,
        max_value=2100,
        required=False,
        error_messages={
            "invalid": "Indiquez une année en chiffres, par exemple 2026.",
            "min_value": "Indiquez une année à partir de 2000.",
            "max_value": "Indiquez une année jusqu'à 2100.",
        },
    )
    acheteur = forms.ModelChoiceField(
        label="Donneur d'ordre",
        queryset=Buyer.objects.none(),
        required=False,
        empty_label="Tous",
        error_messages={"invalid_choice": "Ce donneur d'ordre n'existe pas ou ne vous est pas accessible."},
    )
    retard = forms.BooleanField(label="Seulement les marchés en retard", required=False)

    def __init__(self, *args, buyers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if buyers is None:  # a buyer sees its own markets: no buyer to choose
            del self.fields["acheteur"]
        else:
            self.fields["acheteur"].queryset = buyers


class BuyerDashboardView(TerritoryMixin, TemplateView):
    """Tableau de bord des clauses: per market hours required, validated, pending, completion, pace, late flag."""

    allowed_roles = DASHBOARD_ROLES
    template_name = "clauses/buyer_dashboard.html"

    def get_context_data(self, **kwargs):
        day = today()
        is_buyer = self.membership.role == Role.BUYER
        buyers = None if is_buyer else self.visible(Buyer).only("pk", "name")
        form = BuyerDashboardForm(self.request.GET or None, buyers=buyers, initial={"annee": day.year})
        year, buyer, late_only = day.year, None, False
        if form.is_bound:
            # What is valid is applied; an invalid field falls back to its default, and its message says why.
            form.is_valid()
            year = form.cleaned_data.get("annee") or day.year
            buyer = form.cleaned_data.get("acheteur")
            late_only = form.cleaned_data.get("retard", False)
        all_rows = market_status_rows(self.membership, year, day, buyer=buyer)
        rows = [row for row in all_rows if row.late] if late_only else all_rows
        return super().get_context_data(
            form=form,
            year=year,
            buyer=buyer,
            late_only=late_only,
            rows=rows,
            totals=year_totals(all_rows, year),
            last_month=add_months(first_of_month(day), -1),
            late_threshold=int(LATE_THRESHOLD * 100),
            is_buyer=is_buyer,
            **kwargs,
        )


class MarketAttestationView(TerritoryMixin, View):
    """Attestation (PDF) of the insertion hours carried out on a market, or by one of its companies (``?entreprise=``).

    Every role that may see the market; a company gets its own company's attestation only. A few pages, rendered in
    well under a second: done in the request, like the participant's right-of-access PDF.
    """

    def get(self, request, *args, **kwargs):
        from weasyprint import HTML  # imported on use: it loads pango at import time

        market = Market.objects.select_related(
            "territory", "buyer__lead_facilitator__organisation", "facilitator__organisation"
        ).get_visible_or_404(self.membership, pk=kwargs["pk"])
        company = self.company_scope(market)
        attestation = build_attestation(market, company=company, today=today())
        html = render_to_string(
            "clauses/market_attestation_pdf.html",
            {"attestation": attestation, "territory": self.territory, "generated_at": timezone.localtime()},
        )
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        name = slugify(f"attestation {market.reference} {company.name if company else ''}")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response

    def company_scope(self, market):
        """The company whose hours are attested (None: the whole market). 404 for a company the member may not see or
        that holds no lot of the market."""
        asked = self.request.GET.get("entreprise", "").strip()
        if self.membership.role == Role.COMPANY:
            member = getattr(self.membership, "company_member", None)
            if member is None or (asked and asked != str(member.company_id)):
                raise Http404("Aucune entreprise ne correspond.")
            return member.company
        if not asked:
            return None
        return (
            Company.objects.filter(awards__lot__market=market).distinct().get_visible_or_404(self.membership, pk=asked)
        )
