from django.conf import settings
from django.db import models
from django.db.models import Q

from markets.models import Buyer
from territories.tenancy import TenantModel

from .enums import PartnerKind


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
