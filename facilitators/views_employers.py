"""Inclusion employers (SIAE, GEIQ, EA, ESAT) of the territory: directory, edition, CSV import."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, ProtectedError, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import CreateView, DetailView, FormView, TemplateView, UpdateView, View
from django_filters.views import FilterView

from accounts.enums import Role
from accounts.mixins import TerritoryMixin

from . import imports
from .enums import InclusionEmployerKind, Sector
from .filters import InclusionEmployerFilter
from .forms_network import EmployerImportForm, InclusionEmployerForm
from .models import InclusionEmployer, InclusionEmployerCommune

COORDINATORS = {Role.COORDINATOR}
IMPORT_SESSION_KEY = "employer_import:{code}"
PREVIEW_LIMIT = 300  # rows shown per table of the preview (the counts are always complete)


class VisibleObjectMixin(TerritoryMixin):
    """Views of one object (``pk`` in the URL): the object first, then the role.

    An object the member may not see (another territory's) is a 404 whatever the role: nothing confirms it exists.
    A visible object is a 403 for the roles outside ``object_roles`` (None: every member of the territory).
    """

    object_model = None
    object_roles = None

    def get_object_queryset(self):
        return self.object_model.objects.all()

    def dispatch(self, request, *args, **kwargs):
        self.visible_object = self.get_object_queryset().get_visible_or_404(request.membership, pk=kwargs["pk"])
        if self.object_roles is not None and request.membership.role not in self.object_roles:
            raise PermissionDenied("Cette page n'est pas accessible avec votre rôle.")
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, queryset=None):
        return self.visible_object


def _commune_count():
    return Coalesce(
        Subquery(
            InclusionEmployerCommune.objects.filter(territory_id=OuterRef("territory_id"), employer=OuterRef("pk"))
            .order_by()
            .values("employer")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


class EmployerListView(TerritoryMixin, FilterView):
    template_name = "facilitators/employer_list.html"
    filterset_class = InclusionEmployerFilter
    paginate_by = 50
    context_object_name = "employers"

    def get_queryset(self):
        return (
            self.visible(InclusionEmployer)
            .select_related("commune")
            .prefetch_related("sectors")
            .annotate(commune_count=_commune_count())
            .order_by("name", "pk")
        )


class EmployerDetailView(VisibleObjectMixin, DetailView):
    template_name = "facilitators/employer_detail.html"
    context_object_name = "employer"
    object_model = InclusionEmployer

    def get_object_queryset(self):
        return InclusionEmployer.objects.select_related("commune").prefetch_related(
            "sectors",
            Prefetch(
                "communes",
                queryset=InclusionEmployerCommune.objects.select_related("commune").order_by("commune__name"),
            ),
        )


class EmployerFormMixin(TerritoryMixin):
    allowed_roles = COORDINATORS
    form_class = InclusionEmployerForm
    template_name = "facilitators/employer_form.html"
    context_object_name = "employer"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "territory": self.territory}

    def get_success_url(self):
        return reverse("network:employer_detail", kwargs={"territory_code": self.territory.code, "pk": self.object.pk})


class EmployerCreateView(EmployerFormMixin, CreateView):
    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, f"Employeur inclusif « {self.object.name} » ajouté.")
        return response


class EmployerUpdateView(VisibleObjectMixin, EmployerFormMixin, UpdateView):
    object_model = InclusionEmployer
    object_roles = COORDINATORS

    def get_object_queryset(self):
        return InclusionEmployer.objects.prefetch_related("sectors", "communes")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, f"Employeur inclusif « {self.object.name} » modifié.")
        return response


class EmployerDeleteView(VisibleObjectMixin, TemplateView):
    """GET: a confirmation page; POST: the deletion, refused while placements reference the employer (PROTECT)."""

    template_name = "facilitators/employer_confirm_delete.html"
    object_model = InclusionEmployer
    object_roles = COORDINATORS

    def get_context_data(self, **kwargs):
        return super().get_context_data(employer=self.visible_object, **kwargs)

    def post(self, request, *args, **kwargs):
        employer = self.visible_object
        name = employer.name
        try:
            with transaction.atomic():
                employer.delete()
        except ProtectedError as exc:
            count = len(exc.protected_objects)
            messages.error(
                request,
                f"Impossible de supprimer « {name} » : {count} mise{'s' if count > 1 else ''} en emploi "
                f"y {'font' if count > 1 else 'fait'} référence. Cet employeur reste dans l'annuaire.",
            )
            return redirect("network:employer_detail", territory_code=self.territory.code, pk=employer.pk)
        messages.success(request, f"Employeur inclusif « {name} » supprimé.")
        return redirect("network:employer_list", territory_code=self.territory.code)


# CSV import ---------------------------------------------------------------------------------------------------------


def _session_key(territory):
    return IMPORT_SESSION_KEY.format(code=territory.code)


class EmployerImportView(TerritoryMixin, FormView):
    """Step 1: upload. The decoded text goes to the session (nothing is written to the database)."""

    allowed_roles = COORDINATORS
    template_name = "facilitators/employer_import.html"
    form_class = EmployerImportForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            columns=imports.COLUMNS,
            kinds=InclusionEmployerKind.choices,
            sectors=Sector.choices,
            max_rows=imports.MAX_ROWS,
            **kwargs,
        )

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            text = imports.decode(upload.read())
        except ValueError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        self.request.session[_session_key(self.territory)] = {
            "text": text,
            "filename": upload.name,
            "digest": imports.digest(text),
        }
        return redirect("network:employer_import_preview", territory_code=self.territory.code)


class EmployerImportPreviewView(TerritoryMixin, TemplateView):
    """Step 2: the plan (errors, creations, updates); the coordinator confirms, and only then is anything written."""

    allowed_roles = COORDINATORS
    template_name = "facilitators/employer_import_preview.html"

    def pending(self):
        return self.request.session.get(_session_key(self.territory))

    def get(self, request, *args, **kwargs):
        pending = self.pending()
        if pending is None:
            messages.info(request, "Aucun import en attente : déposez un fichier CSV.")
            return redirect("network:employer_import", territory_code=self.territory.code)
        plan = imports.build_plan(pending["text"], self.territory)
        return self.render_to_response(
            self.get_context_data(
                plan=plan,
                filename=pending["filename"],
                token=pending["digest"],
                row_errors=plan.row_errors[: PREVIEW_LIMIT * 2],
                to_create=plan.to_create[:PREVIEW_LIMIT],
                to_update=plan.to_update[:PREVIEW_LIMIT],
                create_count=len(plan.to_create),
                update_count=len(plan.to_update),
                unchanged_count=len(plan.unchanged),
                error_count=len(plan.row_errors),
                rejected_count=len(plan.rejected_lines),
                preview_limit=PREVIEW_LIMIT,
            )
        )

    def post(self, request, *args, **kwargs):
        pending = self.pending()
        if pending is None or request.POST.get("token") != pending["digest"]:
            messages.error(
                request,
                "Cet aperçu n'est plus valable (import déjà confirmé ou annulé, ou autre fichier déposé) : "
                "recommencez.",
            )
            return redirect("network:employer_import", territory_code=self.territory.code)
        if "cancel" in request.POST:
            del request.session[_session_key(self.territory)]
            messages.info(request, "Import annulé : rien n'a été enregistré.")
            return redirect("network:employer_list", territory_code=self.territory.code)
        # The plan is recomputed against the database as it is now (another coordinator may have edited meanwhile).
        plan = imports.build_plan(pending["text"], self.territory)
        if plan.file_errors:
            messages.error(request, "Le fichier ne peut pas être importé : corrigez-le et déposez-le à nouveau.")
            return redirect("network:employer_import_preview", territory_code=self.territory.code)
        try:
            result = imports.apply_plan(plan, self.territory)  # its own savepoint: rolled back as a whole
        except IntegrityError:
            # Another coordinator created one of these SIRETs between our plan and our write.
            messages.error(
                request, "La liste a changé pendant l'import : rien n'a été enregistré. Confirmez à nouveau."
            )
            return redirect("network:employer_import_preview", territory_code=self.territory.code)
        del request.session[_session_key(self.territory)]
        summary = (
            f"Import terminé : {result.created} créé(s), {result.updated} mis à jour, {result.unchanged} inchangé(s)"
        )
        if result.rejected:
            summary += f", {result.rejected} ligne(s) en erreur ignorée(s)"
        messages.success(request, summary + ".")
        return redirect("network:employer_list", territory_code=self.territory.code)


class EmployerImportTemplateView(TerritoryMixin, View):
    allowed_roles = COORDINATORS

    def get(self, request, *args, **kwargs):
        response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="modele-employeurs-inclusifs.csv"'
        return response
