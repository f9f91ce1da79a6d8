from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Membership
from markets.models import Buyer
from territories.tenancy import TenantModel

from .enums import College, PartnerKind, ReportPeriodKind, ReportStatus


class Partner(TenantModel):
    """An organisation the coordination works with (federation, employment service, IAE network…)."""

    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=30, choices=PartnerKind.choices)
    buyer = models.ForeignKey(
        Buyer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="donneur d'ordre",
        help_text="Si le partenaire est un donneur d'ordre du territoire.",
    )
    contact_name = models.CharField("contact", max_length=200, blank=True)
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    is_active = models.BooleanField("partenaire actif", default=True)

    class Meta:
        verbose_name = "partenaire"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "name"], name="partner_unique_name"),
            models.UniqueConstraint(fields=["territory", "id"], name="partner_territory_id"),
        ]

    def __str__(self):
        return self.name


class PartnerMeeting(TenantModel):
    """A meeting held with a partner (a buyer, a federation…): date, who, topic, follow-up."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="meetings", verbose_name="partenaire")
    date = models.DateField("date")
    attendees = models.TextField("participants", blank=True)
    topic = models.CharField("objet", max_length=300)
    follow_up = models.TextField("suites à donner", blank=True)
    follow_up_due = models.DateField("échéance des suites", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "rencontre partenaire"
        ordering = ["-date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up_due__isnull=True) | Q(follow_up_due__gte=models.F("date")),
                name="partnermeeting_follow_up_after_meeting",
                violation_error_message="L'échéance des suites doit suivre la date de la rencontre.",
            ),
        ]
        indexes = [models.Index(fields=["territory", "date"])]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} — {self.partner}"


class CommitteeMember(TenantModel):
    """A member of the comité départemental, in one college. May be linked to an account of the territory."""

    name = models.CharField("nom et prénom", max_length=200)
    organisation = models.CharField("institution", max_length=200)
    function = models.CharField("fonction", max_length=200, blank=True)
    college = models.CharField("collège", max_length=30, choices=College.choices)
    email = models.EmailField("e-mail", blank=True)
    membership = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="compte sur la plateforme",
    )
    is_active = models.BooleanField("membre en exercice", default=True)

    class Meta:
        verbose_name = "membre du comité"
        verbose_name_plural = "membres du comité"
        ordering = ["college", "organisation", "name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "name", "organisation"], name="committeemember_unique"),
            models.UniqueConstraint(fields=["territory", "id"], name="committeemember_territory_id"),
        ]

    def __str__(self):
        return f"{self.name} ({self.organisation})"


class CommitteeMeeting(TenantModel):
    """A meeting of the comité départemental: date, agenda, attendance and minutes (text)."""

    date = models.DateField("date")
    title = models.CharField("intitulé", max_length=200, default="Comité départemental")
    agenda = models.TextField("ordre du jour", blank=True)
    minutes = models.TextField("compte rendu", blank=True)
    attendees = models.ManyToManyField(
        CommitteeMember, through="CommitteeAttendance", related_name="meetings", verbose_name="présents"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "réunion du comité"
        verbose_name_plural = "réunions du comité"
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "id"], name="committeemeeting_territory_id"),
        ]
        indexes = [models.Index(fields=["territory", "date"])]

    def __str__(self):
        return f"{self.title} du {self.date:%d/%m/%Y}"


class CommitteeAttendance(TenantModel):
    """A member present at a committee meeting."""

    meeting = models.ForeignKey(CommitteeMeeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="attendance")

    class Meta:
        verbose_name = "présence au comité"
        constraints = [
            models.UniqueConstraint(fields=["territory", "meeting", "member"], name="committeeattendance_unique"),
        ]


class Report(TenantModel):
    """Bilan: the consolidated PDF of a period, built by a Celery task.

    One bilan per territory and period: asking again for a period, or re-running a failed job, rebuilds the same row
    (``generation`` is bumped so that a late, superseded task does nothing).
    """

    period_kind = models.CharField("type de période", max_length=10, choices=ReportPeriodKind.choices)
    start_date = models.DateField("début de la période")
    end_date = models.DateField("fin de la période")
    title = models.CharField("intitulé", max_length=200)
    status = models.CharField("statut", max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    progress = models.PositiveSmallIntegerField("avancement (%)", default=0)
    step = models.CharField("étape en cours", max_length=200, blank=True)
    error = models.TextField("erreur", blank=True)
    generation = models.PositiveIntegerField(default=1)
    file = models.FileField("fichier PDF", upload_to="bilans/%Y/", blank=True)
    file_size = models.PositiveIntegerField("taille (octets)", default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="demandé par"
    )
    requested_at = models.DateTimeField("demandé le")
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("produit le", null=True, blank=True)
    notified_generation = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "bilan"
        ordering = ["-end_date", "-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "start_date", "end_date"], name="report_one_per_period"),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="report_end_after_start",
                violation_error_message="La fin de la période doit suivre son début.",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="report_progress_percent",
                violation_error_message="L'avancement est un pourcentage.",
            ),
        ]

    def __str__(self):
        return self.title
