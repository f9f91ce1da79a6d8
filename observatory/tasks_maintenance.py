"""The sweep of lost long jobs: imports and bilans left "en cours" by a worker that died (OOM, deploy).

``acks_late`` + ``reject_on_worker_lost`` deliver such a task again, but that does not rescue these jobs: the
analysis of an hours import, a DECP import and a bilan claim their row by a compare-and-set *from PENDING*, so the
second delivery finds the row already claimed and does nothing (only the writing of a confirmed hours import runs
again). Such a row is marked failed with a French message, shown on its page with the way forward: upload the file
again, or re-run the bilan. A row is lost when it is

- running (claimed by its task) for longer than ``settings.STALE_JOB_MINUTES[kind]``, timed from ``started_at``, which
  the claim records (an hours import's writing restarts the clock on confirmation); a row claimed before the field was
  recorded is timed from its upload or request;
- pending (queued, not yet claimed) for longer than ``settings.STALE_PENDING_MINUTES``, timed from its upload or
  request: far longer, so that a job merely waiting in a Celery backlog is never failed, only one whose message was
  lost.

Nothing is half-written: the writing of an hours import (``clauses.tasks_imports.confirm_import``) and of a DECP import
(``markets.decp.run``) each happen in one transaction that also sets the final status, so a dead worker's transaction
is rolled back; the analysis of an hours import writes only its job row; a bilan's file is stored only when it is
done (``observatory.tasks._store``).

The sweep is idempotent and safe to run concurrently, or while a job finishes: it locks the stale rows with
``SKIP LOCKED`` (a row locked by a live transaction — an import being written — is not lost, and is left alone) and
marks them by a compare-and-set whose WHERE clause repeats the status and the time bound. A task that was only late
finds its row failed and does nothing (each task writes its outcome only while the row is still in its running state).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from clauses.models import ImportJob, ImportJobStatus
from markets.enums import ImportStatus
from markets.models import DecpImport

from . import reports
from .enums import ReportStatus
from .models import Report

logger = logging.getLogger(__name__)

HOURS_IMPORT_INTERRUPTED = (
    "Le traitement du fichier a été interrompu avant la fin (le serveur a été arrêté ou redémarré). Aucune heure n'a "
    "été enregistrée : déposez de nouveau le fichier pour relancer l'import."
)
DECP_IMPORT_INTERRUPTED = (
    "Le traitement du fichier a été interrompu avant la fin (le serveur a été arrêté ou redémarré). Aucun marché n'a "
    "été enregistré : déposez de nouveau le fichier pour relancer l'import."
)
REPORT_INTERRUPTED = (
    "La production du bilan a été interrompue avant la fin (le serveur a été arrêté ou redémarré). Relancez-la : le "
    "bilan sera produit avec les données actuelles."
)


def stale_after(kind):
    """How long a job of ``kind`` (a key of ``settings.STALE_JOB_MINUTES``) may run once its task started it."""
    return timedelta(minutes=settings.STALE_JOB_MINUTES[kind])


def pending_stale_after():
    """How long a job of any kind may wait for a worker (``settings.STALE_PENDING_MINUTES``)."""
    return timedelta(minutes=settings.STALE_PENDING_MINUTES)


def stale_imports(kind, now, *, pending, running):
    """Imports of ``kind`` lost while queued (status ``pending``, clock: the upload, which queues them) or while run
    (a status of ``running``, clock: ``started_at``, the claim; the upload for a row claimed before it was recorded).
    """
    cutoff = now - stale_after(kind)
    return Q(status=pending, created_at__lt=now - pending_stale_after()) | Q(
        Q(started_at__lt=cutoff) | Q(started_at__isnull=True, created_at__lt=cutoff), status__in=running
    )


def stale_hours_imports(now):
    """Hours imports lost while queued, analysed or written (a confirmation restarts ``started_at``). READY waits
    for the user, not for a worker: never lost."""
    return stale_imports(
        "hours_import",
        now,
        pending=ImportJobStatus.PENDING,
        running=(ImportJobStatus.ANALYSING, ImportJobStatus.IMPORTING),
    )


def stale_decp_imports(now):
    """DECP imports lost while queued or running."""
    return stale_imports("decp_import", now, pending=ImportStatus.PENDING, running=(ImportStatus.RUNNING,))


@dataclass(frozen=True)
class JobKind:
    model: type[models.Model]
    stale: Callable[[datetime], Q]
    failed: Callable[[datetime], dict]


KINDS = {
    "hours_import": JobKind(
        model=ImportJob,
        stale=stale_hours_imports,
        failed=lambda now: {"status": ImportJobStatus.FAILED, "error": HOURS_IMPORT_INTERRUPTED, "finished_at": now},
    ),
    "decp_import": JobKind(
        model=DecpImport,
        stale=stale_decp_imports,
        failed=lambda now: {"status": ImportStatus.FAILED, "error": DECP_IMPORT_INTERRUPTED, "finished_at": now},
    ),
    # A bilan's rule is the one of its page (``reports.is_stale``: the « Relancer » button of a lost bilan).
    "report": JobKind(
        model=Report,
        stale=reports.stale_q,
        failed=lambda now: {
            "status": ReportStatus.FAILED,
            "progress": 0,
            "step": "",
            "error": REPORT_INTERRUPTED,
            "finished_at": now,
        },
    ),
}


def sweep_kind(kind, now=None):
    """Mark failed the lost jobs of ``kind``. Returns how many were marked."""
    job = KINDS[kind]
    now = now or timezone.now()
    condition = job.stale(now)
    with transaction.atomic():
        ids = list(
            job.model.objects.filter(condition)
            .order_by("pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        marked = job.model.objects.filter(condition, pk__in=ids).update(**job.failed(now))
    logger.warning("Marked %s lost %s job(s) failed: %s", marked, kind, ids)
    return marked


def sweep(now=None):
    """Mark failed every lost job. Returns ``{kind: number marked}``."""
    now = now or timezone.now()
    return {kind: sweep_kind(kind, now) for kind in KINDS}


@shared_task
def sweep_stale_jobs():
    """Celery beat (``settings.CELERY_BEAT_SCHEDULE``): mark failed the jobs lost with their worker."""
    return sweep()
