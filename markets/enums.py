from django.db import models


class BuyerKind(models.TextChoices):
    STATE = "state", "État et établissements publics nationaux"
    REGION = "region", "Région"
    DEPARTMENT = "department", "Département"
    MUNICIPALITY = "municipality", "Commune"
    EPCI = "epci", "EPCI (intercommunalité)"
    SOCIAL_HOUSING = "social_housing", "Bailleur social"
    HOSPITAL = "hospital", "Établissement de santé"
    PURCHASING_CENTRE = "purchasing_centre", "Centrale d'achat (UGAP…)"
    PRIVATE = "private", "Acheteur privé"
    OTHER = "other", "Autre"


class CompanySize(models.TextChoices):
    MICRO = "micro", "Micro-entreprise"
    SME = "sme", "PME"
    MID = "mid", "ETI"
    LARGE = "large", "Grande entreprise"


class Procedure(models.TextChoices):
    OPEN = "open", "Appel d'offres ouvert"
    RESTRICTED = "restricted", "Appel d'offres restreint"
    ADAPTED = "adapted", "Procédure adaptée"
    NEGOTIATED = "negotiated", "Procédure avec négociation"
    COMPETITIVE_DIALOGUE = "competitive_dialogue", "Dialogue compétitif"
    NO_COMPETITION = "no_competition", "Marché passé sans publicité ni mise en concurrence préalable"


class SocialConsideration(models.TextChoices):
    """The DECP vocabulary (``considerationsSociales``)."""

    SOCIAL_CLAUSE = "clause_sociale", "Clause sociale"
    SOCIAL_CRITERION = "critere_social", "Critère social"
    RESERVED = "marche_reserve", "Marché réservé"
    NONE = "aucune", "Pas de considération sociale"


class MarketStatus(models.TextChoices):
    PLANNED = "planned", "Programmé"
    IN_PROGRESS = "in_progress", "En cours d'exécution"
    COMPLETED = "completed", "Terminé"


class AwardRole(models.TextChoices):
    HOLDER = "holder", "Titulaire"
    CO_CONTRACTOR = "co_contractor", "Co-traitant"
    SUBCONTRACTOR = "subcontractor", "Sous-traitant"
