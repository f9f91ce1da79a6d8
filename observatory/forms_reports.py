"""The request form of a bilan: a year, a quarter of a year, or a custom range of dates."""

from datetime import date

from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from .enums import ReportPeriodKind
from .indicators import Period

FIRST_YEAR = 2000
# A custom range longer than this is refused: a bilan covers at most a few years.
MAX_CUSTOM_DAYS = 5 * 366

QUARTERS = [
    ("", "—"),
    ("1", "1er trimestre (janvier à mars)"),
    ("2", "2e trimestre (avril à juin)"),
    ("3", "3e trimestre (juillet à septembre)"),
    ("4", "4e trimestre (octobre à décembre)"),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ReportRequestForm(DsfrBaseForm, forms.Form):
    period_kind = forms.ChoiceField(
        label="Période du bilan",
        choices=ReportPeriodKind.choices,
        initial=ReportPeriodKind.YEAR,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le type de période.", "invalid_choice": "Type de période inconnu."},
    )
    year = forms.IntegerField(
        label="Année civile",
        required=False,
        help_text="Pour un bilan annuel ou trimestriel. Exemple : 2026",
        error_messages={"invalid": "Indiquez une année en chiffres, par exemple 2026."},
    )
    quarter = forms.TypedChoiceField(
        label="Trimestre de l'année",
        choices=QUARTERS,
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Pour un bilan trimestriel.",
        error_messages={"invalid_choice": "Choisissez un trimestre de 1 à 4."},
    )
    start = forms.DateField(
        label="Début de la période",
        required=False,
        widget=DateInput,
        help_text="Pour une période personnalisée. Format : jj/mm/aaaa",
        error_messages={"invalid": "Indiquez une date valide, par exemple 01/03/2026."},
    )
    end = forms.DateField(
        label="Fin de la période (incluse)",
        required=False,
        widget=DateInput,
        help_text="Pour une période personnalisée. Format : jj/mm/aaaa",
        error_messages={"invalid": "Indiquez une date valide, par exemple 30/06/2026."},
    )

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["year"].widget.attrs.update(min=FIRST_YEAR, max=self.today.year, inputmode="numeric")
        if not self.is_bound:
            self.initial.setdefault("year", self.today.year - 1 if self.today.month < 4 else self.today.year)

    def _check_year(self, year):
        if year is None:
            self.add_error("year", "Indiquez l'année du bilan.")
            return False
        if year < FIRST_YEAR or year > self.today.year:
            self.add_error("year", f"L'année doit être comprise entre {FIRST_YEAR} et {self.today.year}.")
            return False
        return True

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("period_kind")
        if kind == ReportPeriodKind.YEAR:
            if self._check_year(cleaned.get("year")):
                cleaned["period"] = Period.year(cleaned["year"])
        elif kind == ReportPeriodKind.QUARTER:
            year_ok = self._check_year(cleaned.get("year"))
            quarter = cleaned.get("quarter")
            if quarter is None and "quarter" not in self.errors:
                self.add_error("quarter", "Choisissez le trimestre du bilan.")
            elif year_ok and quarter:
                period = Period.quarter(cleaned["year"], quarter)
                if period.start > self.today:
                    self.add_error("quarter", "Ce trimestre n'a pas encore commencé.")
                else:
                    cleaned["period"] = period
        elif kind == ReportPeriodKind.CUSTOM:
            start, end = cleaned.get("start"), cleaned.get("end")
            if start is None and "start" not in self.errors:
                self.add_error("start", "Indiquez le début de la période.")
            if end is None and "end" not in self.errors:
                self.add_error("end", "Indiquez la fin de la période.")
            if start and end:
                if end < start:
                    self.add_error("end", "La fin de la période doit suivre son début.")
                elif start > self.today:
                    self.add_error("start", "La période ne peut pas commencer dans le futur.")
                elif start < date(FIRST_YEAR, 1, 1):
                    self.add_error("start", f"La période doit commencer après le 1er janvier {FIRST_YEAR}.")
                elif (end - start).days > MAX_CUSTOM_DAYS:
                    self.add_error("end", "Une période personnalisée couvre au plus cinq ans.")
                else:
                    cleaned["period"] = Period(start, end, ReportPeriodKind.CUSTOM.value)
        return cleaned
