"""Import of monthly hours: templates, analysis of broken files, preview, confirmation (all or nothing), idempotence."""

import io
import time
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.enums import Role
from clauses.enums import ContractKind, ExecutionMode, StatementStatus
from clauses.imports import HELP_SHEET_TITLE, MAX_FILE_BYTES, SHEET_TITLE
from clauses.models import ImportJob, ImportJobStatus, MonthlyHours, Statement
from clauses.statements import validate
from clauses.tasks_imports import analyse_import, confirm_import
from tests.clauses.factories import ClauseFactory, ParticipantFactory, PlacementFactory, StatementFactory
from tests.clauses.transfer_helpers import HEADERS, csv_bytes, make_import_job, row, xlsx_bytes
from tests.facilitators.factories import InclusionEmployerFactory
from tests.markets.factories import CompanyFactory, LotAwardFactory, LotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@dataclass
class Data:
    territory: object
    company: object
    other_company: object
    clause: object
    other_clause: object
    alice: object  # placement of ``company`` on ``clause``, January to June 2026
    bruno: object  # placement of ``company`` on ``clause``, from February 2026
    provided: object  # staff provided by an inclusion employer on ``clause``: declared by its holder, ``company``
    other: object  # placement of ``other_company`` on ``other_clause``
    facilitator: object
    company_member: object
    other_company_member: object


@pytest.fixture
def data(territory, member):
    company = CompanyFactory(territory=territory, name="Bâtisseurs du Littoral")
    other_company = CompanyFactory(territory=territory, name="Peintures de l'Orb")
    lot = LotFactory(territory=territory, number=1, market__reference="SETE-2026-001")
    LotAwardFactory(territory=territory, lot=lot, company=company)
    clause = ClauseFactory(territory=territory, lot=lot)
    other_lot = LotFactory(territory=territory, number=2, market__reference="HH-2026-042")
    LotAwardFactory(territory=territory, lot=other_lot, company=other_company)
    other_clause = ClauseFactory(territory=territory, lot=other_lot)

    def placement(clause, company, first, last, start, end=None, **kwargs):
        participant = ParticipantFactory(territory=territory, first_name=first, last_name=last)
        return PlacementFactory(
            territory=territory,
            participant=participant,
            clause=clause,
            employer_company=company,
            start_date=start,
            end_date=end,
            **kwargs,
        )

    alice = placement(clause, company, "Alice", "Martin", date(2026, 1, 5), date(2026, 6, 30))
    bruno = placement(clause, company, "Bruno", "Lefèvre", date(2026, 2, 1))
    provided = placement(
        clause,
        None,
        "Chloé",
        "Dubois",
        date(2026, 1, 1),
        employer_inclusion=InclusionEmployerFactory(territory=territory),
        mode=ExecutionMode.STAFF_PROVISION,
        contract_kind=ContractKind.CDDI,
    )
    other = placement(other_clause, other_company, "Denis", "Roux", date(2026, 1, 1))
    return Data(
        territory=territory,
        company=company,
        other_company=other_company,
        clause=clause,
        other_clause=other_clause,
        alice=alice,
        bruno=bruno,
        provided=provided,
        other=other,
        facilitator=member(territory, Role.FACILITATOR),
        company_member=member(territory, Role.COMPANY, company),
        other_company_member=member(territory, Role.COMPANY, other_company),
    )


def url(name, territory, **kwargs):
    return reverse(f"clauses:{name}", kwargs={"territory_code": territory.code, **kwargs})


