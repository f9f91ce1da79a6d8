"""Authorization table of the « reports » area (bilans): see ``tests/authorization.py``.

Coordinators, facilitators and committee members read the bilans and download them; only coordinators ask for one or
re-run one; buyers and companies have no access (403). Another territory's bilan is a 404 for every role.
"""

from dataclasses import dataclass
from datetime import date

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.enums import Role
from observatory.enums import ReportPeriodKind, ReportStatus
from observatory.models import Report
from tests.authorization import FORBIDDEN, FOUND, OK, TerritoryView, _only

READERS = {Role.COORDINATOR: OK, Role.FACILITATOR: OK, Role.COMMITTEE: OK}
PDF = b"%PDF-1.4\n%%EOF\n"


@dataclass
class ReportObjects:
    report: object  # the bilan of 2025, done, with its PDF
    failed_report: object  # the bilan of the 1st quarter of 2026, failed: it may be re-run
    foreign_report: object  # the other territory's bilan of 2025, done


def _report(territory, user, start, end, kind, status, **fields):
    report = Report.objects.create(
        territory=territory,
        period_kind=kind,
        start_date=start,
        end_date=end,
        title=f"Bilan du {start:%d/%m/%Y} au {end:%d/%m/%Y}",
        status=status,
        requested_by=user,
        requested_at=timezone.now(),
        **fields,
    )
    if status == ReportStatus.DONE:
        report.file.save(f"bilan-{territory.code}-{start:%Y}.pdf", ContentFile(PDF), save=False)
        report.file_size = len(PDF)
        report.save(update_fields=["file", "file_size"])
    return report


def build(world):
    coordinator = world.members[Role.COORDINATOR].user
    year = (date(2025, 1, 1), date(2025, 12, 31), ReportPeriodKind.YEAR)
    return ReportObjects(
        report=_report(world.territory, coordinator, *year, ReportStatus.DONE, progress=100),
        failed_report=_report(
            world.territory,
            coordinator,
            date(2026, 1, 1),
            date(2026, 3, 31),
            ReportPeriodKind.QUARTER,
            ReportStatus.FAILED,
            error="La production du bilan a échoué.",
        ),
        foreign_report=_report(
            world.other_territory, world.foreign_members[Role.COORDINATOR].user, *year, ReportStatus.DONE
        ),
    )


def _objects(world):
    return world.areas["reports"]


def _report_kwargs(world):
    return {"pk": _objects(world).report.pk}


def _foreign_kwargs(world):
    return {"pk": _objects(world).foreign_report.pk}


VIEWS: list[TerritoryView] = [
    TerritoryView("reports-list", "reports:list", _only(READERS, FORBIDDEN)),
    TerritoryView(
        "reports-create",
        "reports:create",
        _only({Role.COORDINATOR: FOUND}, FORBIDDEN),
        method="POST",
        data=lambda w: {"period_kind": "year", "year": "2024"},
    ),
    TerritoryView(
        "reports-detail",
        "reports:detail",
        _only(READERS, FORBIDDEN),
        kwargs=_report_kwargs,
        foreign_kwargs=_foreign_kwargs,
    ),
    TerritoryView(
        "reports-status",
        "reports:status",
        _only(READERS, FORBIDDEN),
        kwargs=_report_kwargs,
        foreign_kwargs=_foreign_kwargs,
    ),
    TerritoryView(
        "reports-rerun",
        "reports:rerun",
        _only({Role.COORDINATOR: FOUND}, FORBIDDEN),
        method="POST",
        kwargs=lambda w: {"pk": _objects(w).failed_report.pk},
        foreign_kwargs=_foreign_kwargs,
    ),
    TerritoryView(
        "reports-download",
        "reports:download",
        _only(READERS, FORBIDDEN),
        kwargs=_report_kwargs,
        foreign_kwargs=_foreign_kwargs,
    ),
]
