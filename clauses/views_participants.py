"""Participants: the list (filters, XLSX export), registration with the duplicate warning, the pathway page (timeline,
hours per clause, outcomes; eligibility, training and outcome forms), placement, the outcomes due, and personal data
(access journal, right of access as JSON or PDF, anonymisation).

Who sees what: facilitators and coordinators of the territory only. A page about one person looks the person up
first: for every other role the visibility rule finds no one, a 404 that does not confirm the person exists; then the
role (403 for a facilitator on a coordinator-only page). Pages without a person in their URL answer 403 to the other
roles, like the list always did. Every display of a person's record and every export of identities is logged
(``clauses.privacy.log_access``). The logic is in ``clauses.participants`` and ``clauses.privacy``.
"""

import json
import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView, TemplateView
from django_filters.views import FilterView

from accounts.enums import ROLES_SEEING_PARTICIPANTS, Role
from accounts.mixins import TerritoryMixin

from . import exports_participants
from .enums import AccessAction, OutcomeMilestone
from .filters_participants import AccessLogFilter, ParticipantFilter
from .forms_participants import (
    COMMUNE_DATALIST_ID,
    AnonymiseForm,
    EligibilityForm,
    OutcomeForm,
    ParticipantForm,
    PlacementForm,
    TrainingForm,
)
from .models import (
    EligibilityCriterion,
    EligibilityValidation,
    Outcome,
    Participant,
    PersonalDataAccess,
    Placement,
    Training,
    ensure_default_criteria,
)
from .participants import (
    due_milestones,
    outcomes_due,
    participant_hours,
    pathway_status,
    timeline,
    with_outcome_status,
)
from .privacy import anonymise, log_access, right_of_access_data

STAFF = ROLES_SEEING_PARTICIPANTS
COORDINATOR_ONLY = frozenset({Role.COORDINATOR})
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ANONYMISED_MESSAGE = "Cette fiche est anonymisée : elle ne peut plus être complétée ni modifiée."


def participant_url(participant, anchor=""):
    url = reverse(
        "clauses:participant_detail", kwargs={"territory_code": participant.territory.code, "pk": participant.pk}
    )
    return f"{url}#{anchor}" if anchor else url


def territory_criteria(territory):
    """The territory's active criteria; a territory that has none yet gets the default list first."""
    criteria = EligibilityCriterion.objects.in_territory(territory).filter(is_active=True).order_by("position", "label")
    if not EligibilityCriterion.objects.in_territory(territory).exists():
        ensure_default_criteria(territory)
    return criteria


def placement_count_subquery():
    placements = (
        Placement.objects.filter(territory_id=OuterRef("territory_id"), participant_id=OuterRef("pk"))
        .values("participant_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(placements, output_field=IntegerField()), 0)


class ParticipantMixin(TerritoryMixin):
    """A page about one participant: the person first (404 when not visible), then the role (403)."""

    participant_roles = STAFF

    def dispatch(self, request, *args, **kwargs):
        self.participant = self.participant_queryset().get_visible_or_404(request.membership, pk=kwargs["pk"])
        if request.membership.role not in self.participant_roles:
            raise PermissionDenied("Cette action est réservée à la coordination.")
        return super().dispatch(request, *args, **kwargs)

    def participant_queryset(self):
        return Participant.objects.select_related("territory")

    def get_context_data(self, **kwargs):
        kwargs.setdefault("participant", self.participant)
        return super().get_context_data(**kwargs)

    def refuse_if_anonymised(self):
        if self.participant.anonymised_at:
            messages.error(self.request, ANONYMISED_MESSAGE)
            return HttpResponseRedirect(participant_url(self.participant))
        return None


# --- List and export ---------------------------------------------------------------------------------------------


class ParticipantListView(TerritoryMixin, FilterView):
    allowed_roles = STAFF
    template_name = "clauses/participant_list.html"
    filterset_class = ParticipantFilter
    paginate_by = 50
    context_object_name = "participants"

    def get_queryset(self):
        participants = (
            self.visible(Participant).select_related("referent").annotate(placement_count=placement_count_subquery())
        )
        return with_outcome_status(participants, timezone.localdate()).order_by("last_name", "first_name", "pk")

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            q=self.request.GET.get("q", "").strip(),
            export_query=query.urlencode(),
            **kwargs,
        )


class ParticipantExportView(TerritoryMixin, View):
    """The filtered list as XLSX, logged in the access journal with its row count."""

    allowed_roles = STAFF

    def get(self, request, *args, **kwargs):
        filterset = ParticipantFilter(request.GET or None, queryset=self.visible(Participant), request=request)
        if filterset.is_bound and not filterset.is_valid():
            list_url = reverse("clauses:participant_list", kwargs={"territory_code": self.territory.code})
            return HttpResponseRedirect(f"{list_url}?{request.GET.urlencode()}")
        labels = filterset.summary()
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        count = exports_participants.write_workbook(
            filterset.qs, handle, territory=self.territory, user=request.user, filter_labels=labels
        )
        detail = "Export XLSX de la liste des participants"
        if labels:
            detail += " — filtres : " + ", ".join(f"{label} = {value}" for label, value in labels)
        log_access(self.membership, AccessAction.EXPORT, detail=detail, row_count=count)
        handle.seek(0)
        stamp = timezone.localdate().strftime("%Y-%m-%d")
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"participants-{self.territory.code}-{stamp}.xlsx",
            content_type=XLSX_TYPE,
        )


