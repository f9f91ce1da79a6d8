"""Bilans: request, build by the Celery task (eager here), failure and re-run, e-mail, pages, download, PDF text.

The real worker (another process, Redis) is in ``tests/test_report_worker.py``.
"""

import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from observatory import reports, tasks
from observatory.enums import ReportPeriodKind, ReportStatus
from observatory.forms_reports import ReportRequestForm
from observatory.indicators import Column, Period, Row, Table
from observatory.models import CommitteeAttendance, CommitteeMeeting, CommitteeMember, Report
from tests.conftest import make_member
from tests.observatory.factories import PartnerMeetingFactory
from tests.observatory.factories_reports import TINY_PDF, ReportFactory, known_territory
from tests.territories.factories import TerritoryFactory

pytestmark = pytest.mark.django_db

YEAR_2026 = Period.year(2026)
FAKE_PDF = b"%PDF-1.4\n% bilan de test\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def fake_pdf(monkeypatch):
    """The workflow without WeasyPrint: the task stores these bytes. ``calls`` counts the builds."""
    calls = []

    def build(report, progress=None):
        calls.append(report.generation)
        progress(50, "Calcul des indicateurs")
        return FAKE_PDF + str(len(calls)).encode()

    monkeypatch.setattr(tasks, "build_report_pdf", build)
    return calls


def url(name, territory_code="34", **kwargs):
    return reverse(f"reports:{name}", kwargs={"territory_code": territory_code, **kwargs})


def stored_files(media_root):
    return sorted(path.name for path in (media_root / "bilans").rglob("*.pdf")) if media_root.exists() else []


