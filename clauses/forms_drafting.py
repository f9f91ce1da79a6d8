"""Forms of the drafting pages: the sizing calculator and the parameters of the clause text.

Percentages are typed as percents (« 50 » for 50 %) and stored as fractions (0.5), like ``clauses.sizing`` expects.
The computation itself is ``clauses.sizing``'s; these forms only read, check and convert what the user typed.
"""

from decimal import Decimal

from django import forms
from dsfr.forms import DsfrBaseForm

from facilitators.forms_network import CheckboxList
from markets.enums import Trade

from .enums import ExecutionMode, SizingMethod
from .sizing import (
    SizingError,
    format_number,
    full_time_equivalents,
    hours_from_invoiced_tranche,
    hours_from_labour_share,
)

HUNDRED = Decimal("100")
MAX_HOURS = Decimal("100000000")  # ClausePlan.hours holds 8 whole digits

SIZING_METHODS = [
    (SizingMethod.LABOUR_SHARE.value, "Part de main-d'œuvre (montant × part × taux d'insertion ÷ coût horaire)"),
    (SizingMethod.INVOICED_TRANCHE.value, "Par tranche de montant facturé (accord-cadre à bons de commande)"),
]
LABOUR_SHARE_FIELDS = ("amount_ht", "labour_share", "insertion_rate", "hourly_cost")
TRANCHE_FIELDS = ("amount_ht", "tranche_amount", "hours_per_tranche")
# The field a ``SizingError`` is about, from the start of its message.
ERROR_FIELDS = {
    "Le montant HT": "amount_ht",
    "Le montant facturé": "amount_ht",
    "La part de main-d'œuvre": "labour_share",
    "Le taux d'insertion": "insertion_rate",
    "Le coût horaire": "hourly_cost",
    "Le montant de la tranche": "tranche_amount",
    "Le nombre d'heures par tranche": "hours_per_tranche",
}


def number_field(label, *, max_digits, help_text="", percent=False, what="un montant", required=True):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_value=HUNDRED if percent else None,
        max_digits=max_digits,
        decimal_places=2,
        localize=True,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "invalid": f"Saisissez {what} en chiffres (par exemple 12,5).",
            "min_value": "Saisissez une valeur positive.",
            "max_value": "Un pourcentage est compris entre 0 et 100.",
            "max_decimal_places": "Deux décimales au plus.",
            "max_digits": "Cette valeur est trop grande.",
            "max_whole_digits": "Cette valeur est trop grande.",
        },
    )


def hours_label(hours):
    """« 1 250 heures », written like the sizing's working (French separators)."""
    return f"{format_number(hours)} heures"


def as_percent(fraction):
    """0.5 → 50 (for the form's initial values); None stays None."""
    if fraction is None:
        return None
    return plain(Decimal(fraction) * HUNDRED)


def plain(value):
    """A decimal without its trailing zeros (50.0000 → 50, 12.50 → 12.5)."""
    if value is None:
        return None
    value = Decimal(value)
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


