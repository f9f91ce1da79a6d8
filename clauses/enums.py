from django.db import models


class LegalBasis(models.TextChoices):
    EXECUTION_CONDITION = "L2112-2", "Condition d'exécution (L2112-2)"
    MANDATORY_CONDITION = "L2112-2-1-1", "Condition sociale obligatoire (L2112-2-1-1)"
    AWARD_CRITERION = "L2152-7", "Critère d'attribution (L2152-7)"
    RESERVED_DISABILITY = "L2113-12", "Marché réservé EA / ESAT (L2113-12)"
    RESERVED_SIAE = "L2113-13", "Marché réservé SIAE (L2113-13)"
    RESERVED_ESS = "L2113-15", "Marché réservé ESS (L2113-15)"


class SizingMethod(models.TextChoices):
    LABOUR_SHARE = "labour_share", "Montant × part de main-d'œuvre × taux d'insertion ÷ coût horaire"
    INVOICED_TRANCHE = "invoiced_tranche", "Heures par tranche de montant facturé (accord-cadre)"
    MANUAL = "manual", "Saisie directe du nombre d'heures"


class Sex(models.TextChoices):
    FEMALE = "F", "Femme"
    MALE = "M", "Homme"


class QualificationLevel(models.TextChoices):
    NONE = "none", "Sans qualification"
    LEVEL_3 = "3", "Niveau 3 (CAP, BEP)"
    LEVEL_4 = "4", "Niveau 4 (baccalauréat)"
    LEVEL_5 = "5", "Niveau 5 (bac + 2)"
    LEVEL_6_PLUS = "6+", "Niveau 6 et plus (bac + 3 et au-delà)"


class Prescriber(models.TextChoices):
    FRANCE_TRAVAIL = "france_travail", "France Travail"
    MISSION_LOCALE = "mission_locale", "Mission locale"
    CAP_EMPLOI = "cap_emploi", "Cap emploi"
    PLIE = "plie", "PLIE"
    SIAE = "siae", "SIAE"
    OTHER = "other", "Autre"


class EvidenceKind(models.TextChoices):
    FRANCE_TRAVAIL_CERTIFICATE = "france_travail", "Attestation France Travail"
    CAF_CERTIFICATE = "caf", "Attestation CAF / MSA"
    MDPH_DECISION = "mdph", "Notification MDPH"
    IDENTITY_DOCUMENT = "identity", "Pièce d'identité"
    PROOF_OF_ADDRESS = "address", "Justificatif de domicile"
    SIAE_CERTIFICATE = "siae", "Attestation de l'employeur inclusif"
    PRESCRIBER_OPINION = "prescriber", "Avis motivé d'un prescripteur"
    OTHER = "other", "Autre pièce"


class ContractKind(models.TextChoices):
    CDD = "cdd", "CDD"
    CDI = "cdi", "CDI"
    CDDI = "cddi", "CDDI (contrat d'insertion)"
    TEMPORARY = "temporary", "Intérim / mission"
    APPRENTICESHIP = "apprenticeship", "Contrat d'apprentissage"
    PROFESSIONALISATION = "professionalisation", "Contrat de professionnalisation"
    TRAINING = "training", "Action de formation"

    @classmethod
    def work_study(cls):
        """Work-study contracts: their training hours count as insertion hours."""
        return [cls.APPRENTICESHIP, cls.PROFESSIONALISATION]


class ExecutionMode(models.TextChoices):
    DIRECT_HIRING = "direct_hiring", "Embauche directe"
    STAFF_PROVISION = "staff_provision", "Mise à disposition (ETTI, AI, GEIQ)"
    SUBCONTRACTING = "subcontracting", "Co-traitance / sous-traitance avec une SIAE"
    TRAINING = "training", "Action de formation"


class StatementStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Transmis"
    VALIDATED = "validated", "Validé"
    RETURNED = "returned", "Renvoyé pour correction"


