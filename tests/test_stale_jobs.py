"""The sweep of lost long jobs (``observatory.tasks_maintenance``): hours imports, DECP imports and bilans left
"en cours" by a dead worker are marked failed with a French message; fresh, finished and locked rows are left alone.

A running job is timed from its start (``started_at``, recorded by its task's claim; threshold 30 minutes), a pending
one from its upload or request with a far longer threshold (24 hours): a job merely waiting in a Celery backlog is
never failed."""

import threading
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from clauses.models import ImportJob, ImportJobStatus, MonthlyHours
from clauses.tasks_imports import analyse_import, confirm_import
from config.celery import app as celery_app
from markets.enums import ImportStatus
from markets.models import DecpImport
from markets.tasks import import_decp
from observatory import reports, tasks_maintenance
from observatory.enums import ReportStatus
from observatory.models import Report
from observatory.tasks import build_report
from observatory.tasks_maintenance import (
    DECP_IMPORT_INTERRUPTED,
    HOURS_IMPORT_INTERRUPTED,
    REPORT_INTERRUPTED,
    sweep,
    sweep_stale_jobs,
)
from tests.clauses.factories import PlacementFactory
from tests.clauses.transfer_helpers import make_import_job
from tests.observatory.factories_reports import ReportFactory, known_territory

pytestmark = pytest.mark.django_db

NOTHING = {"hours_import": 0, "decp_import": 0, "report": 0}
DAY = 24 * 60


def ago(minutes):
    return timezone.now() - timedelta(minutes=minutes)


def started(minutes_ago):
    return None if minutes_ago is None else ago(minutes_ago)


def hours_job(territory, user, status, minutes_ago, started_ago=None, **report):
    """An hours import uploaded ``minutes_ago``, claimed by its task ``started_ago`` (None: never, or not recorded)."""
    job = make_import_job(territory, user, status=status)
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=ago(minutes_ago), started_at=started(started_ago), report={**job.report, **report}
    )
    return ImportJob.objects.get(pk=job.pk)


def decp_import(territory, user, status, minutes_ago, started_ago=None):
    row = DecpImport(territory=territory, created_by=user, original_name="decp.json", sha256="0" * 64, status=status)
    row.file.name = "decp/decp.json"  # never read
    row.save()
    DecpImport.objects.filter(pk=row.pk).update(created_at=ago(minutes_ago), started_at=started(started_ago))
    return DecpImport.objects.get(pk=row.pk)


def bilan(territory, status, minutes_ago, started_ago=None, **kwargs):
    """A bilan requested ``minutes_ago``; a running one started then too unless ``started_ago`` says otherwise."""
    report = ReportFactory(territory=territory, status=status, **kwargs)
    if status != ReportStatus.PENDING and started_ago is None:
        started_ago = minutes_ago
    Report.objects.filter(pk=report.pk).update(requested_at=ago(minutes_ago), started_at=started(started_ago))
    return Report.objects.get(pk=report.pk)


def make_job(kind, territory, user, *, pending=False, minutes_ago, started_ago=None):
    """A job of ``kind``: pending (queued ``minutes_ago``), or running (queued ``minutes_ago``, started
    ``started_ago``)."""
    if kind == "hours_import":
        status = ImportJobStatus.PENDING if pending else ImportJobStatus.ANALYSING
        return hours_job(territory, user, status, minutes_ago, started_ago)
    if kind == "decp_import":
        status = ImportStatus.PENDING if pending else ImportStatus.RUNNING
        return decp_import(territory, user, status, minutes_ago, started_ago)
    return bilan(territory, ReportStatus.PENDING if pending else ReportStatus.RUNNING, minutes_ago, started_ago)


def make_stale(kind, territory, user):
    """A job of ``kind`` running for 45 minutes (the threshold is 30): its worker was lost."""
    return make_job(kind, territory, user, minutes_ago=45, started_ago=45)


def detail_url(kind, row):
    name = {"hours_import": "clauses:hours_import_detail", "decp_import": "decp:detail", "report": "reports:detail"}
    return reverse(name[kind], kwargs={"territory_code": row.territory.code, "pk": row.pk})


