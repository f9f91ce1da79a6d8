from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse

from accounts.enums import Role
from accounts.models import Membership
from facilitators.models import Facilitator
from territories.models import Commune
from territories.tenancy import TenantModel, TenantQuerySet
from territories.validators import validate_siret

from .enums import AwardRole, BuyerKind, CompanySize, ImportStatus, MarketStatus, Procedure, SocialConsideration, Trade

cpv_validator = RegexValidator(
    r"^\d{8}(-\d)?$", "Code CPV invalide : 8 chiffres, éventuellement suivis d'un tiret et d'un chiffre."
)
naf_validator = RegexValidator(r"^\d{2}\.?\d{2}[A-Z]$", "Code NAF invalide (exemple : 43.31Z).")


class BuyerQuerySet(TenantQuerySet):
    def restrict_to(self, membership):
        if membership.role == Role.BUYER:
            return self.filter(members__membership=membership)
        if membership.role == Role.COMPANY:
            # A company contact sees the buyers of the markets its company was awarded.
            return self.filter(
                pk__in=LotAward.objects.filter(
                    territory_id=membership.territory_id, company__members__membership=membership
                ).values("lot__market__buyer_id")
            )
        return self


class Buyer(TenantModel):
    """Donneur d'ordre / acheteur public."""

    name = models.CharField("nom", max_length=200)
    siret = models.CharField("SIRET", max_length=14, validators=[validate_siret])
    kind = models.CharField("type d'acheteur", max_length=20, choices=BuyerKind.choices)
    lead_facilitator = models.ForeignKey(
        Facilitator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lead_for_buyers",
        verbose_name="facilitateur chef de file",
    )

    objects = BuyerQuerySet.as_manager()

    class Meta:
        verbose_name = "donneur d'ordre"
        verbose_name_plural = "donneurs d'ordre"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "siret"], name="buyer_unique_siret"),
            models.UniqueConstraint(fields=["territory", "id"], name="buyer_territory_id"),
        ]

    def __str__(self):
        return self.name


class BuyerMember(TenantModel):
    """A person with a buyer role, member of a buyer organisation."""

    buyer = models.ForeignKey(Buyer, on_delete=models.CASCADE, related_name="members", verbose_name="acheteur")
    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="buyer_member", verbose_name="membre"
    )

    class Meta:
        verbose_name = "membre d'un donneur d'ordre"
        constraints = [models.UniqueConstraint(fields=["territory", "buyer", "membership"], name="buyermember_unique")]

    def __str__(self):
        return f"{self.membership} @ {self.buyer}"


class CompanyQuerySet(TenantQuerySet):
    def restrict_to(self, membership):
        if membership.role == Role.COMPANY:
            return self.filter(members__membership=membership)
        if membership.role == Role.BUYER:
            return self.filter(awards__lot__market__buyer__members__membership=membership).distinct()
        return self


class Company(TenantModel):
    """Entreprise attributaire (or co-contractor, subcontractor)."""

    name = models.CharField("raison sociale", max_length=200)
    siret = models.CharField("SIRET", max_length=14, validators=[validate_siret])
    naf_code = models.CharField("code NAF", max_length=6, blank=True, validators=[naf_validator])
    size = models.CharField("taille", max_length=10, choices=CompanySize.choices, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("ville", max_length=100, blank=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name = "entreprise"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "siret"], name="company_unique_siret"),
            models.UniqueConstraint(fields=["territory", "id"], name="company_territory_id"),
        ]

    def __str__(self):
        return self.name


