"""Forms of the participants' pages: registration and edit (with the duplicate warning), eligibility, placement,
training, outcome and anonymisation. French messages; what was typed is kept when a form is re-rendered."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from accounts.enums import Role
from facilitators.coverage import find_communes
from facilitators.models import Facilitator, InclusionEmployer
from markets.models import Company, LotAward
from territories.models import Commune

from .enums import (
    ContractKind,
    EvidenceKind,
    ExecutionMode,
    OutcomeMilestone,
    OutcomeSituation,
)
from .models import Clause, EligibilityCriterion, Outcome, Participant
from .participants import find_duplicates

COMMUNE_DATALIST_ID = "participant-commune-options"
END_BEFORE_START = "La date de fin doit être postérieure ou égale à la date de début."
CONTRACT_MONTHS_SITUATIONS = (OutcomeSituation.CDD, OutcomeSituation.TEMPORARY)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date_field(label, required=True, help_text=""):
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput,
        help_text=help_text or "Format : JJ/MM/AAAA.",
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "required": f"Indiquez la date ({label.lower()}).",
            "invalid": "Date non reconnue : écrivez-la sous la forme JJ/MM/AAAA.",
        },
    )


def not_in_future(value, message):
    if value and value > timezone.localdate():
        raise forms.ValidationError(message)
    return value


def clause_label(clause):
    market = clause.lot.market
    return f"{market.reference} — lot {clause.lot.number} — {market.object}"


def department_communes(territory):
    return Commune.objects.filter(department_id=territory.department_id or territory.code)


# --- Participant -------------------------------------------------------------------------------------------------


class ParticipantForm(DsfrBaseForm, forms.ModelForm):
    """Identity, prescriber and referent. ``duplicates`` lists the likely duplicates found by ``clean``: the view
    saves only when there are none or when ``confirm_distinct`` is ticked."""

    commune = forms.CharField(
        label="Commune de résidence",
        required=False,
        max_length=250,
        help_text="Commune du département : nom ou code INSEE, par exemple « Sète » ou « 34301 ».",
        widget=forms.TextInput(attrs={"list": COMMUNE_DATALIST_ID, "autocomplete": "off"}),
    )
    confirm_distinct = forms.BooleanField(
        label="Il s'agit bien d'une autre personne",
        required=False,
        help_text="J'ai vérifié la fiche existante : cette personne n'y figure pas, je l'enregistre.",
    )

    class Meta:
        model = Participant
        fields = [
            "last_name",
            "first_name",
            "birth_date",
            "sex",
            "qualification_level",
            "is_qpv_resident",
            "prescriber",
            "referent",
        ]
        widgets = {"birth_date": DateInput, "sex": forms.RadioSelect}
        # Labels and help texts go here: django-dsfr's form builds its bound fields in ``__init__``, so changing a
        # field's label afterwards would not show.
        labels = {
            "is_qpv_resident": "Habite un quartier prioritaire de la politique de la ville (QPV)",
            "referent": "Facilitateur·rice référent·e",
        }
        help_texts = {"birth_date": "Format : JJ/MM/AAAA."}
        error_messages = {
            "last_name": {"required": "Indiquez le nom."},
            "first_name": {"required": "Indiquez le prénom."},
            "sex": {"required": "Indiquez le sexe."},
            "birth_date": {
                "required": "Indiquez la date de naissance.",
                "invalid": "Date non reconnue : écrivez-la sous la forme JJ/MM/AAAA.",
            },
        }

    def __init__(self, *args, territory, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.duplicates = []
        birth_date = self.fields["birth_date"]
        birth_date.required = True
        birth_date.input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        self.fields["sex"].choices = list(self.fields["sex"].choices)[1:]  # no empty radio button
        self.fields["qualification_level"].choices = [("", "Non renseigné")] + list(
            self.fields["qualification_level"].choices
        )[1:]
        self.fields["prescriber"].choices = [("", "Aucun")] + list(self.fields["prescriber"].choices)[1:]
        referents = Facilitator.objects.visible_to(membership).select_related("organisation")
        current = self.instance.referent_id
        self.fields["referent"].queryset = referents.filter(Q(is_active=True) | Q(pk=current)).order_by(
            "last_name", "first_name"
        )
        self.fields["referent"].empty_label = "Aucun·e"
        self.fields["referent"].label_from_instance = lambda f: f"{f.full_name} ({f.organisation.name})"
        self.communes = list(department_communes(territory).only("insee_code", "name").order_by("name", "insee_code"))
        if self.instance.pk and not self.is_bound and self.instance.residence_commune_id:
            commune = self.instance.residence_commune
            self.initial["commune"] = f"{commune.name} ({commune.insee_code})"
        if not self.instance.pk and not self.is_bound:
            facilitator = getattr(membership, "facilitator", None) if membership.role == Role.FACILITATOR else None
            if facilitator is not None:
                self.initial["referent"] = facilitator.pk

    def commune_options(self):
        return [f"{commune.name} ({commune.insee_code})" for commune in self.communes]

    def clean_last_name(self):
        return " ".join(self.cleaned_data["last_name"].split())

    def clean_first_name(self):
        return " ".join(self.cleaned_data["first_name"].split())

    def clean_birth_date(self):
        value = not_in_future(self.cleaned_data["birth_date"], "La date de naissance ne peut pas être dans le futur.")
        if value and value.year < 1900:
            raise forms.ValidationError("La date de naissance doit être postérieure à 1900.")
        return value

    def clean_commune(self):
        text = self.cleaned_data["commune"].strip()
        if not text:
            return None
        found = find_communes(text, self.communes)
        department = self.territory.department or self.territory.name
        if not found:
            raise forms.ValidationError(f"Aucune commune « {text} » dans le département {department}.")
        if len(found) > 1:
            examples = ", ".join(f"{c.name} ({c.insee_code})" for c in found[:5])
            more = " …" if len(found) > 5 else ""
            raise forms.ValidationError(
                f"Plusieurs communes correspondent à « {text} » : {examples}{more}. Précisez le code INSEE."
            )
        return found[0]

    def clean(self):
        cleaned = super().clean()
        first, last, born = cleaned.get("first_name"), cleaned.get("last_name"), cleaned.get("birth_date")
        if first and last and born:
            self.duplicates = find_duplicates(self.territory, first, last, born, exclude_pk=self.instance.pk)
        return cleaned

    @property
    def needs_confirmation(self):
        """Likely duplicates exist and the user has not confirmed that this is another person."""
        return bool(self.duplicates) and not getattr(self, "cleaned_data", {}).get("confirm_distinct")

    def save(self, commit=True):
        participant = super().save(commit=False)
        participant.territory = self.territory
        participant.residence_commune = self.cleaned_data.get("commune")
        if commit:
            participant.save()
        return participant


# --- Eligibility -------------------------------------------------------------------------------------------------


class EligibilityForm(DsfrBaseForm):
    criterion = forms.ModelChoiceField(
        label="Critère d'éligibilité (public)",
        queryset=EligibilityCriterion.objects.none(),
        empty_label="Choisir un critère",
        error_messages={"required": "Choisissez le critère validé."},
    )
    evidence_kind = forms.ChoiceField(
        label="Pièce justificative vue",
        choices=[("", "Choisir une pièce")] + EvidenceKind.choices,
        help_text=(
            "La pièce n'est pas conservée par l'application : indiquez seulement le type de pièce que vous avez vue. "
            "Ne la déposez nulle part et ne la recopiez pas."
        ),
        error_messages={"required": "Indiquez la pièce justificative vue."},
    )
    validated_on = date_field("Date de validation")
    valid_until = date_field(
        "Valable jusqu'au",
        required=False,
        help_text="Facultatif : fin de validité de la pièce ou du droit (par exemple une notification MDPH).",
    )
    reason = forms.CharField(
        label="Motif",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire pour une décision motivée du facilitateur : la situation et l'avis du prescripteur.",
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = criteria
        self.fields["validated_on"].initial = timezone.localdate()

    def clean_validated_on(self):
        return not_in_future(self.cleaned_data["validated_on"], "La date de validation ne peut pas être dans le futur.")

    def clean(self):
        cleaned = super().clean()
        criterion, reason = cleaned.get("criterion"), (cleaned.get("reason") or "").strip()
        cleaned["reason"] = reason
        if criterion is not None and criterion.requires_reason and not reason:
            self.add_error(
                "reason",
                f"Le critère « {criterion.label} » exige un motif : décrivez la situation de la personne et l'avis "
                "du prescripteur.",
            )
        validated_on, valid_until = cleaned.get("validated_on"), cleaned.get("valid_until")
        if validated_on and valid_until and valid_until < validated_on:
            self.add_error("valid_until", "La fin de validité doit suivre la date de validation.")
        return cleaned


# --- Placement ---------------------------------------------------------------------------------------------------


class PlacementForm(DsfrBaseForm):
    clause = forms.ModelChoiceField(
        label="Clause (marché, lot)",
        queryset=Clause.objects.none(),
        empty_label="Choisir une clause",
        error_messages={"required": "Choisissez la clause."},
    )
    employer_company = forms.ModelChoiceField(
        label="Entreprise employeuse",
        queryset=Company.objects.none(),
        required=False,
        empty_label="Aucune (mise à disposition par un employeur inclusif)",
        help_text="Une entreprise attributaire du lot de la clause (titulaire, cotraitante ou sous-traitante).",
    )
    employer_inclusion = forms.ModelChoiceField(
        label="Ou employeur inclusif (mise à disposition, sous-traitance)",
        queryset=InclusionEmployer.objects.none(),
        required=False,
        empty_label="Aucun",
        help_text="ETTI, AI, GEIQ, EI ou ACI qui emploie la personne et la met à disposition.",
    )
    contract_kind = forms.ChoiceField(
        label="Type de contrat",
        choices=[("", "Choisir un type")] + ContractKind.choices,
        error_messages={"required": "Indiquez le type de contrat."},
    )
    mode = forms.ChoiceField(
        label="Modalité",
        choices=ExecutionMode.choices,
        initial=ExecutionMode.DIRECT_HIRING,
        error_messages={"required": "Indiquez la modalité."},
    )
    start_date = date_field("Début")
    end_date = date_field("Fin", required=False, help_text="Facultatif tant que le contrat est en cours.")

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        territory = membership.territory
        clauses = Clause.objects.visible_to(membership).select_related("lot__market")
        self.fields["clause"].queryset = clauses.order_by("lot__market__reference", "lot__number", "pk")
        self.fields["clause"].label_from_instance = clause_label
        awards = list(
            LotAward.objects.in_territory(territory)
            .filter(lot__clauses__isnull=False)
            .values_list("lot_id", "company_id")
            .distinct()
        )
        self.companies_by_lot = {}
        for lot_id, company_id in awards:
            self.companies_by_lot.setdefault(lot_id, set()).add(company_id)
        self.fields["employer_company"].queryset = (
            Company.objects.visible_to(membership).filter(pk__in={c for _, c in awards}).order_by("name")
        )
        self.fields["employer_inclusion"].queryset = InclusionEmployer.objects.visible_to(membership).order_by("name")

    def companies_by_clause(self):
        """{clause id: [company ids awarded its lot]}, for the script that narrows the company list."""
        return {
            str(clause.pk): sorted(self.companies_by_lot.get(clause.lot_id, ()))
            for clause in self.fields["clause"].queryset
        }

    def clean(self):
        cleaned = super().clean()
        clause, company, inclusion = (
            cleaned.get("clause"),
            cleaned.get("employer_company"),
            cleaned.get("employer_inclusion"),
        )
        mode = cleaned.get("mode")
        if company and inclusion:
            self.add_error(
                "employer_inclusion",
                "Indiquez un seul employeur : l'entreprise attributaire ou l'employeur inclusif, pas les deux.",
            )
        elif not company and not inclusion and "employer_company" not in self.errors:
            self.add_error(
                "employer_company", "Indiquez l'employeur : une entreprise attributaire ou un employeur inclusif."
            )
        if clause and company and company.pk not in self.companies_by_lot.get(clause.lot_id, ()):
            self.add_error(
                "employer_company",
                f"« {company.name} » n'est pas attributaire du lot de cette clause : choisissez une entreprise "
                "titulaire, cotraitante ou sous-traitante de ce lot.",
            )
        if inclusion and not company and mode == ExecutionMode.DIRECT_HIRING:
            self.add_error(
                "mode",
                "Un employeur inclusif ne fait pas d'embauche directe sur la clause : choisissez « Mise à disposition »"
                " ou « Co-traitance / sous-traitance ».",
            )
        if company and not inclusion and mode == ExecutionMode.STAFF_PROVISION:
            self.add_error(
                "employer_inclusion",
                "Une mise à disposition se fait par un employeur inclusif (ETTI, AI, GEIQ) : choisissez-le, et "
                "laissez l'entreprise vide.",
            )
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", END_BEFORE_START)
        if clause and start and clause.end_date and start > clause.end_date:
            self.add_error(
                "start_date",
                f"La clause se termine le {clause.end_date:%d/%m/%Y} : la mise en emploi doit commencer avant.",
            )
        return cleaned


# --- Training ----------------------------------------------------------------------------------------------------


class TrainingForm(DsfrBaseForm):
    title = forms.CharField(
        label="Intitulé de la formation",
        max_length=200,
        error_messages={"required": "Indiquez l'intitulé de la formation."},
    )
    provider = forms.CharField(label="Organisme de formation", max_length=200, required=False)
    start_date = date_field("Début")
    end_date = date_field("Fin", required=False, help_text="Facultatif.")
    hours = forms.DecimalField(
        label="Durée (heures)",
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=2,
        error_messages={"min_value": "La durée ne peut pas être négative.", "invalid": "Indiquez un nombre d'heures."},
    )
    is_qualifying = forms.BooleanField(
        label="Formation qualifiante", required=False, help_text="Elle mène à un diplôme, un titre ou un certificat."
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", END_BEFORE_START)
        return cleaned


# --- Outcome -----------------------------------------------------------------------------------------------------


class OutcomeForm(DsfrBaseForm):
    milestone = forms.ChoiceField(
        label="Échéance",
        choices=OutcomeMilestone.choices,
        error_messages={"required": "Indiquez l'échéance."},
    )
    situation = forms.ChoiceField(
        label="Situation de la personne",
        choices=[("", "Choisir une situation")] + OutcomeSituation.choices,
        error_messages={"required": "Indiquez la situation de la personne."},
    )
    contract_months = forms.IntegerField(
        label="Durée du contrat (mois)",
        required=False,
        min_value=1,
        max_value=120,
        help_text="Pour un CDD ou une mission d'intérim : 6 mois et plus, c'est un emploi durable.",
        error_messages={
            "min_value": "La durée du contrat est d'au moins un mois.",
            "max_value": "Indiquez une durée de 120 mois au plus.",
            "invalid": "Indiquez un nombre entier de mois.",
        },
    )
    observed_on = date_field("Constatée le")
    employer_name = forms.CharField(label="Employeur ou organisme", max_length=200, required=False)
    notes = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, participant, **kwargs):
        super().__init__(*args, **kwargs)
        self.participant = participant
        self.fields["observed_on"].initial = timezone.localdate()

    def clean_observed_on(self):
        return not_in_future(self.cleaned_data["observed_on"], "La date constatée ne peut pas être dans le futur.")

    def clean(self):
        cleaned = super().clean()
        milestone, situation = cleaned.get("milestone"), cleaned.get("situation")
        if situation in CONTRACT_MONTHS_SITUATIONS:
            if cleaned.get("contract_months") is None and "contract_months" not in self.errors:
                self.add_error(
                    "contract_months",
                    "Indiquez la durée du contrat en mois : pour un CDD ou une mission d'intérim, elle décide s'il "
                    "s'agit d'un emploi durable (6 mois et plus).",
                )
        else:
            cleaned["contract_months"] = None
        if milestone:
            recorded = Outcome.objects.filter(
                territory_id=self.participant.territory_id, participant=self.participant, milestone=milestone
            ).exists()
            if recorded:
                self.add_error(
                    "milestone",
                    f"La sortie « {OutcomeMilestone(milestone).label} » est déjà enregistrée pour cette personne : "
                    "une seule par échéance.",
                )
        return cleaned


# --- Anonymisation -----------------------------------------------------------------------------------------------


class AnonymiseForm(DsfrBaseForm):
    reason = forms.CharField(
        label="Motif de l'anonymisation",
        max_length=250,
        help_text="Par exemple : demande d'effacement de la personne reçue le 3 mars 2026.",
        error_messages={"required": "Indiquez le motif de l'anonymisation."},
    )
    confirm = forms.BooleanField(
        label="Je confirme l'anonymisation : le nom, le prénom, la date de naissance et la commune seront effacés "
        "définitivement.",
        error_messages={"required": "Cochez la case pour confirmer l'anonymisation."},
    )