KINDS = ["hours_import", "decp_import", "report"]
MESSAGES = {
    "hours_import": HOURS_IMPORT_INTERRUPTED,
    "decp_import": DECP_IMPORT_INTERRUPTED,
    "report": REPORT_INTERRUPTED,
}
# What the user's page offers once the job failed: upload the file again, or re-run the bilan.
WAY_FORWARD = {
    "hours_import": "Déposer un autre fichier",
    "decp_import": "Déposer un autre fichier",
    "report": "Relancer",
}


# --- Every kind: stale → failed, with a message the page shows; a second sweep changes nothing -------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_job_lost_with_its_worker_is_marked_failed_and_its_page_says_so(kind, client, territory, coordinator):
    row = make_stale(kind, territory, coordinator.user)
    before = timezone.now()

    assert sweep() == {**NOTHING, kind: 1}

    row.refresh_from_db()
    assert row.status == "failed"
    assert row.error == MESSAGES[kind]
    assert row.finished_at >= before
    client.force_login(coordinator.user)
    page = client.get(detail_url(kind, row)).content.decode()
    assert MESSAGES[kind].replace("'", "&#x27;") in page
    assert WAY_FORWARD[kind] in page
    assert "interrompu" in row.error and ("déposez de nouveau" in row.error or "Relancez" in row.error)


@pytest.mark.parametrize("kind", KINDS)
def test_a_second_sweep_changes_nothing(kind, territory, coordinator):
    row = make_stale(kind, territory, coordinator.user)
    sweep()
    row.refresh_from_db()
    finished_at = row.finished_at

    assert sweep(timezone.now() + timedelta(hours=2)) == NOTHING

    row.refresh_from_db()
    assert (row.status, row.finished_at) == ("failed", finished_at)


def test_the_beat_task_is_registered_scheduled_and_sweeps(territory, coordinator):
    celery_app.loader.import_default_modules()
    assert "observatory.tasks_maintenance.sweep_stale_jobs" in celery_app.tasks
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "observatory.tasks_maintenance.sweep_stale_jobs" in scheduled
    row = make_stale("decp_import", territory, coordinator.user)

    assert sweep_stale_jobs.delay().get() == {**NOTHING, "decp_import": 1}
    row.refresh_from_db()
    assert row.status == ImportStatus.FAILED


# --- Hours imports -------------------------------------------------------------------------------------------------


# --- Every kind: a running job is timed from its start, a pending one waits far longer (a queue backlog) -----------


@pytest.mark.parametrize("kind", KINDS)
def test_a_job_running_for_too_long_since_its_start_is_failed(kind, territory, other_territory, coordinator):
    lost = make_job(kind, territory, coordinator.user, minutes_ago=31, started_ago=31)
    fresh = make_job(kind, other_territory, coordinator.user, minutes_ago=20, started_ago=20)

    assert sweep() == {**NOTHING, kind: 1}

    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert (lost.status, lost.error) == ("failed", MESSAGES[kind])
    assert fresh.status != "failed" and (fresh.error, fresh.finished_at) == ("", None)


@pytest.mark.parametrize("kind", KINDS)
def test_a_job_queued_long_ago_but_started_recently_is_not_lost(kind, territory, coordinator):
    """A Celery backlog held the job for hours; its worker took it 5 minutes ago and is still at work."""
    row = make_job(kind, territory, coordinator.user, minutes_ago=6 * 60, started_ago=5)
    status = row.status

    assert sweep() == NOTHING
    assert sweep(timezone.now() + timedelta(minutes=24)) == NOTHING

    row.refresh_from_db()
    assert (row.status, row.error, row.finished_at) == (status, "", None)
    assert sweep(timezone.now() + timedelta(minutes=26)) == {**NOTHING, kind: 1}


