"""Partners of the coordination and the meetings held with them (buyers, federations, employment services…).

Readers: coordinators, facilitators and the committee (the indicators are theirs). Buyers and companies have no
access (403): the notes of meetings with other organisations are not theirs to read. Coordinators manage partners;
coordinators and facilitators record meetings.
"""

from datetime import date

from django.contrib import messages
from django.db.models import Count, Max, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView

from accounts.enums import Role
from accounts.mixins import TerritoryMixin
from facilitators.views_employers import VisibleObjectMixin

from .forms_partners import PartnerFilter, PartnerForm, PartnerMeetingFilter, PartnerMeetingForm
from .indicators import buyers_and_federations_met, partners_involved
from .models import Partner, PartnerMeeting

READERS = {Role.COORDINATOR, Role.FACILITATOR, Role.COMMITTEE}
MEETING_WRITERS = {Role.COORDINATOR, Role.FACILITATOR}
PARTNER_WRITERS = {Role.COORDINATOR}


class PartnerAccessMixin(TerritoryMixin):
    allowed_roles = READERS

    def get_context_data(self, **kwargs):
        kwargs.setdefault("can_manage_partners", self.membership.role in PARTNER_WRITERS)
        kwargs.setdefault("can_record_meetings", self.membership.role in MEETING_WRITERS)
        return super().get_context_data(**kwargs)


class PartnerListView(PartnerAccessMixin, FilterView):
    template_name = "observatory/partner_list.html"
    filterset_class = PartnerFilter
    paginate_by = 50
    context_object_name = "partners"

    def get_queryset(self):
        return (
            self.visible(Partner)
            .select_related("buyer")
            .annotate(meeting_count=Count("meetings"), last_meeting=Max("meetings__date"))
            .order_by("name", "pk")
        )


class PartnerDetailView(VisibleObjectMixin, PartnerAccessMixin, DetailView):
    template_name = "observatory/partner_detail.html"
    context_object_name = "partner"
    object_model = Partner
    object_roles = READERS

    def get_object_queryset(self):
        return Partner.objects.select_related("buyer").prefetch_related(
            Prefetch("meetings", queryset=PartnerMeeting.objects.select_related("recorded_by").order_by("-date", "-pk"))
        )


class PartnerFormMixin(PartnerAccessMixin):
    allowed_roles = PARTNER_WRITERS
    form_class = PartnerForm
    template_name = "observatory/partner_form.html"
    context_object_name = "partner"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "membership": self.membership}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("partner", self.object)  # None on the creation page
        return super().get_context_data(**kwargs)

    def get_success_url(self):
        return reverse("partners:partner_detail", kwargs={"territory_code": self.territory.code, "pk": self.object.pk})


class PartnerCreateView(PartnerFormMixin, CreateView):
    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, f"Partenaire « {self.object.name} » ajouté.")
        return response


class PartnerUpdateView(VisibleObjectMixin, PartnerFormMixin, UpdateView):
    object_model = Partner
    object_roles = PARTNER_WRITERS

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, f"Partenaire « {self.object.name} » modifié.")
        return response


class MeetingListView(PartnerAccessMixin, FilterView):
    template_name = "observatory/meeting_list.html"
    filterset_class = PartnerMeetingFilter
    paginate_by = 50
    context_object_name = "meetings"

    def get_queryset(self):
        return self.visible(PartnerMeeting).select_related("partner").order_by("-date", "-pk")

    def indicator_year(self):
        """The filtered year, else the current one: the indicators are always those of one calendar year."""
        filterset = getattr(self, "filterset", None)
        if filterset is not None and filterset.is_valid() and filterset.form.cleaned_data.get("year"):
            return int(filterset.form.cleaned_data["year"])
        return timezone.localdate().year

    def get_context_data(self, **kwargs):
        year = self.indicator_year()
        start, end = date(year, 1, 1), date(year, 12, 31)
        return super().get_context_data(
            indicator_year=year,
            involved=partners_involved(self.territory, start, end),
            buyers_federations=buyers_and_federations_met(self.territory, start, end),
            **kwargs,
        )


class MeetingCreateView(PartnerAccessMixin, CreateView):
    allowed_roles = MEETING_WRITERS
    form_class = PartnerMeetingForm
    template_name = "observatory/meeting_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "membership": self.membership}

    def get_initial(self):
        initial = {"date": timezone.localdate()}
        partner_pk = self.request.GET.get("partenaire", "")
        if partner_pk.isdigit():
            partner = self.visible(Partner).filter(pk=partner_pk).first()
            if partner is not None:
                initial["partner"] = partner
        return initial

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request, f"Rencontre du {self.object.date:%d/%m/%Y} avec {self.object.partner} enregistrée."
        )
        return response

    def get_success_url(self):
        return reverse(
            "partners:partner_detail", kwargs={"territory_code": self.territory.code, "pk": self.object.partner_id}
        )
