"""Forms of programming: declaring a planned market, its feasibility study, its facilitator, the labour shares."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from facilitators.coverage import datalist_options, department_communes, find_communes
from facilitators.models import Facilitator
from markets.enums import DEFAULT_LABOUR_SHARES, MarketStatus, Trade
from markets.models import Buyer, Company, Market
from territories.validators import normalize_siret, validate_siret

from .enums import ClauseForm, FeasibilityLevel
from .feasibility import recommend_form
from .models import ClausePlan
from .programming import next_reference, reference_year

COMMUNE_DATALIST_ID = "planned-market-commune-options"
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlannedMarketForm(DsfrBaseForm, forms.ModelForm):
    """A planned market as a buyer (or a coordinator, for any buyer) declares it."""

    commune = forms.CharField(
        label="Lieu d'exécution",
        max_length=250,
        help_text="Commune du département : nom ou code INSEE, par exemple « Sète » ou « 34301 ».",
        widget=forms.TextInput(attrs={"list": COMMUNE_DATALIST_ID, "autocomplete": "off"}),
        error_messages={"required": "Indiquez la commune où le marché sera exécuté."},
    )

    class Meta:
        model = Market
        fields = ["buyer", "reference", "object", "trade", "amount_ht", "expected_tender_date", "duration_months"]
        labels = {
            "buyer": "Donneur d'ordre",
            "reference": "Référence",
            "object": "Objet du marché",
            "trade": "Corps d'état / type de prestation",
            "amount_ht": "Montant estimé HT (€)",
            "expected_tender_date": "Date prévisionnelle de la consultation",
            "duration_months": "Durée d'exécution (mois)",
        }
        help_texts = {
            "reference": "Facultative : laissée vide, elle est attribuée automatiquement (par exemple PREV-2027-003).",
            "amount_ht": "Une estimation suffit, par exemple 450000.",
            "expected_tender_date": "Date à laquelle la consultation devrait être lancée (JJ/MM/AAAA).",
        }
        widgets = {
            "expected_tender_date": DATE_WIDGET,
            "object": forms.TextInput(),
        }
        error_messages = {
            "buyer": {"required": "Choisissez le donneur d'ordre."},
            "object": {"required": "Indiquez l'objet du marché."},
            "trade": {"required": "Choisissez le corps d'état ou le type de prestation."},
            "amount_ht": {
                "required": "Indiquez le montant estimé.",
                "invalid": "Montant non reconnu : écrivez un nombre, par exemple 450000.",
                "max_digits": "Montant trop élevé.",
            },
            "expected_tender_date": {
                "required": "Indiquez la date prévisionnelle de la consultation.",
                "invalid": "Date non reconnue : écrivez-la sous la forme JJ/MM/AAAA.",
            },
            "duration_months": {
                "required": "Indiquez la durée d'exécution en mois.",
                "invalid": "Durée non reconnue : écrivez un nombre entier de mois.",
            },
        }

    def __init__(self, *args, territory, buyer=None, **kwargs):
        """``buyer``: the organisation of a buyer member (the field is then hidden and fixed); None for a
        coordinator, who chooses among the territory's buyers."""
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.fixed_buyer = buyer
        if buyer is not None:
            del self.fields["buyer"]
        else:
            self.fields["buyer"].queryset = Buyer.objects.in_territory(territory).order_by("name")
            self.fields["buyer"].empty_label = "—"
        for name in ("trade", "amount_ht", "expected_tender_date", "duration_months"):
            self.fields[name].required = True
        self.fields["reference"].required = False
        self.fields["trade"].choices = [("", "—")] + list(Trade.choices)
        self.fields["expected_tender_date"].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        self.fields["amount_ht"].min_value = Decimal("1")
        self.fields["amount_ht"].localize = False
        self.fields["duration_months"].min_value = 1
        self.communes = department_communes(territory)
        if not self.is_bound and self.instance.execution_commune_id:
            commune = self.instance.execution_commune
            self.initial["commune"] = f"{commune.name} ({commune.insee_code})"

    def commune_options(self):
        return datalist_options(self.communes)

    @property
    def buyer(self):
        return self.fixed_buyer or self.cleaned_data.get("buyer")

    def clean_reference(self):
        return " ".join(self.cleaned_data["reference"].split())

    def clean_object(self):
        return " ".join(self.cleaned_data["object"].split())

    def clean_amount_ht(self):
        amount = self.cleaned_data["amount_ht"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError("Le montant estimé doit être positif.")
        return amount

    def clean_duration_months(self):
        months = self.cleaned_data["duration_months"]
        if months is not None and not 1 <= months <= 240:
            raise forms.ValidationError("La durée doit être comprise entre 1 et 240 mois.")
        return months

    def clean_expected_tender_date(self):
        value = self.cleaned_data["expected_tender_date"]
        if value and not 2000 <= value.year <= 2100:
            raise forms.ValidationError("Date invraisemblable : vérifiez l'année.")
        return value

    def clean_commune(self):
        text = self.cleaned_data["commune"].strip()
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
        return found[0].insee_code

    def clean(self):
        cleaned = super().clean()
        buyer, reference = self.buyer, cleaned.get("reference")
        if buyer is not None and reference:
            taken = Market.objects.in_territory(self.territory).filter(buyer=buyer, reference__iexact=reference)
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("reference", f"La référence « {reference} » est déjà utilisée par {buyer.name}.")
        return cleaned

    def _post_clean(self):
        # The territory, buyer and reference are set before the model's own validation (unique constraints).
        self.instance.territory = self.territory
        if self.fixed_buyer is not None:
            self.instance.buyer = self.fixed_buyer
        if "reference" not in self.errors and not self.cleaned_data.get("reference") and self.buyer is not None:
            date_ = self.cleaned_data.get("expected_tender_date")
            self.cleaned_data["reference"] = next_reference(self.territory, self.buyer, reference_year(date_))
        self.instance.status = MarketStatus.PLANNED
        if self.cleaned_data.get("commune"):
            self.instance.execution_commune_id = self.cleaned_data["commune"]
        super()._post_clean()


LEVEL_FIELDS = [
    ("duration", "Durée du marché", "Au moins deux mois pour accueillir une personne ; une durée courte est réservée."),
    ("amount", "Montant", "Le montant doit permettre d'absorber les coûts fixes de l'accueil (tutorat, encadrement)."),
    (
        "technicality",
        "Technicité des travaux ou prestations",
        "Une technicité faible ou moyenne est préférable ; une technicité élevée demande un tutorat renforcé.",
    ),
    (
        "public",
        "Public mobilisable près du lieu d'exécution",
        "Des personnes éligibles peuvent-elles être mobilisées près du lieu d'exécution ?",
    ),
]
REASON_LABELS = {
    "duration": "Motif (durée)",
    "amount": "Motif (montant)",
    "technicality": "Motif (technicité)",
    "public": "Motif (public mobilisable)",
}
CRITERION_NAMES = {
    "duration": "la durée",
    "amount": "le montant",
    "technicality": "la technicité",
    "public": "le public mobilisable",
}


class FeasibilityForm(DsfrBaseForm, forms.ModelForm):
    """The four criteria with their reasons, then the form the buyer retains (the recommendation by default)."""

    class Meta:
        model = ClausePlan
        fields = [
            "duration_level",
            "duration_reason",
            "amount_level",
            "amount_reason",
            "technicality_level",
            "technicality_reason",
            "public_level",
            "public_reason",
            "chosen_form",
            "choice_reason",
        ]
        labels = {
            **{f"{name}_level": label for name, label, _ in LEVEL_FIELDS},
            **{f"{name}_reason": label for name, label in REASON_LABELS.items()},
            "chosen_form": "Forme retenue",
            "choice_reason": "Motif du choix",
        }
        help_texts = {
            **{f"{name}_level": help_text for name, _, help_text in LEVEL_FIELDS},
            "chosen_form": "Laissez « forme recommandée » pour suivre la recommandation de l'application.",
            "choice_reason": "Obligatoire si vous retenez une autre forme que celle recommandée.",
        }
        widgets = {
            **{f"{name}_reason": forms.Textarea(attrs={"rows": 2}) for name in REASON_LABELS},
            "choice_reason": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            **{
                f"{name}_level": {"required": f"Répondez au critère portant sur {CRITERION_NAMES[name]}."}
                for name in CRITERION_NAMES
            },
            **{
                f"{name}_reason": {
                    "required": f"Indiquez le motif de votre réponse sur {CRITERION_NAMES[name]}.",
                }
                for name in CRITERION_NAMES
            },
        }

    def __init__(self, *args, market, employers, **kwargs):
        """``employers``: (SIAE count, EA / ESAT count, scope) from ``programming.employer_counts``."""
        super().__init__(*args, **kwargs)
        self.market = market
        self.employers = employers
        self.recommendation = None
        for name in CRITERION_NAMES:
            level = self.fields[f"{name}_level"]
            level.required = True
            level.choices = [("", "—")] + list(FeasibilityLevel.choices)
            self.fields[f"{name}_reason"].required = True
        self.fields["chosen_form"].choices = [("", "La forme recommandée par l'application")] + list(ClauseForm.choices)
        if not self.is_bound and self.instance.chosen_form == self.instance.recommended_form:
            self.initial["chosen_form"] = ""

    def _clean_text(self, name):
        return self.cleaned_data[name].strip()

    def clean_duration_reason(self):
        return self._clean_text("duration_reason")

    def clean_amount_reason(self):
        return self._clean_text("amount_reason")

    def clean_technicality_reason(self):
        return self._clean_text("technicality_reason")

    def clean_public_reason(self):
        return self._clean_text("public_reason")

    def clean_choice_reason(self):
        return self._clean_text("choice_reason")

    def clean(self):
        cleaned = super().clean()
        levels = {name: cleaned.get(f"{name}_level") for name in CRITERION_NAMES}
        if all(levels.values()):
            siae, disability, scope = self.employers
            self.recommendation = recommend_form(
                **levels,
                amount_ht=self.market.amount_ht,
                duration_months=self.market.duration_months,
                siae_count=siae,
                disability_count=disability,
                trade=self.market.trade,
                buyer_kind=self.market.buyer.kind,
                employer_scope=scope,
            )
        return cleaned

    def _post_clean(self):
        plan = self.instance
        plan.territory = self.market.territory
        plan.market = self.market
        if self.recommendation is not None:
            plan.recommended_form = self.recommendation.form
            plan.recommendation_reason = self.recommendation.justification
            if not self.cleaned_data.get("chosen_form"):
                self.cleaned_data["chosen_form"] = self.recommendation.form
        super()._post_clean()


class AssignForm(DsfrBaseForm):
    """A coordinator chooses the facilitator in charge (or nobody)."""

    facilitator = forms.ModelChoiceField(
        label="Facilitateur·rice en charge",
        queryset=Facilitator.objects.none(),
        required=False,
        empty_label="Personne pour l'instant",
    )

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilitator"].queryset = (
            Facilitator.objects.in_territory(territory)
            .filter(is_active=True)
            .select_related("organisation")
            .order_by("last_name", "first_name")
        )
        self.fields["facilitator"].label_from_instance = lambda f: f"{f.full_name} ({f.organisation.name})"


