"""Forms of globalisation: an agreement pooling a company's clauses, and the allocation of one line's hours."""

from django import forms
from dsfr.forms import DsfrBaseForm

from markets.models import Company, LotAward

from .models import Clause

# A native date picker: its value is ISO (AAAA-MM-JJ), which Django always accepts on input.
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def clause_label(clause):
    market = clause.lot.market
    return (
        f"{market.reference} — lot {clause.lot.number} ({market.buyer.name}) — {clause.get_legal_basis_display()}, "
        f"{clause.hours_required:.0f} h"
    )


class ClauseChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return clause_label(obj)


class GlobalisationAgreementForm(DsfrBaseForm):
    company = forms.ModelChoiceField(label="Entreprise", queryset=Company.objects.none(), empty_label="—")
    name = forms.CharField(label="Intitulé de l'accord", max_length=200)
    start_date = forms.DateField(
        label="Début", error_messages={"invalid": "Saisissez une date valide (JJ/MM/AAAA)."}, widget=DATE_WIDGET
    )
    end_date = forms.DateField(
        label="Fin",
        required=False,
        help_text="Facultative : sans date de fin, l'accord reste en vigueur.",
        error_messages={"invalid": "Saisissez une date valide (JJ/MM/AAAA)."},
        widget=DATE_WIDGET,
    )
    clauses = ClauseChoiceField(
        label="Clauses mises en commun",
        queryset=Clause.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Au moins deux clauses, chacune sur un lot attribué à l'entreprise.",
        error_messages={"required": "Cochez au moins deux clauses."},
    )

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.fields["company"].queryset = Company.objects.in_territory(territory).order_by("name")
        self.fields["clauses"].queryset = (
            Clause.objects.in_territory(territory)
            .select_related("lot__market__buyer")
            .order_by("lot__market__reference", "lot__number", "legal_basis")
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "La date de fin doit être postérieure ou égale à la date de début.")
        clauses = cleaned.get("clauses")
        company = cleaned.get("company")
        if clauses is None:
            return cleaned
        if len(clauses) < 2:
            self.add_error("clauses", "Un accord de globalisation met en commun au moins deux clauses.")
        elif company is not None:
            awarded_lots = set(
                LotAward.objects.in_territory(self.territory)
                .filter(company=company, lot_id__in=[c.lot_id for c in clauses])
                .values_list("lot_id", flat=True)
            )
            for clause in clauses:
                if clause.lot_id not in awarded_lots:
                    self.add_error(
                        "clauses",
                        f"{company.name} n'est pas attributaire du lot de la clause « {clause_label(clause)} ».",
                    )
        return cleaned


class HoursAllocationForm(DsfrBaseForm):
    """One field per clause a line may be allocated to, prefilled with the current allocation."""

    def __init__(self, *args, clauses, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.clauses = list(clauses)
        for clause in self.clauses:
            self.fields[self.field_name(clause)] = forms.DecimalField(
                label=clause_label(clause),
                required=False,
                min_value=0,
                max_digits=6,
                decimal_places=2,
                localize=True,
                initial=current.get(clause.pk),
                help_text="Heures créditées à cette clause (vide : aucune).",
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                error_messages={
                    "invalid": "Saisissez un nombre d'heures (par exemple 12,5).",
                    "min_value": "Les heures ne peuvent pas être négatives.",
                    "max_decimal_places": "Deux décimales au plus.",
                    "max_digits": "Ce nombre d'heures est trop grand.",
                    "max_whole_digits": "Ce nombre d'heures est trop grand.",
                },
            )

    @staticmethod
    def field_name(clause):
        return f"clause_{clause.pk}"

    def shares(self):
        """{clause: hours} for the clauses with a positive share (the ones left empty or at zero are dropped)."""
        return {
            clause: self.cleaned_data[self.field_name(clause)]
            for clause in self.clauses
            if self.cleaned_data.get(self.field_name(clause))
        }
