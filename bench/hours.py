"""Benchmark of the monthly hours: import of a 10,000-row statement file, and the grid of a 200-placement clause.

Run it with ``make bench`` (or ``.venv/bin/python bench/hours.py``) on PostgreSQL: ``DATABASE_URL`` names the server
(and the user); the benchmark creates its own throwaway database on it (``<name>_bench_<pid>``), migrates it, builds
its data, measures, prints a table, writes ``bench-results/hours.json`` and drops the database (``--keep`` keeps it).

Measures (see bench/README.md):
(a) analysis + confirmation of a 10,000-row XLSX file (500 placements × 20 months, 5 clauses), through the Celery
    tasks themselves (called in process): read from storage, check every row, then write every line with its history
    in one transaction. Target: < 10 s.
(b) render of the grid page ``clauses:hours_grid`` of a clause with 200 placements (12 months of hours already
    entered), through Django's test client as a facilitator: median of 20 renders after one warm-up. Target: < 300 ms.
Timings run without tracemalloc; a second, identical pass under tracemalloc gives each phase's peak Python memory.
"""

import argparse
import io
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

warnings.filterwarnings("ignore", message="No directory at")  # whitenoise, without collectstatic

IMPORT_TARGET_S = 10.0
GRID_TARGET_MS = 300.0


# --- The throwaway database -------------------------------------------------------------------------------------


def pg_connect(url, dbname="postgres"):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password or "") or None,
        dbname=dbname,
        connect_timeout=5,
        autocommit=True,
    )


def create_database(url):
    from psycopg import sql

    parts = urlsplit(url)
    base = unquote(parts.path.lstrip("/")) or "clauses"
    name = f"{base}_bench_{os.getpid()}"[:63]
    with pg_connect(url) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name, urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(url, name):
    from psycopg import sql

    with pg_connect(url) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# --- Data -------------------------------------------------------------------------------------------------------


def months_from(first, count):
    return [date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1) for i in range(count)]


def build_data(rows, grid_placements):
    """Objects of one territory: a facilitator, a company holding 5 import clauses + 5 copies (the memory pass) and
    the grid clause. Volumes are written with bulk_create."""
    from accounts.enums import Role
    from clauses.enums import ContractKind, ExecutionMode, StatementStatus
    from clauses.models import EligibilityValidation, MonthlyHours, Participant, Placement, Statement
    from tests.clauses.factories import ClauseFactory, EligibilityCriterionFactory
    from tests.conftest import make_member
    from tests.markets.factories import CompanyFactory, LotAwardFactory, LotFactory, MarketFactory
    from tests.territories.factories import TerritoryFactory

    territory = TerritoryFactory(code="34")
    facilitator = make_member(territory, Role.FACILITATOR)
    company = CompanyFactory(territory=territory, name="Bâtisseurs du Littoral")
    months = months_from(date(2025, 1, 1), 20)
    per_month = rows // len(months)
    clauses_count = 5

    def clause_with_award(number):
        market = MarketFactory(territory=territory, reference=f"BENCH-{number:03d}")
        lot = LotFactory(territory=territory, market=market, number=1)
        LotAwardFactory(territory=territory, lot=lot, company=company)
        return ClauseFactory(territory=territory, lot=lot, start_date=date(2025, 1, 1), end_date=date(2027, 12, 31))

    def people(count, prefix):
        return Participant.objects.bulk_create(
            Participant(
                territory=territory,
                first_name=f"Prénom{i}",
                last_name=f"{prefix}{i:05d}",
                birth_year=1990,
                birth_date=date(1990, 1, 1),
                sex="F",
            )
            for i in range(count)
        )

    def placements(clauses, participants):
        return Placement.objects.bulk_create(
            Placement(
                territory=territory,
                participant=participant,
                clause=clauses[index % len(clauses)],
                employer_company=company,
                contract_kind=ContractKind.APPRENTICESHIP if index % 7 == 0 else ContractKind.CDD,
                mode=ExecutionMode.DIRECT_HIRING,
                start_date=date(2025, 1, 1),
            )
            for index, participant in enumerate(participants)
        )

    import_sets = []
    for label in ("timed", "memory"):
        clauses = [clause_with_award(len(import_sets) * 10 + n) for n in range(clauses_count)]
        import_sets.append((label, placements(clauses, people(per_month, f"Import{label.capitalize()}"))))

    grid_clause = clause_with_award(99)
    grid_people = people(grid_placements, "Grille")
    grid = placements([grid_clause], grid_people)
    criterion = EligibilityCriterionFactory(territory=territory)
    EligibilityValidation.objects.bulk_create(
        EligibilityValidation(
            territory=territory,
            participant=participant,
            criterion=criterion,
            evidence_kind="caf",
            validated_by=facilitator.user,
            validated_on=date(2025, 1, 2),
        )
        for participant in grid_people[::2]
    )
    grid_months = months_from(date(2025, 3, 1), 12)
    statements = {
        month: Statement.objects.create(
            territory=territory,
            clause=grid_clause,
            company=company,
            month=month,
            status=StatementStatus.VALIDATED if month < grid_months[-1] else StatementStatus.SUBMITTED,
        )
        for month in grid_months
    }
    MonthlyHours.objects.bulk_create(
        (
            MonthlyHours(
                territory=territory,
                placement=placement,
                statement=statements[month],
                month=month,
                hours_worked=Decimal(100 + index % 50),
                training_hours=Decimal(index % 3),
                status=statements[month].status,
            )
            for index, placement in enumerate(grid)
            for month in grid_months
        ),
        batch_size=2000,
    )
    return {
        "territory": territory,
        "facilitator": facilitator,
        "import_sets": dict(import_sets),
        "months": months,
        "grid_clause": grid_clause,
        "grid_month": grid_months[-1],
    }