# Default list of eligible publics a territory starts with (domain notes); territories may add their own.
DEFAULT_CRITERIA = [
    ("long_term_jobseeker", "Demandeur d'emploi de longue durée (plus de 12 mois d'inscription)", False),
    ("rsa", "Allocataire du RSA", False),
    ("ass", "Allocataire de l'ASS", False),
    ("aah", "Allocataire de l'AAH ou d'une pension d'invalidité", False),
    ("rqth", "Travailleur reconnu handicapé (RQTH)", False),
    (
        "young_unqualified",
        "Jeune de moins de 26 ans sans qualification, sorti du système scolaire depuis 6 mois",
        False,
    ),
    ("senior_jobseeker", "Demandeur d'emploi de plus de 50 ans", False),
    ("qpv_resident", "Habitant d'un quartier prioritaire (QPV) éloigné de l'emploi", False),
    ("siae_employee", "Salarié d'une SIAE (AI, ETTI, EI, ACI) ou d'un GEIQ", False),
    ("epide_e2c", "Stagiaire de l'EPIDE ou d'une école de la deuxième chance", False),
    ("facilitator_decision", "Décision motivée du facilitateur (avis d'un prescripteur)", True),
]


class OutcomeMilestone(models.TextChoices):
    END = "end", "À la fin du dernier contrat"
    SIX_MONTHS = "six_months", "Six mois après"


class OutcomeSituation(models.TextChoices):
    """The participant's situation at a milestone; ``clauses.outcomes.outcome_category`` classifies it."""

    CDI = "cdi", "CDI"
    CDD = "cdd", "CDD"
    TEMPORARY = "temporary", "Intérim"
    CIVIL_SERVICE = "civil_service", "Emploi dans la fonction publique"
    BUSINESS_CREATION = "business_creation", "Création d'entreprise"
    SUBSIDISED = "subsidised", "Contrat aidé"
    QUALIFYING_TRAINING = "qualifying_training", "Formation qualifiante"
    SIAE_HIRING = "siae_hiring", "Embauche dans une SIAE"
    JOBSEEKER = "jobseeker", "Sans emploi"
    OTHER = "other", "Autre situation"
    UNKNOWN = "unknown", "Situation inconnue"


class OutcomeCategory(models.TextChoices):
    SUSTAINABLE = "sustainable", "Emploi durable"
    TRANSITION = "transition", "Emploi de transition"
    POSITIVE = "positive", "Sortie positive"
    NONE = "none", "Pas de sortie en emploi ou formation"
    UNKNOWN = "unknown", "Inconnue"


class AccessAction(models.TextChoices):
    VIEW = "view", "Consultation d'une fiche"
    EXPORT = "export", "Export contenant des identités"
    ACCESS_REQUEST = "access_request", "Export au titre du droit d'accès"
    ANONYMISE = "anonymise", "Anonymisation"


class FeasibilityLevel(models.TextChoices):
    """The answer to one of the four feasibility criteria of a clause, before tendering."""

    FAVOURABLE = "favourable", "Favorable"
    MARGINAL = "marginal", "Réservé (possible sous conditions)"
    UNFAVOURABLE = "unfavourable", "Défavorable"


class ClauseForm(models.TextChoices):
    """The form a social consideration takes in a tender (the recommendation and the buyer's choice)."""

    EXECUTION_CONDITION = "L2112-2", "Condition d'exécution (L2112-2)"
    CONDITION_AND_CRITERION = "L2112-2+L2152-7", "Condition d'exécution et critère d'attribution (L2112-2 et L2152-7)"
    AWARD_CRITERION = "L2152-7", "Critère d'attribution (L2152-7)"
    RESERVED_SIAE = "L2113-13", "Marché ou lot réservé aux SIAE (L2113-13)"
    RESERVED_DISABILITY = "L2113-12", "Marché ou lot réservé aux EA / ESAT (L2113-12)"
    NONE = "none", "Pas de clause sociale (exception motivée)"
