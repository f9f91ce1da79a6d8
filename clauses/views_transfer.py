"""Monthly hours in and out of spreadsheets: the XLSX templates, the import (upload, preview, confirm) and the export.

The import is a job row (``ImportJob``): the upload stores the file and queues the analysis; the detail page polls the
job's status, then shows the preview; the confirmation queues the writing. The rules live in ``clauses.imports`` and
``clauses.exports``; the tasks in ``clauses.tasks_imports``.
"""

import hashlib
import tempfile

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from dsfr.forms import DsfrBaseForm

from accounts.enums import ROLES_SEEING_PARTICIPANTS, Role
from accounts.mixins import TerritoryMixin
from markets.models import Buyer, Company, CompanyMember

from . import exports, imports
from .models import Clause, ImportJob, ImportJobStatus
from .statements import first_of_month, previous_month
from .tasks_imports import analyse_import, confirm_import

STAFF_ROLES = ROLES_SEEING_PARTICIPANTS
TRANSFER_ROLES = ROLES_SEEING_PARTICIPANTS | {Role.COMPANY}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_PER_PAGE = 200
RUNNING = (ImportJobStatus.PENDING, ImportJobStatus.ANALYSING, ImportJobStatus.IMPORTING)


def company_of(membership):
    """The company a company contact acts for; a contact linked to none may not use these pages."""
    member = CompanyMember.objects.select_related("company").filter(membership=membership).first()
    if member is None:
        raise PermissionDenied("Votre compte n'est rattaché à aucune entreprise.")
    return member.company


def last_month():
    return previous_month(first_of_month(timezone.localdate()))


def parse_month_param(value):
    """'2026-03' → date(2026, 3, 1); None when absent or malformed."""
    if not value:
        return None
    month, error = imports.parse_month(value.strip())
    return None if error else month


def xlsx_response(handle, filename):
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def clause_choice_label(clause):
    return f"{clause.lot.market.reference} — lot {clause.lot.number} — {clause.get_legal_basis_display()}"


# --- Templates ---------------------------------------------------------------------------------------------------


class HoursTemplateMixin(TerritoryMixin):
    def month(self):
        return parse_month_param(self.request.GET.get("mois")) or last_month()

    def respond(self, placements, holders, month, filename):
        companies = Company.objects.in_territory(self.territory).in_bulk(
            {imports.reporting_company_id(p, holders.get(p.clause_id)) for p in placements} - {None}
        )
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        imports.build_template(placements, holders, companies, month, handle)
        return xlsx_response(handle, f"{filename}-{month:%Y-%m}.xlsx")


class HoursTemplateClauseView(HoursTemplateMixin, View):
    """The template of a clause for a month: one row per placement active that month (staff)."""

    allowed_roles = STAFF_ROLES

    def dispatch(self, request, *args, **kwargs):
        # The clause first: one the member may not see is a 404 whatever the role; then the role (403).
        self.clause = Clause.objects.select_related("lot__market").get_visible_or_404(
            request.membership, pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        clause = self.clause
        month = self.month()
        placements, holders = imports.placements_for_template(self.territory.pk, month, clause=clause)
        return self.respond(
            placements, holders, month, f"releve-heures-{clause.lot.market.reference}-lot{clause.lot.number}"
        )


class HoursTemplateCompanyView(HoursTemplateMixin, View):
    """A company contact's template: its own placements across all its clauses, for a month."""

    allowed_roles = (Role.COMPANY,)

    def get(self, request, *args, **kwargs):
        company = company_of(self.membership)
        month = self.month()
        placements, holders = imports.placements_for_template(self.territory.pk, month, company_id=company.pk)
        return self.respond(placements, holders, month, "releve-heures")


# --- Import ------------------------------------------------------------------------------------------------------


class ImportUploadForm(DsfrBaseForm):
    file = forms.FileField(
        label="Fichier des heures",
        help_text="Classeur Excel (.xlsx) ou fichier CSV (séparateur point-virgule ou virgule), 10 Mo au plus.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
        error_messages={
            "required": "Choisissez le fichier à importer.",
            "empty": "Le fichier est vide : remplissez le modèle avant de le déposer.",
            "invalid": "Aucun fichier n'a été reçu : choisissez-le de nouveau.",
        },
    )
    clause = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if name.endswith(".xls"):
            raise forms.ValidationError(
                "Le format Excel 97-2003 (.xls) n'est pas accepté : enregistrez le fichier au format .xlsx ou CSV."
            )
        if not name.endswith((".xlsx", ".csv", ".txt")):
            raise forms.ValidationError("Déposez un classeur Excel (.xlsx) ou un fichier CSV (.csv).")
        if upload.size > imports.MAX_FILE_BYTES:
            raise forms.ValidationError("Le fichier dépasse 10 Mo : découpez-le en plusieurs fichiers.")
        return upload


class HoursImportView(TerritoryMixin, TemplateView):
    """Upload a filled template (staff: optionally for one clause, ``?clause=<pk>``; a company: its placements)."""

    allowed_roles = TRANSFER_ROLES
    template_name = "clauses/hours_import.html"

    def scope(self, clause_id):
        if self.membership.role == Role.COMPANY:
            return None, company_of(self.membership)
        if clause_id:
            clause = get_object_or_404(
                Clause.objects.visible_to(self.membership).select_related("lot__market"), pk=clause_id
            )
            return clause, None
        return None, None

    def get(self, request, *args, **kwargs):
        clause_id = parse_int(request.GET.get("clause"))
        clause, company = self.scope(clause_id)
        form = ImportUploadForm(initial={"clause": clause.pk if clause else None})
        return self.render_to_response(self.get_context_data(form=form, clause=clause, company=company))

    def post(self, request, *args, **kwargs):
        form = ImportUploadForm(request.POST, request.FILES)
        clause, company = self.scope(parse_int(request.POST.get("clause")))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, clause=clause, company=company))
        upload = form.cleaned_data["file"]
        data = upload.read()
        job = ImportJob(
            territory=self.territory,
            requested_by=request.user,
            clause=clause,
            company=company,
            original_name=upload.name[:255],
            file_sha256=hashlib.sha256(data).hexdigest(),
        )
        job.file.save(upload.name, ContentFile(data), save=False)
        job.save()
        analyse_import.delay_on_commit(job.pk)
        return HttpResponseRedirect(job_url(self.territory, job))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        month = last_month()
        context.update(
            recent_jobs=ImportJob.objects.visible_to(self.membership)
            .select_related("clause__lot__market", "company")
            .order_by("-created_at")[:10],
            template_month=f"{month:%Y-%m}",
            is_company=self.membership.role == Role.COMPANY,
            clause_choices=[]
            if self.membership.role == Role.COMPANY or kwargs.get("clause")
            else [
                (clause.pk, clause_choice_label(clause))
                for clause in Clause.objects.visible_to(self.membership)
                .select_related("lot__market")
                .order_by("lot__market__reference", "lot__number", "pk")
            ],
        )
        return context


