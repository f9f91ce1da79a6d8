"""Celery tasks of the markets app: the import of a DECP file (``markets.decp``).

The task receives only the import's id and is idempotent: it claims the import by a compare-and-set of its status
(PENDING → RUNNING), so a task delivered twice does nothing the second time; the markets are written, with the final
status, in one transaction (``markets.decp.run``). Any failure marks the import FAILED with a French message.
"""

import logging

from celery import shared_task
from django.utils import timezone

from . import decp
from .enums import ImportStatus
from .models import DecpImport

logger = logging.getLogger(__name__)

UNEXPECTED = (
    "Une erreur inattendue a interrompu l'import. Aucun marché n'a été enregistré ; réessayez, et si le problème "
    "persiste, transmettez le fichier à l'équipe technique."
)


def _fail(import_id, message):
    DecpImport.objects.filter(pk=import_id, status=ImportStatus.RUNNING).update(
        status=ImportStatus.FAILED, error=message, finished_at=timezone.now()
    )


@shared_task
def import_decp(import_id):
    """Turn the territory's contracts of an uploaded DECP file into markets."""
    claimed = DecpImport.objects.filter(pk=import_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING, progress=0, started_at=timezone.now()
    )
    if not claimed:
        return None  # already imported, being imported, or unknown
    decp_import = DecpImport.objects.select_related("territory").get(pk=import_id)

    def progress(percent):
        # Reading is the long part; writing (one transaction) ends at 100 %.
        DecpImport.objects.filter(pk=import_id, status=ImportStatus.RUNNING).update(progress=min(int(percent), 95))

    try:
        done = decp.run(decp_import, progress=progress)
    except decp.DecpFileError as exc:
        _fail(import_id, str(exc))
        return ImportStatus.FAILED
    except Exception:
        logger.exception("DECP import %s failed", import_id)
        _fail(import_id, UNEXPECTED)
        return ImportStatus.FAILED
    return ImportStatus.DONE if done else None
