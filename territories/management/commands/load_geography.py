import time

from django.core.management.base import BaseCommand, CommandError

from territories.geography import format_summary, load_geography


class Command(BaseCommand):
    help = (
        "Charge le référentiel géographique (régions, départements, communes, EPCI) depuis l'extrait du découpage "
        "administratif d'Etalab. Idempotent : une seconde exécution ne modifie rien."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--departments",
            nargs="+",
            metavar="CODE",
            help="ne charger que les communes et EPCI de ces départements (ex. : 34 95) ; par défaut toute la France",
        )
        parser.add_argument(
            "--source",
            metavar="PATH",
            help="dossier data/ du paquet npm @etalab/decoupage-administratif (ou un extrait .json.gz) "
            "à la place de l'extrait livré",
        )

    def handle(self, *args, departments=None, source=None, **options):
        start = time.monotonic()
        try:
            counts = load_geography(departments=departments, source=source)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = f"{time.monotonic() - start:.1f}".replace(".", ",")
        self.stdout.write(self.style.SUCCESS(f"{format_summary(counts)} Durée : {elapsed} s."))
        if counts["obsolete_communes"]:
            self.stdout.write(
                self.style.WARNING(
                    f"{counts['obsolete_communes']} commune(s) en base absente(s) du référentiel "
                    f"(version {counts['version']}) : conservée(s)."
                )
            )
