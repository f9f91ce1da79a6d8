"""The public directory of a territory's facilitators (no login): who to call, who covers which commune.

Linkable from buyers' and companies' own sites: ``/annuaire/<code>/``, and ``?commune=`` answers "who is my
facilitator here?". Only professional contacts are shown: the organisations, the facilitators listed in the directory
(name, professional e-mail and phone), the buyers a facilitator leads, the areas covered; never a participant, never
a member's account. The page reads no session and sets no cookie for an anonymous visitor, so that a shared cache may
keep it (``Cache-Control: public``). It lives in ``observatory`` (the top layer) because it reads ``markets.Buyer``.
"""

from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from facilitators.coverage import compute_coverage, datalist_options, find_communes
from facilitators.models import CoverageArea, Facilitator, FacilitatorOrganisation
from markets.models import Buyer
from territories.models import Territory

PUBLIC_MAX_AGE = 300  # seconds a shared cache may keep the page
MAX_QUERY_LENGTH = 100
MAX_CHOICES = 30


def _listed_facilitators():
    return Facilitator.objects.filter(is_active=True, listed_in_directory=True).order_by("last_name", "first_name")


@method_decorator(login_not_required, name="dispatch")
class DirectoryView(TemplateView):
    template_name = "observatory/directory.html"

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if request.user.is_authenticated:
            # The header shows the person's name: not for a shared cache.
            patch_cache_control(response, private=True, max_age=0)
        else:
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        return response

    def get_context_data(self, **kwargs):
        territory = get_object_or_404(
            Territory.objects.select_related("department"), code=self.kwargs["code"], is_active=True
        )
        organisations = FacilitatorOrganisation.objects.in_territory(territory).prefetch_related(
            Prefetch("facilitators", queryset=_listed_facilitators(), to_attr="listed_facilitators")
        )
        coverage = compute_coverage(
            territory, areas=CoverageArea.objects.in_territory(territory), organisations=organisations
        )
        self._attach_lead_buyers(territory, coverage)

        query = self.request.GET.get("commune", "").strip()[:MAX_QUERY_LENGTH]
        matches = find_communes(query, coverage.communes) if query else []
        commune = matches[0] if len(matches) == 1 else None
        return super().get_context_data(
            directory_territory=territory,
            coverage=coverage,
            commune_options=datalist_options(coverage.communes),
            query=query,
            commune=commune,
            choices=matches[:MAX_CHOICES] if len(matches) > 1 else [],
            more_choices=max(len(matches) - MAX_CHOICES, 0),
            **kwargs,
        )

    @staticmethod
    def _attach_lead_buyers(territory, coverage):
        """``facilitator.lead_buyers``: names of the buyers for which a listed facilitator is chef de file."""
        listed = {
            facilitator.pk: facilitator
            for item in coverage.organisations
            for facilitator in item.organisation.listed_facilitators
        }
        for facilitator in listed.values():
            facilitator.lead_buyers = []
        if not listed:
            return
        buyers = (
            Buyer.objects.in_territory(territory)
            .filter(lead_facilitator__in=list(listed))
            .order_by("name")
            .values_list("lead_facilitator_id", "name")
        )
        for facilitator_id, name in buyers:
            listed[facilitator_id].lead_buyers.append(name)
