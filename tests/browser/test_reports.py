"""Bilans in a real browser: a coordinator asks for the bilan of a year and watches its progress bar until it is
« Disponible »; then a committee member downloads the PDF from the list of bilans. Axe checks the pages.

The Celery task is held back when the request commits (instead of running eagerly inside the request), so that the page
shows the bilan waiting; the test then moves its progress and runs the real task, as a worker would.
"""

import pytest
from playwright.sync_api import expect

from accounts.enums import Role
from observatory import reports
from observatory.enums import ReportStatus
from observatory.models import Report
from observatory.tasks import build_report
from tests.browser.pages import log_in_as
from tests.browser.pages_reports import ReportListPage
from tests.conftest import make_member
from tests.observatory.factories_reports import known_territory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def queued(monkeypatch):
    """The builds the application queued, as (report id, generation): run by the test, not inside the request."""
    builds = []
    monkeypatch.setattr(reports, "_queue", lambda report_id, generation: builds.append((report_id, generation)))
    return builds


def test_coordinator_requests_a_bilan_watches_it_build_and_a_committee_member_downloads_it(
    page, axe, territory, queued, tmp_path
):
    known_territory(territory)
    coordinator = make_member(territory, Role.COORDINATOR)
    committee = make_member(territory, Role.COMMITTEE)

    log_in_as(page, coordinator)
    bilans = ReportListPage(page, "34").open()
    expect(bilans.page.locator("#report-empty")).to_be_visible()
    axe(page)

    # A mistake first: the form comes back with the typed values and a French message.
    bilans.form.get_by_label("Trimestre", exact=True).check(force=True)
    bilans.form.get_by_label("Année civile").fill("2026")
    bilans.form.get_by_role("button", name="Produire le bilan").click()
    expect(bilans.form).to_contain_text("Choisissez le trimestre du bilan.")
    expect(bilans.form.get_by_label("Année civile")).to_have_value("2026")
    expect(bilans.form.get_by_label("Trimestre", exact=True)).to_be_checked()
    assert not Report.objects.exists()

    detail = bilans.request_year(2026)
    expect(detail.heading).to_have_text(f"Bilan année 2026 — {territory.name}")
    expect(detail.status).to_have_text("En attente")
    expect(detail.progress).to_have_attribute("value", "0")
    axe(page)
    report = Report.objects.get()
    assert queued == [(report.pk, 1)]

    # The worker takes the job: the poller follows its progress…
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.RUNNING, progress=40, step="Dessin des graphiques")
    expect(detail.progress).to_have_attribute("value", "40", timeout=15_000)
    expect(detail.status).to_have_text("En cours de production")
    # …and the real build finishes it (the task claims a pending job: put it back as the worker found it).
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.PENDING, progress=0, step="")
    assert build_report(report.pk, 1) == ReportStatus.DONE
    detail.expect_available()
    expect(detail.progress).to_have_count(0)
    axe(page)

    # A committee member downloads it from the list.
    log_in_as(page, committee)
    bilans = ReportListPage(page, "34").open()
    expect(bilans.form).to_have_count(0)  # only coordinators ask for bilans
    expect(bilans.row(report.title)).to_contain_text("Disponible")
    axe(page)
    download = bilans.download(report.title)
    assert download.suggested_filename == "bilan-34-20260101-20261231.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    content = path.read_bytes()
    assert content.startswith(b"%PDF-")
    report.refresh_from_db()
    assert len(content) == report.file_size