def parse_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def job_url(territory, job, name="clauses:hours_import_detail"):
    return reverse(name, kwargs={"territory_code": territory.code, "pk": job.pk})


class ImportJobMixin(TerritoryMixin):
    """A job the member may see (others are a 404 whatever the role: staff see the territory's jobs, everyone else
    only their own), then the role (403)."""

    allowed_roles = TRANSFER_ROLES

    def dispatch(self, request, *args, **kwargs):
        self.job = self.job_queryset().get_visible_or_404(request.membership, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def job_queryset(self):
        return ImportJob.objects.all()


class HoursImportDetailView(ImportJobMixin, TemplateView):
    """Progress while the file is analysed or written, then the preview (errors, valid rows) or the outcome."""

    template_name = "clauses/hours_import_detail.html"

    def job_queryset(self):
        return ImportJob.objects.select_related("clause__lot__market", "company", "requested_by")

    def get_context_data(self, **kwargs):
        job = self.job
        report = job.report or {}
        errors = Paginator(report.get("errors", []), ERRORS_PER_PAGE)
        already = None
        if job.status in (ImportJobStatus.READY, ImportJobStatus.DONE, ImportJobStatus.IMPORTING):
            already = (
                ImportJob.objects.visible_to(self.membership)
                .filter(file_sha256=job.file_sha256, status=ImportJobStatus.DONE)
                .exclude(pk=job.pk)
                .order_by("-finished_at")
                .only("finished_at", "created_at")
                .first()
            )
        return super().get_context_data(
            job=job,
            report=report,
            running=job.status in RUNNING,
            errors_page=errors.get_page(self.request.GET.get("page")),
            preview=report.get("preview", []),
            result=report.get("result"),
            confirm_problems=report.get("confirm_problems", []),
            already_imported=already,
            status_url=job_url(self.territory, job, "clauses:hours_import_status"),
            **kwargs,
        )


class HoursImportStatusView(ImportJobMixin, View):
    """The job's status as JSON, for the progress poller of the detail page."""

    def job_queryset(self):
        return ImportJob.objects.only("status", "progress")

    def get(self, request, *args, **kwargs):
        job = self.job
        return JsonResponse(
            {
                "status": job.status,
                "status_label": job.get_status_display(),
                "progress": job.progress,
                "running": job.status in RUNNING,
            }
        )


class HoursImportConfirmView(ImportJobMixin, View):
    """« Importer les N lignes valides »: claim the analysed job and queue the writing."""

    def post(self, request, *args, **kwargs):
        job = self.job
        if job.status != ImportJobStatus.READY or not job.valid_rows:
            messages.error(request, "Cet import ne peut plus être confirmé.")
            return HttpResponseRedirect(job_url(self.territory, job))
        # started_at: the writing starts its clock (the stale-job sweep times an IMPORTING job from it).
        report = {**job.report, "confirmed_by": request.user.pk}
        claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.READY).update(
            status=ImportJobStatus.IMPORTING, progress=0, report=report, started_at=timezone.now()
        )
        if claimed:
            confirm_import.delay_on_commit(job.pk)
        return HttpResponseRedirect(job_url(self.territory, job))


