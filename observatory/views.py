from django.utils import timezone
from django.views.generic import TemplateView

from accounts.mixins import TerritoryMixin

from .indicators import home_figures


class TerritoryHomeView(TerritoryMixin, TemplateView):
    template_name = "observatory/home.html"

    def get_context_data(self, **kwargs):
        year = timezone.localdate().year
        return super().get_context_data(figures=home_figures(self.membership, year), **kwargs)
