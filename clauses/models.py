from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from accounts.enums import ROLES_SEEING_PARTICIPANTS, Role
from facilitators.models import Facilitator, InclusionEmployer
from markets.enums import Trade
from markets.models import Company, Lot, Market
from territories.models import Commune
from territories.tenancy import TenantModel, TenantQuerySet

from .enums import (
    DEFAULT_CRITERIA,
    AccessAction,
    ClauseForm,
    ContractKind,
    EvidenceKind,
    ExecutionMode,
    FeasibilityLevel,
    LegalBasis,
    OutcomeCategory,
    OutcomeMilestone,
    OutcomeSituation,
    Prescriber,
    QualificationLevel,
    Sex,
    SizingMethod,
    StatementStatus,
)

MAX_HOURS_IN_A_MONTH = 744  # 31 days × 24 h: a physical bound the database enforces


class EligibilityCriterion(TenantModel):
    """Public éligible: one reason a participant's hours may count. Reference data, versioned per territory."""

    code = models.SlugField("code", max_length=50)
    label = models.CharField("libellé", max_length=200)
    requires_reason = models.BooleanField("motif obligatoire", default=False)
    is_active = models.BooleanField("en vigueur", default=True)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "critère d'éligibilité"
        verbose_name_plural = "critères d'éligibilité"
        ordering = ["position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "code"], name="eligibilitycriterion_unique_code"),
            models.UniqueConstraint(fields=["territory", "id"], name="eligibilitycriterion_territory_id"),
        ]

    def __str__(self):
        return self.label


def ensure_default_criteria(territory):
    """Give a territory the default list of eligible publics (idempotent)."""
    existing = set(EligibilityCriterion.objects.in_territory(territory).values_list("code", flat=True))
    EligibilityCriterion.objects.bulk_create(
        EligibilityCriterion(territory=territory, code=code, label=label, requires_reason=reason, position=i)
        for i, (code, label, reason) in enumerate(DEFAULT_CRITERIA)
        if code not in existing
    )


class ClauseQuerySet(TenantQuerySet):
    def restrict_to(self, membership):
        return self.filter(lot__market__in=Market.objects.visible_to(membership))

    def active_on(self, day):
        return self.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))

    def active_during(self, start, end):
        return self.filter(start_date__lte=end).filter(Q(end_date__isnull=True) | Q(end_date__gte=start))

    def aggregate_hours_required(self):
        return self.aggregate(total=models.Sum("hours_required"))["total"] or 0