@pytest.mark.parametrize("kind", KINDS)
def test_a_job_waiting_in_the_queue_is_not_lost_before_the_pending_threshold(kind, territory, coordinator):
    """Pending for 45 minutes, then 23 hours: still waiting for a worker (a backlog), not failed."""
    row = make_job(kind, territory, coordinator.user, pending=True, minutes_ago=45)

    assert sweep() == NOTHING
    assert sweep(timezone.now() + timedelta(hours=23)) == NOTHING

    row.refresh_from_db()
    assert (row.status, row.error, row.finished_at) == ("pending", "", None)


@pytest.mark.parametrize("kind", KINDS)
def test_a_job_pending_for_longer_than_the_pending_threshold_is_failed(kind, territory, other_territory, coordinator):
    """Nobody took the job for a whole day: its message was lost."""
    lost = make_job(kind, territory, coordinator.user, pending=True, minutes_ago=DAY + 1)
    waiting = make_job(kind, other_territory, coordinator.user, pending=True, minutes_ago=DAY - 5)

    assert sweep() == {**NOTHING, kind: 1}

    lost.refresh_from_db()
    waiting.refresh_from_db()
    assert (lost.status, lost.error) == ("failed", MESSAGES[kind])
    assert (waiting.status, waiting.error) == ("pending", "")


@pytest.mark.parametrize("kind", ["hours_import", "decp_import"])
def test_a_job_running_without_a_recorded_start_is_timed_from_its_upload(kind, territory, other_territory, coordinator):
    """A job claimed before ``started_at`` was recorded."""
    lost = make_job(kind, territory, coordinator.user, minutes_ago=45)
    fresh = make_job(kind, other_territory, coordinator.user, minutes_ago=10)
    assert sweep() == {**NOTHING, kind: 1}
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert (lost.status, lost.error) == ("failed", MESSAGES[kind])
    assert (fresh.status, fresh.error) == ("analysing" if kind == "hours_import" else "running", "")


def test_the_claims_record_when_the_job_started(territory, coordinator):
    """The analysis of an hours import and a DECP import record ``started_at`` when their task claims them."""
    job = hours_job(territory, coordinator.user, ImportJobStatus.PENDING, 6 * 60)
    decp = decp_import(territory, coordinator.user, ImportStatus.PENDING, 6 * 60)
    before = timezone.now()

    analyse_import(job.pk)  # no file to read: the job fails, after its claim
    import_decp(decp.pk)

    job.refresh_from_db()
    decp.refresh_from_db()
    assert job.started_at >= before
    assert decp.started_at >= before


@pytest.mark.parametrize(
    "status", [ImportJobStatus.READY, ImportJobStatus.DONE, ImportJobStatus.FAILED, ImportJobStatus.CANCELLED]
)
def test_hours_import_not_running_is_never_touched_however_old(status, territory, coordinator):
    job = hours_job(territory, coordinator.user, status, 30 * DAY, started_ago=30 * DAY)
    ImportJob.objects.filter(pk=job.pk).update(error="Erreur d'origine")

    assert sweep()["hours_import"] == 0

    job.refresh_from_db()
    assert (job.status, job.error, job.finished_at) == (status, "Erreur d'origine", None)


def test_hours_import_being_written_is_timed_from_its_confirmation_not_its_upload(client, territory, coordinator):
    """Uploaded yesterday and analysed then, confirmed now: the writing is not lost until 30 minutes after the
    confirmation, which restarts the job's clock."""
    placement = PlacementFactory(territory=territory)
    job = make_import_job(territory, coordinator.user, placement=placement)
    ImportJob.objects.filter(pk=job.pk).update(created_at=ago(DAY), started_at=ago(DAY))
    client.force_login(coordinator.user)
    url = reverse("clauses:hours_import_confirm", kwargs={"territory_code": territory.code, "pk": job.pk})
    before = timezone.now()
    client.post(url)  # the writing is queued on commit, which never comes in this test: the job stays IMPORTING
    job.refresh_from_db()
    assert job.status == ImportJobStatus.IMPORTING
    assert job.started_at >= before
    assert job.report["confirmed_by"] == coordinator.user.pk

    assert sweep()["hours_import"] == 0
    assert sweep(timezone.now() + timedelta(minutes=29))["hours_import"] == 0
    job.refresh_from_db()
    assert job.status == ImportJobStatus.IMPORTING

    assert sweep(timezone.now() + timedelta(minutes=31))["hours_import"] == 1
    job.refresh_from_db()
    assert (job.status, job.error) == (ImportJobStatus.FAILED, HOURS_IMPORT_INTERRUPTED)