class CompanyMember(TenantModel):
    """A company contact: a person who submits the company's monthly statements."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="members", verbose_name="entreprise")
    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="company_member", verbose_name="membre"
    )

    class Meta:
        verbose_name = "contact d'entreprise"
        constraints = [
            models.UniqueConstraint(fields=["territory", "company", "membership"], name="companymember_unique")
        ]

    def __str__(self):
        return f"{self.membership} @ {self.company}"


class MarketQuerySet(TenantQuerySet):
    def restrict_to(self, membership):
        if membership.role == Role.BUYER:
            return self.filter(buyer__members__membership=membership)
        if membership.role == Role.COMPANY:
            return self.filter(
                pk__in=LotAward.objects.filter(
                    territory_id=membership.territory_id, company__members__membership=membership
                ).values("lot__market_id")
            )
        return self


class Market(TenantModel):
    """Marché public: the contract signed by a buyer; its lots carry the clauses."""

    buyer = models.ForeignKey(Buyer, on_delete=models.PROTECT, related_name="markets", verbose_name="acheteur")
    reference = models.CharField("référence", max_length=64)
    object = models.CharField("objet", max_length=500)
    cpv_code = models.CharField("code CPV", max_length=10, blank=True, validators=[cpv_validator])
    procedure = models.CharField("procédure", max_length=30, choices=Procedure.choices, blank=True)
    amount_ht = models.DecimalField(
        "montant HT (€)", max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    notification_date = models.DateField("date de notification", null=True, blank=True)
    duration_months = models.PositiveSmallIntegerField("durée (mois)", null=True, blank=True)
    execution_commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="lieu d'exécution"
    )
    social_consideration = models.CharField(
        "considération sociale",
        max_length=20,
        choices=SocialConsideration.choices,
        default=SocialConsideration.SOCIAL_CLAUSE,
    )
    status = models.CharField("statut", max_length=20, choices=MarketStatus.choices, default=MarketStatus.IN_PROGRESS)
    decp_id = models.CharField("identifiant DECP", max_length=64, blank=True)
    # Programming (planned markets): what the buyer declares before tendering.
    trade = models.CharField("corps d'état / type de prestation", max_length=20, choices=Trade.choices, blank=True)
    expected_tender_date = models.DateField("date prévisionnelle de consultation", null=True, blank=True)
    facilitator = models.ForeignKey(
        Facilitator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="planned_markets",
        verbose_name="facilitateur·rice en charge",
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # E-mails of the pipeline, each sent once (claimed by a compare-and-set update, see clauses.tasks_programming):
    # the declaration announced to the coordination, and the facilitator last told they are in charge.
    pipeline_notified_at = models.DateTimeField("programmation annoncée le", null=True, blank=True, editable=False)
    facilitator_notified = models.ForeignKey(
        Facilitator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="facilitateur·rice prévenu·e de sa prise en charge",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MarketQuerySet.as_manager()

    class Meta:
        verbose_name = "marché"
        ordering = ["-notification_date", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "buyer", "reference"], name="market_unique_reference"),
            models.UniqueConstraint(fields=["territory", "id"], name="market_territory_id"),
            models.UniqueConstraint(
                fields=["territory", "decp_id"], condition=~models.Q(decp_id=""), name="market_unique_decp_id"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_ht__isnull=True) | models.Q(amount_ht__gte=0),
                name="market_amount_positive",
                violation_error_message="Le montant ne peut pas être négatif.",
            ),
        ]
        indexes = [
            models.Index(fields=["territory", "status"]),
            models.Index(fields=["territory", "notification_date"]),
        ]

    def __str__(self):
        return f"{self.reference} — {self.object}"

    def get_absolute_url(self):
        return reverse("clauses:market_detail", kwargs={"territory_code": self.territory.code, "pk": self.pk})


class Lot(TenantModel):
    market = models.ForeignKey(Market, on_delete=models.CASCADE, related_name="lots", verbose_name="marché")
    number = models.PositiveSmallIntegerField("numéro", default=1)
    title = models.CharField("intitulé", max_length=300)
    amount_ht = models.DecimalField(
        "montant HT (€)", max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = "lot"
        ordering = ["market", "number"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "market", "number"], name="lot_unique_number"),
            models.UniqueConstraint(fields=["territory", "id"], name="lot_territory_id"),
            models.CheckConstraint(
                condition=models.Q(amount_ht__isnull=True) | models.Q(amount_ht__gte=0),
                name="lot_amount_positive",
                violation_error_message="Le montant ne peut pas être négatif.",
            ),
        ]

    def __str__(self):
        return f"Lot {self.number} — {self.title}"


class LotAward(TenantModel):
    """The award of a lot to a company, as holder, co-contractor or subcontractor."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="awards", verbose_name="lot")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="awards", verbose_name="entreprise")
    role = models.CharField("rôle", max_length=20, choices=AwardRole.choices, default=AwardRole.HOLDER)

    class Meta:
        verbose_name = "attribution"
        constraints = [
            models.UniqueConstraint(fields=["territory", "lot", "company"], name="lotaward_unique"),
            models.UniqueConstraint(fields=["territory", "id"], name="lotaward_territory_id"),
        ]

    def __str__(self):
        return f"{self.company} — {self.get_role_display()} — {self.lot}"


class DecpImport(TenantModel):
    """An upload of a DECP JSON file (données essentielles de la commande publique) by a coordinator.

    A Celery task reads it and turns the territory's contracts with a social consideration into markets; ``report``
    keeps every contract skipped, with its position in the file and the reason (French).
    """

    file = models.FileField("fichier DECP (JSON)", upload_to="decp/%Y/%m/")
    original_name = models.CharField("nom du fichier", max_length=255)
    sha256 = models.CharField(max_length=64)
    status = models.CharField("statut", max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    progress = models.PositiveSmallIntegerField("avancement (%)", default=0)
    total = models.PositiveIntegerField("contrats lus", default=0)
    created_count = models.PositiveIntegerField("marchés créés", default=0)
    updated_count = models.PositiveIntegerField("marchés mis à jour", default=0)
    unchanged_count = models.PositiveIntegerField("marchés inchangés", default=0)
    skipped_count = models.PositiveIntegerField("contrats ignorés", default=0)
    report = models.JSONField("rapport", default=list, blank=True)
    error = models.TextField("erreur", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    # When the task claimed the import (PENDING → RUNNING): the stale-job sweep times a running import from it.
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "import DECP"
        verbose_name_plural = "imports DECP"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100),
                name="decpimport_progress_percent",
                violation_error_message="L'avancement est un pourcentage.",
            ),
        ]

    def __str__(self):
        return f"Import DECP {self.original_name} ({self.created_at:%d/%m/%Y})"