def upload(client, territory, content, name="releve.xlsx", *, clause=None, django_capture_on_commit_callbacks):
    """Upload a file; the analysis task runs (eagerly) when the request's transaction commits."""
    payload = {"file": io.BytesIO(content) if content is not None else ""}
    if content is not None:
        payload["file"].name = name
    if clause is not None:
        payload["clause"] = clause.pk
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("hours_import", territory), payload)
    return response


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """send(member, content, name=...) → the job created by the upload (analysed)."""

    def send(member, content, name="releve.xlsx", clause=None):
        client.force_login(member.user)
        before = set(ImportJob.objects.values_list("pk", flat=True))
        response = upload(
            client,
            member.territory,
            content,
            name,
            clause=clause,
            django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        (job_id,) = set(ImportJob.objects.values_list("pk", flat=True)) - before
        return ImportJob.objects.get(pk=job_id)

    return send


@pytest.fixture
def confirm(client, django_capture_on_commit_callbacks):
    def confirm(member, job):
        client.force_login(member.user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url("hours_import_confirm", member.territory, pk=job.pk))
        assert response.status_code == 302
        job.refresh_from_db()
        return job

    return confirm


def errors_by_line(job):
    lines = {}
    for error in job.report["errors"]:
        lines.setdefault(error["line"], []).append((error["column"], error["message"]))
    return lines


def hours_snapshot():
    return sorted(
        MonthlyHours.objects.values_list("placement_id", "month", "hours_worked", "training_hours", "status", "version")
    )


# --- Templates ---------------------------------------------------------------------------------------------------


def open_workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_clause_template_has_one_row_per_active_placement_and_a_help_sheet(client, data):
    MonthlyHours.objects.create(
        territory=data.territory, placement=data.bruno, month=date(2026, 3, 1), hours_worked=Decimal("70.5")
    )
    client.force_login(data.facilitator.user)
    workbook = open_workbook(
        client.get(url("hours_template_clause", data.territory, pk=data.clause.pk) + "?mois=2026-03")
    )
    assert workbook.sheetnames == [SHEET_TITLE, HELP_SHEET_TITLE]
    rows = list(workbook[SHEET_TITLE].iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    by_id = {r[0]: r for r in rows[1:]}
    assert set(by_id) == {data.alice.pk, data.bruno.pk, data.provided.pk}  # not the other clause's placement
    assert by_id[data.bruno.pk][1] == "LEFÈVRE Bruno"
    assert by_id[data.bruno.pk][4] == "2026-03"
    assert by_id[data.bruno.pk][5] == 70.5  # pre-filled with what is already entered
    assert by_id[data.provided.pk][2] == "Bâtisseurs du Littoral"  # declared by the holder
    help_text = " ".join(str(c) for r in workbook[HELP_SHEET_TITLE].iter_rows(values_only=True) for c in r if c)
    for header in HEADERS:
        assert header in help_text


def test_clause_template_month_defaults_to_last_month_and_skips_ended_placements(client, data, monkeypatch):
    monkeypatch.setattr("clauses.views_transfer.timezone.localdate", lambda: date(2026, 8, 14))
    client.force_login(data.facilitator.user)
    response = client.get(url("hours_template_clause", data.territory, pk=data.clause.pk))
    assert "2026-07" in response["Content-Disposition"]
    rows = list(open_workbook(response)[SHEET_TITLE].iter_rows(values_only=True))[1:]
    assert {r[0] for r in rows} == {data.bruno.pk, data.provided.pk}  # Alice ended in June
    assert {r[4] for r in rows} == {"2026-07"}


def test_company_template_lists_its_own_placements_across_its_clauses(client, data):
    client.force_login(data.company_member.user)
    rows = list(
        open_workbook(client.get(url("hours_template_company", data.territory) + "?mois=2026-03"))[
            SHEET_TITLE
        ].iter_rows(values_only=True)
    )[1:]
    assert {r[0] for r in rows} == {data.alice.pk, data.bruno.pk, data.provided.pk}
    client.force_login(data.other_company_member.user)
    rows = list(
        open_workbook(client.get(url("hours_template_company", data.territory) + "?mois=2026-03"))[
            SHEET_TITLE
        ].iter_rows(values_only=True)
    )[1:]
    assert {r[0] for r in rows} == {data.other.pk}


def test_a_filled_template_imports_as_is(client, data, send, confirm):
    client.force_login(data.facilitator.user)
    response = client.get(url("hours_template_clause", data.territory, pk=data.clause.pk) + "?mois=2026-03")
    workbook = open_workbook(response)
    sheet = workbook[SHEET_TITLE]
    for cells in sheet.iter_rows(min_row=2):
        cells[5].value = 100
        cells[6].value = 7.5
    output = io.BytesIO()
    workbook.save(output)
    job = send(data.facilitator, output.getvalue(), clause=data.clause)
    assert job.status == ImportJobStatus.READY, job.error
    assert job.report["valid_count"] == 3 and job.report["error_count"] == 0
    assert not MonthlyHours.objects.exists()  # nothing written before the confirmation
    job = confirm(data.facilitator, job)
    assert job.status == ImportJobStatus.DONE
    assert job.report["result"] == {"created": 3, "updated": 0, "unchanged": 0}
    lines = MonthlyHours.objects.filter(month=date(2026, 3, 1))
    assert {(line.placement_id, line.hours_worked, line.training_hours) for line in lines} == {
        (p.pk, Decimal("100"), Decimal("7.5")) for p in (data.alice, data.bruno, data.provided)
    }
    statement = Statement.objects.get(clause=data.clause, month=date(2026, 3, 1))
    assert statement.company == data.company and statement.status == StatementStatus.DRAFT
    assert {line.statement_id for line in lines} == {statement.pk}


# --- Broken files ------------------------------------------------------------------------------------------------


def test_wrong_columns_give_one_clear_error_and_no_rows(client, data, send):
    content = xlsx_bytes([[data.alice.pk, "2026-03", 10]], headers=["Identifiant", "Période", "Heures"])
    job = send(data.facilitator, content)
    assert job.status == ImportJobStatus.FAILED
    assert "Colonnes manquantes ou mal nommées" in job.error
    assert "« Mois (AAAA-MM) »" in job.error and "« Heures de formation »" in job.error
    assert job.report == {}
    page = client.get(url("hours_import_detail", data.territory, pk=job.pk)).content.decode()
    assert "Colonnes manquantes ou mal nommées" in page
    assert "Importer les" not in page


def test_headers_are_matched_without_case_accents_or_hints(data, send):
    headers = ["IDENTIFIANT DE LA MISE EN EMPLOI", "mois", "heures travaillees", "Heures de Formation", "Commentaire"]
    job = send(data.facilitator, xlsx_bytes([[data.alice.pk, "2026-03", 10, 0, "RAS"]], headers=headers))
    assert job.status == ImportJobStatus.READY, job.error
    assert job.report["valid_count"] == 1


def test_text_negative_and_too_many_hours_are_reported_with_line_and_column(data, send):
    rows = [
        row(data.alice, worked="douze"),  # line 2
        row(data.bruno, worked="-3"),  # line 3
        row(data.provided, worked="250"),  # line 4
        row(data.alice, month="2026-04", worked="12,5", training="deux"),  # line 5
        row(data.bruno, month="2026-04", worked="12.345"),  # line 6
        row(data.provided, month="2026-04", worked=" 151,67 "),  # line 7: valid
    ]
    job = send(data.facilitator, xlsx_bytes(rows))
    assert job.status == ImportJobStatus.READY
    errors = errors_by_line(job)
    assert set(errors) == {2, 3, 4, 5, 6}
    assert errors[2] == [("Heures travaillées", "Heures travaillées : « douze » n'est pas un nombre d'heures.")]
    assert errors[3] == [("Heures travaillées", "Heures travaillées : les heures ne peuvent pas être négatives.")]
    assert "dépasse le maximum mensuel (208 h)" in errors[4][0][1]
    assert errors[5][0][0] == "Heures de formation"
    assert "deux décimales" in errors[6][0][1]
    assert job.report["valid_count"] == 1
    assert job.report["preview"][0]["hours_worked"] == "151,67"
    value = next(e["value"] for e in job.report["errors"] if e["line"] == 2)
    assert value == "douze"


def test_month_formats(data, send):
    rows = [
        row(data.alice, month="2026-03"),  # 2
        row(data.bruno, month="03/2026"),  # 3
        row(data.provided, month="mars 2026"),  # 4
        row(data.alice, month=datetime(2026, 4, 1)),  # 5: a real Excel date
        row(data.bruno, month="Avril 2026"),  # 6
        row(data.provided, month="avr.-26"),  # 7: Excel's « mmm-aa » in French
        row(data.alice, month="2026-13"),  # 8
        row(data.bruno, month="March 2026"),  # 9
        row(data.provided, month="T2 2026"),  # 10
        row(data.alice, month=None),  # 11
        row(data.bruno, month="15/05/2026"),  # 12: a full date
    ]
    job = send(data.facilitator, xlsx_bytes(rows))
    errors = errors_by_line(job)
    assert set(errors) == {8, 9, 10, 11}, errors
    assert errors[8] == [
        (
            "Mois (AAAA-MM)",
            "Mois « 2026-13 » non reconnu : écrivez-le sous la forme AAAA-MM (par exemple 2026-03), MM/AAAA "
            "ou « mars 2026 ».",
        )
    ]
    assert "obligatoire" in errors[11][0][1]
    assert job.report["valid_count"] == 7
    months = {(r[0], r[2]) for r in job.report["rows"]}
    assert (data.alice.pk, "2026-04-01") in months and (data.provided.pk, "2026-04-01") in months
    assert (data.bruno.pk, "2026-05-01") in months


def test_month_outside_the_placement(data, send):
    rows = [row(data.alice, month="2025-12"), row(data.alice, month="2026-07"), row(data.bruno, month="2026-01")]
    errors = errors_by_line(send(data.facilitator, xlsx_bytes(rows)))
    assert errors[2] == [
        (
            "Mois (AAAA-MM)",
            f"12/2025 est en dehors de la mise en emploi n° {data.alice.pk}, qui couvre de 01/2026 à 06/2026.",
        )
    ]
    assert "07/2026 est en dehors" in errors[3][0][1]
    assert "qui couvre depuis 02/2026" in errors[4][0][1]


def test_unknown_placement_duplicate_line_and_wrong_name(data, send):
    rows = [
        row(data.alice),  # 2: duplicate of 4
        [999999, "", "", "", "2026-03", "10", "0"],  # 3: unknown
        row(data.alice, worked="40"),  # 4: duplicate of 2
        row(data.bruno, name="MARTIN Alice"),  # 5: wrong person for this id
        ["abc", "", "", "", "2026-03", "10", "0"],  # 6: not an id
        ["", "", "", "", "2026-03", "10", "0"],  # 7: no id
        row(data.provided, name="dubois chloe"),  # 8: same name, other case and no accent: fine
    ]
    job = send(data.facilitator, xlsx_bytes(rows))
    errors = errors_by_line(job)
    assert set(errors) == {2, 3, 4, 5, 6, 7}
    assert "apparaît aussi ligne 4" in errors[2][0][1] and "apparaît aussi ligne 2" in errors[4][0][1]
    assert errors[3] == [
        ("Identifiant de la mise en emploi", "La mise en emploi n° 999999 n'est pas connue dans cette coordination.")
    ]
    assert errors[5][0][0] == "Participant (nom prénom)" and "LEFÈVRE Bruno" in errors[5][0][1]
    assert "invalide" in errors[6][0][1] and "obligatoire" in errors[7][0][1]
    assert [r[0] for r in job.report["rows"]] == [data.provided.pk]


def test_blank_rows_keep_the_line_numbers_the_spreadsheet_shows(data, send):
    rows = [None, row(data.alice), None, None, row(data.bruno, worked="x")]
    job = send(data.facilitator, xlsx_bytes(rows))
    assert job.report["rows"][0][5] == 3
    assert set(errors_by_line(job)) == {6}
    job = send(
        data.facilitator,
        csv_bytes([row(data.alice), ["", "", "", "", "", "", ""], row(data.bruno, worked="x")]),
        "r.csv",
    )
    assert job.report["rows"][0][5] == 2
    assert set(errors_by_line(job)) == {4}


def test_empty_sheet(data, send):
    job = send(data.facilitator, xlsx_bytes([], headers=None))
    assert job.status == ImportJobStatus.FAILED
    assert job.error.startswith("Le fichier ne contient aucune ligne")
    job = send(data.facilitator, xlsx_bytes([]))
    assert job.status == ImportJobStatus.FAILED
    assert "que la ligne d'en-têtes" in job.error


def test_empty_file_is_refused_by_the_form(client, data, django_capture_on_commit_callbacks):
    client.force_login(data.facilitator.user)
    response = upload(
        client,
        data.territory,
        b"",
        "vide.xlsx",
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    assert response.status_code == 200
    assert "Le fichier est vide" in response.content.decode()
    response = upload(
        client, data.territory, None, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    assert "Choisissez le fichier à importer." in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "photo.xlsx", "ni un classeur Excel"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "releve.csv", "comme un tableau"),
        (b"PK\x03\x04" + b"not really a zip" * 20, "releve.xlsx", "pas un classeur Excel (.xlsx) lisible"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "releve.xlsx", "Excel 97-2003"),
    ],
    ids=["png", "pdf", "broken-zip", "xls-content"],
)
def test_not_a_spreadsheet_fails_cleanly(data, send, content, name, message):
    job = send(data.facilitator, content, name)
    assert job.status == ImportJobStatus.FAILED
    assert message in job.error


def test_a_word_document_is_not_a_spreadsheet(data, send):
    import zipfile

    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    job = send(data.facilitator, output.getvalue(), "releve.xlsx")
    assert job.status == ImportJobStatus.FAILED
    assert "pas un classeur Excel (.xlsx) lisible" in job.error


def test_old_excel_and_other_extensions_and_big_files_are_refused_by_the_form(client, data, settings, monkeypatch):
    client.force_login(data.facilitator.user)
    for name, message in (("releve.xls", "Excel 97-2003"), ("releve.pdf", "Déposez un classeur Excel")):
        payload = io.BytesIO(b"abc")
        payload.name = name
        response = client.post(url("hours_import", data.territory), {"file": payload})
        assert response.status_code == 200
        assert message in response.content.decode()
    monkeypatch.setattr("clauses.imports.MAX_FILE_BYTES", 10)
    payload = io.BytesIO(b"x" * 11)
    payload.name = "gros.csv"
    response = client.post(url("hours_import", data.territory), {"file": payload})
    assert "dépasse 10 Mo" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert MAX_FILE_BYTES == 10 * 1024 * 1024


# --- CSV -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "encoding", "bom"),
    [(";", "utf-8", True), (";", "utf-8", False), (",", "utf-8", False), (";", "cp1252", False), ("\t", "utf-8", True)],
    ids=["semicolon-bom", "semicolon", "comma", "cp1252", "tab"],
)
def test_csv_variants(data, send, delimiter, encoding, bom):
    rows = [
        row(data.alice, month="mars 2026", worked="12,5"),
        row(data.bruno, month="févr. 2026", worked="35"),  # a name with an accent (LEFÈVRE) and an accented month
        row(data.provided, month="août 2026", worked="8", training="1,5"),
    ]
    job = send(data.facilitator, csv_bytes(rows, delimiter=delimiter, encoding=encoding, bom=bom), "releve.csv")
    assert job.status == ImportJobStatus.READY, job.error
    assert job.report["error_count"] == 0, job.report["errors"]
    assert sorted((r[0], r[2], r[3], r[4]) for r in job.report["rows"]) == sorted(
        [
            (data.alice.pk, "2026-03-01", "12.5", "0"),
            (data.bruno.pk, "2026-02-01", "35", "0"),
            (data.provided.pk, "2026-08-01", "8", "1.5"),
        ]
    )


