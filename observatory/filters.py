"""Filters of the observatory: the period and the single-valued filters of ``observatory.indicators.Filters``.

The FilterSet does not filter a queryset itself: its form validates the query string (French messages, typed values
kept on error) and turns it into a ``Period`` and a ``Filters`` for ``compute_indicators``. The territory page offers
every filter; the regional page only those that make sense across territories (no buyer, company or facilitator).
"""

import django_filters
from django import forms
from django.utils import timezone

from clauses.enums import ExecutionMode, LegalBasis
from clauses.filters import DsfrFilterForm
from clauses.models import Clause, EligibilityCriterion
from facilitators.models import Facilitator
from markets.enums import BuyerKind
from markets.models import Buyer, Company

from .indicators import Filters, Period

SECTORS = [("works", "Travaux"), ("services", "Services"), ("supplies", "Fournitures")]
QUARTERS = [("1", "1er trimestre"), ("2", "2e trimestre"), ("3", "3e trimestre"), ("4", "4e trimestre")]
MIN_YEAR, MAX_YEAR = 2000, 2100
DATE_ERROR = "Date non reconnue : écrivez-la sous la forme JJ/MM/AAAA."

# Filter name -> French label, for the summaries of pages and exports.
FILTER_LABELS = {
    "buyer": "Donneur d'ordre",
    "buyer_kind": "Type de donneur d'ordre",
    "company": "Entreprise",
    "sector": "Secteur",
    "legal_basis": "Fondement juridique",
    "mode": "Mode de réalisation",
    "public": "Public (critère d'éligibilité)",
    "facilitator": "Facilitateur·rice",
}
CHOICE_LABELS = {
    "buyer_kind": dict(BuyerKind.choices),
    "sector": dict(SECTORS),
    "legal_basis": dict(LegalBasis.choices),
    "mode": dict(ExecutionMode.choices),
}


def _membership(request):
    return getattr(request, "membership", None) if request is not None else None


def _buyers(request):
    membership = _membership(request)
    return (
        Buyer.objects.visible_to(membership).order_by("name").only("pk", "name") if membership else Buyer.objects.none()
    )


def _companies(request):
    membership = _membership(request)
    if membership is None:
        return Company.objects.none()
    return Company.objects.visible_to(membership).order_by("name").only("pk", "name")


def _facilitators(request):
    membership = _membership(request)
    if membership is None:
        return Facilitator.objects.none()
    return (
        Facilitator.objects.visible_to(membership)
        .order_by("last_name", "first_name")
        .only("pk", "first_name", "last_name")
    )


def criterion_choices(territories):
    """(code, label) of the eligible publics of ``territories``, one per code (the first label in order)."""
    choices = {}
    rows = (
        EligibilityCriterion.objects.filter(territory__in=territories)
        .order_by("position", "label", "territory_id")
        .values_list("code", "label")
    )
    for code, label in rows:
        choices.setdefault(code, label)
    return list(choices.items())


class FacilitatorChoiceFilter(django_filters.ModelChoiceFilter):
    class field_class(forms.ModelChoiceField):
        def label_from_instance(self, facilitator):
            return facilitator.full_name


class IndicatorFilterForm(DsfrFilterForm):
    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        has_start = start is not None or bool(self.data.get("start"))
        has_end = end is not None or bool(self.data.get("end"))
        if has_start and not has_end:
            self.add_error("end", "Indiquez aussi la fin de la période personnalisée.")
        elif has_end and not has_start:
            self.add_error("start", "Indiquez aussi le début de la période personnalisée.")
        elif start and end and end < start:
            self.add_error("end", "La fin de la période doit être postérieure ou égale à son début.")
        elif start and end and (end.year - start.year) > 20:
            self.add_error("end", "La période personnalisée ne peut pas dépasser 20 ans.")
        return data


def _date_filter(label, help_text=""):
    return django_filters.DateFilter(
        label=label,
        method="keep",
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": DATE_ERROR},
    )


YEAR_ONLY_REMOVED = ("quarter", "start", "end")


