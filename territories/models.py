"""Reference geography and the tenant (``Territory``).

Régions, départements, communes and EPCI are national reference data (Etalab's *découpage administratif*), shared by
every tenant. A ``Territory`` is one departmental coordination: the tenant every other table hangs from.
"""

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse

DEPARTMENT_CODE_REGEX = r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-8])$"
department_code_validator = RegexValidator(DEPARTMENT_CODE_REGEX, "Code de département INSEE invalide.")


class Region(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=100)

    class Meta:
        verbose_name = "région"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Department(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True, validators=[department_code_validator])
    name = models.CharField("nom", max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments", verbose_name="région")

    class Meta:
        verbose_name = "département"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class EPCI(models.Model):
    siren = models.CharField("SIREN", max_length=9, primary_key=True)
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("nature", max_length=10, blank=True)

    class Meta:
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Commune(models.Model):
    insee_code = models.CharField("code INSEE", max_length=5, primary_key=True)
    name = models.CharField("nom", max_length=200)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="communes", verbose_name="département"
    )
    epci = models.ForeignKey(
        EPCI, on_delete=models.SET_NULL, null=True, blank=True, related_name="communes", verbose_name="EPCI"
    )
    population = models.PositiveIntegerField("population", null=True, blank=True)

    class Meta:
        verbose_name = "commune"
        ordering = ["name"]
        indexes = [models.Index(fields=["department", "name"])]

    def __str__(self):
        return f"{self.name} ({self.insee_code})"


class Territory(models.Model):
    """A departmental coordination: the tenant."""

    code = models.CharField("code du département", max_length=3, unique=True, validators=[department_code_validator])
    name = models.CharField("nom", max_length=100)
    department = models.OneToOneField(
        Department, on_delete=models.PROTECT, null=True, blank=True, verbose_name="département"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, verbose_name="région")
    is_active = models.BooleanField("active", default=True)
    contact_email = models.EmailField(
        "e-mail de contact public", blank=True, help_text="Affiché dans l'annuaire public (adresse générique)."
    )
    contact_phone = models.CharField("téléphone de contact public", max_length=30, blank=True)
    # Defaults a coordination sets for its clauses (each clause may override them).
    default_hourly_cost = models.DecimalField(
        "coût horaire par défaut (€)", max_digits=6, decimal_places=2, default=30, validators=[MinValueValidator(1)]
    )
    default_insertion_rate = models.DecimalField(
        "taux d'insertion par défaut", max_digits=5, decimal_places=4, default="0.0500"
    )
    statement_reminder_day = models.PositiveSmallIntegerField(
        "jour de relance des relevés mensuels", default=10, validators=[MinValueValidator(1)]
    )
    retention_years = models.PositiveSmallIntegerField(
        "durée de conservation des données personnelles (années)", default=5, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = "coordination départementale"
        verbose_name_plural = "coordinations départementales"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(statement_reminder_day__gte=1, statement_reminder_day__lte=28),
                name="territory_reminder_day_1_28",
                violation_error_message="Le jour de relance doit être compris entre 1 et 28.",
            ),
            models.CheckConstraint(
                condition=models.Q(default_insertion_rate__gt=0, default_insertion_rate__lte=1),
                name="territory_insertion_rate_0_1",
                violation_error_message="Le taux d'insertion doit être compris entre 0 et 100 %.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def get_absolute_url(self):
        return reverse("home", kwargs={"territory_code": self.code})


class CommuneOutline(models.Model):
    """A commune's simplified outline, for the coverage map; optional (``manage.py load_commune_outlines``).

    ``path`` is SVG path data in a projection shared by every commune (Web Mercator, 1,000 units per degree of
    longitude, y pointing south: see ``territories.outlines``), so a département's map is its communes' paths drawn
    as stored, in the view box of their bounding boxes. The reference data ships no outline: a map without outlines
    falls back to a list.
    """

    commune = models.OneToOneField(
        Commune, on_delete=models.CASCADE, primary_key=True, related_name="outline", verbose_name="commune"
    )
    path = models.TextField("tracé SVG")
    min_x = models.FloatField()
    min_y = models.FloatField()
    max_x = models.FloatField()
    max_y = models.FloatField()
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)

    class Meta:
        verbose_name = "contour de commune"
        verbose_name_plural = "contours de communes"

    def __str__(self):
        return f"Contour de {self.commune_id}"
