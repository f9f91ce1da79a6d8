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
