"""Bilans: the consolidated PDF report of a territory for a period, built by a Celery task.

A bilan is a job row (``Report``): one per territory and period. Asking again for a period, or re-running a failed
bilan, rebuilds the *same* row: its ``generation`` is bumped and the task receives ``(id, generation)``, so a task of
an older generation (superseded while queued or running) does nothing. The PDF itself is made by
``build_report_pdf`` from ``observatory.indicators.compute_indicators`` (the confidentiality mask applied) and the
charts of ``observatory.charts``.
"""

import base64
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .charts import MASK_LABEL, format_value, render_chart
from .enums import ReportPeriodKind, ReportStatus
from .indicators import Period, Row, compute_indicators, held_meetings, partners_involved, rate
from .models import Report

RUNNING_STATUSES = (ReportStatus.PENDING, ReportStatus.RUNNING)
RERUNNABLE_STATUSES = (ReportStatus.FAILED, ReportStatus.DONE)
# A bar chart of a breakdown draws at most this many rows (the largest); its table lists every row.
CHART_MAX_BARS = 25

METHODOLOGY_NOT_ADDITIVE = (
    "Un marché est compté dans une période dès que sa clause y est active (au moins un jour de la période). Un marché "
    "s'étend souvent sur plusieurs années : il est alors compté dans chacune. Les nombres de marchés et de clauses ne "
    "s'additionnent donc pas d'une année à l'autre (ni d'un trimestre à l'autre) ; les heures réalisées, elles, sont "
    "rattachées au mois où elles ont été travaillées et s'additionnent."
)
METHODOLOGY_CONFIDENTIALITY = (
    "Secret statistique : toute case qui repose sur moins de 5 participants est masquée et affichée « < 5 ». Lorsque "
    "le total d'une ligne ou d'une colonne permettrait de retrouver une case masquée par différence, une seconde case "
    "est masquée à son tour. Aucune donnée nominative ne figure dans ce bilan."
)
# The tables naming organisations list, in the PDF, their ``PDF_TOP_ROWS`` rows with the most hours achieved and one
# row « Autres … » for the rest (the page and its XLSX export keep every row).
PDF_TOP_ROWS = 25
PDF_LIMITED_TABLES = {
    "hours_by_buyer": ("donneurs d'ordre", "Autres donneurs d'ordre", "regroupés"),
    "hours_by_company": ("entreprises", "Autres entreprises", "regroupées"),
}
METHODOLOGY_TOP_ROWS = (
    f"Tableaux par donneur d'ordre et par entreprise : le bilan en liste les {PDF_TOP_ROWS} qui ont le plus d'heures "
    "réalisées sur la période, par ordre décroissant ; les autres, lignes masquées comprises, sont regroupés sur une "
    "ligne « Autres … » (heures du total moins celles des lignes listées ; son nombre de participants n'est pas "
    "donné, une personne pouvant travailler pour plusieurs). La liste complète, par ordre alphabétique, est dans "
    "l'observatoire et son export XLSX."
)
METHODOLOGY_HOURS = (
    "Heures réalisées : heures d'insertion comptabilisées, c'est-à-dire déclarées dans un relevé mensuel validé par le "
    "facilitateur, pour un participant dont l'éligibilité était validée ce mois-là au titre d'un critère accepté par "
    "la clause. Les heures de formation ne comptent que dans un contrat en alternance. Une heure n'est jamais comptée "
    "deux fois (globalisation comprise). Un ETP correspond à 1 607 heures."
)


def report_period(report):
    """The ``Period`` of a bilan."""
    return Period(report.start_date, report.end_date, report.period_kind)


def report_title(territory, period):
    return f"Bilan {period.label[0].lower()}{period.label[1:]} — {territory.name}"[:200]


def is_running(report):
    return report.status in RUNNING_STATUSES


def stale_after():
    """A bilan running for longer than this since its build started is lost (a worker died with it): it may be
    re-run, and the sweep (``observatory.tasks_maintenance``) marks it failed. ``settings.STALE_JOB_MINUTES``."""
    return timedelta(minutes=settings.STALE_JOB_MINUTES["report"])


def pending_stale_after():
    """A bilan still waiting for a worker this long after it was requested is lost too (its message was lost); far
    longer than ``stale_after``, so that a bilan merely waiting in a Celery backlog is not.
    ``settings.STALE_PENDING_MINUTES``."""
    return timedelta(minutes=settings.STALE_PENDING_MINUTES)


def is_stale(report, now=None):
    """Pending or running for too long: its worker was lost; a re-run is allowed. Same rule as ``stale_q``: a pending
    bilan is timed from its request, a running one from the start of its build (its request if that is unknown)."""
    now = now or timezone.now()
    if report.status == ReportStatus.PENDING:
        return report.requested_at is not None and report.requested_at < now - pending_stale_after()
    if report.status == ReportStatus.RUNNING:
        since = report.started_at or report.requested_at
        return since is not None and since < now - stale_after()
    return False