def pdf_text(content, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext est introuvable : apt-get install -y poppler-utils")
    path = tmp_path / "bilan.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


# --- Requesting: one row per period ------------------------------------------------------------------------------


def test_request_creates_one_pending_row_and_queues_its_build_on_commit(
    territory, coordinator, django_capture_on_commit_callbacks, fake_pdf
):
    with django_capture_on_commit_callbacks() as callbacks:
        report, created = reports.request_report(territory, YEAR_2026, coordinator.user)
        assert not fake_pdf, "the build must wait for the commit"
    assert created
    assert len(callbacks) == 1
    report.refresh_from_db()
    assert (report.status, report.generation, report.progress) == (ReportStatus.PENDING, 1, 0)
    assert (report.start_date, report.end_date, report.period_kind) == (date(2026, 1, 1), date(2026, 12, 31), "year")
    assert report.title == f"Bilan année 2026 — {territory.name}"
    assert report.requested_by == coordinator.user

    callbacks[0]()  # the commit: the (eager) task runs
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE
    assert fake_pdf == [1]


def test_asking_again_for_a_period_rebuilds_the_same_row(
    territory, coordinator, member, django_capture_on_commit_callbacks, fake_pdf, media_root
):
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = reports.request_report(territory, YEAR_2026, coordinator.user)
    assert stored_files(media_root) == ["bilan-34-20260101-20261231.pdf"]
    other = make_member(territory, Role.COORDINATOR)
    with django_capture_on_commit_callbacks(execute=True):
        again, created = reports.request_report(territory, Period(date(2026, 1, 1), date(2026, 12, 31)), other.user)
    assert not created
    assert again.pk == first.pk
    assert Report.objects.count() == 1
    again.refresh_from_db()
    assert again.generation == 2
    assert again.requested_by == other.user
    assert again.status == ReportStatus.DONE
    assert again.period_kind == ReportPeriodKind.CUSTOM
    assert fake_pdf == [1, 2]
    # The new file replaced the old one: one file on disk, the row's.
    assert again.file.read() == FAKE_PDF + b"2"
    assert len(stored_files(media_root)) == 1


def test_another_period_is_another_row_and_territories_do_not_share_rows(territory, coordinator, fake_pdf):
    reports.request_report(territory, YEAR_2026, coordinator.user)
    reports.request_report(territory, Period.quarter(2026, 1), coordinator.user)
    other = TerritoryFactory(code="95")
    reports.request_report(other, YEAR_2026, make_member(other, Role.COORDINATOR).user)
    assert Report.objects.in_territory(territory).count() == 2
    assert Report.objects.in_territory(other).count() == 1


def test_rerun_of_a_failed_bilan_keeps_the_row(territory, coordinator, django_capture_on_commit_callbacks, fake_pdf):
    report = ReportFactory(territory=territory, failed=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert reports.rerun(report, coordinator.user)
    report.refresh_from_db()
    assert Report.objects.count() == 1
    assert (report.status, report.generation, report.error) == (ReportStatus.DONE, 2, "")
    assert report.requested_by == coordinator.user


def test_a_bilan_being_built_is_not_rerun_unless_its_worker_was_lost(territory, coordinator, fake_pdf):
    report = ReportFactory(territory=territory, status=ReportStatus.RUNNING, started_at=timezone.now())
    assert not reports.rerun(report, coordinator.user)
    report.refresh_from_db()
    assert report.generation == 1
    Report.objects.filter(pk=report.pk).update(started_at=timezone.now() - timedelta(hours=1))
    report.refresh_from_db()
    assert reports.can_rerun(report)
    assert reports.rerun(report, coordinator.user)
    report.refresh_from_db()
    assert report.generation == 2


# --- The task: claim, generations, idempotency ------------------------------------------------------------------


def test_a_superseded_generation_does_nothing(territory, coordinator, fake_pdf, media_root):
    report = ReportFactory(territory=territory)
    Report.objects.filter(pk=report.pk).update(generation=2)  # asked again while generation 1 was queued
    assert tasks.build_report(report.pk, 1) is None
    report.refresh_from_db()
    assert (report.status, report.progress, report.file.name) == (ReportStatus.PENDING, 0, "")
    assert fake_pdf == []
    assert tasks.build_report(report.pk, 2) == ReportStatus.DONE
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE


def test_a_duplicate_delivery_does_nothing(territory, coordinator, fake_pdf, media_root):
    report = ReportFactory(territory=territory, requested_by=coordinator.user)
    assert tasks.build_report(report.pk, 1) == ReportStatus.DONE
    report.refresh_from_db()
    name, finished_at = report.file.name, report.finished_at
    assert tasks.build_report(report.pk, 1) is None
    report.refresh_from_db()
    assert (report.file.name, report.finished_at) == (name, finished_at)
    assert fake_pdf == [1]
    assert len(mail.outbox) == 1


def test_a_build_superseded_while_running_stores_nothing(territory, coordinator, monkeypatch, media_root):
    report = ReportFactory(territory=territory, done=True)
    old_name = report.file.name
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.PENDING, generation=2)

    def build_then_asked_again(report, progress=None):
        # While this generation renders, the coordinator asks for the period again (generation 3).
        Report.objects.filter(pk=report.pk).update(generation=3, status=ReportStatus.PENDING)
        return FAKE_PDF

    monkeypatch.setattr(tasks, "build_report_pdf", build_then_asked_again)
    assert tasks.build_report(report.pk, 2) is None
    report.refresh_from_db()
    assert (report.status, report.generation, report.file.name) == (ReportStatus.PENDING, 3, old_name)
    assert stored_files(media_root) == [old_name.rsplit("/", 1)[-1]]  # its own file was deleted, the old one kept
    assert not mail.outbox


def test_progress_is_recorded_while_building(territory, monkeypatch):
    report = ReportFactory(territory=territory)
    seen = []

    def build(report, progress=None):
        progress(40, "Dessin des graphiques")
        seen.append(Report.objects.values_list("status", "progress", "step").get(pk=report.pk))
        return FAKE_PDF

    monkeypatch.setattr(tasks, "build_report_pdf", build)
    tasks.build_report(report.pk, 1)
    assert seen == [(ReportStatus.RUNNING, 40, "Dessin des graphiques")]
    report.refresh_from_db()
    assert (report.progress, report.step, report.file_size) == (100, "", len(FAKE_PDF))
    assert report.started_at and report.finished_at


def test_a_failure_marks_the_bilan_failed_with_a_french_message(territory, coordinator, monkeypatch, caplog):
    report = ReportFactory(territory=territory, requested_by=coordinator.user)

    def explode(territories, period, filters=None, *, confidential=False):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(reports, "compute_indicators", explode)
    assert tasks.build_report(report.pk, 1) == ReportStatus.FAILED
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == tasks.FAILURE_MESSAGE
    assert "database on fire" not in report.error
    assert report.finished_at is not None
    assert "database on fire" in caplog.text  # logged with its traceback
    assert not mail.outbox


def test_failure_page_shows_the_error_and_rerun_rebuilds_it(
    client, territory, coordinator, monkeypatch, django_capture_on_commit_callbacks
):
    known_territory(territory)
    report = ReportFactory(
        territory=territory, requested_by=coordinator.user, start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)
    )
    original = reports.compute_indicators

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(reports, "compute_indicators", explode)
    tasks.build_report(report.pk, 1)
    client.force_login(coordinator.user)
    page = client.get(url("detail", pk=report.pk)).content.decode()
    assert "Le bilan n'a pas pu être produit" in page
    assert tasks.FAILURE_MESSAGE.replace("'", "&#x27;") in page
    assert "Relancer" in page
    assert 'id="import-progress"' not in page

    monkeypatch.setattr(reports, "compute_indicators", original)  # the cause is fixed
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("rerun", pk=report.pk))
    assert response.status_code == 302
    assert response.url == url("detail", pk=report.pk)
    report.refresh_from_db()
    assert (report.status, report.generation, report.error) == (ReportStatus.DONE, 2, "")
    assert report.file.read(5) == b"%PDF-"
    assert Report.objects.count() == 1
    page = client.get(url("detail", pk=report.pk)).content.decode()
    assert "Bilan disponible" in page
    assert "Le bilan n'a pas pu être produit" not in page