def test_csv_with_wrong_columns(data, send):
    job = send(data.facilitator, b"nom;heures\nMARTIN Alice;12\n", "releve.csv")
    assert job.status == ImportJobStatus.FAILED
    assert "Colonnes manquantes" in job.error


def test_text_without_columns(data, send):
    job = send(data.facilitator, b"Bonjour, voici mes heures de mars.\n", "releve.csv")
    assert job.status == ImportJobStatus.FAILED
    assert "Colonnes manquantes" in job.error or "comme un tableau" in job.error


# --- Scope and locks -----------------------------------------------------------------------------------------------


def test_company_imports_only_its_own_placements(data, send, confirm):
    rows = [row(data.alice), row(data.provided), row(data.other)]
    job = send(data.company_member, xlsx_bytes(rows))
    assert job.company == data.company
    errors = errors_by_line(job)
    assert errors == {
        4: [
            (
                "Identifiant de la mise en emploi",
                f"La mise en emploi n° {data.other.pk} n'est pas déclarée par votre entreprise.",
            )
        ]
    }
    job = confirm(data.company_member, job)
    assert job.status == ImportJobStatus.DONE
    assert set(MonthlyHours.objects.values_list("placement_id", flat=True)) == {data.alice.pk, data.provided.pk}
    assert not MonthlyHours.objects.filter(placement=data.other).exists()