def statement_file(placements, months):
    """An XLSX statement file as a company fills it: one row per placement and month. A regular workbook, as a
    spreadsheet application saves it (with its dimension, shared strings and styles)."""
    from openpyxl import Workbook

    from clauses.imports import COLUMNS, SHEET_TITLE

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append([column.header for column in COLUMNS])
    for month in months:
        for index, placement in enumerate(placements):
            sheet.append(
                [
                    placement.pk,
                    f"{placement.participant.last_name.upper()} {placement.participant.first_name}",
                    "Bâtisseurs du Littoral",
                    "",
                    f"{month:%Y-%m}",
                    round(120 + (index % 40) * 0.5, 2),
                    index % 4,
                ]
            )
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# --- Measures ---------------------------------------------------------------------------------------------------


def run_import(data, content, label):
    """Upload a job (as the view does), then run the analysis and the confirmation tasks. Returns timings."""
    import hashlib

    from django.core.files.base import ContentFile

    from clauses.models import ImportJob, ImportJobStatus
    from clauses.tasks_imports import analyse_import, confirm_import

    job = ImportJob(
        territory=data["territory"],
        requested_by=data["facilitator"].user,
        original_name=f"bench-{label}.xlsx",
        file_sha256=hashlib.sha256(content).hexdigest(),
    )
    job.file.save(job.original_name, ContentFile(content), save=False)
    job.save()
    started, cpu_started = time.perf_counter(), time.process_time()
    analyse_import(job.pk)
    analysed, cpu_analysed = time.perf_counter(), time.process_time()
    job.refresh_from_db()
    if job.status != ImportJobStatus.READY:
        raise SystemExit(f"analysis failed: {job.status} {job.error}")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.IMPORTING)  # what the confirm view does
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(confirm_import, job.pk)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    else:
        confirm_import(job.pk)
    confirmed, cpu_confirmed = time.perf_counter(), time.process_time()
    job.refresh_from_db()
    if job.status != ImportJobStatus.DONE:
        raise SystemExit(f"confirmation failed: {job.status} {job.error}")
    return {
        "rows": job.report["total_rows"],
        "valid_rows": job.report["valid_count"],
        "created": job.report["result"]["created"],
        "analyse_s": analysed - started,
        "confirm_s": confirmed - analysed,
        "total_s": confirmed - started,
        # CPU time of this process only (PostgreSQL works in its own): less sensitive to a busy machine.
        "analyse_cpu_s": cpu_analysed - cpu_started,
        "confirm_cpu_s": cpu_confirmed - cpu_analysed,
    }