def percent(fraction):
    """0.4 → 40, 0.125 → 12.5 (a share as the percentage a person types)."""
    value = (Decimal(fraction) * 100).quantize(Decimal("0.01"))
    return value.quantize(Decimal("1")) if value == value.to_integral_value() else value.normalize()


class LabourSharesForm(DsfrBaseForm):
    """The territory's labour share of every trade, as a percentage; the national default is shown beside it."""

    def __init__(self, *args, shares, **kwargs):
        """``shares``: {trade value: Decimal fraction} (``labour_shares.labour_shares``)."""
        super().__init__(*args, **kwargs)
        for trade in Trade:
            default = percent(DEFAULT_LABOUR_SHARES[trade])
            self.fields[trade.value] = forms.DecimalField(
                label=f"{trade.label} (%)",
                help_text=f"Valeur nationale par défaut : {default} %.",
                max_digits=5,
                decimal_places=2,
                localize=True,
                initial=percent(shares[trade.value]),
                error_messages={
                    "required": f"Indiquez la part de main-d'œuvre pour « {trade.label} ».",
                    "invalid": "Écrivez un pourcentage, par exemple 45 ou 45,5.",
                    "max_digits": "Écrivez un pourcentage entre 1 et 100.",
                    "max_decimal_places": "Deux décimales au plus.",
                    "max_whole_digits": "Écrivez un pourcentage entre 1 et 100.",
                },
            )

    def clean(self):
        cleaned = super().clean()
        for trade in Trade:
            value = cleaned.get(trade.value)
            if value is not None and not 1 <= value <= 100:
                self.add_error(trade.value, "La part de main-d'œuvre doit être comprise entre 1 et 100 %.")
        return cleaned

    def fractions(self):
        """{trade value: Decimal fraction} of the valid form."""
        return {trade.value: (self.cleaned_data[trade.value] / 100).quantize(Decimal("0.0001")) for trade in Trade}