def test_hours_import_being_written_without_a_recorded_start_is_timed_from_its_upload(territory, coordinator):
    """A job confirmed before ``started_at`` was recorded."""
    lost = hours_job(territory, coordinator.user, ImportJobStatus.IMPORTING, 45)
    fresh = hours_job(territory, coordinator.user, ImportJobStatus.IMPORTING, 10)
    assert sweep()["hours_import"] == 1
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert (lost.status, fresh.status) == (ImportJobStatus.FAILED, ImportJobStatus.IMPORTING)


def test_a_late_task_after_the_sweep_writes_nothing(territory, coordinator):
    """The user was told nothing was written: a delivery arriving after the sweep must keep it true."""
    placement = PlacementFactory(territory=territory)
    writing = make_import_job(territory, coordinator.user, placement=placement, status=ImportJobStatus.IMPORTING)
    ImportJob.objects.filter(pk=writing.pk).update(started_at=ago(45))
    queued = hours_job(territory, coordinator.user, ImportJobStatus.PENDING, DAY + 1)
    decp = decp_import(territory, coordinator.user, ImportStatus.PENDING, DAY + 1)
    report = bilan(territory, ReportStatus.PENDING, DAY + 1)
    assert sweep() == {"hours_import": 2, "decp_import": 1, "report": 1}

    assert confirm_import(writing.pk) is None
    assert analyse_import(queued.pk) is None
    assert import_decp(decp.pk) is None
    assert build_report(report.pk, report.generation) is None

    assert not MonthlyHours.objects.exists()
    for row in (writing, queued, decp, report):
        row.refresh_from_db()
        assert row.status == "failed"


