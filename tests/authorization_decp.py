"""Authorization table of the « decp » area: see ``tests/authorization.py``.

Every page of the DECP import is the coordinator's: other roles get a 403; another territory's import is a 404.
"""

from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.enums import Role
from markets.enums import ImportStatus
from markets.models import DecpImport
from tests.authorization import FORBIDDEN, FOUND, OK, TerritoryView, _only

EMPTY_DECP = b'{"marches": {"marche": []}}'


def _import(territory, user, name):
    return DecpImport.objects.create(
        territory=territory,
        file=f"decp/2026/11/{name}",
        original_name=name,
        sha256="0" * 64,
        status=ImportStatus.DONE,
        progress=100,
        total=2,
        created_count=1,
        skipped_count=1,
        report=[
            {
                "position": 2,
                "id": "2025-001",
                "buyer": "",
                "code": "no_social",
                "reason": "Pas de considération sociale.",
            }
        ],
        created_by=user,
    )


def build(world):
    """Objects this area's views need, reachable as ``world.areas["decp"]``."""
    return SimpleNamespace(
        decp_import=_import(world.territory, world.members[Role.COORDINATOR].user, "decp-herault.json"),
        foreign_import=_import(world.other_territory, world.foreign_members[Role.COORDINATOR].user, "decp-95.json"),
    )


def _upload(world):
    return {"file": SimpleUploadedFile("decp.json", EMPTY_DECP, content_type="application/json")}


COORDINATOR_ONLY = _only({Role.COORDINATOR: OK}, FORBIDDEN)

VIEWS: list[TerritoryView] = [
    TerritoryView("decp-import-form", "decp:import", COORDINATOR_ONLY),
    TerritoryView(
        "decp-import-upload",
        "decp:import",
        _only({Role.COORDINATOR: FOUND}, FORBIDDEN),
        method="POST",
        data=_upload,
    ),
    TerritoryView(
        "decp-import-detail",
        "decp:detail",
        COORDINATOR_ONLY,
        kwargs=lambda w: {"pk": w.areas["decp"].decp_import.pk},
        foreign_kwargs=lambda w: {"pk": w.areas["decp"].foreign_import.pk},
    ),
    TerritoryView(
        "decp-import-status",
        "decp:status",
        COORDINATOR_ONLY,
        kwargs=lambda w: {"pk": w.areas["decp"].decp_import.pk},
        foreign_kwargs=lambda w: {"pk": w.areas["decp"].foreign_import.pk},
    ),
]
