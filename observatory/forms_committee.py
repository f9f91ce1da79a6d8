"""Forms of the comité départemental: its members (by college) and its meetings (agenda, attendance, minutes)."""

from collections import defaultdict

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from accounts.models import Membership

from .enums import College
from .models import CommitteeAttendance, CommitteeMeeting, CommitteeMember


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CommitteeMemberForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = CommitteeMember
        fields = ["name", "organisation", "function", "college", "email", "membership", "is_active"]
        help_texts = {
            "organisation": "Par exemple : Préfecture de l'Hérault, France Travail, Fédération du BTP…",
            "function": "Par exemple : directeur territorial, chargée de mission insertion.",
            "is_active": "Décochez pour un ancien membre : il reste dans les présences des réunions passées.",
        }

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = membership.territory
        field = self.fields["membership"]
        field.queryset = (
            Membership.objects.visible_to(membership).active().select_related("user").order_by("last_name", "email")
        )
        field.empty_label = "— Aucun compte —"
        field.label_from_instance = lambda m: f"{m.display_name} — {m.get_role_display()} ({m.email})"
        field.help_text = "Facultatif : le compte de ce membre sur la plateforme, s'il en a un."
        self.fields["college"].choices = [("", "— Choisir un collège —"), *College.choices]

    def _others(self):
        return CommitteeMember.objects.in_territory(self.territory).exclude(pk=self.instance.pk)

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_organisation(self):
        return " ".join(self.cleaned_data["organisation"].split())

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email:
            other = self._others().filter(email__iexact=email).first()
            if other is not None:
                raise ValidationError(f"Cette adresse e-mail est déjà celle d'un membre du comité : {other}.")
        return email

    def clean_membership(self):
        account = self.cleaned_data["membership"]
        if account is not None:
            other = self._others().filter(membership=account).first()
            if other is not None:
                raise ValidationError(f"Ce compte est déjà relié à un membre du comité : {other}.")
        return account

    def clean(self):
        cleaned = super().clean()
        name, organisation = cleaned.get("name"), cleaned.get("organisation")
        if name and organisation:
            duplicate = self._others().filter(name__iexact=name, organisation__iexact=organisation).first()
            if duplicate is not None:
                state = "" if duplicate.is_active else " (ancien membre : modifiez-le pour le réintégrer)"
                self.add_error("name", f"{duplicate} fait déjà partie du comité{state}.")
        return cleaned

    def validate_unique(self):
        # The (territory, name, organisation) constraint is checked in clean(), with a clearer message; the territory
        # is not a field of the form.
        pass

    def save(self, commit=True):
        member = super().save(commit=False)
        member.territory = self.territory
        if commit:
            member.save()
        return member


class CommitteeMeetingForm(DsfrBaseForm, forms.ModelForm):
    """A meeting and who attended: checkboxes of the members in office, grouped by college.

    A meeting still to come may carry its agenda, but neither attendance nor minutes: both are recorded once it is
    held.
    """

    attendees = forms.ModelMultipleChoiceField(
        label="Membres présents",
        queryset=CommitteeMember.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Cochez les membres présents à la réunion.",
    )

    class Meta:
        model = CommitteeMeeting
        fields = ["date", "title", "agenda", "minutes"]
        widgets = {
            "date": DateInput(),
            "agenda": forms.Textarea(attrs={"rows": 6}),
            "minutes": forms.Textarea(attrs={"rows": 12}),
        }
        help_texts = {
            "agenda": "Un point par ligne.",
            "minutes": "Le compte rendu de la réunion, une fois tenue.",
        }

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = membership.territory
        self.user = membership.user
        members = CommitteeMember.objects.in_territory(self.territory)
        present_ids = []
        if self.instance.pk:
            present_ids = list(
                CommitteeAttendance.objects.in_territory(self.territory)
                .filter(meeting=self.instance)
                .values_list("member_id", flat=True)
            )
            self.initial.setdefault("attendees", present_ids)
        # Members in office, and former members already recorded as present (editing a past meeting keeps them).
        field = self.fields["attendees"]
        field.queryset = members.filter(Q(is_active=True) | Q(pk__in=present_ids)).order_by("organisation", "name")
        field.label_from_instance = self.member_label

    @staticmethod
    def member_label(member):
        label = f"{member.name} — {member.organisation}"
        if member.function:
            label += f", {member.function}"
        return label if member.is_active else f"{label} (ancien membre)"

    def attendee_groups(self):
        """[(college label, [checkbox])] in the order of the colleges, colleges without a member left out."""
        by_college = defaultdict(list)
        for checkbox in self["attendees"]:
            by_college[checkbox.data["value"].instance.college].append(checkbox)
        return [(label, by_college[value]) for value, label in College.choices if by_college[value]]

    def clean_title(self):
        return " ".join(self.cleaned_data["title"].split())

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("date")
        if day is None:
            return cleaned
        if day > timezone.localdate():
            if cleaned.get("minutes", "").strip():
                self.add_error(
                    "minutes",
                    f"La réunion du {day:%d/%m/%Y} n'a pas encore eu lieu : son compte rendu se saisit après la "
                    "réunion. Vous pouvez déjà saisir l'ordre du jour.",
                )
            if cleaned.get("attendees"):
                self.add_error(
                    "attendees",
                    f"La réunion du {day:%d/%m/%Y} n'a pas encore eu lieu : les présences se saisissent après la "
                    "réunion.",
                )
        title = cleaned.get("title")
        if title:
            same = (
                CommitteeMeeting.objects.in_territory(self.territory)
                .filter(date=day, title__iexact=title)
                .exclude(pk=self.instance.pk)
            )
            if same.exists():
                self.add_error("date", f"La réunion « {title} » du {day:%d/%m/%Y} est déjà enregistrée.")
        return cleaned

    def save(self, commit=True):
        meeting = super().save(commit=False)
        meeting.territory = self.territory
        if meeting.pk is None:
            meeting.recorded_by = self.user
        if commit:
            meeting.save()
            self.save_attendance(meeting)
        return meeting

    def save_attendance(self, meeting):
        wanted = {member.pk for member in self.cleaned_data.get("attendees", [])}
        attendance = CommitteeAttendance.objects.in_territory(self.territory).filter(meeting=meeting)
        current = set(attendance.values_list("member_id", flat=True))
        if current - wanted:
            attendance.filter(member_id__in=current - wanted).delete()
        CommitteeAttendance.objects.bulk_create(
            [
                CommitteeAttendance(territory=self.territory, meeting=meeting, member_id=pk)
                for pk in sorted(wanted - current)
            ]
        )