class NotificationForm(DsfrBaseForm):
    """The notification of a planned market: the follow-up starts with the clause created from the plan."""

    notification_date = forms.DateField(
        label="Date de notification",
        widget=DATE_WIDGET,
        help_text="Date à laquelle le marché a été notifié au titulaire (JJ/MM/AAAA) : la clause commence ce jour-là.",
        error_messages={
            "required": "Indiquez la date de notification du marché.",
            "invalid": "Saisissez une date valide (JJ/MM/AAAA).",
        },
    )
    reference = forms.CharField(
        label="Référence du marché",
        max_length=64,
        help_text="La référence définitive du marché notifié.",
        error_messages={"required": "Indiquez la référence du marché."},
    )
    lot_title = forms.CharField(
        label="Intitulé du lot",
        max_length=300,
        help_text="Le lot qui porte la clause (lot unique : reprenez l'objet du marché).",
        error_messages={"required": "Indiquez l'intitulé du lot qui porte la clause."},
    )
    hours_required = forms.DecimalField(
        label="Heures d'insertion exigées",
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        localize=True,
        help_text="Les heures dimensionnées, ou celles de l'offre retenue pour un critère d'attribution.",
        error_messages={
            "required": "Indiquez le nombre d'heures d'insertion exigées.",
            "invalid": "Écrivez un nombre d'heures, par exemple 840.",
            "min_value": "Le nombre d'heures ne peut pas être négatif.",
            "max_digits": "Ce nombre d'heures est trop grand.",
            "max_decimal_places": "Deux décimales au plus.",
            "max_whole_digits": "Ce nombre d'heures est trop grand.",
        },
    )
    holder_siret = forms.CharField(
        label="SIRET du titulaire (facultatif)",
        max_length=20,
        required=False,
        help_text="14 chiffres. Laissez vide si le titulaire n'est pas encore connu : il pourra être ajouté ensuite.",
    )
    holder_name = forms.CharField(
        label="Raison sociale du titulaire (facultative)",
        max_length=200,
        required=False,
        help_text="Nécessaire seulement si l'entreprise n'est pas encore connue de la coordination.",
    )

    def __init__(self, *args, market, **kwargs):
        self.market = market
        super().__init__(*args, **kwargs)
        self.holder = None

    def clean_notification_date(self):
        day = self.cleaned_data["notification_date"]
        if day > timezone.localdate():
            raise forms.ValidationError("La date de notification ne peut pas être postérieure à aujourd'hui.")
        return day

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        taken = (
            Market.objects.in_territory(self.market.territory)
            .filter(buyer_id=self.market.buyer_id, reference=reference)
            .exclude(pk=self.market.pk)
            .exists()
        )
        if taken:
            raise forms.ValidationError(f"Le donneur d'ordre a déjà un marché de référence « {reference} ».")
        return reference

    def clean_holder_siret(self):
        value = normalize_siret(self.cleaned_data["holder_siret"].replace(" ", ""))
        validate_siret(value)
        return value

    def clean(self):
        cleaned = super().clean()
        siret, name = cleaned.get("holder_siret"), cleaned.get("holder_name", "").strip()
        if "holder_siret" not in cleaned:
            return cleaned
        if siret:
            self.holder = Company.objects.in_territory(self.market.territory).filter(siret=siret).first()
            if self.holder is None and not name:
                self.add_error(
                    "holder_name",
                    "Aucune entreprise n'a ce SIRET dans la coordination : indiquez sa raison sociale pour l'ajouter.",
                )
        elif name:
            self.add_error("holder_siret", f"Indiquez le SIRET du titulaire « {name} ».")
        return cleaned