def test_staff_import_scoped_to_a_clause_refuses_other_clauses(data, send):
    job = send(data.facilitator, xlsx_bytes([row(data.alice), row(data.other)]), clause=data.clause)
    assert job.clause == data.clause
    errors = errors_by_line(job)
    assert set(errors) == {3}
    assert "relève d'une autre clause (HH-2026-042 — lot 2)" in errors[3][0][1]


def test_validated_statement_is_locked_and_submitted_one_is_closed_to_the_company(data, send):
    march = date(2026, 3, 1)
    validated = StatementFactory(
        territory=data.territory,
        clause=data.clause,
        company=data.company,
        month=march,
        status=StatementStatus.VALIDATED,
    )
    StatementFactory(
        territory=data.territory,
        clause=data.clause,
        company=data.company,
        month=date(2026, 4, 1),
        status=StatementStatus.SUBMITTED,
    )
    rows = [row(data.alice, month="2026-03"), row(data.alice, month="2026-04"), row(data.alice, month="2026-05")]
    errors = errors_by_line(send(data.company_member, xlsx_bytes(rows)))
    assert set(errors) == {2, 3}
    assert "est validé : il est verrouillé" in errors[2][0][1]
    assert "est transmis : il ne peut plus être modifié par l'entreprise" in errors[3][0][1]
    errors = errors_by_line(send(data.facilitator, xlsx_bytes(rows)))
    assert set(errors) == {2}  # a facilitator may still correct a submitted statement
    assert validated.pk