# --- Register and edit -------------------------------------------------------------------------------------------


class ParticipantFormMixin:
    template_name = "clauses/participant_form.html"

    def form(self, data=None):
        instance = getattr(self, "participant", None)
        return ParticipantForm(data, instance=instance, territory=self.territory, membership=self.membership)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("commune_datalist_id", COMMUNE_DATALIST_ID)
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if not form.is_valid() or form.needs_confirmation:
            return self.render_to_response(self.get_context_data(form=form))
        is_new = form.instance.pk is None
        participant = form.save()
        messages.success(request, "Participant enregistré." if is_new else "Fiche mise à jour.")
        return HttpResponseRedirect(participant_url(participant))


class ParticipantCreateView(ParticipantFormMixin, TerritoryMixin, TemplateView):
    allowed_roles = STAFF

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.form()))

    def get_context_data(self, **kwargs):
        kwargs.setdefault("participant", None)
        return super().get_context_data(**kwargs)


class ParticipantUpdateView(ParticipantFormMixin, ParticipantMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        refused = self.refuse_if_anonymised()
        if refused:
            return refused
        log_access(self.membership, AccessAction.VIEW, self.participant, detail="Formulaire de modification")
        return self.render_to_response(self.get_context_data(form=self.form()))

    def post(self, request, *args, **kwargs):
        return self.refuse_if_anonymised() or super().post(request, *args, **kwargs)

    def participant_queryset(self):
        return Participant.objects.select_related("territory", "residence_commune")


# --- The pathway page --------------------------------------------------------------------------------------------


class ParticipantDetailView(ParticipantMixin, TemplateView):
    """The pathway: identity, timeline, hours per clause, outcomes; forms to validate eligibility, add a training and
    record an outcome (posted to their own URLs, re-rendered here when invalid)."""

    template_name = "clauses/participant_detail.html"

    def participant_queryset(self):
        return Participant.objects.select_related(
            "territory", "referent__organisation", "residence_commune"
        ).prefetch_related(
            Prefetch(
                "eligibilities",
                queryset=EligibilityValidation.objects.select_related("criterion", "validated_by").order_by(
                    "validated_on", "pk"
                ),
            ),
            Prefetch(
                "placements",
                queryset=Placement.objects.select_related(
                    "clause__lot__market__buyer", "employer_company", "employer_inclusion"
                ).order_by("start_date", "pk"),
            ),
            Prefetch("trainings", queryset=Training.objects.order_by("start_date", "pk")),
            Prefetch("outcomes", queryset=Outcome.objects.select_related("recorded_by").order_by("milestone")),
        )

    def get(self, request, *args, **kwargs):
        return self.render_pathway()

    def render_pathway(self, **forms):
        participant = self.participant
        log_access(self.membership, AccessAction.VIEW, participant, detail="Fiche parcours")
        placements = list(participant.placements.all())
        validations = list(participant.eligibilities.all())
        trainings = list(participant.trainings.all())
        outcomes = {outcome.milestone: outcome for outcome in participant.outcomes.all()}
        today = timezone.localdate()
        status = pathway_status(placements, outcomes.values(), today)
        editable = participant.anonymised_at is None
        if editable:
            forms.setdefault("eligibility_form", EligibilityForm(criteria=territory_criteria(self.territory)))
            forms.setdefault("training_form", TrainingForm())
            forms.setdefault("outcome_form", OutcomeForm(participant=participant))
        else:
            forms = {"eligibility_form": None, "training_form": None, "outcome_form": None}
        context = self.get_context_data(
            placements=placements,
            validations=validations,
            trainings=trainings,
            events=timeline(placements, trainings, validations),
            clause_hours=participant_hours(participant, placements),
            outcome_cards=[
                (OutcomeMilestone.END.label, outcomes.get(OutcomeMilestone.END), "end"),
                (OutcomeMilestone.SIX_MONTHS.label, outcomes.get(OutcomeMilestone.SIX_MONTHS), "six-months"),
            ],
            due=due_milestones(status, today),
            editable=editable,
            is_coordinator=self.membership.role == Role.COORDINATOR,
            **forms,
        )
        return self.render_to_response(context)


class PathwayFormView(ParticipantDetailView):
    """POST of one form of the pathway page; GET goes back to the page."""

    form_name = None
    anchor = ""

    def get(self, request, *args, **kwargs):
        return HttpResponseRedirect(participant_url(self.participant, self.anchor))

    def post(self, request, *args, **kwargs):
        refused = self.refuse_if_anonymised()
        if refused:
            return refused
        form = self.build_form(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    message = self.save(form)
            except IntegrityError:
                form.add_error(None, "Cet enregistrement existe déjà ou contredit une règle : rien n'a été enregistré.")
            else:
                messages.success(request, message)
                return HttpResponseRedirect(participant_url(self.participant, self.anchor))
        return self.render_pathway(**{self.form_name: form})


class EligibilityCreateView(PathwayFormView):
    form_name = "eligibility_form"
    anchor = "eligibility"

    def build_form(self, data):
        return EligibilityForm(data, criteria=territory_criteria(self.territory))

    def save(self, form):
        data = form.cleaned_data
        EligibilityValidation.objects.create(
            territory=self.territory,
            participant=self.participant,
            criterion=data["criterion"],
            evidence_kind=data["evidence_kind"],
            validated_by=self.request.user,
            validated_on=data["validated_on"],
            valid_until=data["valid_until"],
            reason=data["reason"],
        )
        return f"Éligibilité validée : {data['criterion'].label}."


class TrainingCreateView(PathwayFormView):
    form_name = "training_form"
    anchor = "trainings"

    def build_form(self, data):
        return TrainingForm(data)

    def save(self, form):
        data = form.cleaned_data
        Training.objects.create(
            territory=self.territory,
            participant=self.participant,
            title=data["title"].strip(),
            provider=data["provider"].strip(),
            start_date=data["start_date"],
            end_date=data["end_date"],
            hours=data["hours"],
            is_qualifying=data["is_qualifying"],
        )
        return "Formation ajoutée au parcours."


class OutcomeCreateView(PathwayFormView):
    form_name = "outcome_form"
    anchor = "outcomes"

    def build_form(self, data):
        return OutcomeForm(data, participant=self.participant)

    def save(self, form):
        data = form.cleaned_data
        outcome = Outcome(
            territory=self.territory,
            participant=self.participant,
            milestone=data["milestone"],
            situation=data["situation"],
            contract_months=data["contract_months"],
            observed_on=data["observed_on"],
            employer_name=data["employer_name"].strip(),
            notes=data["notes"].strip(),
            recorded_by=self.request.user,
        )
        outcome.save()
        return f"Sortie enregistrée : {outcome.get_category_display()}."


class PlacementCreateView(ParticipantMixin, TemplateView):
    template_name = "clauses/participant_placement_form.html"

    def form(self, data=None):
        initial = {}
        clause_id = self.request.GET.get("clause")
        if clause_id and clause_id.isdigit():
            initial["clause"] = int(clause_id)
        return PlacementForm(data, membership=self.membership, initial=initial)

    def get(self, request, *args, **kwargs):
        return self.refuse_if_anonymised() or self.render_to_response(self.get_context_data(form=self.form()))

    def post(self, request, *args, **kwargs):
        refused = self.refuse_if_anonymised()
        if refused:
            return refused
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        Placement.objects.create(
            territory=self.territory,
            participant=self.participant,
            clause=data["clause"],
            employer_company=data["employer_company"],
            employer_inclusion=data["employer_inclusion"],
            contract_kind=data["contract_kind"],
            mode=data["mode"],
            start_date=data["start_date"],
            end_date=data["end_date"],
        )
        messages.success(request, "Mise en emploi enregistrée.")
        return HttpResponseRedirect(participant_url(self.participant, "timeline"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["companies_by_clause"] = context["form"].companies_by_clause()
        return context


# --- Outcomes due ------------------------------------------------------------------------------------------------


class OutcomesDueView(TerritoryMixin, ListView):
    """Participants whose outcome is due: at the end of their last placement, or six months later. A facilitator
    sees the people they are the referent of; a coordinator sees everyone."""

    allowed_roles = STAFF
    template_name = "clauses/participant_outcomes_due.html"
    paginate_by = 50
    context_object_name = "participants"

    def get_queryset(self):
        participants = self.visible(Participant).select_related("referent")
        if self.membership.role == Role.FACILITATOR:
            facilitator = getattr(self.membership, "facilitator", None)
            if facilitator is None:
                return Participant.objects.none()
            participants = participants.filter(referent=facilitator)
        return outcomes_due(participants, timezone.localdate()).order_by("last_end", "last_name", "first_name", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context["rows"] = [(person, due_milestones(person, today)) for person in context["participants"]]
        context["is_facilitator"] = self.membership.role == Role.FACILITATOR
        return context


# --- Personal data: journal, right of access, anonymisation ------------------------------------------------------


class AccessLogView(TerritoryMixin, FilterView):
    allowed_roles = COORDINATOR_ONLY
    template_name = "clauses/participant_access_log.html"
    filterset_class = AccessLogFilter
    paginate_by = 100
    context_object_name = "entries"

    def get_queryset(self):
        return (
            PersonalDataAccess.objects.visible_to(self.membership)
            .select_related("user", "participant")
            .order_by("-at", "-pk")
        )


class RightOfAccessMixin(ParticipantMixin):
    participant_roles = COORDINATOR_ONLY

    def filename(self, extension):
        return f"donnees-participant-{self.participant.pk}.{extension}"


class ParticipantDataJsonView(RightOfAccessMixin, View):
    def get(self, request, *args, **kwargs):
        log_access(self.membership, AccessAction.ACCESS_REQUEST, self.participant, detail="Droit d'accès : JSON")
        data = right_of_access_data(self.participant)
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{self.filename("json")}"'
        return response


class ParticipantDataPdfView(RightOfAccessMixin, View):
    """The same data as a PDF. One person's few pages render in well under a second: done in the request."""

    def get(self, request, *args, **kwargs):
        from weasyprint import HTML  # imported on use: it loads pango at import time

        log_access(self.membership, AccessAction.ACCESS_REQUEST, self.participant, detail="Droit d'accès : PDF")
        data = right_of_access_data(self.participant)
        context = {"data": data, "territory": self.territory, "generated_at": timezone.localtime()}
        html = render_to_string("clauses/participant_data_pdf.html", context)
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{self.filename("pdf")}"'
        return response


class ParticipantAnonymiseView(RightOfAccessMixin, TemplateView):
    template_name = "clauses/participant_anonymise.html"

    def get(self, request, *args, **kwargs):
        if self.participant.anonymised_at:
            messages.info(request, "Cette fiche est déjà anonymisée.")
            return redirect(participant_url(self.participant))
        return self.render_to_response(self.get_context_data(form=AnonymiseForm()))

    def post(self, request, *args, **kwargs):
        form = AnonymiseForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        if anonymise(self.participant, self.membership, form.cleaned_data["reason"]):
            messages.success(request, "La fiche a été anonymisée. Les statistiques (heures, sorties) sont conservées.")
        else:
            messages.info(request, "Cette fiche est déjà anonymisée.")
        return redirect(participant_url(self.participant))