class Clause(TenantModel):
    """The insertion obligation on a lot: legal basis, hours required and how they were sized."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="clauses", verbose_name="lot")
    legal_basis = models.CharField(
        "fondement juridique", max_length=12, choices=LegalBasis.choices, default=LegalBasis.EXECUTION_CONDITION
    )
    hours_required = models.DecimalField(
        "heures d'insertion exigées", max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    sizing_method = models.CharField(
        "mode de calcul", max_length=20, choices=SizingMethod.choices, default=SizingMethod.LABOUR_SHARE
    )
    sizing_amount_ht = models.DecimalField(
        "montant de référence HT (€)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    labour_share = models.DecimalField(
        "part de main-d'œuvre",
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    insertion_rate = models.DecimalField(
        "taux d'insertion",
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    hourly_cost = models.DecimalField("coût horaire (€)", max_digits=6, decimal_places=2, null=True, blank=True)
    tranche_amount = models.DecimalField(
        "montant d'une tranche (€)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    hours_per_tranche = models.DecimalField("heures par tranche", max_digits=8, decimal_places=2, null=True, blank=True)
    start_date = models.DateField("début d'exécution")
    end_date = models.DateField("fin d'exécution", null=True, blank=True)
    facilitator = models.ForeignKey(
        Facilitator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clauses",
        verbose_name="facilitateur en charge",
    )
    penalty_per_missing_hour = models.DecimalField(
        "pénalité par heure manquante (€)", max_digits=8, decimal_places=2, null=True, blank=True
    )

    objects = ClauseQuerySet.as_manager()

    class Meta:
        verbose_name = "clause"
        ordering = ["start_date"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "lot", "legal_basis"], name="clause_unique_basis_per_lot"),
            models.UniqueConstraint(fields=["territory", "id"], name="clause_territory_id"),
            models.CheckConstraint(
                condition=Q(hours_required__gte=0),
                name="clause_hours_required_positive",
                violation_error_message="Le nombre d'heures exigées ne peut pas être négatif.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="clause_end_after_start",
                violation_error_message="La date de fin doit être postérieure ou égale à la date de début.",
            ),
            models.CheckConstraint(
                condition=Q(labour_share__isnull=True) | Q(labour_share__gte=0, labour_share__lte=1),
                name="clause_labour_share_fraction",
                violation_error_message="La part de main-d'œuvre doit être comprise entre 0 et 100 %.",
            ),
            models.CheckConstraint(
                condition=Q(insertion_rate__isnull=True) | Q(insertion_rate__gte=0, insertion_rate__lte=1),
                name="clause_insertion_rate_fraction",
                violation_error_message="Le taux d'insertion doit être compris entre 0 et 100 %.",
            ),
        ]
        indexes = [models.Index(fields=["territory", "start_date", "end_date"])]

    def __str__(self):
        return f"{self.get_legal_basis_display()} — {self.hours_required:.0f} h"

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "La date de fin doit être postérieure ou égale à la date de début."})


class ClauseEligibleCriterion(TenantModel):
    """The publics a clause accepts (when a clause restricts them)."""

    clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="eligible_criteria")
    criterion = models.ForeignKey(EligibilityCriterion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "public éligible de la clause"
        constraints = [
            models.UniqueConstraint(fields=["territory", "clause", "criterion"], name="clauseeligiblecriterion_unique")
        ]


class ParticipantQuerySet(TenantQuerySet):
    def restrict_to(self, membership):
        if membership.role in ROLES_SEEING_PARTICIPANTS:
            return self
        return self.none()


class Participant(TenantModel):
    """Participant / bénéficiaire: personal data, seen only by the territory's facilitators and coordinators."""

    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        "année de naissance", validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices)
    qualification_level = models.CharField(
        "niveau de qualification", max_length=4, choices=QualificationLevel.choices, blank=True
    )
    residence_commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="commune de résidence"
    )
    is_qpv_resident = models.BooleanField("habite un QPV", default=False)
    prescriber = models.CharField("prescripteur", max_length=20, choices=Prescriber.choices, blank=True)
    referent = models.ForeignKey(
        Facilitator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participants",
        verbose_name="facilitateur référent",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField("anonymisé le", null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = "participant"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "id"], name="participant_territory_id"),
            models.CheckConstraint(
                condition=Q(birth_date__isnull=True) | Q(birth_year=models.functions.ExtractYear("birth_date")),
                name="participant_birth_year_matches_date",
                violation_error_message="L'année de naissance ne correspond pas à la date de naissance.",
            ),
        ]
        indexes = [models.Index(fields=["territory", "last_name", "first_name"])]

    def __str__(self):
        return f"{self.last_name.upper()} {self.first_name}"

    def get_absolute_url(self):
        return reverse("clauses:participant_detail", kwargs={"territory_code": self.territory.code, "pk": self.pk})

    def save(self, *args, **kwargs):
        if self.birth_date:
            self.birth_year = self.birth_date.year
        super().save(*args, **kwargs)

    def age_on(self, day):
        return day.year - self.birth_year


