"""Filters of the statements to review (facilitators and coordinators)."""

import django_filters
from django import forms

from markets.models import Company

from .enums import StatementStatus
from .filters import DsfrFilterForm
from .models import Clause, Statement


class ClauseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, clause):
        return f"{clause.lot.market.reference} — lot {clause.lot.number} — {clause.get_legal_basis_display()}"


class ClauseChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = ClauseChoiceField


def _membership(request):
    return getattr(request, "membership", None) if request is not None else None


def _companies_with_statements(request):
    return (
        Company.objects.visible_to(_membership(request))
        .filter(statements__isnull=False)
        .distinct()
        .order_by("name")
        .only("pk", "name")
    )


def _clauses_with_statements(request):
    return (
        Clause.objects.visible_to(_membership(request))
        .filter(statements__isnull=False)
        .distinct()
        .select_related("lot__market")
        .order_by("lot__market__reference", "lot__number", "pk")
    )


class StatementFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="Statut", choices=StatementStatus.choices, empty_label="Tous")
    month = django_filters.DateFilter(
        label="Mois",
        help_text="Format : AAAA-MM, par exemple 2026-03.",
        input_formats=["%Y-%m", "%m/%Y", "%m-%Y"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": "Indiquez un mois au format AAAA-MM, par exemple 2026-03."},
    )
    company = django_filters.ModelChoiceFilter(
        label="Entreprise", queryset=_companies_with_statements, empty_label="Toutes"
    )
    clause = ClauseChoiceFilter(label="Clause (marché, lot)", queryset=_clauses_with_statements, empty_label="Toutes")

    class Meta:
        model = Statement
        form = DsfrFilterForm
        fields = ["status", "month", "company", "clause"]