class IndicatorFilter(django_filters.FilterSet):
    """The territory observatory's filters. Build it with ``territories`` (the territories the figures cover)."""

    year = django_filters.NumberFilter(
        label="Année",
        method="keep",
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        error_messages={
            "invalid": "Indiquez une année en chiffres, par exemple 2026.",
            "min_value": f"Indiquez une année à partir de {MIN_YEAR}.",
            "max_value": f"Indiquez une année jusqu'à {MAX_YEAR}.",
        },
    )
    quarter = django_filters.ChoiceFilter(
        label="Trimestre", choices=QUARTERS, method="keep", empty_label="Toute l'année"
    )
    start = _date_filter("Du", "Période personnalisée : remplace l'année et le trimestre.")
    end = _date_filter("Au (inclus)")
    buyer = django_filters.ModelChoiceFilter(
        label=FILTER_LABELS["buyer"], queryset=_buyers, method="keep", empty_label="Tous"
    )
    buyer_kind = django_filters.ChoiceFilter(
        label=FILTER_LABELS["buyer_kind"], choices=BuyerKind.choices, method="keep", empty_label="Tous"
    )
    company = django_filters.ModelChoiceFilter(
        label=FILTER_LABELS["company"], queryset=_companies, method="keep", empty_label="Toutes"
    )
    sector = django_filters.ChoiceFilter(
        label=FILTER_LABELS["sector"], choices=SECTORS, method="keep", empty_label="Tous"
    )
    legal_basis = django_filters.ChoiceFilter(
        label=FILTER_LABELS["legal_basis"], choices=LegalBasis.choices, method="keep", empty_label="Tous"
    )
    mode = django_filters.ChoiceFilter(
        label=FILTER_LABELS["mode"], choices=ExecutionMode.choices, method="keep", empty_label="Tous"
    )
    public = django_filters.ChoiceFilter(label=FILTER_LABELS["public"], choices=[], method="keep", empty_label="Tous")
    facilitator = FacilitatorChoiceFilter(
        label=FILTER_LABELS["facilitator"], queryset=_facilitators, method="keep", empty_label="Tous"
    )

    PERIOD_FIELDS = ("year", "quarter", "start", "end")

    class Meta:
        model = Clause
        form = IndicatorFilterForm
        fields = [
            "year",
            "quarter",
            "start",
            "end",
            "buyer",
            "buyer_kind",
            "company",
            "sector",
            "legal_basis",
            "mode",
            "public",
            "facilitator",
        ]

    def __init__(self, data=None, *args, territories=(), confidential=False, **kwargs):
        kwargs.setdefault("queryset", Clause.objects.none())
        super().__init__(data, *args, **kwargs)
        self.territories = list(territories)
        self.confidential = confidential
        if confidential:
            # Statistical confidentiality: masked views read whole calendar years only. Hours add up across periods,
            # so a quarter or a custom range next to its year would reveal a masked month by subtraction.
            for name in YEAR_ONLY_REMOVED:
                self.filters.pop(name, None)
        if "public" in self.filters:
            self.filters["public"].extra["choices"] = criterion_choices(self.territories)
        self.filters["year"].extra["initial"] = timezone.localdate().year

    def keep(self, queryset, name, value):
        """Nothing to filter: the values are read by ``indicator_period()`` and ``indicator_filters()``."""
        return queryset

    @property
    def is_usable(self):
        """Unbound (defaults) or valid."""
        return not self.is_bound or self.form.is_valid()

    def _cleaned(self):
        return self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}

    def indicator_period(self):
        """The period asked for: a custom range, a quarter, a year; the current year by default."""
        data = self._cleaned()
        if data.get("start") and data.get("end"):
            return Period(data["start"], data["end"])
        year = int(data["year"]) if data.get("year") else timezone.localdate().year
        if data.get("quarter"):
            return Period.quarter(year, int(data["quarter"]))
        return Period.year(year)

    def indicator_filters(self):
        data = self._cleaned()
        values = {}
        for name in ("buyer", "company", "facilitator"):
            if data.get(name) is not None:
                values[name] = data[name].pk
        for name in ("buyer_kind", "sector", "legal_basis", "mode", "public"):
            if data.get(name):
                values[name] = data[name]
        return Filters(**values)

    def summary(self):
        """The filters in use, as [(French label, French value)] (the period is shown apart)."""
        data = self._cleaned()
        labels = []
        for name, label in FILTER_LABELS.items():
            if name not in self.form.fields or data.get(name) in (None, ""):
                continue
            value = data[name]
            if name == "facilitator":
                text = value.full_name
            elif hasattr(value, "pk"):
                text = str(value.name)
            elif name == "public":
                text = dict(self.filters["public"].extra["choices"]).get(value, value)
            else:
                text = CHOICE_LABELS[name].get(value, value)
            labels.append((label, text))
        return labels


class RegionalIndicatorFilter(IndicatorFilter):
    """The regional page: aggregates across territories, so no filter naming one buyer, company or facilitator."""

    class Meta(IndicatorFilter.Meta):
        fields = ["year", "quarter", "start", "end", "buyer_kind", "sector", "legal_basis", "mode", "public"]

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        for name in ("buyer", "company", "facilitator"):
            filters.pop(name, None)
        return filters


def describe_filters(filters, territories=()):
    """``Filters`` in French, [(label, value)], resolving ids to names (one query per id filter in use)."""
    labels = []
    for name, value in filters.active().items():
        if name == "buyer":
            text = Buyer.objects.filter(pk=value).values_list("name", flat=True).first()
        elif name == "company":
            text = Company.objects.filter(pk=value).values_list("name", flat=True).first()
        elif name == "facilitator":
            facilitator = Facilitator.objects.filter(pk=value).only("first_name", "last_name").first()
            text = facilitator.full_name if facilitator else None
        elif name == "public":
            criteria = EligibilityCriterion.objects.filter(code=value)
            if territories:
                criteria = criteria.filter(territory__in=territories)
            text = criteria.values_list("label", flat=True).first()
        else:
            text = CHOICE_LABELS.get(name, {}).get(value)
        labels.append((FILTER_LABELS.get(name, name), text or str(value)))
    return labels
