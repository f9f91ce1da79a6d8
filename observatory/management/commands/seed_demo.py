from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from observatory.demo import (
    existing_demo_accounts,
    format_accounts_table,
    format_number,
    report_status_line,
    seed_demo,
)


def positive_scale(value):
    try:
        scale = float(value.replace(",", "."))
    except ValueError as exc:
        raise ValueError(value) from exc
    if scale <= 0:
        raise ValueError(value)
    return scale


class Command(BaseCommand):
    help = (
        "Crée deux coordinations de démonstration, Hérault (34) et Val-d'Oise (95), avec des données réalistes et "
        "reproductibles (graine aléatoire fixe) et un compte de démonstration par rôle. Ne fait rien si elles "
        "contiennent déjà des données, sauf avec --reset."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=positive_scale,
            default=1.0,
            metavar="N",
            help="multiplie les volumes (marchés, participants, heures) ; 1 par défaut, 0.1 pour un petit jeu, "
            "10 pour un jeu de performance",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="efface d'abord toutes les données des coordinations 34 et 95 et les comptes de démonstration",
        )
        parser.add_argument(
            "--skip-reports",
            action="store_true",
            help="ne demande pas le bilan de l'année précédente de chaque coordination (produit à la fin du "
            "chargement en mode embarqué, par le worker Celery sinon)",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="autorise l'exécution avec DJANGO_ENV=production (les comptes créés ont un mot de passe public)",
        )

    def handle(self, *args, scale, reset, allow_production, skip_reports=False, **options):
        if getattr(settings, "PRODUCTION", False) and not allow_production:
            raise CommandError(
                "Refusé en production : les comptes de démonstration ont un mot de passe public. "
                "Ajoutez --allow-production pour une instance de démonstration."
            )
        try:
            result = seed_demo(scale=scale, reset=reset, log=self.stdout.write, reports=not skip_reports)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

        if not result.seeded:
            self.stdout.write(self.style.WARNING(result.message))
            accounts = existing_demo_accounts()
            if accounts:
                self.stdout.write("")
                self.stdout.write(format_accounts_table(accounts))
            return

        self.stdout.write(self.style.SUCCESS(result.message))
        labels = list(next(iter(result.counts.values())))
        codes = list(result.counts)
        width = max(len(label) for label in labels)
        column = max(16, *(len(name) for name in result.territory_names.values()))
        self.stdout.write("")
        self.stdout.write("Volumes".ljust(width) + "".join(f"  {result.territory_names[c]:>{column}}" for c in codes))
        for label in labels:
            values = "".join(f"  {format_number(result.counts[c][label]):>{column}}" for c in codes)
            self.stdout.write(label.ljust(width) + values)
        if result.reports:
            self.stdout.write("")
            self.stdout.write("Bilans :")
            for report in result.reports:
                self.stdout.write(f"  {report_status_line(report)}")
        self.stdout.write("")
        self.stdout.write("Durées :")
        for label, seconds in result.timings:
            self.stdout.write(f"  {label} : {format_number(round(seconds, 2))} s")
        self.stdout.write("")
        self.stdout.write(format_accounts_table(result.accounts))
