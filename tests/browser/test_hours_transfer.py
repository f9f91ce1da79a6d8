"""The import of a monthly statement file in a real browser: the company downloads its template, fills it (with one
mistake), uploads it, reads the preview with the bad line, imports the valid lines and exports its table; the
progress poller of a running analysis reloads the page when the analysis ends."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from playwright.sync_api import expect

from accounts.enums import Role
from clauses.models import ImportJob, ImportJobStatus, MonthlyHours
from tests.browser.pages import log_in_as
from tests.browser.pages_transfer import HoursExportPage, HoursImportDetailPage, HoursImportPage
from tests.clauses.factories import ClauseFactory, ParticipantFactory, PlacementFactory
from tests.clauses.transfer_helpers import make_import_job
from tests.conftest import make_member
from tests.markets.factories import CompanyFactory, LotAwardFactory, LotFactory

MARCH = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(territory):
    company = CompanyFactory(territory=territory, name="Bâtisseurs du Littoral")
    lot = LotFactory(territory=territory, number=1, market__reference="SETE-2026-001")
    LotAwardFactory(territory=territory, lot=lot, company=company)
    clause = ClauseFactory(territory=territory, lot=lot)
    people = [("Alice", "Amarante"), ("Bruno", "Bellerive"), ("Chloé", "Cazalis")]
    placements = [
        PlacementFactory(
            territory=territory,
            participant=ParticipantFactory(territory=territory, first_name=first, last_name=last),
            clause=clause,
            employer_company=company,
            start_date=date(2026, 1, 1),
        )
        for first, last in people
    ]
    return {
        "territory": territory,
        "company": company,
        "clause": clause,
        "placements": placements,
        "contact": make_member(territory, Role.COMPANY, company),
        "facilitator": make_member(territory, Role.FACILITATOR),
    }


def test_company_imports_its_statement_file_then_exports_its_table(page, axe, world, tmp_path):
    log_in_as(page, world["contact"])
    upload = HoursImportPage(page, "34").open()
    axe(page)
    workbook = upload.download_template("2026-03")
    sheet = workbook.worksheets[0]
    assert sheet.max_row == 4  # the header and its three people
    for cells, hours in zip(sheet.iter_rows(min_row=2), (120, "douze", 35.5), strict=True):
        cells[5].value = hours  # Bruno's line (line 3) has text instead of a number
        cells[6].value = 0
    path = tmp_path / "releve-mars.xlsx"
    workbook.save(path)

    detail = upload.upload(str(path))
    expect(detail.status).to_have_text("Prêt : à confirmer")
    expect(detail.summary).to_contain_text("2 lignes valides")
    expect(detail.error_row(3)).to_contain_text("« douze » n'est pas un nombre d'heures")
    expect(detail.preview).to_contain_text("AMARANTE Alice")
    assert not MonthlyHours.objects.exists()
    axe(page)

    detail.confirm(2)
    expect(detail.status).to_have_text("Importé")
    expect(detail.result).to_contain_text("2 lignes créées, 0 modifiée, 0 inchangée")
    axe(page)
    assert MonthlyHours.objects.filter(month=MARCH).aggregate(total=Sum("hours_worked"))["total"] == Decimal("155.5")

    rows = HoursExportPage(page, "34").open().download(start="2026-03", end="2026-03")
    header, *lines = rows
    assert "Comptabilisation" not in header
    names = {line[header.index("Nom")] for line in lines}
    assert names == {"AMARANTE", "CAZALIS"}


def test_the_progress_poller_reloads_the_page_when_the_analysis_ends(page, axe, world):
    job = make_import_job(world["territory"], world["facilitator"].user, status=ImportJobStatus.ANALYSING)
    ImportJob.objects.filter(pk=job.pk).update(progress=30)
    log_in_as(page, world["facilitator"])
    page.goto(f"/34/heures/import/{job.pk}/")
    detail = HoursImportDetailPage(page).expect_loaded()
    expect(detail.progress).to_have_attribute("value", "30")
    axe(page)
    ImportJob.objects.filter(pk=job.pk).update(progress=80)
    expect(detail.progress).to_have_attribute("value", "80", timeout=15_000)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.READY, progress=100)
    expect(detail.status).to_have_text("Prêt : à confirmer", timeout=15_000)
    expect(detail.summary).to_be_visible()
    expect(detail.progress).to_have_count(0)
