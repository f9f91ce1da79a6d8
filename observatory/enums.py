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


class College(models.TextChoices):
    """The colleges of the comité départemental."""

    STATE = "state", "État (préfecture, DDETS)"
    LOCAL_AUTHORITIES = "local_authorities", "Collectivités territoriales"
    EMPLOYMENT_SERVICE = (
        "employment_service",
        "Service public de l'emploi (France Travail, Missions locales, Cap emploi)",
    )
    BUYERS = "buyers", "Donneurs d'ordre"
    FEDERATIONS = "federations", "Fédérations professionnelles"
    IAE_NETWORK = "iae_network", "Réseau de l'insertion par l'activité économique"
    DISABILITY = "disability", "Secteur du handicap"
    FACILITATORS = "facilitators", "Structures porteuses de facilitateurs"


class ReportPeriodKind(models.TextChoices):
    YEAR = "year", "Année"
    QUARTER = "quarter", "Trimestre"
    CUSTOM = "custom", "Période personnalisée"


class ReportStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    RUNNING = "running", "En cours de production"
    DONE = "done", "Disponible"
    FAILED = "failed", "Échec"
