"""Filters of the programming pipeline: buyer, trade, facilitator in charge, quarter of the expected tender."""

from datetime import date

import django_filters

from facilitators.models import Facilitator
from markets.enums import Trade
from markets.models import Buyer, Market

from .filters import DsfrFilterForm


def _visible_buyers(request):
    if request is None or request.membership is None:
        return Buyer.objects.none()
    return Buyer.objects.visible_to(request.membership)


def _facilitators(request):
    if request is None or request.membership is None:
        return Facilitator.objects.none()
    return Facilitator.objects.visible_to(request.membership).order_by("last_name", "first_name")


def quarter_choices(today=None):
    """("2027-T1", "1er trimestre 2027")… from last year to three years ahead."""
    year = (today or date.today()).year
    ordinals = {1: "1er", 2: "2e", 3: "3e", 4: "4e"}
    return [(f"{y}-T{q}", f"{ordinals[q]} trimestre {y}") for y in range(year - 1, year + 4) for q in range(1, 5)]


def quarter_bounds(value):
    """ "2027-T2" → (1 April 2027, 30 June 2027)."""
    year, quarter = value.split("-T")
    year, quarter = int(year), int(quarter)
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end


class PlannedMarketFilter(django_filters.FilterSet):
    buyer = django_filters.ModelChoiceFilter(label="Donneur d'ordre", queryset=_visible_buyers, empty_label="Tous")
    trade = django_filters.ChoiceFilter(label="Corps d'état / prestation", choices=Trade.choices, empty_label="Tous")
    facilitator = django_filters.ModelChoiceFilter(
        label="Facilitateur·rice en charge",
        queryset=_facilitators,
        empty_label="Tous",
        null_label="Personne (à prendre en charge)",
    )
    quarter = django_filters.ChoiceFilter(
        label="Consultation prévue", choices=quarter_choices, method="filter_quarter", empty_label="Toutes"
    )

    class Meta:
        model = Market
        fields = ["buyer", "trade", "facilitator", "quarter"]
        form = DsfrFilterForm

    def filter_quarter(self, queryset, name, value):
        start, end = quarter_bounds(value)
        return queryset.filter(expected_tender_date__gte=start, expected_tender_date__lt=end)