def test_other_company_and_roles_cannot_see_a_job(client, data, send, member):
    job = send(data.company_member, xlsx_bytes([row(data.alice)]))
    detail = url("hours_import_detail", data.territory, pk=job.pk)
    client.force_login(data.other_company_member.user)
    assert client.get(detail).status_code == 404
    assert client.post(url("hours_import_confirm", data.territory, pk=job.pk)).status_code == 404
    for role in (Role.BUYER, Role.COMMITTEE):
        client.force_login(member(data.territory, role).user)
        assert client.get(url("hours_import", data.territory)).status_code == 403
        assert client.get(detail).status_code == 404
    client.force_login(data.facilitator.user)
    assert client.get(detail).status_code == 200
    job.refresh_from_db()
    assert job.status == ImportJobStatus.READY


def test_upload_for_a_clause_of_another_territory_is_404(client, data, other_territory, member):
    foreign = ClauseFactory(territory=other_territory)
    client.force_login(data.facilitator.user)
    assert client.get(url("hours_import", data.territory) + f"?clause={foreign.pk}").status_code == 404
    payload = io.BytesIO(xlsx_bytes([row(data.alice)]))
    payload.name = "r.xlsx"
    response = client.post(url("hours_import", data.territory), {"file": payload, "clause": foreign.pk})
    assert response.status_code == 404
    assert not ImportJob.objects.exists()


