from django import forms
from dsfr.forms import DsfrBaseForm

from .coverage import find_communes
from .models import CoverageArea

COMMUNE_DATALIST_ID = "coverage-commune-options"


class CoverageAssignForm(DsfrBaseForm):
    """A coordinator assigns a whole EPCI, or one commune, of the territory's département to an organisation.

    The choices come from the page's ``Coverage`` (the organisations the member sees, the département's communes and
    EPCI): validating costs no query. The commune is typed (with a list of suggestions): its name, its INSEE code, or
    the suggestion ``Nom (code)``.
    """

    organisation = forms.TypedChoiceField(label="Structure porteuse", coerce=int)
    epci = forms.ChoiceField(
        label="EPCI entier",
        required=False,
        help_text="Toutes les communes de l'EPCI situées dans le département.",
    )
    commune = forms.CharField(
        label="Ou une commune",
        required=False,
        max_length=250,
        help_text="Nom ou code INSEE, par exemple « Sète » ou « 34301 ».",
        widget=forms.TextInput(attrs={"list": COMMUNE_DATALIST_ID, "autocomplete": "off"}),
    )

    def __init__(self, *args, coverage, **kwargs):
        super().__init__(*args, **kwargs)
        self.coverage = coverage
        # The organisations the member may see, as the coverage already holds them.
        self.organisations = {item.organisation.pk: item.organisation for item in coverage.organisations}
        self.fields["organisation"].choices = [("", "Choisir une structure")] + [
            (pk, organisation.name) for pk, organisation in self.organisations.items()
        ]
        self.epci_names = {siren: name for siren, name, _count in coverage.epcis()}
        self.fields["epci"].choices = [("", "Aucun : affecter une commune")] + [
            (siren, f"{name} ({count} commune{'s' if count > 1 else ''})") for siren, name, count in coverage.epcis()
        ]

    def clean_organisation(self):
        return self.organisations[self.cleaned_data["organisation"]]

    def clean_commune(self):
        text = self.cleaned_data["commune"].strip()
        if not text:
            return None
        found = find_communes(text, self.coverage.communes)
        department = self.coverage.territory.department or self.coverage.territory.name
        if not found:
            raise forms.ValidationError(f"Aucune commune « {text} » dans le département {department}.")
        if len(found) > 1:
            examples = ", ".join(commune.label for commune in found[:5])
            more = " …" if len(found) > 5 else ""
            raise forms.ValidationError(
                f"Plusieurs communes correspondent à « {text} » : {examples}{more}. Précisez le code INSEE."
            )
        return found[0]

    def clean(self):
        cleaned = super().clean()
        organisation, epci, commune = cleaned.get("organisation"), cleaned.get("epci"), cleaned.get("commune")
        if self.errors:
            return cleaned
        if epci and commune:
            raise forms.ValidationError("Choisissez un EPCI ou une commune, pas les deux.")
        if not epci and not commune:
            raise forms.ValidationError("Choisissez un EPCI entier ou indiquez une commune.")
        # The page's coverage already holds the organisation's assignments: no query to refuse a duplicate.
        covering = next((item for item in self.coverage.organisations if item.organisation.pk == organisation.pk), None)
        areas = covering.areas if covering else []
        if epci:
            if any(area.area.epci_id == epci for area in areas):
                self.add_error("epci", f"{organisation} couvre déjà l'EPCI {self.epci_names[epci]}.")
        elif any(area.area.commune_id == commune.insee_code for area in areas):
            self.add_error("commune", f"{organisation} couvre déjà {commune.label}.")
        elif covering is not None and commune.insee_code in covering.commune_codes:
            self.add_error("commune", f"{organisation} couvre déjà {commune.label} par l'EPCI {commune.epci_name}.")
        return cleaned

    def save(self, territory):
        data = self.cleaned_data
        area = CoverageArea(territory=territory, organisation=data["organisation"])
        if data["epci"]:
            area.epci_id = data["epci"]
        else:
            area.commune_id = data["commune"].insee_code
        area.save()
        return area
