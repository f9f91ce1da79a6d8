from django.core.management.base import BaseCommand, CommandError

from territories.outlines import DEFAULT_TOLERANCE, load_outlines, read_feature_collection

MAX_LISTED_CODES = 20


def _codes(codes):
    listed = ", ".join(codes[:MAX_LISTED_CODES])
    return listed + (f" … (+{len(codes) - MAX_LISTED_CODES})" if len(codes) > MAX_LISTED_CODES else "")


class Command(BaseCommand):
    help = (
        "Charge les contours simplifiés des communes (carte de la couverture) depuis une FeatureCollection GeoJSON "
        "en longitude/latitude dont chaque entité porte le code INSEE de sa commune (propriété code, insee ou "
        "INSEE_COM). Idempotent : un contour inchangé n'est pas réécrit ; les codes inconnus du référentiel sont "
        "signalés et ignorés."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH.geojson", help="fichier GeoJSON (FeatureCollection, WGS 84)")
        parser.add_argument(
            "--tolerance",
            type=float,
            default=DEFAULT_TOLERANCE,
            help=f"tolérance de simplification en unités de carte (1 ≈ 80 m) ; défaut : {DEFAULT_TOLERANCE}",
        )
        parser.add_argument("--dry-run", action="store_true", help="analyser le fichier sans rien enregistrer")

    def handle(self, *args, path, tolerance, dry_run, **options):
        if tolerance < 0:
            raise CommandError("La tolérance de simplification doit être positive ou nulle.")
        try:
            features = read_feature_collection(path)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        report = load_outlines(features, tolerance=tolerance, dry_run=dry_run)
        verb = "seraient enregistrés" if dry_run else "enregistrés"
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.features} entité(s) lue(s) : {report.created} contour(s) créé(s), "
                f"{report.updated} mis à jour, {report.unchanged} inchangé(s) ({report.written} {verb})."
            )
        )
        if report.unknown_codes:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.unknown_codes)} code(s) INSEE inconnu(s) du référentiel, ignoré(s) : "
                    f"{_codes(report.unknown_codes)}. Chargez d'abord les départements concernés (load_geography)."
                )
            )
        if report.without_code:
            self.stdout.write(
                self.style.WARNING(
                    f"{report.without_code} entité(s) sans code INSEE (code, insee, INSEE_COM) ignorée(s)."
                )
            )
        if report.without_geometry:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.without_geometry)} entité(s) sans polygone exploitable, ignorée(s) : "
                    f"{_codes(report.without_geometry)}."
                )
            )
        if report.duplicates:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.duplicates)} code(s) en double (la dernière entité l'emporte) : "
                    f"{_codes(report.duplicates)}."
                )
            )
        if dry_run:
            self.stdout.write("Simulation (--dry-run) : rien n'a été enregistré.")