class SizingForm(DsfrBaseForm):
    """The calculator: the method and its parameters; ``clean`` computes ``self.sizing`` (hours and working)."""

    method = forms.ChoiceField(
        label="Mode de calcul",
        choices=SIZING_METHODS,
        initial=SizingMethod.LABOUR_SHARE,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez un mode de calcul.", "invalid_choice": "Choisissez un mode de calcul."},
    )
    trade = forms.ChoiceField(
        label="Corps d'état / type de prestation",
        choices=[("", "—")] + Trade.choices,
        required=False,
        help_text="Donne la part de main-d'œuvre par défaut lorsque celle-ci est laissée vide.",
    )
    amount_ht = number_field(
        "Montant HT (€)",
        max_digits=14,
        help_text="Montant estimé du marché ; pour un accord-cadre, le montant qui sera facturé.",
    )
    labour_share = number_field("Part de main-d'œuvre (%)", max_digits=5, percent=True, what="un pourcentage")
    insertion_rate = number_field(
        "Taux d'insertion (%)",
        max_digits=5,
        percent=True,
        what="un pourcentage",
        help_text="Part des heures de main-d'œuvre réservées à l'insertion (souvent 5 à 10 %).",
    )
    hourly_cost = number_field("Coût horaire (€ / h)", max_digits=6, help_text="Coût horaire moyen chargé (25 à 35 €).")
    tranche_amount = number_field(
        "Montant d'une tranche (€ HT)", max_digits=12, help_text="Par exemple 2 000 € facturés pour 1 heure."
    )
    hours_per_tranche = number_field("Heures par tranche", max_digits=8, what="un nombre d'heures")

    def __init__(self, *args, labour_shares, with_trade=True, **kwargs):
        """``labour_shares``: {Trade value: fraction} of the territory (``clauses.labour_shares.labour_shares``)."""
        super().__init__(*args, **kwargs)
        self.labour_shares = labour_shares
        self.sizing = None
        if not with_trade:
            del self.fields["trade"]
        # The parameters of the chosen method are required, the other method's are not (nor is the labour share
        # when a trade gives it). Unbound, they all show as required: each is, for its method.
        method = self.data.get("method") if self.is_bound else None
        relevant = TRANCHE_FIELDS if method == SizingMethod.INVOICED_TRANCHE else LABOUR_SHARE_FIELDS
        for name in set(LABOUR_SHARE_FIELDS + TRANCHE_FIELDS):
            field = self.fields[name]
            field.required = not self.is_bound or name in relevant
            field.error_messages["required"] = f"Indiquez : {field.label.lower()}."
        if self.is_bound and self.data.get("trade"):
            self.fields["labour_share"].required = False

    def clean(self):
        cleaned = super().clean()
        method = cleaned.get("method")
        if method is None:
            return cleaned
        relevant = LABOUR_SHARE_FIELDS if method == SizingMethod.LABOUR_SHARE else TRANCHE_FIELDS
        # A field of the other method does not block the computation: its value is neither used nor saved.
        for name in set(LABOUR_SHARE_FIELDS + TRANCHE_FIELDS) - set(relevant):
            self.errors.pop(name, None)
            cleaned[name] = None
        if method == SizingMethod.LABOUR_SHARE and cleaned.get("labour_share") is None and cleaned.get("trade"):
            cleaned["labour_share"] = plain(Decimal(self.labour_shares[cleaned["trade"]]) * HUNDRED)
        for name in relevant:
            if name not in self.errors and cleaned.get(name) is None:
                self.add_error(name, f"Indiquez : {self.fields[name].label.lower()}.")
        if any(name in self.errors for name in relevant):
            return cleaned
        try:
            if method == SizingMethod.LABOUR_SHARE:
                self.sizing = hours_from_labour_share(
                    cleaned["amount_ht"],
                    cleaned["labour_share"] / HUNDRED,
                    cleaned["insertion_rate"] / HUNDRED,
                    cleaned["hourly_cost"],
                )
            else:
                self.sizing = hours_from_invoiced_tranche(
                    cleaned["amount_ht"], cleaned["tranche_amount"], cleaned["hours_per_tranche"]
                )
        except SizingError as error:
            message = str(error)
            field = next((name for prefix, name in ERROR_FIELDS.items() if message.startswith(prefix)), None)
            self.add_error(field, message)
            return cleaned
        if self.sizing.hours >= MAX_HOURS:
            self.sizing = None
            self.add_error(None, "Le nombre d'heures obtenu est démesuré : vérifiez le montant et le coût horaire.")
        return cleaned

    @property
    def full_time_equivalents(self):
        return format_number(full_time_equivalents(self.sizing.hours)) if self.sizing else None

    @property
    def hours_label(self):
        return hours_label(self.sizing.hours) if self.sizing else None

    def plan_values(self):
        """The ClausePlan fields to save (fractions for the percentages; the other method's parameters emptied)."""
        data = self.cleaned_data
        labour = data["method"] == SizingMethod.LABOUR_SHARE

        def fraction(name):
            return data[name] / HUNDRED if labour and data.get(name) is not None else None

        return {
            "sizing_method": data["method"],
            "sizing_amount_ht": data["amount_ht"],
            "labour_share": fraction("labour_share"),
            "insertion_rate": fraction("insertion_rate"),
            "hourly_cost": data["hourly_cost"] if labour else None,
            "tranche_amount": None if labour else data["tranche_amount"],
            "hours_per_tranche": None if labour else data["hours_per_tranche"],
            "hours": self.sizing.hours,
            "sizing_working": self.sizing.working,
        }


class ClauseTextForm(DsfrBaseForm):
    """The parameters of the drafted text kept on the ClausePlan: eligible publics, modes, penalty."""

    eligible_publics = forms.MultipleChoiceField(
        label="Publics éligibles",
        widget=CheckboxList,
        help_text="Les publics de la coordination que la clause vise.",
        error_messages={
            "required": "Cochez au moins un public éligible.",
            "invalid_choice": "Ce public n'existe pas dans la coordination.",
        },
    )
    execution_modes = forms.MultipleChoiceField(
        label="Modalités de mise en œuvre proposées à l'entreprise",
        choices=ExecutionMode.choices,
        widget=CheckboxList,
        error_messages={
            "required": "Cochez au moins une modalité de mise en œuvre.",
            "invalid_choice": "Cette modalité n'existe pas.",
        },
    )
    penalty_per_missing_hour = number_field(
        "Pénalité par heure d'insertion non réalisée (€ HT)",
        max_digits=8,
        required=False,
        help_text="Laissée vide, elle apparaît « à préciser » dans le texte.",
    )

    def __init__(self, *args, criteria, **kwargs):
        """``criteria``: the active eligibility criteria of the territory."""
        super().__init__(*args, **kwargs)
        publics = self.fields["eligible_publics"]
        publics.choices = [(criterion.code, criterion.label) for criterion in criteria]
        if not publics.choices:  # nothing to choose: the text then names the publics in general terms
            publics.required = False
            publics.help_text = "La coordination n'a défini aucun public éligible."