class EligibilityValidation(TenantModel):
    """A facilitator's validation that a participant belongs to an eligible public, with the evidence seen."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="eligibilities")
    criterion = models.ForeignKey(
        EligibilityCriterion, on_delete=models.PROTECT, related_name="+", verbose_name="critère"
    )
    evidence_kind = models.CharField("pièce justificative vue", max_length=20, choices=EvidenceKind.choices)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="validé par"
    )
    validated_on = models.DateField("date de validation")
    valid_until = models.DateField("valable jusqu'au", null=True, blank=True)
    reason = models.TextField("motif", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "validation d'éligibilité"
        ordering = ["-validated_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("validated_on")),
                name="eligibilityvalidation_valid_until_after_validation",
                violation_error_message="La fin de validité doit suivre la date de validation.",
            ),
        ]

    def clean(self):
        if self.valid_until and self.validated_on and self.valid_until < self.validated_on:
            raise ValidationError({"valid_until": "La fin de validité doit suivre la date de validation."})
        if self.criterion_id and self.criterion.requires_reason and not self.reason.strip():
            raise ValidationError({"reason": "Ce critère exige un motif."})


class PlacementQuerySet(TenantQuerySet):
    def restrict_to(self, membership):
        if membership.role in ROLES_SEEING_PARTICIPANTS:
            return self
        if membership.role == Role.COMPANY:
            return self.filter(employer_company__members__membership=membership)
        return self.none()


class Placement(TenantModel):
    """Mise en emploi: a participant's work contract (or training) on a clause."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="placements")
    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="placements", verbose_name="clause")
    employer_company = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="placements",
        verbose_name="entreprise employeuse",
    )
    employer_inclusion = models.ForeignKey(
        InclusionEmployer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="placements",
        verbose_name="employeur inclusif (mise à disposition)",
    )
    contract_kind = models.CharField("type de contrat", max_length=20, choices=ContractKind.choices)
    mode = models.CharField("modalité", max_length=20, choices=ExecutionMode.choices)
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        verbose_name = "mise en emploi"
        verbose_name_plural = "mises en emploi"
        ordering = ["start_date"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "id"], name="placement_territory_id"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="placement_end_after_start",
                violation_error_message="La date de fin doit être postérieure ou égale à la date de début.",
            ),
            models.CheckConstraint(
                condition=Q(employer_company__isnull=False, employer_inclusion__isnull=True)
                | Q(employer_company__isnull=True, employer_inclusion__isnull=False),
                name="placement_exactly_one_employer",
                violation_error_message="Indiquez un employeur : l'entreprise ou l'employeur inclusif, pas les deux.",
            ),
        ]

    def __str__(self):
        return f"{self.participant} — {self.get_contract_kind_display()} ({self.start_date:%m/%Y})"

    @property
    def employer(self):
        return self.employer_company or self.employer_inclusion

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "La date de fin doit être postérieure ou égale à la date de début."})
        if bool(self.employer_company_id) == bool(self.employer_inclusion_id):
            raise ValidationError("Indiquez un employeur : l'entreprise ou l'employeur inclusif, pas les deux.")


class StatementQuerySet(TenantQuerySet):
    def restrict_to(self, membership):
        if membership.role in ROLES_SEEING_PARTICIPANTS:
            return self
        if membership.role == Role.COMPANY:
            return self.filter(company__members__membership=membership)
        return self.none()


class Statement(TenantModel):
    """Relevé mensuel d'une entreprise: the hours of one company's placements on one clause for one month.

    The company fills and submits it; a facilitator validates it (locking it) or sends it back with a comment; a
    validated statement is changed only through an explicit reopen, kept in the history with its reason. Its lines
    are the ``MonthlyHours`` rows, whose ``status`` mirrors the statement's.
    """

    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="statements", verbose_name="clause")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="statements", verbose_name="entreprise")
    month = models.DateField("mois", help_text="Premier jour du mois.")
    status = models.CharField("statut", max_length=10, choices=StatementStatus.choices, default=StatementStatus.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField("transmis le", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField("examiné le", null=True, blank=True)
    review_comment = models.TextField("commentaire du facilitateur", blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = "relevé mensuel d'entreprise"
        verbose_name_plural = "relevés mensuels d'entreprise"
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "clause", "company", "month"], name="statement_one_per_company_clause_month"
            ),
            models.UniqueConstraint(fields=["territory", "id"], name="statement_territory_id"),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="statement_month_first_day",
                violation_error_message="Le mois d'un relevé est indiqué par son premier jour.",
            ),
        ]
        indexes = [models.Index(fields=["territory", "month", "status"])]

    def __str__(self):
        return f"{self.company} — {self.month:%m/%Y}"

    @property
    def is_locked(self):
        return self.status == StatementStatus.VALIDATED

    @property
    def is_editable_by_company(self):
        return self.status in (StatementStatus.DRAFT, StatementStatus.RETURNED)


