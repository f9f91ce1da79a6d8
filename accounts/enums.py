from django.db import models


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinateur·rice"
    FACILITATOR = "facilitator", "Facilitateur·rice"
    BUYER = "buyer", "Donneur d'ordre"
    COMMITTEE = "committee", "Membre du comité départemental"
    COMPANY = "company", "Entreprise attributaire"


# Roles that may see identities of participants (personal data).
ROLES_SEEING_PARTICIPANTS = frozenset({Role.COORDINATOR, Role.FACILITATOR})
