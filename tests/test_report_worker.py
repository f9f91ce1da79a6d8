"""A bilan built for real: the coordinator's request goes through Redis to a Celery worker process (solo pool), which
computes the indicators, renders the PDF with WeasyPrint and stores it; the test then reads the PDF's text.

Same harness as ``tests/test_celery_worker.py`` (Redis db 15, the test database shared with the worker): skipped
without Redis on a developer machine, an error in CI.
"""

import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection, transaction
from django.urls import reverse

from accounts.enums import Role
from config.celery import app as celery_app
from observatory import reports
from observatory.enums import ReportStatus
from observatory.models import Report
from observatory.tasks import build_report
from tests.conftest import make_member
from tests.observatory.factories_reports import known_territory
from tests.territories.factories import TerritoryFactory
from tests.test_celery_worker import REDIS_URL, _require_redis, _start_worker, _stop_worker

TIMEOUT_SECONDS = 90  # worker start (Django, WeasyPrint) + the build


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_bilan_and_the_pdf_holds_the_key_figures(settings, client, monkeypatch, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("The worker is another process: it needs the test database on PostgreSQL (DATABASE_URL).")
    _require_redis()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.SITE_URL = "https://clauses.example.org"
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    monkeypatch.setenv("MEDIA_ROOT", str(media))  # the worker stores the PDF where this test reads it
    monkeypatch.setenv("SITE_URL", settings.SITE_URL)
    queue = f"test-worker-{uuid.uuid4().hex[:12]}"
    broker = redis.Redis.from_url(REDIS_URL)

    territory = TerritoryFactory(code="34")
    known_territory(territory)
    coordinator = make_member(territory, Role.COORDINATOR)
    client.force_login(coordinator.user)

    with celery_app.connection_for_write(REDIS_URL) as broker_connection:
        producer = broker_connection.Producer()

        def queue_on_commit(report_id, generation):
            # The application's queueing, sent to this test's own queue (a worker of another run never takes it).
            transaction.on_commit(
                lambda: build_report.apply_async((report_id, generation), queue=queue, producer=producer)
            )

        monkeypatch.setattr(reports, "_queue", queue_on_commit)
        response = client.post(
            reverse("reports:create", kwargs={"territory_code": "34"}), {"period_kind": "year", "year": "2026"}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert broker.llen(queue) == 1, "the build was not queued when the request committed"

    report = Report.objects.get()
    assert report.status == ReportStatus.PENDING
    detail = client.get(response.url).content.decode()
    assert 'id="import-progress-bar"' in detail  # the page shows the progress bar while it waits

    log_path = Path(tempfile.gettempdir()) / f"{queue}.log"
    worker = _start_worker(queue, log_path)
    try:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            report.refresh_from_db()
            finished = "build_report" in (log := log_path.read_text(errors="replace")) and "succeeded" in log
            if (report.status == ReportStatus.FAILED or finished) or worker.poll() is not None:
                break
            time.sleep(0.3)
        report.refresh_from_db()
        log = log_path.read_text(errors="replace")
        assert worker.poll() is None, f"the worker died:\n{log}"
        assert report.status == ReportStatus.DONE, f"status {report.status} ({report.error}) after the wait:\n{log}"
        assert "observatory.tasks.build_report" in log and "succeeded" in log, log
        assert report.progress == 100 and report.generation == 1
        assert report.finished_at >= report.started_at >= report.requested_at
        # The requester's e-mail (console backend in the worker): once, with the absolute link.
        assert log.count("disponible") >= 1 and f"https://clauses.example.org/34/bilans/{report.pk}/" in log, log
        assert report.notified_generation == 1
    finally:
        _stop_worker(worker)
        for key in broker.scan_iter(f"*{queue}*"):
            broker.delete(key)
        log_path.unlink(missing_ok=True)

    path = media / report.file.name
    assert path.is_file() and path.stat().st_size == report.file_size
    assert path.read_bytes().startswith(b"%PDF-")
    raw = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout
    text = " ".join(raw.replace("\u00a0", " ").replace("\u202f", " ").split())
    assert f"Bilan année 2026 — {territory.name}" in text
    assert "Heures réalisées 700 h" in text
    assert "Heures exigées 833 h" in text
    assert "Taux de réalisation 84 % Heures réalisées : 700 h ; heures exigées : 833 h" in text
    assert "Participants 8" in text
    assert "< 5" in text  # the social landlord's 2 participants
    assert "Méthodologie" in text

    # The committee member downloads it from the list.
    client.force_login(make_member(territory, Role.COMMITTEE).user)
    download = client.get(reverse("reports:download", kwargs={"territory_code": "34", "pk": report.pk}))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == path.read_bytes()
