"""Filters of the participants' list (and its export) and of the access journal."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from facilitators.models import Facilitator
from markets.models import Company

from .enums import Prescriber, Sex
from .filters import DsfrFilterForm
from .filters_statements import ClauseChoiceFilter
from .models import Clause, EligibilityCriterion, EligibilityValidation, Participant, PersonalDataAccess, Placement
from .participants import AGE_BANDS, OUTCOME_STATUSES, age_band_q, filter_outcome_status


def _membership(request):
    return getattr(request, "membership", None) if request is not None else None


def _criteria(request):
    return EligibilityCriterion.objects.visible_to(_membership(request)).order_by("position", "label")


def _facilitators(request):
    return Facilitator.objects.visible_to(_membership(request)).order_by("last_name", "first_name")


def _companies_with_placements(request):
    membership = _membership(request)
    placements = Placement.objects.filter(territory_id=OuterRef("territory_id"), employer_company_id=OuterRef("pk"))
    return Company.objects.visible_to(membership).filter(Exists(placements)).order_by("name").only("pk", "name")


def _clauses_with_placements(request):
    placements = Placement.objects.filter(territory_id=OuterRef("territory_id"), clause_id=OuterRef("pk"))
    return (
        Clause.objects.visible_to(_membership(request))
        .filter(Exists(placements))
        .select_related("lot__market")
        .order_by("lot__market__reference", "lot__number", "pk")
    )


class FacilitatorChoiceFilter(django_filters.ModelChoiceFilter):
    class field_class(forms.ModelChoiceField):
        def label_from_instance(self, facilitator):
            return facilitator.full_name


YES_NO = [("true", "Oui"), ("false", "Non")]


class ParticipantFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Nom ou prénom", method="filter_name")
    criterion = django_filters.ModelChoiceFilter(
        label="Public (critère validé)", queryset=_criteria, method="filter_criterion", empty_label="Tous"
    )
    age_band = django_filters.ChoiceFilter(
        label="Tranche d'âge", choices=AGE_BANDS, method="filter_age_band", empty_label="Toutes"
    )
    sex = django_filters.ChoiceFilter(label="Sexe", choices=Sex.choices, empty_label="Tous")
    is_qpv_resident = django_filters.ChoiceFilter(
        label="Habite un QPV", choices=YES_NO, method="filter_qpv", empty_label="Tous"
    )
    prescriber = django_filters.ChoiceFilter(label="Prescripteur", choices=Prescriber.choices, empty_label="Tous")
    referent = FacilitatorChoiceFilter(label="Facilitateur·rice référent·e", queryset=_facilitators, empty_label="Tous")
    company = django_filters.ModelChoiceFilter(
        label="Entreprise employeuse",
        queryset=_companies_with_placements,
        method="filter_company",
        empty_label="Toutes",
    )
    clause = ClauseChoiceFilter(
        label="Clause (marché, lot)", queryset=_clauses_with_placements, method="filter_clause", empty_label="Toutes"
    )
    outcome_status = django_filters.ChoiceFilter(
        label="Sortie", choices=OUTCOME_STATUSES, method="filter_outcome_status", empty_label="Toutes"
    )

    class Meta:
        model = Participant
        form = DsfrFilterForm
        fields = [
            "q",
            "criterion",
            "age_band",
            "sex",
            "is_qpv_resident",
            "prescriber",
            "referent",
            "company",
            "clause",
            "outcome_status",
        ]

    def filter_name(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(last_name__icontains=word) | Q(first_name__icontains=word))
        return queryset

    def filter_criterion(self, queryset, name, criterion):
        validations = EligibilityValidation.objects.filter(
            territory_id=OuterRef("territory_id"), participant_id=OuterRef("pk"), criterion=criterion
        )
        return queryset.filter(Exists(validations))

    def filter_qpv(self, queryset, name, value):
        return queryset.filter(is_qpv_resident=value == "true")

    def filter_age_band(self, queryset, name, value):
        return queryset.filter(age_band_q(value, timezone.localdate().year))

    def _placed(self, queryset, **lookup):
        placements = Placement.objects.filter(territory_id=OuterRef("territory_id"), participant_id=OuterRef("pk"))
        return queryset.filter(Exists(placements.filter(**lookup)))

    def filter_company(self, queryset, name, company):
        return self._placed(queryset, employer_company=company)

    def filter_clause(self, queryset, name, clause):
        return self._placed(queryset, clause=clause)

    def filter_outcome_status(self, queryset, name, value):
        return filter_outcome_status(queryset, value, timezone.localdate())

    def summary(self):
        """The filters applied, in French, for the export's parameters and the access journal (never a name)."""
        if not self.is_bound or not self.form.is_valid():
            return []
        labels = []
        for field_name, field in self.form.fields.items():
            value = self.form.cleaned_data.get(field_name)
            if value in (None, "", []):
                continue
            if field_name == "q":
                labels.append((field.label, "recherche par nom"))
                continue
            if hasattr(field, "choices") and not hasattr(field, "queryset"):
                value = dict(field.choices).get(value, value)
            elif hasattr(field, "label_from_instance"):
                value = field.label_from_instance(value)
            labels.append((field.label, str(value)))
        return labels


# --- Access journal ----------------------------------------------------------------------------------------------


def _journal_users(request):
    membership = _membership(request)
    if membership is None:
        return User.objects.none()
    return (
        User.objects.filter(memberships__territory_id=membership.territory_id)
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


class UserChoiceFilter(django_filters.ModelChoiceFilter):
    class field_class(forms.ModelChoiceField):
        def label_from_instance(self, user):
            name = user.get_full_name()
            return f"{name} ({user.email})" if name else user.email


class AccessLogFilter(django_filters.FilterSet):
    user = UserChoiceFilter(label="Utilisateur·rice", queryset=_journal_users, empty_label="Tous")
    participant = django_filters.CharFilter(
        label="Participant",
        method="filter_participant",
        help_text="Numéro de fiche ou nom.",
    )
    action = django_filters.ChoiceFilter(
        label="Action", choices=PersonalDataAccess._meta.get_field("action").choices, empty_label="Toutes"
    )
    start = django_filters.DateFilter(
        label="Du",
        field_name="at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": "Date non reconnue : écrivez-la sous la forme JJ/MM/AAAA."},
    )
    end = django_filters.DateFilter(
        label="Au (inclus)",
        field_name="at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": "Date non reconnue : écrivez-la sous la forme JJ/MM/AAAA."},
    )

    class Meta:
        model = PersonalDataAccess
        form = DsfrFilterForm
        fields = ["user", "participant", "action", "start", "end"]

    def filter_participant(self, queryset, name, value):
        value = value.strip()
        if value.isdigit():
            return queryset.filter(participant_id=int(value))
        for word in value.split():
            queryset = queryset.filter(
                Q(participant__last_name__icontains=word) | Q(participant__first_name__icontains=word)
            )
        return queryset
