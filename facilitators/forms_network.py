"""Forms of the network pages: inclusion employers, their CSV import, shared resources."""

import uuid
from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from dsfr.forms import DsfrBaseForm

from territories.models import Commune
from territories.validators import normalize_siret, validate_siret

from .enums import Sector
from .models import InclusionEmployer, InclusionEmployerCommune, InclusionEmployerSector, Resource

RESOURCE_MAX_BYTES = 10 * 1024 * 1024
RESOURCE_EXTENSIONS = ("pdf", "odt", "ods", "docx", "xlsx", "csv", "txt")
IMPORT_MAX_BYTES = 2 * 1024 * 1024


def department_communes(territory):
    """The communes of the territory's département (the reference geography loaded by ``load_geography``)."""
    return Commune.objects.filter(department_id=territory.department_id or territory.code)


class CheckboxList(forms.CheckboxSelectMultiple):
    """Django's checkboxes, with the attribute django-dsfr's snippet reads (strict templates fail without it)."""

    inline = False


class InclusionEmployerForm(DsfrBaseForm, forms.ModelForm):
    sectors = forms.MultipleChoiceField(
        label="Secteurs d'activité", choices=Sector.choices, widget=CheckboxList, required=False
    )
    communes = forms.ModelMultipleChoiceField(
        label="Communes d'intervention",
        queryset=Commune.objects.none(),
        widget=CheckboxList,
        required=False,
        help_text="Les communes du département où la structure peut intervenir.",
    )
    # Wider than the 14 stored digits: "356 000 000 00048", as printed on a Kbis, is accepted and compacted.
    siret = forms.CharField(label="SIRET", max_length=20, help_text="14 chiffres (les espaces sont acceptés).")
    website = forms.URLField(label="Site web", required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = InclusionEmployer
        fields = ["name", "kind", "siret", "email", "phone", "address", "commune", "website"]

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        communes = department_communes(territory).only("insee_code", "name").order_by("name", "insee_code")
        self.fields["commune"].queryset = communes
        self.fields["commune"].empty_label = "—"
        self.fields["communes"].queryset = communes
        self.fields["communes"].label_from_instance = lambda commune: f"{commune.name} ({commune.insee_code})"
        if self.instance.pk and not self.is_bound:
            self.initial["sectors"] = [row.sector for row in self.instance.sectors.all()]
            self.initial["communes"] = [row.commune_id for row in self.instance.communes.all()]

    def clean_siret(self):
        siret = normalize_siret(self.cleaned_data["siret"])
        validate_siret(siret)
        duplicate = (
            InclusionEmployer.objects.in_territory(self.territory).filter(siret=siret).exclude(pk=self.instance.pk)
        ).first()
        if duplicate is not None:
            raise ValidationError(f"Un employeur inclusif de la coordination a déjà ce SIRET : {duplicate.name}.")
        return siret

    @transaction.atomic
    def save(self, commit=True):
        employer = super().save(commit=False)
        employer.territory = self.territory
        employer.save()
        sync_sectors(employer, self.cleaned_data["sectors"])
        sync_communes(employer, [commune.pk for commune in self.cleaned_data["communes"]])
        return employer


def sync_sectors(employer, sectors):
    """Make the employer's sectors exactly ``sectors``: delete the others, add the missing ones, keep the rest."""
    wanted = set(sectors)
    existing = set(employer.sectors.values_list("sector", flat=True))
    if existing - wanted:
        employer.sectors.filter(sector__in=existing - wanted).delete()
    InclusionEmployerSector.objects.bulk_create(
        InclusionEmployerSector(territory_id=employer.territory_id, employer=employer, sector=sector)
        for sector in sorted(wanted - existing)
    )


def sync_communes(employer, commune_codes):
    wanted = set(commune_codes)
    existing = set(employer.communes.values_list("commune_id", flat=True))
    if existing - wanted:
        employer.communes.filter(commune_id__in=existing - wanted).delete()
    InclusionEmployerCommune.objects.bulk_create(
        InclusionEmployerCommune(territory_id=employer.territory_id, employer=employer, commune_id=code)
        for code in sorted(wanted - existing)
    )


class EmployerImportForm(DsfrBaseForm):
    file = forms.FileField(
        label="Fichier CSV",
        help_text="Séparateur « ; » ou « , », encodage UTF-8 (avec ou sans BOM) ou Windows-1252, 2 Mo au plus.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in {".csv", ".txt"}:
            raise ValidationError("Déposez un fichier CSV (extension .csv).")
        if upload.size > IMPORT_MAX_BYTES:
            raise ValidationError("Le fichier dépasse 2 Mo : découpez-le en plusieurs fichiers.")
        return upload


# Magic bytes of the accepted formats: an upload must be what its extension says (a renamed executable is refused).
_ZIP_MAGIC = b"PK\x03\x04"
_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "odt": (_ZIP_MAGIC,),
    "ods": (_ZIP_MAGIC,),
    "docx": (_ZIP_MAGIC,),
    "xlsx": (_ZIP_MAGIC,),
}


def _looks_like(extension, head):
    signatures = _SIGNATURES.get(extension)
    if signatures is not None:
        return head.startswith(signatures)
    # csv, txt: text, in UTF-8 or a single-byte encoding; no NUL byte (binary).
    return b"\x00" not in head


class ResourceForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Resource
        fields = ["title", "kind", "description", "file"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "file": forms.ClearableFileInput(attrs={"accept": ",".join(f".{ext}" for ext in RESOURCE_EXTENSIONS)}),
        }
        help_texts = {"file": "PDF, ODT, ODS, DOCX, XLSX, CSV ou TXT, 10 Mo au plus."}

    def __init__(self, *args, territory, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.user = user

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = Path(upload.name).suffix.lower().lstrip(".")
        if extension not in RESOURCE_EXTENSIONS:
            raise ValidationError(
                "Ce type de fichier n'est pas accepté. Formats acceptés : " + ", ".join(RESOURCE_EXTENSIONS) + "."
            )
        if upload.size > RESOURCE_MAX_BYTES:
            raise ValidationError("Le fichier dépasse la taille maximale de 10 Mo.")
        head = upload.read(2048)
        upload.seek(0)
        if not _looks_like(extension, head):
            raise ValidationError(f"Le contenu du fichier ne correspond pas à son extension « .{extension} ».")
        # A random stored name: nothing guessable, no clash, the original name never reaches the file system.
        upload.name = f"{uuid.uuid4().hex}.{extension}"
        return upload

    def save(self, commit=True):
        resource = super().save(commit=False)
        resource.territory = self.territory
        resource.uploaded_by = self.user
        if commit:
            resource.save()
        return resource
