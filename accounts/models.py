import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from territories.tenancy import TenantModel, TenantQuerySet

from .enums import ROLES_SEEING_PARTICIPANTS, Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in with an e-mail address. Their roles are memberships of territories."""

    username = None
    email = models.EmailField("adresse e-mail", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = "utilisateur"
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.get_full_name() or self.email


class MembershipQuerySet(TenantQuerySet):
    def active(self):
        return self.filter(is_active=True, user__isnull=False)

    def pending(self):
        return self.filter(user__isnull=True, is_active=True)

    def restrict_to(self, membership):
        if membership.role == Role.COORDINATOR:
            return self
        return self.filter(pk=membership.pk)


def _hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


class Membership(TenantModel):
    """A person's role in one territory. Created as an invitation (no user yet), completed when accepted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name="utilisateur",
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    email = models.EmailField("adresse e-mail")
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    is_active = models.BooleanField("actif", default=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invited_at = models.DateTimeField("invité le", default=timezone.now)
    invitation_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    invitation_expires_at = models.DateTimeField("invitation valable jusqu'au", null=True, blank=True)
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "membre"
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "user"], condition=models.Q(user__isnull=False), name="membership_one_per_user"
            ),
            models.UniqueConstraint(
                "territory",
                Lower("email"),
                condition=models.Q(user__isnull=True, is_active=True),
                name="membership_one_pending_invitation_per_email",
            ),
            models.UniqueConstraint(fields=["territory", "id"], name="membership_territory_id"),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(invitation_expires_at__isnull=False),
                name="membership_invitation_has_expiry",
                violation_error_message="Une invitation doit avoir une date d'expiration.",
            ),
        ]

    def __str__(self):
        return f"{self.display_name} — {self.get_role_display()}"

    @property
    def display_name(self):
        if self.user_id and self.user.get_full_name():
            return self.user.get_full_name()
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.email

    @property
    def is_pending(self):
        return self.user_id is None

    @property
    def is_expired(self):
        return (
            self.is_pending and self.invitation_expires_at is not None and self.invitation_expires_at < timezone.now()
        )

    @property
    def is_coordinator(self):
        return self.role == Role.COORDINATOR

    @property
    def sees_participants(self):
        return self.role in ROLES_SEEING_PARTICIPANTS

    def new_invitation_token(self):
        """Give the invitation a fresh secret; only its hash is stored. Returns the token for the e-mail link."""
        token = secrets.token_urlsafe(32)
        self.invitation_token_hash = _hash_token(token)
        self.invitation_expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALIDITY_DAYS)
        return token

    @classmethod
    def find_invitation(cls, token):
        """The pending, unexpired invitation with this token, or None."""
        if not token:
            return None
        return (
            cls.objects.pending()
            .filter(invitation_token_hash=_hash_token(token), invitation_expires_at__gt=timezone.now())
            .select_related("territory")
            .first()
        )

    def accept(self, user):
        self.user = user
        self.accepted_at = timezone.now()
        self.invitation_token_hash = ""
        if not user.first_name and self.first_name:
            user.first_name, user.last_name = self.first_name, self.last_name
            user.save(update_fields=["first_name", "last_name"])
        self.save(update_fields=["user", "accepted_at", "invitation_token_hash"])


class RegionalAccess(models.Model):
    """A regional role (e.g. the DREETS or the regional IAE network): reads the indicators summed over the
    territories of one region, aggregates only. Not a tenant row: it spans tenants; granted by the platform staff."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="regional_accesses", verbose_name="utilisateur"
    )
    region = models.ForeignKey("territories.Region", on_delete=models.PROTECT, related_name="+", verbose_name="région")
    is_active = models.BooleanField("actif", default=True)
    granted_at = models.DateTimeField("accordé le", default=timezone.now)

    class Meta:
        verbose_name = "accès régional"
        verbose_name_plural = "accès régionaux"
        constraints = [models.UniqueConstraint(fields=["user", "region"], name="regionalaccess_unique")]

    def __str__(self):
        return f"{self.user} — {self.region}"