# --- E-mail -----------------------------------------------------------------------------------------------------------


def test_the_requester_is_emailed_once_per_generation(
    territory, coordinator, fake_pdf, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://clauses.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = reports.request_report(territory, YEAR_2026, coordinator.user)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [coordinator.user.email]
    assert "disponible" in message.subject
    assert f"https://clauses.example.org/34/bilans/{report.pk}/" in message.body
    assert "Année 2026".lower() in message.body.lower()

    tasks.build_report(report.pk, 1)  # a duplicate delivery
    assert tasks.notify_report_ready(report.pk, 1) == 0
    assert len(mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True):
        reports.rerun(report, coordinator.user)
    assert len(mail.outbox) == 2


def test_an_email_that_could_not_be_sent_is_sent_by_a_later_delivery(territory, coordinator, fake_pdf, monkeypatch):
    report = ReportFactory(territory=territory, requested_by=coordinator.user)

    def broken(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    assert tasks.build_report(report.pk, 1) == ReportStatus.DONE  # the bilan is done all the same
    report.refresh_from_db()
    assert report.notified_generation == 0
    monkeypatch.undo()
    tasks.build_report(report.pk, 1)  # the redelivery of the message
    assert len(mail.outbox) == 1
    report.refresh_from_db()
    assert report.notified_generation == 1


# --- Pages ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FACILITATOR, Role.COMMITTEE])
def test_readers_see_the_list_of_bilans(client, territory, role, django_assert_max_num_queries):
    author = make_member(territory, Role.COORDINATOR)
    for year in (2022, 2023, 2024):
        ReportFactory(
            territory=territory,
            start_date=date(year, 1, 1),
            end_date=date(year, 12, 31),
            title=f"Bilan année {year}",
            requested_by=author.user,
            done=True,
        )
    ReportFactory(territory=territory, requested_by=author.user, failed=True, title="Bilan année 2025")
    ReportFactory(territory=TerritoryFactory(code="95"), title="Bilan du Val-d'Oise")
    client.force_login(make_member(territory, role).user)
    with django_assert_max_num_queries(11):
        response = client.get(url("list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-report="') == 4
    assert "Bilan du Val" not in page
    assert "Bilan année 2024" in page and "Échec" in page and "Disponible" in page
    assert author.user.get_full_name() in page
    assert page.count("/telecharger/") == 3
    assert ("Demander un bilan" in page) is (role == Role.COORDINATOR)


def test_the_list_costs_the_same_number_of_queries_whatever_the_number_of_bilans(
    client, territory, coordinator, django_assert_max_num_queries
):
    for year in range(2010, 2030):
        ReportFactory(territory=territory, start_date=date(year, 1, 1), end_date=date(year, 12, 31), done=True)
    client.force_login(coordinator.user)
    with django_assert_max_num_queries(11):
        assert client.get(url("list")).status_code == 200


def test_coordinator_requests_a_bilan_from_the_list(client, territory, coordinator, django_capture_on_commit_callbacks):
    known_territory(territory)
    client.force_login(coordinator.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("create"), {"period_kind": "quarter", "year": "2026", "quarter": "1"})
    report = Report.objects.get()
    assert response.status_code == 302
    assert response.url == url("detail", pk=report.pk)
    assert (report.start_date, report.end_date, report.period_kind) == (date(2026, 1, 1), date(2026, 3, 31), "quarter")
    assert report.status == ReportStatus.DONE
    page = client.get(response.url).content.decode()
    assert "1er trimestre 2026" in page
    assert "Disponible" in page
    assert url("download", pk=report.pk) in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"period_kind": "year", "year": ""}, "year", "Indiquez l&#x27;année du bilan."),
        ({"period_kind": "year", "year": "deux mille"}, "year", "Indiquez une année en chiffres"),
        ({"period_kind": "year", "year": "1990"}, "year", "L&#x27;année doit être comprise entre 2000 et"),
        ({"period_kind": "quarter", "year": "2025", "quarter": ""}, "quarter", "Choisissez le trimestre du bilan."),
        (
            {"period_kind": "custom", "start": "2026-06-30", "end": "2026-03-01"},
            "end",
            "La fin de la période doit suivre son début.",
        ),
        ({"period_kind": "custom", "start": "", "end": "2026-03-01"}, "start", "Indiquez le début de la période."),
        ({"period_kind": "custom", "start": "2026-13-45", "end": ""}, "start", "Indiquez une date valide"),
        ({"period_kind": "", "year": "2025"}, "period_kind", "Choisissez le type de période."),
    ],
)
def test_an_invalid_request_is_shown_again_with_a_french_message(client, territory, coordinator, data, field, message):
    client.force_login(coordinator.user)
    response = client.post(url("create"), data)
    assert response.status_code == 200
    assert not Report.objects.exists()
    page = response.content.decode()
    assert message in page
    assert field in response.context["form"].errors
    for name, value in data.items():
        if value and name != "period_kind":
            assert f'value="{value}"' in page, f"the typed {name} was lost"


