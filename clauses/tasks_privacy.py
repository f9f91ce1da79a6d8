"""Retention of personal data: the daily task that anonymises participants inactive for longer than their territory's
retention period (``Territory.retention_years``, 5 years by default).

The task takes no argument (it is scheduled in ``CELERY_BEAT_SCHEDULE``) and is idempotent: an anonymised participant
is never selected again, so a second run the same day does nothing. ``clauses.privacy.anonymise_inactive`` does the work
per territory and has a ``dry_run`` for tests and checks. Each person anonymised is recorded in the access journal
(an entry without a user, shown as « Anonymisation automatique (durée de conservation) »).
"""

import logging
from datetime import date

from celery import shared_task
from django.utils import timezone

from territories.models import Territory

from .privacy import anonymise_inactive

logger = logging.getLogger(__name__)


@shared_task
def anonymise_inactive_participants(today=None):
    """Anonymise, territory by territory, the participants whose last activity is older than the retention period.

    ``today`` (ISO date) is for replays and tests; returns the number of people anonymised.
    """
    day = date.fromisoformat(today) if today else timezone.localdate()
    total = 0
    for territory in Territory.objects.order_by("code"):
        total += len(anonymise_inactive(territory, day))
    logger.info("Retention: %s participant(s) anonymised in all.", total)
    return total