def stale_q(now=None):
    """``is_stale`` as a filter, for the sweep's compare-and-set update."""
    now = now or timezone.now()
    cutoff = now - stale_after()
    return Q(status=ReportStatus.PENDING, requested_at__lt=now - pending_stale_after()) | Q(
        Q(started_at__lt=cutoff) | Q(started_at__isnull=True, requested_at__lt=cutoff), status=ReportStatus.RUNNING
    )


def can_rerun(report, now=None):
    return report.status in RERUNNABLE_STATUSES or is_stale(report, now)


def _queue(report_id, generation):
    from .tasks import build_report  # the tasks module imports this one

    transaction.on_commit(lambda: build_report.delay(report_id, generation))


def _rebuild_fields(user, now):
    return {
        "generation": F("generation") + 1,
        "status": ReportStatus.PENDING,
        "progress": 0,
        "step": "",
        "error": "",
        "requested_by": user,
        "requested_at": now,
        "started_at": None,
        "finished_at": None,
    }


@transaction.atomic
def request_report(territory, period, user):
    """Ask for the bilan of ``period``: create its row, or rebuild the existing one (never a second row).

    Returns ``(report, created)``. The build is queued once the transaction commits.
    """
    now = timezone.now()
    title = report_title(territory, period)
    report, created = Report.objects.select_for_update().get_or_create(
        territory=territory,
        start_date=period.start,
        end_date=period.end,
        defaults={
            "period_kind": period.kind,
            "title": title,
            "requested_by": user,
            "requested_at": now,
        },
    )
    if not created:
        Report.objects.filter(pk=report.pk).update(period_kind=period.kind, title=title, **_rebuild_fields(user, now))
        report.refresh_from_db()
    _queue(report.pk, report.generation)
    return report, created


@transaction.atomic
def rerun(report, user):
    """Build again a failed (or done, or lost) bilan, as the same row. Returns False when it cannot be re-run."""
    now = timezone.now()
    row = Report.objects.select_for_update().filter(pk=report.pk).first()
    if row is None or not can_rerun(row, now):
        return False
    Report.objects.filter(pk=row.pk).update(**_rebuild_fields(user, now))
    report.refresh_from_db()
    _queue(report.pk, report.generation)
    return True


# --- The PDF ----------------------------------------------------------------------------------------------------------


def _cells(row, columns):
    return [format_value(row.values.get(column.key), column.unit, masked=row.masked) for column in columns]


def _row_context(row, columns):
    return {"label": row.label, "cells": _cells(row, columns)}


def figure_ratio(figure):
    """A rate's numerator and denominator as a reader reads them: « Heures réalisées : 57 793 h ; heures exigées :
    81 937,6 h ». Empty for a masked figure or a figure that is not a rate."""
    if figure.masked or figure.numerator is None or figure.denominator is None:
        return ""
    numerator = format_value(figure.numerator, figure.numerator_unit)
    denominator = format_value(figure.denominator, figure.denominator_unit)
    if not figure.numerator_label:
        return f"{numerator} sur {denominator}"
    denominator_label = figure.denominator_label[0].lower() + figure.denominator_label[1:]
    return f"{figure.numerator_label} : {numerator} ; {denominator_label} : {denominator}"


def _figure_context(figure):
    return {
        "key": figure.key,
        "label": figure.label,
        "value": format_value(figure.value, figure.unit, masked=figure.masked),
        "definition": figure.definition,
        "ratio": figure_ratio(figure),
    }


def _svg_data_uri(svg):
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")


def chart_table(table):
    """The table a chart draws: a breakdown (bars) of many rows keeps its ``CHART_MAX_BARS`` largest rows (the table
    printed under it lists them all); a time series keeps every row, in order."""
    if table.chart != "bars" or len(table.rows) <= CHART_MAX_BARS:
        return table

    def size(row):
        value = None if row.masked else row.values.get(table.chart_column)
        return value if isinstance(value, (int, float, Decimal)) else -1

    largest = sorted(table.rows, key=size, reverse=True)[:CHART_MAX_BARS]
    return replace(table, rows=largest, title=f"{table.title} — les {CHART_MAX_BARS} premiers")


def _difference(total, rows, key):
    values = [total.values.get(key), *(row.values.get(key) for row in rows)]
    if any(not isinstance(value, (int, Decimal)) for value in values):
        return None
    return values[0] - sum(values[1:])