def test_the_form_turns_each_kind_into_its_period():
    today = date(2026, 11, 22)
    cases = [
        ({"period_kind": "year", "year": "2025"}, Period.year(2025)),
        ({"period_kind": "quarter", "year": "2026", "quarter": "3"}, Period.quarter(2026, 3)),
        (
            {"period_kind": "custom", "start": "2026-03-01", "end": "2026-06-15"},
            Period(date(2026, 3, 1), date(2026, 6, 15), "custom"),
        ),
    ]
    for data, period in cases:
        form = ReportRequestForm(data, today=today)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["period"] == period
    future = ReportRequestForm({"period_kind": "quarter", "year": "2026", "quarter": "4"}, today=date(2026, 9, 1))
    assert not future.is_valid()
    assert future.errors["quarter"] == ["Ce trimestre n'a pas encore commencé."]


def test_a_running_bilan_shows_a_progress_bar_for_the_poller(client, territory, coordinator):
    report = ReportFactory(territory=territory, status=ReportStatus.RUNNING, progress=40, step="Dessin des graphiques")
    client.force_login(coordinator.user)
    page = client.get(url("detail", pk=report.pk)).content.decode()
    # The ids and data attributes static/js/import_progress.js reads.
    assert 'id="import-progress"' in page
    assert f'data-status-url="{url("status", pk=report.pk)}"' in page
    assert f'data-reload-url="{url("detail", pk=report.pk)}"' in page
    assert 'id="import-progress-bar" max="100" value="40"' in page
    assert 'id="import-status"' in page and "En cours de production" in page
    assert "Dessin des graphiques" in page
    assert "js/import_progress.js" in page
    assert "Relancer" not in page
    assert "/telecharger/" not in page


