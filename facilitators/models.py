from django.db import models

from accounts.models import Membership
from territories.tenancy import TenantModel
from territories.validators import validate_siret

from .enums import InclusionEmployerKind, OrganisationKind


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
