from django.db import models


class OrganisationKind(models.TextChoices):
    PLIE = "plie", "PLIE"
    MDE = "mde", "Maison de l'emploi"
    LOCAL_AUTHORITY = "local_authority", "Collectivité"
    ASSOCIATION = "association", "Association"
    OTHER = "other", "Autre"


class InclusionEmployerKind(models.TextChoices):
    EI = "ei", "Entreprise d'insertion (EI)"
    ACI = "aci", "Atelier et chantier d'insertion (ACI)"
    AI = "ai", "Association intermédiaire (AI)"
    ETTI = "etti", "Entreprise de travail temporaire d'insertion (ETTI)"
    GEIQ = "geiq", "Groupement d'employeurs (GEIQ)"
    EA = "ea", "Entreprise adaptée (EA)"
    ESAT = "esat", "ESAT"

    @classmethod
    def siae(cls):
        return [cls.EI, cls.ACI, cls.AI, cls.ETTI]

    @classmethod
    def disability(cls):
        return [cls.EA, cls.ESAT]


class Sector(models.TextChoices):
    CONSTRUCTION = "construction", "Bâtiment et travaux publics"
    GREEN_SPACES = "green_spaces", "Espaces verts et environnement"
    CLEANING = "cleaning", "Propreté et nettoyage"
    WASTE = "waste", "Collecte et recyclage des déchets"
    CATERING = "catering", "Restauration"
    LOGISTICS = "logistics", "Logistique et transport"
    INDUSTRY = "industry", "Industrie et sous-traitance"
    SERVICES = "services", "Services aux entreprises et aux personnes"
    OTHER = "other", "Autre"


class DocumentKind(models.TextChoices):
    MODEL_CLAUSE = "model_clause", "Clause type"
    STATEMENT_TEMPLATE = "statement_template", "Modèle de relevé mensuel"
    GUIDE = "guide", "Guide"
    OTHER = "other", "Autre"
