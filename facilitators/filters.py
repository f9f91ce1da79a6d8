import django_filters
from django.db.models import Exists, OuterRef, Q
from dsfr.forms import DsfrBaseForm

from territories.models import Commune

from .enums import DocumentKind, InclusionEmployerKind, Sector
from .forms_network import department_communes
from .models import InclusionEmployer, InclusionEmployerCommune, InclusionEmployerSector, Resource


class DsfrFilterForm(DsfrBaseForm):
    pass


def _territory_communes(request):
    if request is None or request.territory is None:
        return Commune.objects.none()
    return department_communes(request.territory).only("insee_code", "name").order_by("name", "insee_code")


class InclusionEmployerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche (nom, SIRET)", method="filter_search")
    kind = django_filters.ChoiceFilter(label="Type", choices=InclusionEmployerKind.choices, empty_label="Tous")
    sector = django_filters.ChoiceFilter(
        label="Secteur d'activité", choices=Sector.choices, method="filter_sector", empty_label="Tous"
    )
    commune = django_filters.ModelChoiceFilter(
        label="Commune d'intervention", queryset=_territory_communes, method="filter_commune", empty_label="Toutes"
    )

    class Meta:
        model = InclusionEmployer
        fields = ["q", "kind", "sector", "commune"]
        form = DsfrFilterForm

    # Exists() rather than joins: no duplicate rows, and the list's own annotations stay unaffected.
    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(siret__contains=value.replace(" ", "")))

    def filter_sector(self, queryset, name, value):
        return queryset.filter(
            Exists(
                InclusionEmployerSector.objects.filter(
                    territory_id=OuterRef("territory_id"), employer=OuterRef("pk"), sector=value
                )
            )
        )

    def filter_commune(self, queryset, name, value):
        return queryset.filter(
            Exists(
                InclusionEmployerCommune.objects.filter(
                    territory_id=OuterRef("territory_id"), employer=OuterRef("pk"), commune=value
                )
            )
        )


class ResourceFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label="Type de document", choices=DocumentKind.choices, empty_label="Tous")

    class Meta:
        model = Resource
        fields = ["kind"]
        form = DsfrFilterForm