def test_the_status_endpoint_answers_the_json_of_the_import_poller(client, territory, coordinator):
    report = ReportFactory(territory=territory, status=ReportStatus.RUNNING, progress=70, step="Mise en page du PDF")
    client.force_login(make_member(territory, Role.COMMITTEE).user)
    data = client.get(url("status", pk=report.pk)).json()
    assert data == {
        "status": "running",
        "status_label": "En cours de production",
        "progress": 70,
        "step": "Mise en page du PDF",
        "running": True,
    }
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.DONE, progress=100, step="")
    data = client.get(url("status", pk=report.pk)).json()
    assert (data["running"], data["status_label"]) == (False, "Disponible")


# --- Download ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.COORDINATOR, 200),
        (Role.FACILITATOR, 200),
        (Role.COMMITTEE, 200),
        (Role.BUYER, 403),
        (Role.COMPANY, 403),
    ],
)
def test_who_downloads_a_bilan(client, territory, role, status):
    report = ReportFactory(territory=territory, done=True)
    client.force_login(make_member(territory, role).user)
    response = client.get(url("download", pk=report.pk))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert 'filename="bilan-34-2025' in response["Content-Disposition"]
        assert b"".join(response.streaming_content) == TINY_PDF


def test_a_bilan_not_yet_available_cannot_be_downloaded(client, territory, coordinator):
    client.force_login(coordinator.user)
    for report in (
        ReportFactory(territory=territory),
        ReportFactory(territory=territory, failed=True, start_date=date(2024, 1, 1), end_date=date(2024, 12, 31)),
    ):
        assert client.get(url("download", pk=report.pk)).status_code == 404


def test_another_territorys_bilan_is_not_found(client, territory, coordinator):
    other = TerritoryFactory(code="95")
    report = ReportFactory(territory=other, done=True)
    client.force_login(coordinator.user)
    for name in ("detail", "status", "download"):
        assert client.get(url(name, pk=report.pk)).status_code == 404
    assert client.post(url("rerun", pk=report.pk)).status_code == 404
    report.refresh_from_db()
    assert report.generation == 1


# --- The PDF ----------------------------------------------------------------------------------------------------------