class HoursImportCancelView(ImportJobMixin, View):
    """« Annuler »: the analysed file is not imported."""

    def post(self, request, *args, **kwargs):
        job = self.job
        cancelled = ImportJob.objects.filter(
            pk=job.pk, status__in=(ImportJobStatus.PENDING, ImportJobStatus.READY)
        ).update(status=ImportJobStatus.CANCELLED, finished_at=timezone.now())
        if cancelled:
            messages.info(request, "Import annulé : aucune heure n'a été enregistrée.")
        else:
            messages.error(request, "Cet import ne peut plus être annulé.")
        return HttpResponseRedirect(reverse("clauses:hours_import", kwargs={"territory_code": self.territory.code}))


# --- Export ------------------------------------------------------------------------------------------------------


class MonthInput(forms.TextInput):
    input_type = "month"


class ExportForm(DsfrBaseForm):
    clause = forms.ModelChoiceField(
        label="Clause", queryset=Clause.objects.none(), required=False, empty_label="Toutes"
    )
    company = forms.ModelChoiceField(
        label="Entreprise", queryset=Company.objects.none(), required=False, empty_label="Toutes"
    )
    buyer = forms.ModelChoiceField(
        label="Donneur d'ordre", queryset=Buyer.objects.none(), required=False, empty_label="Tous"
    )
    start = forms.CharField(
        label="Du mois", required=False, widget=MonthInput, help_text="Format : AAAA-MM (par exemple 2026-01)."
    )
    end = forms.CharField(
        label="Au mois (inclus)",
        required=False,
        widget=MonthInput,
        help_text="Format : AAAA-MM (par exemple 2026-12).",
    )

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership
        clauses = Clause.objects.visible_to(membership).select_related("lot__market")
        self.fields["clause"].queryset = clauses.order_by("lot__market__reference", "lot__number", "pk")
        self.fields["clause"].label_from_instance = clause_choice_label
        self.fields["buyer"].queryset = Buyer.objects.visible_to(membership).order_by("name")
        if membership.role == Role.COMPANY:
            del self.fields["company"]  # a company exports its own lines only
        else:
            self.fields["company"].queryset = Company.objects.visible_to(membership).order_by("name")

    def clean_start(self):
        return self._month("start")

    def clean_end(self):
        return self._month("end")

    def _month(self, name):
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return None
        month, error = imports.parse_month(value)
        if error:
            raise forms.ValidationError("Mois non reconnu : écrivez-le sous la forme AAAA-MM (par exemple 2026-03).")
        return month

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", "Le dernier mois doit suivre le premier.")
        return cleaned

    def filters(self):
        data = self.cleaned_data
        return exports.ExportFilters(
            clause=data.get("clause"),
            company=data.get("company"),
            buyer=data.get("buyer"),
            start=data.get("start"),
            end=data.get("end"),
        )

    def labels(self):
        data = self.cleaned_data
        labels = []
        if data.get("clause"):
            labels.append(("Clause", clause_choice_label(data["clause"])))
        if data.get("company"):
            labels.append(("Entreprise", data["company"].name))
        if data.get("buyer"):
            labels.append(("Donneur d'ordre", data["buyer"].name))
        if data.get("start"):
            labels.append(("Du mois", f"{data['start']:%Y-%m}"))
        if data.get("end"):
            labels.append(("Au mois", f"{data['end']:%Y-%m}"))
        return labels


class HoursExportFormView(TerritoryMixin, TemplateView):
    """The export's filters (the form sends them to the XLSX export)."""

    allowed_roles = TRANSFER_ROLES
    template_name = "clauses/hours_export.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ExportForm(membership=self.membership))
        kwargs.setdefault("is_company", self.membership.role == Role.COMPANY)
        return super().get_context_data(**kwargs)


class HoursExportView(HoursExportFormView):
    """The "tableau de relevés mensuels" as XLSX; invalid filters re-render the form with their messages."""

    def get(self, request, *args, **kwargs):
        form = ExportForm(request.GET, membership=self.membership)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        exports.write_workbook(self.membership, form.filters(), handle, filter_labels=form.labels())
        stamp = timezone.localdate().strftime("%Y-%m-%d")
        return xlsx_response(handle, f"releves-mensuels-{self.territory.code}-{stamp}.xlsx")
