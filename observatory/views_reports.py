"""Bilans: the list (and the request form), a bilan's page with its progress, its JSON status, re-run and download.

Readers: coordinators, facilitators and the committee. Buyers and companies get a 403. Only coordinators ask for a
bilan or re-run one. A bilan is looked up first (another territory's is a 404 for every role), then the role.
The PDF is never built in the request: ``observatory.reports.request_report`` queues the Celery task.
"""

from pathlib import PurePosixPath

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, ListView

from accounts.enums import Role
from accounts.mixins import TerritoryMixin
from facilitators.views_employers import VisibleObjectMixin

from .enums import ReportStatus
from .forms_reports import ReportRequestForm
from .models import Report
from .reports import can_rerun, is_running, request_report, rerun

READERS = {Role.COORDINATOR, Role.FACILITATOR, Role.COMMITTEE}
REQUESTERS = {Role.COORDINATOR}


def report_url(territory, report):
    return reverse("reports:detail", kwargs={"territory_code": territory.code, "pk": report.pk})


class ReportListView(TerritoryMixin, ListView):
    """Every bilan of the territory, newest period first; coordinators also see the request form."""

    allowed_roles = READERS
    template_name = "observatory/report_list.html"
    context_object_name = "reports"
    paginate_by = 50
    form = None

    def get_queryset(self):
        return (
            self.visible(Report)
            .select_related("requested_by")
            .defer("error", "step")
            .order_by("-end_date", "-start_date", "-pk")
        )

    def get_context_data(self, **kwargs):
        can_request = self.membership.role in REQUESTERS
        if can_request and self.form is None:
            self.form = ReportRequestForm()
        kwargs.setdefault("form", self.form if can_request else None)
        kwargs.setdefault("can_request", can_request)
        return super().get_context_data(**kwargs)


class ReportCreateView(ReportListView):
    """POST of the request form: create (or rebuild) the bilan of the period, then show its page."""

    allowed_roles = REQUESTERS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = ReportRequestForm(request.POST)
        if not form.is_valid():
            self.form = form
            self.object_list = self.get_queryset()
            return self.render_to_response(self.get_context_data(), status=200)
        report, created = request_report(self.territory, form.cleaned_data["period"], request.user)
        if created:
            messages.success(request, f"Le bilan « {report.title} » est demandé : il est en cours de production.")
        else:
            messages.success(
                request,
                f"Le bilan « {report.title} » existait déjà : il est produit de nouveau avec les données actuelles.",
            )
        return HttpResponseRedirect(report_url(self.territory, report))


class ReportObjectMixin(VisibleObjectMixin):
    object_model = Report
    object_roles = READERS

    @property
    def report(self):
        return self.visible_object


class ReportDetailView(ReportObjectMixin, DetailView):
    template_name = "observatory/report_detail.html"
    context_object_name = "report"

    def get_object_queryset(self):
        return Report.objects.select_related("requested_by")

    def get_context_data(self, **kwargs):
        report = self.report
        kwargs.update(
            running=is_running(report),
            can_rerun=self.membership.role in REQUESTERS and can_rerun(report),
            status_url=reverse("reports:status", kwargs={"territory_code": self.territory.code, "pk": report.pk}),
            filename=PurePosixPath(report.file.name).name if report.file else "",
        )
        return super().get_context_data(**kwargs)


class ReportStatusView(ReportObjectMixin, View):
    """The bilan's status as JSON for the progress poller (the import's shape: static/js/import_progress.js)."""

    def get_object_queryset(self):
        return Report.objects.only("territory_id", "status", "progress", "step")

    def get(self, request, *args, **kwargs):
        report = self.report
        return JsonResponse(
            {
                "status": report.status,
                "status_label": report.get_status_display(),
                "progress": report.progress,
                "step": report.step,
                "running": is_running(report),
            }
        )


class ReportRerunView(ReportObjectMixin, View):
    """« Relancer »: build a failed (or done) bilan again, as the same row."""

    object_roles = REQUESTERS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if rerun(self.report, request.user):
            messages.success(request, "Le bilan est relancé : il est en cours de production.")
        else:
            messages.error(request, "Ce bilan est déjà en cours de production.")
        return HttpResponseRedirect(report_url(self.territory, self.report))


class ReportDownloadView(ReportObjectMixin, View):
    """The PDF, as an attachment; only once the bilan is available."""

    def get(self, request, *args, **kwargs):
        report = self.report
        if report.status != ReportStatus.DONE or not report.file:
            raise Http404("Ce bilan n'est pas disponible.")
        try:
            handle = report.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404("Le fichier de ce bilan est introuvable.") from exc
        return FileResponse(
            handle,
            as_attachment=True,
            filename=PurePosixPath(report.file.name).name,
            content_type="application/pdf",
        )
