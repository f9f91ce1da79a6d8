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


class Trade(models.TextChoices):
    """Corps d'état / type de prestation: drives the default labour share used to size a clause."""

    STRUCTURAL_WORKS = "structural_works", "Gros œuvre, maçonnerie"
    STEEL_FRAME = "steel_frame", "Charpente métallique, serrurerie"
    ROADS = "roads", "Voirie et réseaux divers (VRD), terrassement"
    FINISHING = "finishing", "Second œuvre (plâtrerie, menuiserie, carrelage)"
    PAINTING = "painting", "Peinture, revêtements"
    BUILDING_SERVICES = "building_services", "Électricité, plomberie, chauffage, ventilation"
    GREEN_SPACES = "green_spaces", "Espaces verts, entretien des espaces naturels"
    CLEANING = "cleaning", "Propreté, nettoyage"
    WASTE = "waste", "Collecte et tri des déchets"
    CATERING = "catering", "Restauration collective"
    SERVICES = "services", "Autres services (accueil, logistique, gardiennage…)"
    INTELLECTUAL = "intellectual", "Prestations intellectuelles"
    OTHER = "other", "Autre"


# Default labour share (fraction of the amount HT paid as wages) per trade; each territory may change them.
# Orders of magnitude from the facilitators' guides: ≈ 20 % for steel frames up to ≈ 70 % for painting.
DEFAULT_LABOUR_SHARES = {
    Trade.STRUCTURAL_WORKS: "0.40",
    Trade.STEEL_FRAME: "0.20",
    Trade.ROADS: "0.30",
    Trade.FINISHING: "0.50",
    Trade.PAINTING: "0.70",
    Trade.BUILDING_SERVICES: "0.40",
    Trade.GREEN_SPACES: "0.60",
    Trade.CLEANING: "0.75",
    Trade.WASTE: "0.55",
    Trade.CATERING: "0.45",
    Trade.SERVICES: "0.60",
    Trade.INTELLECTUAL: "0.50",
    Trade.OTHER: "0.40",
}


class ImportStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminé"
    FAILED = "failed", "Échec"
