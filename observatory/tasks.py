"""Celery tasks of the observatory: the build of a bilan (PDF) and the e-mail announcing it.

``build_report(report_id, generation)`` is idempotent and safe to retry: it claims the row by a compare-and-set
(PENDING and the same generation → RUNNING), so a second delivery of the same generation, or a task of an older
generation (the bilan was asked for again meanwhile), does nothing. Every later write checks the generation again: a
superseded build never overwrites the file of a newer one. An exception marks the bilan failed (never left running).
The « bilan disponible » e-mail goes once per generation (``notified_generation``, set in the same transaction as the
sending).
"""

import logging

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from . import tasks_maintenance  # noqa: F401 - registers the sweep of lost jobs (autodiscovery reads tasks.py)
from .enums import ReportStatus
from .models import Report
from .reports import build_report_pdf

logger = logging.getLogger(__name__)

FAILURE_MESSAGE = (
    "La production du bilan a échoué à cause d'une erreur inattendue. Relancez-la ; si le problème persiste, "
    "signalez-le à l'équipe technique de la plateforme."
)


def report_filename(report):
    return f"bilan-{report.territory.code}-{report.start_date:%Y%m%d}-{report.end_date:%Y%m%d}.pdf"


def _current(report_id, generation):
    """The row while this generation runs it: every write of the task goes through this filter."""
    return Report.objects.filter(pk=report_id, generation=generation, status=ReportStatus.RUNNING)


def _store(report, generation, pdf):
    """Store the PDF and mark the bilan done, if this generation still runs it; delete the file it replaces."""
    storage = report.file.storage
    name = storage.save(report.file.field.generate_filename(report, report_filename(report)), ContentFile(pdf))
    previous, stored = "", False
    try:
        with transaction.atomic():
            row = _current(report.pk, generation).select_for_update().only("pk", "file").first()
            if row is not None:
                previous = row.file.name
                stored = bool(
                    _current(report.pk, generation).update(
                        status=ReportStatus.DONE,
                        progress=100,
                        step="",
                        error="",
                        file=name,
                        file_size=len(pdf),
                        finished_at=timezone.now(),
                    )
                )
    except Exception:
        storage.delete(name)
        raise
    if not stored:
        storage.delete(name)  # superseded meanwhile: the newer generation stores its own
        return False
    if previous and previous != name:
        try:
            storage.delete(previous)
        except OSError:
            logger.warning("Could not delete the previous file %s of bilan %s", previous, report.pk)
    return True


@shared_task(soft_time_limit=15 * 60, time_limit=16 * 60)
def build_report(report_id, generation):
    """Build the PDF of bilan ``report_id`` for ``generation``, then e-mail its requester."""
    claimed = Report.objects.filter(pk=report_id, generation=generation, status=ReportStatus.PENDING).update(
        status=ReportStatus.RUNNING, progress=5, step="Démarrage", error="", started_at=timezone.now()
    )
    if not claimed:
        # Already built (or being built) by an earlier delivery, superseded, or unknown. A delivery after a build
        # whose e-mail could not be sent sends it now.
        notify_report_ready(report_id, generation)
        return None

    def progress(percent, step):
        _current(report_id, generation).update(progress=min(int(percent), 99), step=step[:200])

    try:
        report = Report.objects.select_related("territory", "requested_by").get(pk=report_id)
        pdf = build_report_pdf(report, progress=progress)
        stored = _store(report, generation, pdf)
    except Exception:
        logger.exception("Bilan %s (generation %s) failed", report_id, generation)
        _current(report_id, generation).update(
            status=ReportStatus.FAILED, progress=0, step="", error=FAILURE_MESSAGE, finished_at=timezone.now()
        )
        return ReportStatus.FAILED.value
    if not stored:
        return None
    try:
        notify_report_ready(report_id, generation)
    except Exception:  # the bilan is done: a failed e-mail must not undo it; a redelivery sends it again
        logger.exception("E-mail announcing bilan %s (generation %s) failed", report_id, generation)
    return ReportStatus.DONE.value


def notify_report_ready(report_id, generation):
    """E-mail the requester that the bilan of ``generation`` is ready — once per generation. Returns the e-mails sent.

    The generation is recorded in the same transaction as the sending: if sending fails, the record is rolled back
    and a later delivery sends again.
    """
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("territory", "requested_by")
            .filter(pk=report_id, generation=generation, status=ReportStatus.DONE, notified_generation__lt=generation)
            .first()
        )
        if report is None:
            return 0
        Report.objects.filter(pk=report.pk).update(notified_generation=generation)
        email = report.requested_by.email
        if not email:
            return 0
        territory = report.territory
        context = {
            "report": report,
            "territory": territory,
            "user": report.requested_by,
            "url": settings.SITE_URL
            + reverse("reports:detail", kwargs={"territory_code": territory.code, "pk": report.pk}),
        }
        with translation.override(settings.LANGUAGE_CODE):
            body = render_to_string("observatory/email/report_ready.txt", context)
        EmailMessage(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{report.title} : disponible",
            body=body,
            to=[email],
        ).send()
    return 1