class MonthlyHoursQuerySet(TenantQuerySet):
    def restrict_to(self, membership):
        return self.filter(placement__in=Placement.objects.visible_to(membership))

    def validated(self):
        return self.filter(status=StatementStatus.VALIDATED)

    def in_year(self, year):
        return self.filter(month__gte=date(year, 1, 1), month__lte=date(year, 12, 1))

    def total_counted(self):
        """Sum of the insertion hours these statements count (see ``counted_hours_expression``)."""
        total = self.aggregate(total=models.Sum(counted_hours_expression()))["total"]
        return total or 0


class MonthlyHours(TenantModel):
    """Relevé mensuel: the hours one participant worked on one placement in one month."""

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="monthly_hours")
    statement = models.ForeignKey(
        Statement, on_delete=models.PROTECT, null=True, blank=True, related_name="lines", verbose_name="relevé"
    )
    month = models.DateField("mois", help_text="Premier jour du mois.")
    hours_worked = models.DecimalField(
        "heures travaillées",
        max_digits=6,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0, "Les heures ne peuvent pas être négatives.")],
    )
    training_hours = models.DecimalField(
        "heures de formation",
        max_digits=6,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0, "Les heures ne peuvent pas être négatives.")],
    )
    status = models.CharField("statut", max_length=10, choices=StatementStatus.choices, default=StatementStatus.DRAFT)
    comment = models.TextField("commentaire", blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    validated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    objects = MonthlyHoursQuerySet.as_manager()

    class Meta:
        verbose_name = "relevé mensuel"
        verbose_name_plural = "relevés mensuels"
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "placement", "month"], name="monthlyhours_one_per_month"),
            models.UniqueConstraint(fields=["territory", "id"], name="monthlyhours_territory_id"),
            models.CheckConstraint(
                condition=Q(hours_worked__gte=0),
                name="monthlyhours_hours_positive",
                violation_error_message="Les heures ne peuvent pas être négatives.",
            ),
            models.CheckConstraint(
                condition=Q(training_hours__gte=0),
                name="monthlyhours_training_positive",
                violation_error_message="Les heures de formation ne peuvent pas être négatives.",
            ),
            models.CheckConstraint(
                condition=Q(hours_worked__lte=MAX_HOURS_IN_A_MONTH) & Q(training_hours__lte=MAX_HOURS_IN_A_MONTH),
                name="monthlyhours_hours_within_month",
                violation_error_message="Un mois ne compte pas plus de 744 heures.",
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="monthlyhours_month_first_day",
                violation_error_message="Le mois d'un relevé est indiqué par son premier jour.",
            ),
        ]
        indexes = [models.Index(fields=["territory", "month"])]

    def __str__(self):
        return f"{self.placement} — {self.month:%m/%Y}"


