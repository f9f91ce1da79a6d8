"""``grant_regional_access <email> <region_code>``: give a user the regional role (read the region's aggregated
observatory). Dry run unless ``--wet-run``; ``--revoke`` deactivates the access instead."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import RegionalAccess, User
from territories.models import Region, Territory


class Command(BaseCommand):
    help = "Accorde (ou retire) à un compte l'accès à l'observatoire d'une région. Simulation sans --wet-run."

    def add_arguments(self, parser):
        parser.add_argument("email", help="adresse e-mail du compte (il doit exister)")
        parser.add_argument("region_code", help="code INSEE de la région, par exemple 76 pour l'Occitanie")
        parser.add_argument("--wet-run", action="store_true", help="enregistrer (sinon : simulation)")
        parser.add_argument("--revoke", action="store_true", help="retirer l'accès au lieu de l'accorder")

    def handle(self, *args, email, region_code, wet_run, revoke, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"Aucun compte avec l'adresse {email}.")
        region = Region.objects.filter(code=region_code.strip().upper()).first()
        if region is None:
            raise CommandError(f"Région inconnue : {region_code}.")
        access = RegionalAccess.objects.filter(user=user, region=region).first()
        territories = Territory.objects.filter(region=region, is_active=True).count()

        if revoke:
            if access is None or not access.is_active:
                self.stdout.write(f"{user.email} n'a pas d'accès actif à la région {region.name} : rien à faire.")
                return
            action = f"Retrait de l'accès de {user.email} à la région {region.name}"
        elif access is not None and access.is_active:
            self.stdout.write(f"{user.email} a déjà accès à la région {region.name} : rien à faire.")
            return
        else:
            action = (
                f"{'Réactivation' if access else 'Attribution'} de l'accès de {user.email} à la région {region.name} "
                f"({territories} coordination{'s' if territories > 1 else ''} active{'s' if territories > 1 else ''})"
            )

        if not wet_run:
            self.stdout.write(f"[simulation] {action}. Relancez avec --wet-run pour l'enregistrer.")
            return
        with transaction.atomic():
            if revoke:
                access.is_active = False
                access.save(update_fields=["is_active"])
            elif access is not None:
                access.is_active = True
                access.save(update_fields=["is_active"])
            else:
                RegionalAccess.objects.create(user=user, region=region)
        self.stdout.write(self.style.SUCCESS(f"{action} : fait."))