def test_the_pdf_holds_the_key_figures_the_masked_cell_and_the_committee_activity(territory, coordinator, tmp_path):
    known = known_territory(territory)
    member = CommitteeMember.objects.create(
        territory=territory, name="Claire Fontaine", organisation="DDETS", college="state"
    )
    for day, title in ((date(2026, 3, 12), "Comité de printemps"), (date(2026, 10, 8), "Comité d'automne")):
        meeting = CommitteeMeeting.objects.create(
            territory=territory, date=day, title=title, recorded_by=coordinator.user
        )
        CommitteeAttendance.objects.create(territory=territory, meeting=meeting, member=member)
    CommitteeMeeting.objects.create(territory=territory, date=date(2025, 6, 1), recorded_by=coordinator.user)
    PartnerMeetingFactory(territory=territory, date=date(2026, 5, 4), recorded_by=coordinator.user)
    report = ReportFactory(
        territory=territory,
        requested_by=coordinator.user,
        start_date=date(2026, 1, 1),
        end_date=date(2026, 12, 31),
        title=f"Bilan année 2026 — {territory.name}",
    )
    steps = []
    pdf = reports.build_report_pdf(report, progress=lambda percent, step: steps.append(percent))
    assert pdf.startswith(b"%PDF-")
    assert steps == sorted(steps) and steps[0] == 10 and steps[-1] == 95

    text = pdf_text(pdf, tmp_path)
    # Cover
    assert f"Bilan année 2026 — {territory.name}" in text
    assert "Année 2026" in text and "du 01/01/2026 au 31/12/2026" in text
    assert coordinator.user.get_full_name() in text
    # Key figures (hand-computed) and every figure of the indicators module
    assert "Heures réalisées 700 h" in text
    assert "Heures exigées 833 h" in text
    # A rate with its numerator and denominator, each saying what it counts
    assert "Taux de réalisation 84 % Heures réalisées : 700 h ; heures exigées : 833 h" in text
    assert "Participants 8" in text
    indicators = reports.compute_indicators([territory], reports.report_period(report), confidential=True)
    for figure in indicators.figures:
        assert figure.label in text, figure.key
    # The social landlord's 2 participants: a small cell, masked (and its buyer's row prints no hours)
    assert "< 5" in text
    assert f"{known.small_buyer.name} < 5 < 5" in text
    # Tables and their definitions (methodology)
    for table in indicators.tables:
        assert " ".join(table.title.split()) in text, table.key
    # Committee activity: the 2 meetings of 2026 (not 2025's), their attendance
    assert "Comité de printemps" in text and "Comité d'automne" in text
    assert "12/03/2026" in text and "01/06/2025" not in text
    assert "Réunions du comité sur la période 2" in text
    # Methodology
    assert "Méthodologie" in text
    assert "ne s'additionnent donc pas d'une année à l'autre" in text
    assert "moins de 5 participants" in text
    assert "page 2 sur" in text


def test_a_bar_chart_of_many_rows_draws_the_largest_and_the_table_keeps_them_all():
    rows = [Row(f"Entreprise {n}", {"hours": Decimal(n)}, participants=10) for n in range(40)]
    rows[39].masked = True  # the largest value, masked: drawn as nothing, so not among the largest
    table = Table("hours_by_company", "Heures par entreprise", "", [Column("hours", "Heures", "h")], rows, chart="bars")
    table.chart_column = "hours"
    drawn = reports.chart_table(table)
    assert len(drawn.rows) == reports.CHART_MAX_BARS == 25
    assert [row.label for row in drawn.rows[:2]] == ["Entreprise 38", "Entreprise 37"]
    assert "Entreprise 39" not in {row.label for row in drawn.rows}
    assert drawn.title == "Heures par entreprise — les 25 premiers"
    assert len(table.rows) == 40  # the table itself is untouched
    series = Table("hours_by_month", "Heures par mois", "", table.columns, rows, chart="series", chart_column="hours")
    assert reports.chart_table(series) is series


# --- The PDF lists the largest buyers and companies, the rest on one line ---------------------------------------------


def _hours_table(key, count, masked=()):
    columns = [
        Column("hours_required", "Heures exigées", "h"),
        Column("hours_achieved", "Heures réalisées", "h"),
        Column("completion_rate", "Taux de réalisation", "%"),
        Column("participants", "Participants"),
    ]
    rows = []
    for n in range(count):
        values = {"hours_required": Decimal(200), "hours_achieved": Decimal(n), "completion_rate": None}
        rows.append(Row(f"Entreprise {n:02d}", {**values, "participants": 10}, key=str(n), participants=10))
    for n in masked:
        rows[n].masked = True
        rows[n].values = dict.fromkeys(rows[n].values)
    total = Row(
        "Total",
        {
            "hours_required": Decimal(200 * count),
            "hours_achieved": Decimal(sum(range(count))),
            "completion_rate": None,
            "participants": 300,
        },
        key="total",
        participants=300,
    )
    return Table(key, "Heures par entreprise", "Définition.", columns, rows, total, "bars", "hours_achieved")