@pytest.mark.django_db(transaction=True)
def test_a_row_locked_by_a_live_transaction_is_left_alone(territory, coordinator):
    """An import being written holds its row locked: its worker is alive, whatever the clock says."""
    job = hours_job(territory, coordinator.user, ImportJobStatus.IMPORTING, 45, started_ago=45)
    locked, release = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                ImportJob.objects.select_for_update().get(pk=job.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert locked.wait(10)
        assert sweep()["hours_import"] == 0  # does not wait for the lock either
        job.refresh_from_db()
        assert job.status == ImportJobStatus.IMPORTING
    finally:
        release.set()
        thread.join(10)
    assert sweep()["hours_import"] == 1  # the lock is gone and the job still runs: lost


# --- DECP imports --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [ImportStatus.DONE, ImportStatus.FAILED])
def test_decp_import_finished_is_never_touched(status, territory, coordinator):
    row = decp_import(territory, coordinator.user, status, 60 * 24 * 30)
    assert sweep()["decp_import"] == 0
    row.refresh_from_db()
    assert (row.status, row.error) == (status, "")


# --- Bilans: the sweep and the page share one definition of "lost" ------------------------------------------------


@pytest.mark.parametrize(
    ("status", "lost_ago", "fresh_ago"), [(ReportStatus.PENDING, DAY + 1, 45), (ReportStatus.RUNNING, 31, 5)]
)
def test_bilan_lost_is_failed_a_fresh_one_is_not(status, lost_ago, fresh_ago, territory, coordinator, other_territory):
    lost = bilan(territory, status, lost_ago)
    fresh = bilan(other_territory, status, fresh_ago)

    assert sweep()["report"] == 1

    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert (lost.status, lost.error, lost.progress, lost.step) == (ReportStatus.FAILED, REPORT_INTERRUPTED, 0, "")
    assert (fresh.status, fresh.error, fresh.finished_at) == (status, "", None)


def test_bilan_running_is_timed_from_its_start_not_its_request(territory):
    report = bilan(territory, ReportStatus.RUNNING, 45)
    Report.objects.filter(pk=report.pk).update(started_at=ago(10))  # queued 35 minutes, started 10 minutes ago
    assert sweep()["report"] == 0
    report.refresh_from_db()
    assert report.status == ReportStatus.RUNNING


@pytest.mark.parametrize("trait", ["done", "failed"])
def test_bilan_finished_is_never_touched(trait, territory):
    report = ReportFactory(territory=territory, **{trait: True})
    Report.objects.filter(pk=report.pk).update(requested_at=ago(600), started_at=ago(600))
    error = report.error
    assert sweep()["report"] == 0
    report.refresh_from_db()
    assert (report.status, report.error) == (ReportStatus.DONE if trait == "done" else ReportStatus.FAILED, error)


def test_the_sweep_marks_exactly_the_bilans_the_page_offers_to_rerun_as_lost(territory, other_territory):
    rows = [
        ReportFactory(territory=territory, start_date=date(year, 1, 1), end_date=date(year, 12, 31))
        for year in range(2018, 2026)
    ]
    states = [
        (ReportStatus.PENDING, DAY + 1, None),
        (ReportStatus.PENDING, 45, None),
        (ReportStatus.RUNNING, 45, 45),
        (ReportStatus.RUNNING, 45, 10),
        (ReportStatus.RUNNING, 10, 10),
        (ReportStatus.RUNNING, 45, None),
        (ReportStatus.DONE, 45, 45),
        (ReportStatus.FAILED, 45, 45),
    ]
    for row, (status, requested, started) in zip(rows, states, strict=True):
        Report.objects.filter(pk=row.pk).update(
            status=status, requested_at=ago(requested), started_at=None if started is None else ago(started)
        )
    now = timezone.now()
    lost = {row.pk for row in Report.objects.all() if reports.is_stale(row, now)}
    assert lost == {rows[0].pk, rows[2].pk, rows[5].pk}
    assert set(Report.objects.filter(reports.stale_q(now)).values_list("pk", flat=True)) == lost

    assert tasks_maintenance.sweep_kind("report", now) == len(lost)
    assert set(Report.objects.filter(error=REPORT_INTERRUPTED).values_list("pk", flat=True)) == lost


def test_the_thresholds_are_the_settings(settings, territory, other_territory, coordinator):
    settings.STALE_JOB_MINUTES = {"hours_import": 60, "decp_import": 120, "report": 60}
    settings.STALE_PENDING_MINUTES = 90
    report = bilan(territory, ReportStatus.RUNNING, 45)
    job = hours_job(territory, coordinator.user, ImportJobStatus.ANALYSING, 45, started_ago=45)
    decp = decp_import(territory, coordinator.user, ImportStatus.RUNNING, 90, started_ago=90)
    queued = [
        bilan(other_territory, ReportStatus.PENDING, 60),
        hours_job(territory, coordinator.user, ImportJobStatus.PENDING, 60),
        decp_import(territory, coordinator.user, ImportStatus.PENDING, 60),
    ]
    assert not reports.can_rerun(report)
    assert not reports.can_rerun(queued[0])
    assert sweep() == NOTHING
    assert sweep(timezone.now() + timedelta(minutes=31)) == {"hours_import": 2, "decp_import": 2, "report": 2}
    for row in (report, job, decp, *queued):
        row.refresh_from_db()
        assert row.status == "failed"


def test_after_the_sweep_a_lost_bilan_is_rerun_and_produced(territory, coordinator, django_capture_on_commit_callbacks):
    known_territory(territory)
    report = bilan(territory, ReportStatus.RUNNING, 45, start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    generation = report.generation
    sweep()
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert reports.can_rerun(report)

    with django_capture_on_commit_callbacks(execute=True):
        assert reports.rerun(report, coordinator.user)

    report.refresh_from_db()
    assert (report.status, report.generation, report.error) == (ReportStatus.DONE, generation + 1, "")
    with report.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert report.file_size > 1000
    assert sweep() == NOTHING