# --- Preview, confirmation, idempotence ----------------------------------------------------------------------------


def test_preview_page_shows_errors_and_valid_rows_and_nothing_is_written(client, data, send):
    before = hours_snapshot()
    job = send(data.facilitator, xlsx_bytes([row(data.alice), row(data.bruno, worked="beaucoup")]))
    assert hours_snapshot() == before
    assert not Statement.objects.exists()
    html = client.get(url("hours_import_detail", data.territory, pk=job.pk)).content.decode()
    assert "Importer la ligne valide" in html
    assert "beaucoup" in html and '<th scope="row">3</th>' in html
    assert "MARTIN Alice" in html
    assert "Annuler" in html


def test_confirm_writes_in_one_transaction_and_a_failed_confirm_writes_nothing(data, send, confirm, member):
    MonthlyHours.objects.create(territory=data.territory, placement=data.alice, month=date(2026, 4, 1), hours_worked=1)
    before = hours_snapshot()
    rows = [row(data.alice, month="2026-03"), row(data.alice, month="2026-04", worked="50"), row(data.bruno)]
    job = send(data.facilitator, xlsx_bytes(rows))
    assert job.report["valid_count"] == 3
    # Meanwhile, March is validated by a facilitator: its lines are locked.
    march = Statement.objects.create(
        territory=data.territory, clause=data.clause, company=data.company, month=date(2026, 3, 1)
    )
    validate(march, data.facilitator.user)
    job = confirm(data.facilitator, job)
    assert job.status == ImportJobStatus.FAILED
    assert "Rien n'a été importé" in job.error
    assert {problem["line"] for problem in job.report["confirm_problems"]} == {2, 4}
    assert hours_snapshot() == before  # April's line (another group, written first) was rolled back too


