"""Coverage of the territory: who covers which communes, overlaps, white zones, and the map.

Every member reads the page; coordinators assign a commune or a whole EPCI to an organisation and remove assignments.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from accounts.mixins import TerritoryMixin

from .coverage import COVERED, OVERLAP, STATUS_LABELS, WHITE_ZONE, coverage_map, coverage_visible_to, datalist_options
from .forms_coverage import COMMUNE_DATALIST_ID, CoverageAssignForm
from .models import CoverageArea


def coverage_url(territory, anchor=""):
    return reverse("coverage:coverage", kwargs={"territory_code": territory.code}) + anchor


class CoverageView(TerritoryMixin, TemplateView):
    """GET: the coverage page. POST (coordinators): assign an EPCI or a commune to an organisation."""

    template_name = "facilitators/coverage.html"

    def dispatch(self, request, *args, **kwargs):
        self.coverage = None
        return super().dispatch(request, *args, **kwargs)

    def get_coverage(self):
        if self.coverage is None:
            self.coverage = coverage_visible_to(self.membership)
        return self.coverage

    def get_form(self, data=None):
        return CoverageAssignForm(data, coverage=self.get_coverage())

    def post(self, request, *args, **kwargs):
        if not self.membership.is_coordinator:
            raise PermissionDenied("Seule la coordination affecte les zones couvertes.")
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        area = form.save(self.territory)
        organisation = form.cleaned_data["organisation"]
        if area.epci_id:
            count = next((count for siren, _name, count in self.get_coverage().epcis() if siren == area.epci_id), 0)
            messages.success(
                request,
                f"EPCI {form.epci_names[area.epci_id]} affecté à {organisation} "
                f"({count} commune{'s' if count > 1 else ''} du département).",
            )
        else:
            messages.success(request, f"{form.cleaned_data['commune'].label} affectée à {organisation}.")
        return redirect(coverage_url(self.territory, f"#organisation-{organisation.pk}"))

    def get_context_data(self, form=None, **kwargs):
        coverage = self.get_coverage()
        can_edit = self.membership.is_coordinator
        if can_edit and form is None:
            form = self.get_form()
        return super().get_context_data(
            coverage=coverage,
            coverage_map=coverage_map(coverage),
            epci_groups=coverage.epci_groups(),
            white_zones_by_epci=coverage.white_zones_by_epci(),
            overlaps=coverage.overlaps,
            status_labels={
                "covered": STATUS_LABELS[COVERED],
                "overlap": STATUS_LABELS[OVERLAP],
                "white_zone": STATUS_LABELS[WHITE_ZONE],
            },
            can_edit=can_edit,
            form=form,
            commune_datalist_id=COMMUNE_DATALIST_ID,
            commune_options=datalist_options(coverage.communes) if can_edit else "",
            **kwargs,
        )


@require_POST
def remove_coverage_area(request, territory_code, pk):
    """Remove an assignment. Another territory's (or an unknown) assignment is a 404 for everyone, then only
    coordinators may remove (403)."""
    area = CoverageArea.objects.select_related("organisation", "commune", "epci").get_visible_or_404(
        request.membership, pk=pk
    )
    if not request.membership.is_coordinator:
        raise PermissionDenied("Seule la coordination retire les zones couvertes.")
    label = f"l'EPCI {area.epci.name}" if area.epci_id else f"{area.commune.name} ({area.commune_id})"
    organisation = area.organisation
    area.delete()
    messages.success(request, f"{organisation} ne couvre plus {label}.")
    return redirect(coverage_url(request.territory, f"#organisation-{organisation.pk}"))