def top_rows(table, limit=None):
    """``table`` as the PDF prints it. A table naming organisations (``PDF_LIMITED_TABLES``) with more than ``limit``
    rows keeps its ``limit`` unmasked rows with the most hours achieved, largest first, then one row « Autres … (n) »
    for the others (masked rows included): hours of the total minus those listed, no participant count. Returns
    ``(table, note)``; ``note`` is the French sentence saying so ("" when the table is printed whole)."""
    limit = PDF_TOP_ROWS if limit is None else limit
    if table.key not in PDF_LIMITED_TABLES or len(table.rows) <= limit + 1:
        return table, ""
    noun, others_label, grouped = PDF_LIMITED_TABLES[table.key]

    def achieved(row):
        value = row.values.get("hours_achieved")
        return value if isinstance(value, (int, Decimal)) else -1

    ranked = sorted((row for row in table.rows if not row.masked), key=lambda row: (-achieved(row), row.label.lower()))
    top = ranked[:limit]
    rest = len(table.rows) - len(top)
    total = table.total
    required = None if total is None or total.masked else _difference(total, top, "hours_required")
    hours = None if total is None or total.masked else _difference(total, top, "hours_achieved")
    others = Row(
        label=f"{others_label} ({rest})",
        key="others",
        values={
            "hours_required": required,
            "hours_achieved": hours,
            "completion_rate": rate(hours, required) if hours is not None else None,
            "participants": None,
        },
        masked=total is not None and total.masked,
    )
    note = (
        f"Les {len(top)} {noun} qui ont le plus d'heures réalisées sur la période ; les {rest} autres sont {grouped} "
        f"sur la dernière ligne. La liste complète est dans l'observatoire (export XLSX)."
    )
    return replace(table, rows=[*top, others]), note


def _table_context(table, chart, note=""):
    return {
        "key": table.key,
        "title": table.title,
        "definition": table.definition,
        "columns": table.columns,
        "rows": [_row_context(row, table.columns) for row in table.rows],
        "total": None
        if table.total is None
        else {"label": table.total.label, "cells": _cells(table.total, table.columns)},
        "chart": chart,
        "limited": note,
    }


def committee_activity(territory, start, end, indicators=None):
    """The committee's meetings held in [start, end] (with their attendance), their number and the partners involved.

    A held meeting is ``observatory.indicators.held_meetings``'s (the indicator's and the committee page's
    definition): the list and its count match the key figure ``committee_meetings``.
    """
    meetings = list(
        held_meetings([territory.pk])
        .filter(date__gte=start, date__lte=end)
        .annotate(attendance_count=Count("attendance"))
        .order_by("date", "pk")
        .values("date", "title", "attendance_count")
    )
    count = next((f.value for f in (indicators.figures if indicators else []) if f.key == "committee_meetings"), None)
    return {
        "meetings": meetings,
        "meeting_count": len(meetings) if count is None else count,
        "partners": partners_involved(territory, start, end),
    }


def _noop(percent, step):
    pass


def build_report_pdf(report, progress=None):
    """The bilan of ``report`` as PDF bytes (WeasyPrint, ``templates/observatory/report_pdf.html``).

    ``progress(percent, step)`` is called as the work goes: indicators 10→40 %, charts 40→70 %, PDF 70→95 %.
    """
    with translation.override(settings.LANGUAGE_CODE):  # French number formats, also in a Celery worker
        return _build_pdf(report, progress or _noop)


def _build_pdf(report, progress):
    from weasyprint import HTML  # imported on use: it loads pango at import time

    territory = report.territory
    period = report_period(report)

    progress(10, "Calcul des indicateurs")
    indicators = compute_indicators([territory], period, confidential=True)
    activity = committee_activity(territory, period.start, period.end, indicators)

    progress(40, "Dessin des graphiques")
    tables = []
    drawn = [table for table in indicators.tables if table.chart]
    done = 0
    for table in indicators.tables:
        printed, note = top_rows(table)
        chart = None
        if table.chart and table.rows:
            drawn_rows = [row for row in printed.rows if row.key != "others"]
            svg = render_chart(chart_table(replace(printed, rows=drawn_rows)))
            chart = _svg_data_uri(svg) if svg else None
            done += 1
            progress(40 + 30 * done // max(len(drawn), 1), "Dessin des graphiques")
        tables.append(_table_context(printed, chart, note))

    progress(70, "Mise en page du PDF")
    author = report.requested_by
    context = {
        "report": report,
        "territory": territory,
        "period": period,
        "period_kind_label": ReportPeriodKind(period.kind).label if period.kind in ReportPeriodKind.values else "",
        "generated_at": timezone.localtime(),
        "author": author.get_full_name() or author.email,
        "figures": [_figure_context(figure) for figure in indicators.figures],
        "tables": tables,
        "activity": activity,
        "methodology": {
            "not_additive": METHODOLOGY_NOT_ADDITIVE,
            "confidentiality": METHODOLOGY_CONFIDENTIALITY,
            "hours": METHODOLOGY_HOURS,
            "top_rows": METHODOLOGY_TOP_ROWS,
        },
        "mask": MASK_LABEL,
    }
    html = render_to_string("observatory/report_pdf.html", context)
    document = HTML(string=html, base_url=".").render()
    progress(85, "Écriture du PDF")
    pdf = document.write_pdf()
    progress(95, "Enregistrement du fichier")
    return pdf
