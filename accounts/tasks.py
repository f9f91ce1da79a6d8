from celery import shared_task
from django.utils import timezone

from .models import Membership


@shared_task
def purge_expired_invitations():
    """Deactivate invitations past their expiry (idempotent: a second run finds nothing to do)."""
    return (
        Membership.objects.pending()
        .filter(invitation_expires_at__lt=timezone.now())
        .update(is_active=False, invitation_token_hash="")
    )