def peak_of(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def grid_renders(data, renders):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()
    client.force_login(data["facilitator"].user)
    url = reverse(
        "clauses:hours_grid",
        kwargs={"territory_code": "34", "pk": data["grid_clause"].pk, "month": data["grid_month"]},
    )
    response = client.get(url)  # warm-up (templates, session)
    if response.status_code != 200:
        raise SystemExit(f"grid page answered {response.status_code}")
    rows = response.content.decode().count('name="worked-')
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    query_count = len(queries)  # now: the log is reset by the next request
    timings, cpu = [], []
    for _ in range(renders):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200
    peak = peak_of(lambda: client.get(url))
    return {
        "url": url,
        "placements": rows,
        "renders": renders,
        "median_ms": statistics.median(timings),
        "p90_ms": sorted(timings)[int(0.9 * (len(timings) - 1))],
        "min_ms": min(timings),
        "max_ms": max(timings),
        "median_cpu_ms": statistics.median(cpu),
        "queries": query_count,
        "html_bytes": len(response.content),
        "peak_python_mib": peak / 2**20,
    }


def max_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


# --- Main -------------------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the statement file (default 10,000)")
    parser.add_argument("--grid-placements", type=int, default=200, help="placements of the grid clause")
    parser.add_argument("--renders", type=int, default=20, help="grid renders measured (median)")
    parser.add_argument("--output", default=str(BASE_DIR / "bench-results" / "hours.json"))
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench/hours.py mesure PostgreSQL : définissez DATABASE_URL=postgres://… (serveur et rôle).")
    name, bench_url = create_database(server_url)
    media = tempfile.TemporaryDirectory(prefix="bench-media-")
    os.environ.update(
        DATABASE_URL=bench_url,
        MEDIA_ROOT=media.name,
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_TASK_ALWAYS_EAGER="true",
        DJANGO_DEBUG="false",  # as deployed: no query log, no debug templates
    )
    os.environ.pop("REDIS_URL", None)  # tasks are called in process; the cache stays local
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.test.utils import setup_test_environment

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        setup_test_environment()
        print(f"Base jetable {name} : migrations…", flush=True)
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        data = build_data(args.rows, args.grid_placements)
        print(f"Données construites en {time.perf_counter() - started:.1f} s", flush=True)

        results = {}
        files = {}
        for label, placements in data["import_sets"].items():
            placements = list(
                type(placements[0]).objects.filter(pk__in=[p.pk for p in placements]).select_related("participant")
            )
            files[label] = statement_file(placements, data["months"])
        timed = run_import(data, files["timed"], "timed")
        timed["file_bytes"] = len(files["timed"])
        timed["peak_python_mib"] = peak_of(lambda: run_import(data, files["memory"], "memory")) / 2**20
        results["import"] = timed
        results["grid"] = grid_renders(data, args.renders)
        results["process_max_rss_mib"] = max_rss_mib()
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(server_url, name)
        media.cleanup()

    load1, load5, _ = os.getloadavg()
    results["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1m": round(load1, 2),
        "load_average_5m": round(load5, 2),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    results["targets"] = {"import_total_s": IMPORT_TARGET_S, "grid_median_ms": GRID_TARGET_MS}
    imp, grid = results["import"], results["grid"]
    results["ok"] = imp["total_s"] < IMPORT_TARGET_S and grid["median_ms"] < GRID_TARGET_MS

    def verdict(ok):
        return "OK" if ok else "AU-DESSUS"

    lines = [
        ("Mesure", "Valeur", "Cible", ""),
        (f"(a) import {imp['rows']:,} lignes : analyse".replace(",", " "), f"{imp['analyse_s']:.2f} s", "", ""),
        ("(a) import : écriture (confirmation)", f"{imp['confirm_s']:.2f} s", "", ""),
        (
            "(a) import : temps CPU Python (analyse / écriture)",
            f"{imp['analyse_cpu_s']:.2f} / {imp['confirm_cpu_s']:.2f} s",
            "",
            "",
        ),
        (
            "(a) import : analyse + écriture",
            f"{imp['total_s']:.2f} s",
            f"< {IMPORT_TARGET_S:.0f} s",
            verdict(imp["total_s"] < IMPORT_TARGET_S),
        ),
        ("(a) import : pic mémoire Python", f"{imp['peak_python_mib']:.0f} Mio", "", ""),
        (
            f"(b) grille {grid['placements']} mises en emploi : médiane",
            f"{grid['median_ms']:.0f} ms",
            f"< {GRID_TARGET_MS:.0f} ms",
            verdict(grid["median_ms"] < GRID_TARGET_MS),
        ),
        (
            "(b) grille : p90 / min / max",
            f"{grid['p90_ms']:.0f} / {grid['min_ms']:.0f} / {grid['max_ms']:.0f} ms",
            "",
            "",
        ),
        ("(b) grille : temps CPU Python (médiane)", f"{grid['median_cpu_ms']:.0f} ms", "", ""),
        ("(b) grille : requêtes SQL", str(grid["queries"]), "", ""),
        ("(b) grille : pic mémoire Python", f"{grid['peak_python_mib']:.1f} Mio", "", ""),
        ("Pic RSS du processus", f"{results['process_max_rss_mib']:.0f} Mio", "", ""),
        ("Charge de la machine (1 min / 5 min)", f"{load1:.2f} / {load5:.2f}", "", ""),
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    print()
    for index, line in enumerate(lines):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nRésultats écrits dans {output}")
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
