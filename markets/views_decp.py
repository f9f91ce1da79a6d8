"""Import of DECP files by a coordinator: upload and list of imports, progress then report, JSON status.

The upload stores the file in a ``DecpImport`` row and queues ``markets.tasks.import_decp`` once the request's
transaction commits; the detail page polls the status endpoint (``static/js/import_progress.js``) while the file is
read, then shows the counts and the contracts skipped. The rules live in ``markets.decp``.
"""

import hashlib

from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from accounts.enums import Role
from accounts.mixins import TerritoryMixin

from .decp import OUT_OF_TERRITORY
from .enums import ImportStatus
from .forms_decp import DecpUploadForm
from .models import DecpImport
from .tasks import import_decp

IMPORTS_PER_PAGE = 20
REPORT_ROWS_PER_PAGE = 200
RUNNING = (ImportStatus.PENDING, ImportStatus.RUNNING)


def import_url(territory, decp_import, name="decp:detail"):
    return reverse(name, kwargs={"territory_code": territory.code, "pk": decp_import.pk})


class DecpImportView(TerritoryMixin, TemplateView):
    """Upload a DECP file; the coordination's past imports below."""

    allowed_roles = (Role.COORDINATOR,)
    template_name = "markets/decp_import.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=DecpUploadForm()))

    def post(self, request, *args, **kwargs):
        form = DecpUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        upload = form.cleaned_data["file"]
        data = upload.read()
        decp_import = DecpImport(
            territory=self.territory,
            created_by=request.user,
            original_name=upload.name[:255],
            sha256=hashlib.sha256(data).hexdigest(),
        )
        decp_import.file.save(upload.name, ContentFile(data), save=False)
        decp_import.save()
        import_decp.delay_on_commit(decp_import.pk)
        return HttpResponseRedirect(import_url(self.territory, decp_import))

    def get_context_data(self, **kwargs):
        imports = (
            DecpImport.objects.visible_to(self.membership)
            .select_related("created_by")
            .defer("report")
            .order_by("-created_at", "-pk")
        )
        page = Paginator(imports, IMPORTS_PER_PAGE).get_page(self.request.GET.get("page"))
        return super().get_context_data(imports_page=page, **kwargs)


class DecpImportMixin(TerritoryMixin):
    """An import of the territory (another territory's is a 404 whatever the role), then the role (403)."""

    allowed_roles = (Role.COORDINATOR,)

    def dispatch(self, request, *args, **kwargs):
        self.decp_import = self.import_queryset().get_visible_or_404(request.membership, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def import_queryset(self):
        return DecpImport.objects.all()


class DecpImportDetailView(DecpImportMixin, TemplateView):
    """Progress while the file is read, then the report: counts and the contracts skipped, with their reason."""

    template_name = "markets/decp_detail.html"

    def import_queryset(self):
        return DecpImport.objects.select_related("created_by")

    def get_context_data(self, **kwargs):
        decp_import = self.decp_import
        report = decp_import.report or []
        already = None
        if decp_import.status == ImportStatus.DONE:
            already = (
                DecpImport.objects.visible_to(self.membership)
                .filter(sha256=decp_import.sha256, status=ImportStatus.DONE, created_at__lt=decp_import.created_at)
                .order_by("-created_at")
                .only("created_at", "finished_at")
                .first()
            )
        listed_out = sum(1 for entry in report if entry.get("code") == OUT_OF_TERRITORY)
        return super().get_context_data(
            decp_import=decp_import,
            running=decp_import.status in RUNNING,
            report_page=Paginator(report, REPORT_ROWS_PER_PAGE).get_page(self.request.GET.get("page")),
            unlisted=max(decp_import.skipped_count - len(report), 0),
            listed_out_of_territory=listed_out,
            already_imported=already,
            status_url=import_url(self.territory, decp_import, "decp:status"),
            detail_url=import_url(self.territory, decp_import),
            **kwargs,
        )


class DecpImportStatusView(DecpImportMixin, View):
    """The import's status as JSON, for the progress poller of the detail page."""

    def import_queryset(self):
        return DecpImport.objects.only("territory_id", "status", "progress")

    def get(self, request, *args, **kwargs):
        decp_import = self.decp_import
        return JsonResponse(
            {
                "status": decp_import.status,
                "status_label": decp_import.get_status_display(),
                "progress": decp_import.progress,
                "running": decp_import.status in RUNNING,
            }
        )