def test_same_file_twice_changes_nothing_and_says_so(client, data, send, confirm):
    content = xlsx_bytes([row(data.alice), row(data.bruno, worked="20,5")])
    first = confirm(data.facilitator, send(data.facilitator, content))
    assert first.report["result"] == {"created": 2, "updated": 0, "unchanged": 0}
    snapshot = hours_snapshot()
    second = send(data.facilitator, content)
    assert second.file_sha256 == first.file_sha256
    assert (second.report["will_create"], second.report["will_update"], second.report["will_keep"]) == (0, 0, 2)
    html = client.get(url("hours_import_detail", data.territory, pk=second.pk)).content.decode()
    assert "Un fichier au contenu identique a déjà été importé le" in html
    second = confirm(data.facilitator, second)
    assert second.status == ImportJobStatus.DONE
    assert second.report["result"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert hours_snapshot() == snapshot


def test_tasks_are_idempotent(data, send, confirm):
    job = send(data.facilitator, xlsx_bytes([row(data.alice)]))
    report = job.report
    assert analyse_import(job.pk) is None  # READY: not analysed again
    job.refresh_from_db()
    assert job.report == report
    job = confirm(data.facilitator, job)
    snapshot = hours_snapshot()
    assert confirm_import(job.pk) is None  # DONE: nothing written again
    assert hours_snapshot() == snapshot
    assert analyse_import(123456789) is None


def test_confirm_twice_queues_one_writing(client, data, send, confirm):
    job = send(data.facilitator, xlsx_bytes([row(data.alice)]))
    job = confirm(data.facilitator, job)
    response = client.post(url("hours_import_confirm", data.territory, pk=job.pk), follow=True)
    assert "Cet import ne peut plus être confirmé." in response.content.decode()
    assert MonthlyHours.objects.count() == 1


def test_cancel(client, data, send):
    job = send(data.facilitator, xlsx_bytes([row(data.alice)]))
    response = client.post(url("hours_import_cancel", data.territory, pk=job.pk), follow=True)
    assert "Import annulé" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJobStatus.CANCELLED
    response = client.post(url("hours_import_confirm", data.territory, pk=job.pk), follow=True)
    assert "ne peut plus être confirmé" in response.content.decode()
    assert not MonthlyHours.objects.exists()


def test_status_endpoint_and_progress_page(client, data):
    job = make_import_job(data.territory, data.facilitator.user, status=ImportJobStatus.ANALYSING)
    ImportJob.objects.filter(pk=job.pk).update(progress=42)
    client.force_login(data.facilitator.user)
    response = client.get(url("hours_import_status", data.territory, pk=job.pk))
    assert response.json() == {
        "status": "analysing",
        "status_label": "Analyse du fichier",
        "progress": 42,
        "running": True,
    }
    html = client.get(url("hours_import_detail", data.territory, pk=job.pk)).content.decode()
    assert '<progress class="cs-progress" id="import-progress-bar" max="100" value="42">' in html
    assert "js/import_progress.js" in html and "Actualiser" in html
    assert "<script>" not in html  # no inline script (CSP)


def test_an_unexpected_error_fails_the_job_with_a_message(data, send, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("clauses.tasks_imports.analyse", boom)
    job = send(data.facilitator, xlsx_bytes([row(data.alice)]))
    assert job.status == ImportJobStatus.FAILED
    assert "erreur inattendue" in job.error


def test_ten_thousand_rows(data, send, confirm, territory):
    """10,000 rows: 500 placements × 20 months, one bad cell every 1,000 rows, no 500, right line numbers."""
    lot = LotFactory(territory=territory, number=9)
    LotAwardFactory(territory=territory, lot=lot, company=data.company)
    clause = ClauseFactory(territory=territory, lot=lot, start_date=date(2025, 1, 1))
    participants = ParticipantFactory.create_batch(500, territory=territory)
    placements = [
        PlacementFactory(
            territory=territory,
            participant=p,
            clause=clause,
            employer_company=data.company,
            start_date=date(2025, 1, 1),
        )
        for p in participants
    ]
    months = [date(2025 + (m // 12), m % 12 + 1, 1) for m in range(20)]
    rows, bad = [], set()
    for index in range(10_000):
        placement, month = placements[index % 500], months[index // 500]
        worked = "35,5" if index % 1000 else "trente"
        if not index % 1000:
            bad.add(index + 2)
        rows.append(row(placement, month=f"{month:%Y-%m}", worked=worked))
    started = time.monotonic()
    job = send(data.facilitator, xlsx_bytes(rows))
    assert job.status == ImportJobStatus.READY
    assert job.report["total_rows"] == 10_000
    assert set(errors_by_line(job)) == bad
    assert job.report["valid_count"] == 9_990
    assert not MonthlyHours.objects.exists()
    job = confirm(data.facilitator, job)
    assert job.status == ImportJobStatus.DONE, job.error
    assert job.report["result"]["created"] == 9_990
    assert MonthlyHours.objects.count() == 9_990
    assert time.monotonic() - started < 60  # the benchmark measures it properly (bench/hours.py)


# --- Pages -----------------------------------------------------------------------------------------------------------


def test_pages_render_with_one_h1_and_captioned_tables(client, data, send, confirm, member):
    from tests.test_pages_render import page

    client.force_login(data.facilitator.user)
    html = page(client.get(url("hours_import", data.territory)))
    assert "Choisir cette clause" in html and "SETE-2026-001 — lot 1" in html
    html = page(client.get(url("hours_import", data.territory) + f"?clause={data.clause.pk}"))
    assert "Télécharger le modèle (.xlsx)" in html
    ready = send(data.facilitator, xlsx_bytes([row(data.alice), row(data.bruno, worked="x")]))
    page(client.get(url("hours_import_detail", data.territory, pk=ready.pk)))
    done = confirm(data.facilitator, ready)
    html = page(client.get(url("hours_import_detail", data.territory, pk=done.pk)))
    assert "1 ligne créée, 0 modifiée, 0 inchangée" in html
    failed = send(data.facilitator, b"a;b\n1;2\n", "r.csv")
    html = page(client.get(url("hours_import_detail", data.territory, pk=failed.pk)))
    assert "Le fichier n'a pas été importé" in html
    html = page(client.get(url("hours_import", data.territory)))
    assert html.count('href="/34/heures/import/') >= 2  # the recent jobs
    page(client.get(url("hours_export_form", data.territory)))
    client.force_login(data.company_member.user)
    html = page(client.get(url("hours_import", data.territory)))
    assert "Choisir cette clause" not in html and "/34/releves/modele.xlsx" in html
    page(client.get(url("hours_export_form", data.territory)))


def test_template_keeps_formula_like_names_as_text(client, data):
    participant = data.alice.participant
    participant.last_name = "=1+1"
    participant.save()
    client.force_login(data.facilitator.user)
    response = client.get(url("hours_template_clause", data.territory, pk=data.clause.pk) + "?mois=2026-03")
    sheet = open_workbook(response)[SHEET_TITLE]
    cell = next(row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == data.alice.pk)
    assert cell.value == "=1+1 Alice" and cell.data_type == "s"


# --- Formulas ----------------------------------------------------------------------------------------------------


def with_saved_results(content, results):
    """The workbook ``content`` as a spreadsheet would save it: each formula of ``results`` ({formula without « = »:
    result}) gets its computed value. openpyxl itself writes formulas without any result."""
    source, output = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                for formula, result in results.items():
                    data = data.replace(
                        f"<f>{formula}</f><v></v>".encode(), f"<f>{formula}</f><v>{result}</v>".encode()
                    )
            target.writestr(item, data)
    return output.getvalue()


UNCOMPUTED = (
    "Cellule calculée sans valeur (formule « {} ») : ouvrez le fichier dans votre tableur et enregistrez-le avant de "
    "l'importer, pour que le résultat de la formule y soit écrit."
)


def test_a_formula_saved_without_its_result_is_a_row_error_not_zero_hours(data, send, confirm):
    rows = [
        row(data.alice, worked="=6*7"),  # line 2: written by a program, never computed
        row(data.bruno, worked="35", training="=F3/5"),  # line 3
        row(data.provided, month='=TEXT(DATE(2026,3,1),"yyyy-mm")'),  # line 4: a read column, not only hours
        row(data.alice, month="2026-04", worked="20"),  # line 5: valid
    ]
    content = xlsx_bytes(rows)
    assert "<f>6*7</f><v></v>" in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    job = send(data.facilitator, content)
    assert job.status == ImportJobStatus.READY, job.error
    errors = errors_by_line(job)
    assert errors == {
        2: [("Heures travaillées", UNCOMPUTED.format("=6*7"))],
        3: [("Heures de formation", UNCOMPUTED.format("=F3/5"))],
        4: [("Mois (AAAA-MM)", UNCOMPUTED.format('=TEXT(DATE(2026,3,1),"yyyy-mm")'))],
    }
    assert next(e["value"] for e in job.report["errors"] if e["line"] == 2) == "=6*7"
    assert (job.report["valid_count"], job.report["error_rows"]) == (1, 3)
    confirm(data.facilitator, job)
    assert [(line.placement_id, line.month, line.hours_worked) for line in MonthlyHours.objects.all()] == [
        (data.alice.pk, date(2026, 4, 1), Decimal("20.00"))
    ]


def test_a_formula_saved_with_its_result_imports_the_result(data, send):
    content = with_saved_results(xlsx_bytes([row(data.alice, worked="=6*7", training="=2+1")]), {"6*7": 42, "2+1": 3})
    job = send(data.facilitator, content)
    assert job.status == ImportJobStatus.READY, job.error
    assert job.report["errors"] == []
    assert job.report["preview"][0]["hours_worked"] == "42"
    assert job.report["rows"][0][3:5] == ["42", "3"]


def test_a_text_cell_starting_with_equals_is_text_not_a_formula(data, send):
    participant = data.alice.participant
    participant.last_name = "=1+1"
    participant.save()
    workbook = load_workbook(io.BytesIO(xlsx_bytes([row(data.alice)])))
    cell = workbook[SHEET_TITLE]["B2"]
    assert cell.value == "=1+1 Alice"
    cell.data_type = "s"  # typed as text, as the template writes names
    output = io.BytesIO()
    workbook.save(output)
    job = send(data.facilitator, output.getvalue())
    assert job.report["errors"] == [] and job.report["valid_count"] == 1