def test_the_pdf_company_table_keeps_the_largest_and_groups_the_others_masked_rows_included():
    # 30 companies; the two largest (28, 29) are masked: they go to « Autres », never among the listed ones.
    table = _hours_table("hours_by_company", 30, masked=(28, 29))
    printed, note = reports.top_rows(table, limit=25)
    assert [row.label for row in printed.rows[:3]] == ["Entreprise 27", "Entreprise 26", "Entreprise 25"]
    assert len(printed.rows) == 26 and not any(row.masked for row in printed.rows[:25])
    others = printed.rows[-1]
    assert others.label == "Autres entreprises (5)"  # 0, 1 and the two masked rows… and 2
    listed = sum(range(3, 28))
    assert others.values["hours_achieved"] == Decimal(sum(range(30)) - listed)
    assert others.values["hours_required"] == Decimal(200 * 5)
    assert others.values["participants"] is None  # people may work for several companies: not a difference
    assert printed.total is table.total
    assert note.startswith("Les 25 entreprises qui ont le plus d'heures réalisées") and "regroupées" in note
    assert len(table.rows) == 30  # the page and the XLSX keep every row


def test_short_tables_and_other_tables_are_printed_whole():
    few = _hours_table("hours_by_company", 26)
    assert reports.top_rows(few, limit=25) == (few, "")
    many = _hours_table("hours_by_sector", 40)
    assert reports.top_rows(many, limit=25)[0] is many


def test_the_pdf_prints_the_largest_buyers_and_says_so_in_the_methodology(
    territory, coordinator, tmp_path, monkeypatch
):
    from tests.markets.factories import BuyerFactory, CompanyFactory
    from tests.observatory.factories_indicators import clause_on_market, counted_people

    company = CompanyFactory(territory=territory)
    for name, hours in (("Ville de Sète", 100), ("Ville d'Agde", 60), ("Ville de Lunel", 30)):
        clause = clause_on_market(territory, BuyerFactory(territory=territory, name=name), company)
        counted_people(territory, clause, company, 5, hours=hours)
    monkeypatch.setattr(reports, "PDF_TOP_ROWS", 1)
    report = ReportFactory(
        territory=territory, requested_by=coordinator.user, start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)
    )
    text = pdf_text(reports.build_report_pdf(report), tmp_path)
    buyers = text.split("Heures par donneur d'ordre", 1)[1].split("Heures par type", 1)[0]
    assert "Les 1 donneurs d'ordre qui ont le plus d'heures réalisées" in buyers
    assert "Ville de Sète" in buyers and "Ville d'Agde" not in buyers and "Ville de Lunel" not in buyers
    assert "Autres donneurs d'ordre (2) " in buyers and "450 h" in buyers  # 5 × 60 + 5 × 30
    assert "sont regroupés sur une ligne « Autres … »" in text  # the methodology says so


def test_the_pdf_counts_only_the_meetings_held_like_the_committee_page(territory, coordinator, tmp_path):
    from observatory.indicators import meetings_per_year

    today = timezone.localdate()
    held = CommitteeMeeting.objects.create(
        territory=territory, date=today - timedelta(days=1), title="Comité tenu", recorded_by=coordinator.user
    )
    CommitteeMeeting.objects.create(
        territory=territory, date=today + timedelta(days=1), title="Comité à venir", recorded_by=coordinator.user
    )
    period = Period(held.date, today + timedelta(days=1))
    report = ReportFactory(
        territory=territory, requested_by=coordinator.user, start_date=period.start, end_date=period.end
    )
    text = pdf_text(reports.build_report_pdf(report), tmp_path)
    assert "Réunions du comité sur la période 1" in text
    assert "Comité tenu" in text and "Comité à venir" not in text
    indicators = reports.compute_indicators([territory], period, confidential=True)
    assert indicators.figure("committee_meetings").value == 1
    this_year = next(row for row in meetings_per_year(territory, today) if row["year"] == today.year)
    if held.date.year == today.year:  # the committee page's « held » of the year: the same definition
        assert (
            this_year["held"]
            == reports.compute_indicators([territory], Period.year(today.year)).figure("committee_meetings").value
        )
