"""National export of a territory's yearly figures (CSV / JSON), for its coordinators. See ``observatory.national``."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views import View

from accounts.enums import Role
from accounts.mixins import TerritoryMixin

from .national import national_records, to_csv, to_json

MIN_YEAR, MAX_YEAR = 2000, 2100


class NationalExportMixin(TerritoryMixin):
    allowed_roles = {Role.COORDINATOR}

    def get(self, request, *args, **kwargs):
        raw = request.GET.get("annee", "").strip()
        year = timezone.localdate().year if not raw else None
        if raw.isdigit() and MIN_YEAR <= int(raw) <= MAX_YEAR:
            year = int(raw)
        if year is None:
            return HttpResponseBadRequest(
                "Année invalide : indiquez une année sur quatre chiffres, par exemple ?annee=2026.",
                content_type="text/plain; charset=utf-8",
            )
        records = national_records(self.territory, year)
        response = self.render(year, records)
        response["Content-Disposition"] = (
            f'attachment; filename="export-national-{self.territory.code}-{year}.{self.extension}"'
        )
        return response


class NationalCsvView(NationalExportMixin, View):
    extension = "csv"

    def render(self, year, records):
        return HttpResponse(to_csv(records), content_type="text/csv; charset=utf-8")


class NationalJsonView(NationalExportMixin, View):
    extension = "json"

    def render(self, year, records):
        data = to_json(self.territory, year, records, timezone.now())
        return HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
            content_type="application/json; charset=utf-8",
        )
