"""Benchmark of the bilans: the PDF bilan of the largest territory of the demo data at scale factor 10.

Run it with ``.venv/bin/python bench/bilan.py`` on PostgreSQL: ``DATABASE_URL`` names the server (and the user); the
benchmark uses its own database on it, ``<name>_bench_bilan`` (e.g. ``clauses_bench_bilan``): it creates it, migrates
it, seeds the demo data with ``manage.py seed_demo --scale 10`` (in a child process, so that the seeding's memory does
not count in the measured process), measures, prints a table, writes ``bench-results/bilan.json`` and drops the
database (``--keep`` keeps it; ``--reuse`` measures again on a kept database without seeding it again).

Measure (see bench/README.md): the largest territory is the one with the most monthly-hours rows; its bilan is that
of the calendar year holding most of its rows. The Celery task ``observatory.tasks.build_report`` is called in
process, as a worker runs it: claim of the row, indicators (``compute_indicators``, confidentiality mask), charts,
WeasyPrint, storage of the file, e-mail. Wall time, CPU time of this process, the time of each step (the task's own
progress steps), and memory: the peak RSS of the process (``ru_maxrss``: Python, pango/cairo and the database driver)
and, in a second identical build (a re-run), the peak of Python allocations (``tracemalloc``).
Targets: < 15 s and < 512 MB.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

from hours import drop_database, pg_connect  # noqa: E402  (the throwaway-database helpers of the hours benchmark)

warnings.filterwarnings("ignore", message="No directory at")  # whitenoise, without collectstatic

TIME_TARGET_S = 15.0
MEMORY_TARGET_MIB = 512.0
SCALE = 10


def database_url(server_url):
    parts = urlsplit(server_url)
    base = unquote(parts.path.lstrip("/")) or "clauses"
    name = f"{base}_bench_bilan"[:63]
    return name, urlunsplit(parts._replace(path=f"/{name}"))


def database_exists(server_url, name):
    with pg_connect(server_url) as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def create_database(server_url, name):
    from psycopg import sql

    with pg_connect(server_url) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def manage(*arguments, env):
    """A management command in a child process (its memory is not this process's)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=BASE_DIR, env=env, check=True)
    return time.perf_counter() - started


def max_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def current_rss_mib():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def largest_territory():
    """(territory, year, rows): the territory with the most monthly-hours rows, and its busiest calendar year."""
    from django.db.models import Count
    from django.db.models.functions import ExtractYear

    from clauses.models import MonthlyHours
    from territories.models import Territory

    by_territory = MonthlyHours.objects.values("territory_id").annotate(rows=Count("pk")).order_by("-rows").first()
    if by_territory is None:
        raise SystemExit("Aucune heure mensuelle : les données de démonstration n'ont pas été créées.")
    territory = Territory.objects.get(pk=by_territory["territory_id"])
    busiest = (
        MonthlyHours.objects.filter(territory=territory)
        .annotate(year=ExtractYear("month"))
        .values("year")
        .annotate(rows=Count("pk"))
        .order_by("-rows", "-year")
        .first()
    )
    return territory, busiest["year"], busiest["rows"], by_territory["rows"]


def requester(territory):
    from accounts.enums import Role
    from accounts.models import Membership

    membership = (
        Membership.objects.active()
        .filter(territory=territory, role=Role.COORDINATOR, user__isnull=False)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise SystemExit(f"Aucun coordinateur dans {territory} : impossible de demander un bilan.")
    return membership.user


def build(report_id, generation):
    """Run the Celery task in process, recording when each of its progress steps starts."""
    from observatory import tasks

    steps = []
    original = tasks.build_report_pdf

    def timed_build(report, progress=None):
        def record(percent, step):
            steps.append((time.perf_counter(), percent, step))
            progress(percent, step)

        return original(report, progress=record)

    tasks.build_report_pdf = timed_build
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        outcome = tasks.build_report(report_id, generation)
        finished, cpu_finished = time.perf_counter(), time.process_time()
    finally:
        tasks.build_report_pdf = original
    marks = [(started, 0, "Démarrage (réservation de la ligne)")] + steps + [(finished, 100, "")]
    phases = []
    for (at, percent, step), (next_at, _p, _s) in zip(marks, marks[1:], strict=False):
        if phases and phases[-1]["step"] == step:  # a step reported several times (one chart after another)
            phases[-1]["seconds"] = round(phases[-1]["seconds"] + next_at - at, 3)
        else:
            phases.append({"step": step, "from_percent": percent, "seconds": round(next_at - at, 3)})
    return outcome, finished - started, cpu_finished - cpu_started, phases


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=SCALE, help="scale factor of the demo data (default 10)")
    parser.add_argument("--output", default=str(BASE_DIR / "bench-results" / "bilan.json"))
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept, already seeded benchmark database")
    parser.add_argument("--pdf", help="copy the bilan's PDF to this path, to read it")
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench/bilan.py mesure PostgreSQL : définissez DATABASE_URL=postgres://… (serveur et rôle).")
    name, bench_url = database_url(server_url)
    media = tempfile.TemporaryDirectory(prefix="bench-media-")
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "MEDIA_ROOT": media.name,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "DJANGO_DEBUG": "false",  # as deployed: no query log, no debug templates
    }
    env.pop("REDIS_URL", None)  # the task is called in process; the cache stays local
    results = {"scale": args.scale, "database": name}
    reuse = args.reuse and database_exists(server_url, name)
    keep = args.keep or args.reuse
    try:
        if not reuse:
            create_database(server_url, name)
            print(f"Base {name} : migrations…", flush=True)
            results["migrate_s"] = round(manage("migrate", "--verbosity", "0", env=env), 1)
            print(f"Données de démonstration à l'échelle {args.scale:g} (seed_demo)…", flush=True)
            results["seed_s"] = round(manage("seed_demo", "--scale", f"{args.scale:g}", "--skip-reports", env=env), 1)
            print(f"Données créées en {results['seed_s']:.0f} s", flush=True)
        else:
            print(f"Base {name} conservée : pas de nouvel ensemencement.", flush=True)

        os.environ.update(env)
        os.environ.pop("REDIS_URL", None)
        import logging

        import django

        django.setup()
        logging.getLogger("weasyprint").setLevel(logging.WARNING)  # no progress line per page
        from django.conf import settings
        from django.core import mail
        from django.db.models import F
        from django.utils import timezone

        from observatory.enums import ReportPeriodKind, ReportStatus
        from observatory.indicators import Period
        from observatory.models import Report

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the task's e-mail, kept here
        mail.outbox = []

        territory, year, year_rows, rows = largest_territory()
        period = Period.year(year)
        user = requester(territory)
        Report.objects.filter(territory=territory, start_date=period.start, end_date=period.end).delete()
        report = Report.objects.create(
            territory=territory,
            period_kind=ReportPeriodKind.YEAR,
            start_date=period.start,
            end_date=period.end,
            title=f"Bilan {period.label.lower()} — {territory.name}",
            requested_by=user,
            requested_at=timezone.now(),
        )
        print(
            f"Bilan de {territory.name} ({territory.code}), {period.label.lower()} : {year_rows:_} lignes d'heures "
            f"dans l'année ({rows:_} en tout)".replace("_", " "),
            flush=True,
        )
        rss_before = current_rss_mib()
        outcome, wall_s, cpu_s, phases = build(report.pk, report.generation)
        report.refresh_from_db()
        if outcome != ReportStatus.DONE or report.status != ReportStatus.DONE:
            raise SystemExit(f"Le bilan a échoué : {report.status} {report.error}")
        peak_rss = max_rss_mib()

        # Second, identical build (a re-run of the same row) under tracemalloc: the peak of Python allocations.
        # (the same bump of generation as ``observatory.reports.rerun``, without queueing: the task is called here).
        Report.objects.filter(pk=report.pk).update(generation=F("generation") + 1, status=ReportStatus.PENDING)
        report.refresh_from_db()
        tracemalloc.start()
        second, *_ = build(report.pk, report.generation)
        python_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        if second != ReportStatus.DONE:
            raise SystemExit("Le second passage du bilan a échoué.")
        report.refresh_from_db()
        if args.pdf:
            Path(args.pdf).write_bytes(report.file.read())

        results.update(
            territory=f"{territory.name} ({territory.code})",
            period=period.label,
            monthly_hours_rows_in_year=year_rows,
            monthly_hours_rows_total=rows,
            wall_s=round(wall_s, 2),
            cpu_s=round(cpu_s, 2),
            phases=phases,
            pdf_bytes=report.file_size,
            rss_before_build_mib=round(rss_before, 1),
            process_max_rss_mib=round(peak_rss, 1),
            python_peak_mib=round(python_peak, 1),
            emails_sent=len(mail.outbox),
        )
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if not keep:
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
    results["targets"] = {"wall_s": TIME_TARGET_S, "max_rss_mib": MEMORY_TARGET_MIB}
    time_ok = results["wall_s"] < TIME_TARGET_S
    memory_ok = results["process_max_rss_mib"] < MEMORY_TARGET_MIB
    results["ok"] = time_ok and memory_ok

    def verdict(ok):
        return "OK" if ok else "AU-DESSUS"

    lines = [
        ("Mesure", "Valeur", "Cible", ""),
        ("Territoire / période", f"{results['territory']} — {results['period']}", "", ""),
        ("Lignes d'heures mensuelles (année / total)", f"{year_rows:,} / {rows:,}".replace(",", " "), "", ""),
        (
            "Bilan (tâche Celery) : temps écoulé",
            f"{results['wall_s']:.2f} s",
            f"< {TIME_TARGET_S:.0f} s",
            verdict(time_ok),
        ),
        ("Bilan : temps CPU Python", f"{results['cpu_s']:.2f} s", "", ""),
        *[
            (f"  étape « {p['step'] or 'fin'} » ({p['from_percent']} %)", f"{p['seconds']:.2f} s", "", "")
            for p in phases
        ],
        ("Taille du PDF", f"{results['pdf_bytes'] / 1024:.0f} Kio", "", ""),
        (
            "Pic RSS du processus (avant le bilan)",
            f"{results['process_max_rss_mib']:.0f} Mio ({results['rss_before_build_mib']:.0f} Mio)",
            f"< {MEMORY_TARGET_MIB:.0f} Mio",
            verdict(memory_ok),
        ),
        ("Pic mémoire Python (tracemalloc, 2e passage)", f"{results['python_peak_mib']:.0f} Mio", "", ""),
        ("E-mails « bilan disponible » envoyés", str(results["emails_sent"]), "", ""),
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
