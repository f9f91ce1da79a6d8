from datetime import date

import django_filters
from django.db.models import Exists, OuterRef, Q
from dsfr.forms import DsfrBaseForm

from markets.enums import MarketStatus
from markets.models import Buyer, Market

from .enums import LegalBasis
from .models import Clause


class DsfrFilterForm(DsfrBaseForm):
    pass


def _visible_buyers(request):
    if request is None or request.membership is None:
        return Buyer.objects.none()
    return Buyer.objects.visible_to(request.membership)


class MarketFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche (référence, objet)", method="filter_search")
    buyer = django_filters.ModelChoiceFilter(label="Donneur d'ordre", queryset=_visible_buyers, empty_label="Tous")
    status = django_filters.ChoiceFilter(
        label="Statut",
        choices=[(value, label) for value, label in MarketStatus.choices if value != MarketStatus.PLANNED],
        empty_label="Tous",
    )
    legal_basis = django_filters.ChoiceFilter(
        label="Fondement juridique", choices=LegalBasis.choices, method="filter_legal_basis", empty_label="Tous"
    )
    year = django_filters.NumberFilter(label="Année d'exécution", method="filter_year", min_value=2000, max_value=2100)

    class Meta:
        model = Market
        fields = ["q", "buyer", "status", "legal_basis", "year"]
        form = DsfrFilterForm

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(reference__icontains=value) | Q(object__icontains=value))

    def filter_legal_basis(self, queryset, name, value):
        return queryset.filter(
            Exists(
                Clause.objects.filter(
                    territory_id=OuterRef("territory_id"), lot__market=OuterRef("pk"), legal_basis=value
                )
            )
        )

    def filter_year(self, queryset, name, value):
        year = int(value)
        active = Clause.objects.filter(territory_id=OuterRef("territory_id"), lot__market=OuterRef("pk")).active_during(
            date(year, 1, 1), date(year, 12, 31)
        )
        return queryset.filter(Exists(active))
