"""Helpers for the import / export tests (and the authorization world): spreadsheet files and import jobs."""

import csv
import io
from datetime import date

from openpyxl import Workbook

from clauses.imports import COLUMNS
from clauses.models import ImportJob, ImportJobStatus

HEADERS = [column.header for column in COLUMNS]


def xlsx_bytes(rows, headers=HEADERS, *, title="Relevé d'heures"):
    """An XLSX file: a header row (if any) then ``rows`` (lists of cell values; None leaves a row empty)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    if headers:
        sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row) if row is not None else [])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def csv_bytes(rows, headers=HEADERS, *, delimiter=";", encoding="utf-8", bom=False):
    output = io.StringIO(newline="")
    writer = csv.writer(output, delimiter=delimiter, lineterminator="\r\n")
    if headers:
        writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    data = output.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def row(placement, month="2026-03", worked="35", training="0", name=None):
    """One line of the template for ``placement`` (the participant's name as the template writes it)."""
    participant = placement.participant
    if name is None:
        name = f"{participant.last_name.upper()} {participant.first_name}"
    return [placement.pk, name, "", "", month, worked, training]


def make_import_job(territory, user, *, placement=None, status=ImportJobStatus.READY, company=None, clause=None):
    """An analysed job (READY) holding one valid row for ``placement`` in March 2026."""
    rows = []
    if placement is not None:
        rows = [[placement.pk, placement.clause_id, date(2026, 3, 1).isoformat(), "35", "0", 2]]
    report = {
        "header_line": 1,
        "total_rows": len(rows),
        "valid_count": len(rows),
        "error_rows": 0,
        "error_count": 0,
        "will_create": len(rows),
        "will_update": 0,
        "will_keep": 0,
        "errors": [],
        "preview": [],
        "rows": rows,
    }
    job = ImportJob(
        territory=territory,
        requested_by=user,
        company=company,
        clause=clause,
        original_name="releve.csv",
        file_sha256="0" * 64,
        status=status,
        progress=100,
        total_rows=len(rows),
        valid_rows=len(rows),
        report=report,
    )
    job.file.name = "imports/releve.csv"  # never read: the job is already analysed
    job.save()
    return job