class GlobalisationAgreement(TenantModel):
    """Globalisation: by agreement, one company's obligations on several clauses (even of several buyers) are pooled;
    the hours of a participant under it are allocated across those clauses, never more than the hours counted."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="globalisation_agreements", verbose_name="entreprise"
    )
    name = models.CharField("intitulé", max_length=200)
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "accord de globalisation"
        verbose_name_plural = "accords de globalisation"
        constraints = [
            models.UniqueConstraint(fields=["territory", "id"], name="globalisationagreement_territory_id"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="globalisationagreement_end_after_start",
                violation_error_message="La date de fin doit être postérieure ou égale à la date de début.",
            ),
        ]

    def __str__(self):
        return self.name


class GlobalisationClause(TenantModel):
    agreement = models.ForeignKey(GlobalisationAgreement, on_delete=models.CASCADE, related_name="clauses")
    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="globalisations")

    class Meta:
        verbose_name = "clause globalisée"
        constraints = [
            models.UniqueConstraint(fields=["territory", "agreement", "clause"], name="globalisationclause_unique")
        ]


class HoursAllocation(TenantModel):
    """The share of one monthly line's counted hours credited to one clause of a globalisation agreement.

    A line with allocations counts only through them (never also on its placement's clause); the sum of a line's
    allocations never exceeds its counted hours (checked by ``clauses.hours.allocate`` under a row lock).
    """

    line = models.ForeignKey(MonthlyHours, on_delete=models.CASCADE, related_name="allocations")
    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="allocations")
    hours = models.DecimalField("heures", max_digits=6, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "répartition d'heures"
        constraints = [
            models.UniqueConstraint(fields=["territory", "line", "clause"], name="hoursallocation_unique"),
            models.CheckConstraint(
                condition=Q(hours__gte=0),
                name="hoursallocation_hours_positive",
                violation_error_message="Les heures ne peuvent pas être négatives.",
            ),
        ]


def counted_hours_expression(prefix=""):
    """Insertion hours a statement counts: hours worked, plus training hours inside a work-study contract."""
    p = f"{prefix}__" if prefix else ""
    return models.F(f"{p}hours_worked") + models.Case(
        models.When(
            **{f"{p}placement__contract_kind__in": ContractKind.work_study()}, then=models.F(f"{p}training_hours")
        ),
        default=models.Value(0),
        output_field=models.DecimalField(max_digits=8, decimal_places=2),
    )


class ImportJobStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    ANALYSING = "analysing", "Analyse du fichier"
    READY = "ready", "Prêt : à confirmer"
    IMPORTING = "importing", "Import en cours"
    DONE = "done", "Importé"
    FAILED = "failed", "Échec"
    CANCELLED = "cancelled", "Annulé"


class ImportJobQuerySet(TenantQuerySet):
    def restrict_to(self, membership):
        if membership.role in ROLES_SEEING_PARTICIPANTS:
            return self
        return self.filter(requested_by_id=membership.user_id)


class ImportJob(TenantModel):
    """An uploaded file of monthly hours: analysed by a Celery task into a preview (every bad row with its line
    number), written only when the user confirms. The task receives only the job's id and is idempotent."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    clause = models.ForeignKey(Clause, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    file = models.FileField("fichier", upload_to="imports/%Y/%m/")
    original_name = models.CharField("nom du fichier", max_length=255)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=12, choices=ImportJobStatus.choices, default=ImportJobStatus.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a task claimed the job for its current phase: the analysis (PENDING → ANALYSING), then the writing
    # (READY → IMPORTING, on confirmation). The stale-job sweep times a running job from it, not from the upload.
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = "import de relevés"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="importjob_progress_percent", violation_error_message="0 à 100 %."
            ),
        ]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"


class StatementNotificationKind(models.TextChoices):
    REMINDER = "reminder", "Relance : relevé manquant"
    SUBMITTED = "submitted", "Relevé transmis"
    RETURNED = "returned", "Relevé renvoyé pour correction"
    VALIDATED = "validated", "Relevé validé"


