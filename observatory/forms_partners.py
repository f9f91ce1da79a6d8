"""Forms and filters of the partners' pages: partners of the coordination and the meetings held with them."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models.functions import ExtractYear
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from markets.models import Buyer

from .enums import PartnerKind
from .models import Partner, PartnerMeeting


class DsfrFilterForm(DsfrBaseForm):
    pass


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PartnerForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Partner
        fields = ["name", "kind", "buyer", "contact_name", "email", "phone", "is_active"]

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = membership.territory
        self.fields["buyer"].queryset = Buyer.objects.visible_to(membership).order_by("name")
        self.fields["buyer"].empty_label = "—"
        self.fields["buyer"].help_text = "Seulement pour un partenaire de type « donneur d'ordre » : son acheteur."

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = Partner.objects.in_territory(self.territory).filter(name__iexact=name).exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError("Un partenaire de la coordination porte déjà ce nom.")
        return name

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("buyer") and cleaned.get("kind") and cleaned["kind"] != PartnerKind.BUYER:
            self.add_error("buyer", "Seul un partenaire de type « donneur d'ordre » peut être lié à un acheteur.")
        return cleaned

    def save(self, commit=True):
        partner = super().save(commit=False)
        partner.territory = self.territory
        if commit:
            partner.save()
        return partner


class PartnerMeetingForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = PartnerMeeting
        fields = ["date", "partner", "attendees", "topic", "follow_up", "follow_up_due"]
        widgets = {
            "date": DateInput(),
            "follow_up_due": DateInput(),
            "attendees": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "attendees": "Les personnes présentes et leur organisation.",
            "follow_up_due": "Au plus tôt le jour de la rencontre.",
        }

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = membership.territory
        self.user = membership.user
        self.fields["partner"].queryset = Partner.objects.visible_to(membership).order_by("-is_active", "name")
        self.fields["partner"].label_from_instance = lambda p: p.name if p.is_active else f"{p.name} (inactif)"

    def clean(self):
        cleaned = super().clean()
        date, due = cleaned.get("date"), cleaned.get("follow_up_due")
        if date and due and due < date:
            self.add_error(
                "follow_up_due",
                f"L'échéance des suites doit être postérieure ou égale à la date de la rencontre ({date:%d/%m/%Y}).",
            )
        return cleaned

    def save(self, commit=True):
        meeting = super().save(commit=False)
        meeting.territory = self.territory
        meeting.recorded_by = self.user
        if commit:
            meeting.save()
        return meeting


class PartnerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche (nom)", field_name="name", lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label="Type de partenaire", choices=PartnerKind.choices, empty_label="Tous")
    is_active = django_filters.BooleanFilter(
        label="Statut",
        widget=forms.Select(choices=[("", "Tous"), ("true", "Actifs"), ("false", "Inactifs")]),
    )

    class Meta:
        model = Partner
        fields = ["q", "kind", "is_active"]
        form = DsfrFilterForm


class PartnerMeetingFilter(django_filters.FilterSet):
    year = django_filters.ChoiceFilter(label="Année", method="filter_year", empty_label="Toutes")
    kind = django_filters.ChoiceFilter(
        label="Type de partenaire", field_name="partner__kind", choices=PartnerKind.choices, empty_label="Tous"
    )

    class Meta:
        model = PartnerMeeting
        fields = ["year", "kind"]
        form = DsfrFilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The years with a meeting, and the current one (to plan the year's meetings on an empty list).
        years = set(self.queryset.order_by().annotate(y=ExtractYear("date")).values_list("y", flat=True).distinct()) | {
            timezone.localdate().year
        }
        self.filters["year"].extra["choices"] = [(str(year), str(year)) for year in sorted(years, reverse=True)]

    def filter_year(self, queryset, name, value):
        return queryset.filter(date__year=int(value))
