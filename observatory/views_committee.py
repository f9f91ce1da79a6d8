"""The comité départemental: its members by college, its meetings (agenda, attendance, minutes) and how often it meets.

Readers: coordinators, facilitators and the committee itself. Buyers and companies have no access (403): the
committee's minutes are not theirs to read. Only coordinators manage members and meetings.
"""

from collections import defaultdict

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.views.generic import CreateView, DetailView, TemplateView, UpdateView

from accounts.enums import Role
from accounts.mixins import TerritoryMixin
from facilitators.views_employers import VisibleObjectMixin

from .enums import College
from .forms_committee import CommitteeMeetingForm, CommitteeMemberForm
from .indicators import meetings_per_year  # the one definition of a held meeting (also the observatory's)
from .models import CommitteeAttendance, CommitteeMeeting, CommitteeMember

READERS = {Role.COORDINATOR, Role.FACILITATOR, Role.COMMITTEE}
WRITERS = {Role.COORDINATOR}


def members_by_college(members):
    """[(value, label, [member])] for every college, in the order of ``College``, empty colleges included."""
    grouped = defaultdict(list)
    for member in members:
        grouped[member.college].append(member)
    return [(value, label, grouped[value]) for value, label in College.choices]


class CommitteeMixin(TerritoryMixin):
    allowed_roles = READERS

    def get_context_data(self, **kwargs):
        kwargs.setdefault("can_manage", self.membership.role in WRITERS)
        return super().get_context_data(**kwargs)


class CommitteeIndexView(CommitteeMixin, TemplateView):
    template_name = "observatory/committee_index.html"

    def get_context_data(self, **kwargs):
        members = list(self.visible(CommitteeMember).order_by("name", "pk"))
        meetings = list(
            self.visible(CommitteeMeeting).annotate(attendance_count=Count("attendance")).order_by("-date", "-pk")
        )
        today = timezone.localdate()
        per_year = meetings_per_year(self.territory, today)
        return super().get_context_data(
            colleges=members_by_college(m for m in members if m.is_active),
            active_count=sum(1 for m in members if m.is_active),
            former_members=[m for m in members if not m.is_active],
            meetings=meetings,
            today=today,
            per_year=per_year,
            held_this_year=per_year_held(per_year, today.year),
            **kwargs,
        )


def per_year_held(per_year, year):
    return next((row["held"] for row in per_year if row["year"] == year), 0)


class MemberFormMixin(CommitteeMixin):
    allowed_roles = WRITERS
    form_class = CommitteeMemberForm
    template_name = "observatory/committee_member_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "membership": self.membership}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("member", self.object)  # None on the creation page
        return super().get_context_data(**kwargs)

    def get_success_url(self):
        return reverse("committee:index", kwargs={"territory_code": self.territory.code})


class MemberCreateView(MemberFormMixin, CreateView):
    def get_initial(self):
        return {"is_active": True}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, f"{self.object} ajouté au comité ({self.object.get_college_display()}).")
        return response


class MemberUpdateView(VisibleObjectMixin, MemberFormMixin, UpdateView):
    object_model = CommitteeMember
    object_roles = WRITERS

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, f"{self.object} : fiche modifiée.")
        return response


class MeetingFormMixin(CommitteeMixin):
    allowed_roles = WRITERS
    form_class = CommitteeMeetingForm
    template_name = "observatory/committee_meeting_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "membership": self.membership}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("meeting", self.object)  # None on the creation page
        kwargs.setdefault("today", timezone.localdate())
        return super().get_context_data(**kwargs)

    def get_success_url(self):
        return reverse("committee:meeting_detail", kwargs={"territory_code": self.territory.code, "pk": self.object.pk})


class MeetingCreateView(MeetingFormMixin, CreateView):
    def get_initial(self):
        return {"date": timezone.localdate(), "title": CommitteeMeeting._meta.get_field("title").default}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, f"{self.object} enregistrée.")
        return response


class MeetingUpdateView(VisibleObjectMixin, MeetingFormMixin, UpdateView):
    object_model = CommitteeMeeting
    object_roles = WRITERS

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, f"{self.object} modifiée.")
        return response


class MeetingDetailView(VisibleObjectMixin, CommitteeMixin, DetailView):
    template_name = "observatory/committee_meeting_detail.html"
    context_object_name = "meeting"
    object_model = CommitteeMeeting
    object_roles = READERS

    def get_object_queryset(self):
        return CommitteeMeeting.objects.select_related("recorded_by").prefetch_related(
            Prefetch(
                "attendance",
                queryset=CommitteeAttendance.objects.select_related("member").order_by("member__name"),
            )
        )

    def get_context_data(self, **kwargs):
        present = [row.member for row in self.object.attendance.all()]
        return super().get_context_data(
            attendance=members_by_college(present),
            present_count=len(present),
            is_upcoming=self.object.date > timezone.localdate(),
            **kwargs,
        )