class StatementNotification(TenantModel):
    """An e-mail about monthly statements, recorded when sent so that it is sent once (the Celery tasks are
    idempotent): a reminder at most once per company and month; a workflow e-mail once per statement version."""

    kind = models.CharField("type", max_length=10, choices=StatementNotificationKind.choices)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name="entreprise")
    month = models.DateField("mois", help_text="Premier jour du mois.")
    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    statement_version = models.PositiveIntegerField("version du relevé", default=0)
    recipients = models.PositiveSmallIntegerField("destinataires", default=0)
    sent_at = models.DateTimeField("envoyé le", auto_now_add=True)

    class Meta:
        verbose_name = "notification de relevé"
        verbose_name_plural = "notifications de relevés"
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "company", "month"],
                condition=Q(kind="reminder"),
                name="statementnotification_one_reminder_per_month",
            ),
            models.UniqueConstraint(
                fields=["territory", "statement", "kind", "statement_version"],
                condition=Q(statement__isnull=False),
                name="statementnotification_once_per_event",
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="statementnotification_month_first_day",
                violation_error_message="Le mois d'un relevé est indiqué par son premier jour.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.company} — {self.month:%m/%Y}"


class Training(TenantModel):
    """A training action in a participant's pathway (outside or inside a placement)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="trainings")
    title = models.CharField("intitulé", max_length=200)
    provider = models.CharField("organisme", max_length=200, blank=True)
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)
    hours = models.DecimalField("durée (heures)", max_digits=7, decimal_places=2, null=True, blank=True)
    is_qualifying = models.BooleanField("qualifiante", default=False)

    class Meta:
        verbose_name = "formation"
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="training_end_after_start",
                violation_error_message="La date de fin doit être postérieure ou égale à la date de début.",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gte=0),
                name="training_hours_positive",
                violation_error_message="Les heures ne peuvent pas être négatives.",
            ),
        ]

    def __str__(self):
        return self.title


class Outcome(TenantModel):
    """Sortie: the participant's situation at the end of the last placement, and again six months later."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="outcomes")
    milestone = models.CharField("échéance", max_length=12, choices=OutcomeMilestone.choices)
    situation = models.CharField("situation", max_length=20, choices=OutcomeSituation.choices)
    contract_months = models.PositiveSmallIntegerField(
        "durée du contrat (mois)", null=True, blank=True, help_text="Pour un CDD ou une mission d'intérim."
    )
    category = models.CharField("type de sortie", max_length=12, choices=OutcomeCategory.choices, editable=False)
    observed_on = models.DateField("constatée le")
    employer_name = models.CharField("employeur", max_length=200, blank=True)
    notes = models.TextField("commentaire", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "sortie"
        ordering = ["observed_on"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "participant", "milestone"], name="outcome_one_per_milestone"),
        ]
        indexes = [models.Index(fields=["territory", "category"])]

    def __str__(self):
        return f"{self.get_milestone_display()} — {self.get_category_display()}"

    def save(self, *args, **kwargs):
        from .outcomes import outcome_category

        self.category = outcome_category(self.situation, self.contract_months)
        super().save(*args, **kwargs)


AUTOMATIC_ANONYMISATION = "Anonymisation automatique (durée de conservation)"


class PersonalDataAccess(TenantModel):
    """Journal of every display or export of participants' identities (who, when, what).

    An entry without a user is the system's: the retention task's automatic anonymisation (the only action the
    system records, enforced by a constraint).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="access_log"
    )
    action = models.CharField("action", max_length=20, choices=AccessAction.choices)
    detail = models.CharField("détail", max_length=300, blank=True)
    row_count = models.PositiveIntegerField("personnes concernées", default=1)
    at = models.DateTimeField("le", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "accès aux données personnelles"
        verbose_name_plural = "accès aux données personnelles"
        ordering = ["-at"]
        indexes = [models.Index(fields=["territory", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(action=AccessAction.ANONYMISE),
                name="personaldataaccess_system_only_anonymises",
                violation_error_message="Seule l'anonymisation automatique est enregistrée sans utilisateur.",
            ),
        ]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} — {self.author} — {self.action_label}"

    @property
    def is_automatic(self):
        """Recorded by the system (the retention task), not by someone."""
        return self.user_id is None

    @property
    def author(self):
        return "Automatique (application)" if self.is_automatic else str(self.user)

    @property
    def action_label(self):
        if self.is_automatic and self.action == AccessAction.ANONYMISE:
            return AUTOMATIC_ANONYMISATION
        return self.get_action_display()


class TradeLabourShare(TenantModel):
    """A territory's labour share for a trade, used by the sizing calculator (defaults: ``DEFAULT_LABOUR_SHARES``)."""

    trade = models.CharField("corps d'état / type de prestation", max_length=20, choices=Trade.choices)
    labour_share = models.DecimalField(
        "part de main-d'œuvre",
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(1)],
    )

    class Meta:
        verbose_name = "part de main-d'œuvre par corps d'état"
        verbose_name_plural = "parts de main-d'œuvre par corps d'état"
        ordering = ["trade"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "trade"], name="tradelabourshare_unique_trade"),
            models.CheckConstraint(
                condition=Q(labour_share__gt=0, labour_share__lte=1),
                name="tradelabourshare_fraction",
                violation_error_message="La part de main-d'œuvre doit être comprise entre 1 et 100 %.",
            ),
        ]

    def __str__(self):
        return f"{self.get_trade_display()} : {self.labour_share:%}"


