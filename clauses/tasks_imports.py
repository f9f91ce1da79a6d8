"""Celery tasks of the import of monthly hours: analyse an uploaded file, then write it once the user confirms.

Each task receives only the job's id and is idempotent: a job is claimed by a compare-and-set of its status (an
analysis runs only from PENDING; a confirmation writes only while the job, locked, is IMPORTING and ends DONE), so a
task delivered twice does nothing the second time. Each claim records ``started_at`` (the analysis here, the writing in
``HoursImportConfirmView``): the stale-job sweep (``observatory.tasks_maintenance``) times a running job from it.
"""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .imports import ImportConfirmError, ImportFileError, analyse, confirm
from .models import ImportJob, ImportJobStatus

logger = logging.getLogger(__name__)

UNEXPECTED = (
    "Une erreur inattendue a interrompu le traitement du fichier. Rien n'a été importé ; réessayez, et si le problème "
    "persiste, transmettez le fichier à votre coordination."
)


def _fail(job_id, message, **report):
    updates = {"status": ImportJobStatus.FAILED, "error": message, "finished_at": timezone.now()}
    if report:
        job = ImportJob.objects.only("report").get(pk=job_id)
        updates["report"] = {**job.report, **report}
    ImportJob.objects.filter(pk=job_id).update(**updates)


@shared_task
def analyse_import(job_id):
    """Read the job's file and store its preview report (nothing else is written)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.PENDING).update(
        status=ImportJobStatus.ANALYSING, progress=0, started_at=timezone.now()
    )
    if not claimed:
        return None  # already analysed, being analysed, cancelled or unknown
    job = ImportJob.objects.get(pk=job_id)

    def progress(percent):
        ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.ANALYSING).update(progress=min(int(percent), 99))

    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        report = analyse(job, data, progress=progress)
    except ImportFileError as exc:
        _fail(job_id, str(exc))
        return ImportJobStatus.FAILED
    except Exception:
        logger.exception("Analysis of import job %s failed", job_id)
        _fail(job_id, UNEXPECTED)
        return ImportJobStatus.FAILED
    ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.ANALYSING).update(
        status=ImportJobStatus.READY,
        progress=100,
        report=report,
        total_rows=report["total_rows"],
        valid_rows=report["valid_count"],
    )
    return ImportJobStatus.READY


@shared_task
def confirm_import(job_id):
    """Write the valid rows of a confirmed job in one transaction (all or nothing)."""
    outcome = None
    try:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
            if job is None or job.status != ImportJobStatus.IMPORTING:
                return None  # not confirmed, or already written by an earlier delivery
            user = get_user_model().objects.get(pk=job.report.get("confirmed_by") or job.requested_by_id)
            try:
                counts = confirm(job, user)
            except ImportConfirmError as exc:
                outcome = (str(exc), exc.problems)
            else:
                job.status = ImportJobStatus.DONE
                job.progress = 100
                job.finished_at = timezone.now()
                job.report = {**job.report, "result": counts}
                job.save(update_fields=["status", "progress", "finished_at", "report"])
                return ImportJobStatus.DONE
    except Exception:
        logger.exception("Import job %s failed while writing", job_id)
        _fail(job_id, UNEXPECTED)
        return ImportJobStatus.FAILED
    message, problems = outcome
    _fail(job_id, message, confirm_problems=problems)
    return ImportJobStatus.FAILED
