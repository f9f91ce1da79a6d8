from django.db import models


class PartnerKind(models.TextChoices):
    BUYER = "buyer", "Donneur d'ordre"
    FEDERATION = "federation", "Fédération professionnelle"
    COMPANY = "company", "Entreprise"
    EMPLOYMENT_SERVICE = "employment_service", "Service public de l'emploi (France Travail, Mission locale, Cap emploi)"
    IAE_NETWORK = "iae_network", "Réseau de l'IAE"
    DISABILITY = "disability", "Secteur du handicap"
    STATE = "state", "État"
    LOCAL_AUTHORITY = "local_authority", "Collectivité"
    OTHER = "other", "Autre"