def feasibility_field(label):
    return models.CharField(label, max_length=12, choices=FeasibilityLevel.choices, blank=True)


class ClausePlanQuerySet(TenantQuerySet):
    def restrict_to(self, membership):
        if membership.role == Role.COMPANY:
            return self.none()  # a tender in preparation is not shown to companies
        return self.filter(market__in=Market.objects.visible_to(membership))


class ClausePlan(TenantModel):
    """Preparing the clause of a planned market: feasibility (four criteria with reasons), the recommended and chosen
    form, the sizing of the hours and the parameters of the drafted clause text."""

    market = models.OneToOneField(Market, on_delete=models.CASCADE, related_name="clause_plan", verbose_name="marché")
    # --- Feasibility: the four criteria, each answered with its reason ---
    duration_level = feasibility_field("durée")
    duration_reason = models.TextField("motif (durée)", blank=True)
    amount_level = feasibility_field("montant")
    amount_reason = models.TextField("motif (montant)", blank=True)
    technicality_level = feasibility_field("technicité des travaux ou prestations")
    technicality_reason = models.TextField("motif (technicité)", blank=True)
    public_level = feasibility_field("public mobilisable près du lieu d'exécution")
    public_reason = models.TextField("motif (public mobilisable)", blank=True)
    recommended_form = models.CharField("forme recommandée", max_length=20, choices=ClauseForm.choices, blank=True)
    recommendation_reason = models.TextField("justification de la recommandation", blank=True)
    chosen_form = models.CharField("forme retenue", max_length=20, choices=ClauseForm.choices, blank=True)
    choice_reason = models.TextField("motif du choix", blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField("étude de faisabilité du", null=True, blank=True)
    # --- Sizing (same parameters as a clause) ---
    sizing_method = models.CharField(
        "mode de calcul", max_length=20, choices=SizingMethod.choices, default=SizingMethod.LABOUR_SHARE
    )
    sizing_amount_ht = models.DecimalField(
        "montant de référence HT (€)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    labour_share = models.DecimalField("part de main-d'œuvre", max_digits=5, decimal_places=4, null=True, blank=True)
    insertion_rate = models.DecimalField("taux d'insertion", max_digits=5, decimal_places=4, null=True, blank=True)
    hourly_cost = models.DecimalField("coût horaire (€)", max_digits=6, decimal_places=2, null=True, blank=True)
    tranche_amount = models.DecimalField(
        "montant d'une tranche (€)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    hours_per_tranche = models.DecimalField("heures par tranche", max_digits=8, decimal_places=2, null=True, blank=True)
    hours = models.DecimalField("heures d'insertion", max_digits=10, decimal_places=2, null=True, blank=True)
    sizing_working = models.TextField("détail du calcul", blank=True)
    # --- Parameters of the clause text ---
    eligible_publics = models.JSONField("publics éligibles (codes)", default=list, blank=True)
    execution_modes = models.JSONField("modalités de mise en œuvre", default=list, blank=True)
    penalty_per_missing_hour = models.DecimalField(
        "pénalité par heure manquante (€)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    objects = ClausePlanQuerySet.as_manager()

    class Meta:
        verbose_name = "préparation de clause"
        verbose_name_plural = "préparations de clauses"
        constraints = [
            models.UniqueConstraint(fields=["territory", "market"], name="clauseplan_one_per_market"),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gte=0),
                name="clauseplan_hours_positive",
                violation_error_message="Le nombre d'heures ne peut pas être négatif.",
            ),
        ]

    def __str__(self):
        return f"Préparation de la clause — {self.market}"

    @property
    def deviates_from_recommendation(self):
        return bool(self.chosen_form and self.recommended_form and self.chosen_form != self.recommended_form)

    def clean(self):
        if self.deviates_from_recommendation and not self.choice_reason.strip():
            raise ValidationError(
                {"choice_reason": "Vous avez retenu une autre forme que celle recommandée : indiquez pourquoi."}
            )
