from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q

from accounts.models import Membership
from territories.models import EPCI, Commune
from territories.tenancy import TenantModel
from territories.validators import validate_siret

from .enums import DocumentKind, InclusionEmployerKind, OrganisationKind, Sector


class FacilitatorOrganisation(TenantModel):
    """Structure porteuse: the PLIE, Maison de l'emploi, collectivité or association that employs facilitators."""

    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=20, choices=OrganisationKind.choices)
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[validate_siret])
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    address = models.CharField("adresse", max_length=300, blank=True)
    website = models.URLField("site web", blank=True)

    class Meta:
        verbose_name = "structure porteuse"
        verbose_name_plural = "structures porteuses"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "name"], name="facilitatororganisation_unique_name"),
            models.UniqueConstraint(fields=["territory", "id"], name="facilitatororganisation_territory_id"),
        ]

    def __str__(self):
        return self.name


class Facilitator(TenantModel):
    """A facilitator, member of a facilitator organisation; may or may not have an account (membership)."""

    organisation = models.ForeignKey(
        FacilitatorOrganisation, on_delete=models.PROTECT, related_name="facilitators", verbose_name="structure"
    )
    membership = models.OneToOneField(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="facilitator",
        verbose_name="compte",
    )
    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    is_active = models.BooleanField("actif", default=True)
    listed_in_directory = models.BooleanField(
        "visible dans l'annuaire public", default=True, help_text="Nom, e-mail et téléphone professionnels."
    )

    class Meta:
        verbose_name = "facilitateur·rice"
        verbose_name_plural = "facilitateur·rices"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "id"], name="facilitator_territory_id"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self):
        return str(self)


class InclusionEmployer(TenantModel):
    """SIAE (EI, ACI, AI, ETTI), GEIQ, EA or ESAT that can employ participants or carry hours."""

    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=10, choices=InclusionEmployerKind.choices)
    siret = models.CharField("SIRET", max_length=14, validators=[validate_siret])
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    address = models.CharField("adresse", max_length=300, blank=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="commune du siège"
    )
    website = models.URLField("site web", blank=True)

    class Meta:
        verbose_name = "employeur inclusif"
        verbose_name_plural = "employeurs inclusifs"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "siret"], name="inclusionemployer_unique_siret"),
            models.UniqueConstraint(fields=["territory", "id"], name="inclusionemployer_territory_id"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class InclusionEmployerSector(TenantModel):
    employer = models.ForeignKey(InclusionEmployer, on_delete=models.CASCADE, related_name="sectors")
    sector = models.CharField("secteur", max_length=20, choices=Sector.choices)

    class Meta:
        verbose_name = "secteur d'un employeur inclusif"
        constraints = [
            models.UniqueConstraint(fields=["territory", "employer", "sector"], name="inclusionemployersector_unique")
        ]


class InclusionEmployerCommune(TenantModel):
    """A commune where an inclusion employer works (intervention area)."""

    employer = models.ForeignKey(InclusionEmployer, on_delete=models.CASCADE, related_name="communes")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "commune d'intervention"
        constraints = [
            models.UniqueConstraint(fields=["territory", "employer", "commune"], name="inclusionemployercommune_unique")
        ]


class CoverageArea(TenantModel):
    """A commune, or a whole EPCI, that a facilitator organisation covers."""

    organisation = models.ForeignKey(FacilitatorOrganisation, on_delete=models.CASCADE, related_name="coverage")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    epci = models.ForeignKey(EPCI, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "zone couverte"
        verbose_name_plural = "zones couvertes"
        constraints = [
            models.CheckConstraint(
                condition=Q(commune__isnull=False, epci__isnull=True) | Q(commune__isnull=True, epci__isnull=False),
                name="coveragearea_commune_or_epci",
                violation_error_message="Une zone couverte est une commune ou un EPCI.",
            ),
            models.UniqueConstraint(
                fields=["territory", "organisation", "commune"],
                condition=Q(commune__isnull=False),
                name="coveragearea_unique_commune",
            ),
            models.UniqueConstraint(
                fields=["territory", "organisation", "epci"],
                condition=Q(epci__isnull=False),
                name="coveragearea_unique_epci",
            ),
        ]

    def __str__(self):
        return str(self.commune or self.epci)


class Resource(TenantModel):
    """A shared document of the territory's network (model clauses, statement templates, guides)."""

    title = models.CharField("titre", max_length=200)
    kind = models.CharField("type", max_length=20, choices=DocumentKind.choices)
    description = models.TextField("description", blank=True)
    file = models.FileField(
        "fichier",
        upload_to="resources/%Y/",
        validators=[FileExtensionValidator(["pdf", "odt", "ods", "docx", "xlsx", "csv", "txt"])],
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "ressource"
        ordering = ["kind", "title"]

    def __str__(self):
        return self.title
