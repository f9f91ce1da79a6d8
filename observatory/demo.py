"""Demo data: two coordinations (Hérault 34, Val-d'Oise 95) with realistic, reproducible content.

``seed_demo(scale=1)`` builds, per territory: buyers named after the département's real communes and EPCI, facilitator
organisations and facilitators, inclusion employers, companies with valid SIRET and NAF codes, markets with lots,
awards and clauses sized with ``clauses.sizing``, participants with their eligibility validations, placements and 18
months of monthly statements ending last month, the outcomes (sorties) of the participants whose last placement
ended, the committee and its meetings, the coordination's partners and the meetings held with them over the last two
years — plus one demo account per role (``demo_account_emails()``). Then each territory's bilan of the previous
calendar year is asked for through the real path (built at once in the embedded mode, queued for the worker otherwise).

- Reproducible: a fixed random seed per territory; the same ``scale`` on the same day gives the same data (the dates
  are relative to ``today``: the statements always end last month).
- Fast: every table is written with ``bulk_create`` in batches; no query per row, whatever the scale.
- Safe to run twice: if the demo territories already hold data, nothing is done unless ``reset=True``, which first
  deletes every tenant row of the two territories (children first) and the demo users.

Used by ``manage.py seed_demo`` and by benchmarks that need a realistic volume (``scale=10``).
"""

import contextlib
import logging
import math
import random
import time
import unicodedata
from calendar import monthrange
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from graphlib import CycleError, TopologicalSorter
from io import StringIO

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, models, transaction
from django.db.models import Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from stdnum import luhn
from stdnum.fr import siret as siret_module

from accounts.enums import Role
from accounts.models import Membership, RegionalAccess, User
from clauses.enums import (
    ClauseForm,
    ContractKind,
    EvidenceKind,
    ExecutionMode,
    FeasibilityLevel,
    LegalBasis,
    OutcomeCategory,
    OutcomeMilestone,
    OutcomeSituation,
    Prescriber,
    QualificationLevel,
    Sex,
    SizingMethod,
    StatementStatus,
)
from clauses.feasibility import recommend_form
from clauses.labour_shares import labour_shares
from clauses.models import (
    Clause,
    ClausePlan,
    EligibilityCriterion,
    EligibilityValidation,
    MonthlyHours,
    Outcome,
    Participant,
    Placement,
    Statement,
    TradeLabourShare,
    ensure_default_criteria,
)
from clauses.outcomes import outcome_category
from clauses.participants import SIX_MONTHS, add_months_to_day
from clauses.sizing import hours_from_invoiced_tranche, hours_from_labour_share
from facilitators.enums import InclusionEmployerKind, OrganisationKind
from facilitators.models import Facilitator, FacilitatorOrganisation, InclusionEmployer
from markets.enums import AwardRole, BuyerKind, CompanySize, MarketStatus, Procedure, SocialConsideration
from markets.enums import Trade as MarketTrade
from markets.models import Buyer, BuyerMember, Company, CompanyMember, Lot, LotAward, Market
from observatory.enums import College, PartnerKind, ReportStatus
from observatory.indicators import Period
from observatory.models import (
    CommitteeAttendance,
    CommitteeMeeting,
    CommitteeMember,
    Partner,
    PartnerMeeting,
    Report,
)
from territories.models import EPCI, Commune, Territory

DEMO_PASSWORD = "demo-clauses-2026"
RANDOM_SEED = 2026
BATCH_SIZE = 1000
MONTHS_OF_STATEMENTS = 18
MULTI_TERRITORY_EMAIL = "multi@demo.fr"
# Above these amounts (EU thresholds 2026-2027), a contract notified since the Climate and Resilience Act's deadline
# must carry a social condition (L2112-2-1-1).
MANDATORY_CONDITION_SINCE = date(2026, 8, 22)
EU_THRESHOLD_WORKS = Decimal("5538000")
EU_THRESHOLD_SERVICES = Decimal("221000")
CHANGE_REASON = "Données de démonstration"
# Share of placements given to someone who already worked on a clause (a pathway across contracts).
PATHWAY_SHARE = 0.7
# Share of the people whose contract ended (before last month) who leave the pathway then — a job found elsewhere, a
# training, a move… — rather than wait for another placement: their outcomes are recorded (``create_outcomes``).
EXIT_SHARE = 0.4
# Feasibility: a lot whose clause would be smaller than this carries none. A clause needing less than
# MIN_PLACEMENT_HOURS more gets no new placement (a short mission of at least ~70 h otherwise).
MIN_CLAUSE_HOURS = 70
MIN_PLACEMENT_HOURS = 25


# ---------------------------------------------------------------------------------------------------------------------
# Reference lists
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trade:
    label: str  # lot title
    naf_codes: tuple
    cpv: str
    labour_share: float  # share of the amount that is labour (domain notes: ≈20 % steel frames … 70 % painting)
    female_share: float  # share of women among the participants of the trade
    clause_probability: float  # how often a lot of this trade carries a clause
    split_weight: int  # relative size of the lot in a multi-lot works market
    works: bool = True


TRADES = {
    "gros_oeuvre": Trade("Gros œuvre — maçonnerie", ("43.99C", "41.20B"), "45210000-2", 0.40, 0.04, 1.0, 30),
    "demolition": Trade("Démolition — désamiantage", ("43.11Z",), "45111100-9", 0.45, 0.03, 1.0, 10),
    "terrassement": Trade("Terrassement", ("43.12A",), "45112000-5", 0.25, 0.03, 0.8, 8),
    "vrd": Trade("Voirie et réseaux divers", ("42.11Z", "42.21Z"), "45233140-2", 0.30, 0.05, 1.0, 20),
    "charpente_metal": Trade("Charpente métallique — serrurerie", ("25.11Z",), "45223100-7", 0.20, 0.03, 0.4, 10),
    "couverture": Trade("Charpente — couverture", ("43.91B",), "45261000-4", 0.45, 0.03, 0.7, 8),
    "etancheite": Trade("Étanchéité", ("43.99A",), "45260000-7", 0.45, 0.03, 0.6, 5),
    "menuiserie": Trade("Menuiseries intérieures et extérieures", ("43.32A",), "45421000-4", 0.40, 0.06, 0.8, 10),
    "platrerie": Trade("Plâtrerie — isolation — faux plafonds", ("43.31Z",), "45410000-4", 0.60, 0.06, 1.0, 9),
    "electricite": Trade("Électricité — courants forts et faibles", ("43.21A",), "45310000-3", 0.45, 0.06, 0.5, 9),
    "plomberie": Trade("Plomberie — chauffage — ventilation", ("43.22A", "43.22B"), "45330000-9", 0.40, 0.05, 0.6, 11),
    "carrelage": Trade("Carrelage — faïence", ("43.33Z",), "45431000-7", 0.55, 0.05, 0.7, 4),
    "peinture": Trade("Peinture — revêtements de sols", ("43.34Z",), "45442100-8", 0.70, 0.15, 1.0, 5),
    "espaces_verts": Trade("Espaces verts", ("81.30Z",), "77310000-6", 0.60, 0.15, 1.0, 5),
    "nettoyage": Trade("Nettoyage des locaux", ("81.21Z",), "90910000-9", 0.75, 0.60, 1.0, 1, works=False),
    "restauration": Trade("Restauration collective", ("56.29A",), "55520000-1", 0.45, 0.55, 1.0, 1, works=False),
    "dechets": Trade("Collecte des déchets ménagers", ("38.11Z",), "90511000-2", 0.50, 0.10, 1.0, 1, works=False),
    "gardiennage": Trade("Gardiennage et surveillance", ("80.10Z",), "79713000-5", 0.70, 0.20, 1.0, 1, works=False),
}
WORKS_CPV = "45000000-7"

# The demo trades, as the trades of the market register (``Market.trade``, which drives the default labour share).
MARKET_TRADES = {
    "gros_oeuvre": MarketTrade.STRUCTURAL_WORKS, "demolition": MarketTrade.STRUCTURAL_WORKS,
    "terrassement": MarketTrade.ROADS, "vrd": MarketTrade.ROADS, "charpente_metal": MarketTrade.STEEL_FRAME,
    "couverture": MarketTrade.FINISHING, "etancheite": MarketTrade.FINISHING, "menuiserie": MarketTrade.FINISHING,
    "platrerie": MarketTrade.FINISHING, "carrelage": MarketTrade.FINISHING, "peinture": MarketTrade.PAINTING,
    "electricite": MarketTrade.BUILDING_SERVICES, "plomberie": MarketTrade.BUILDING_SERVICES,
    "espaces_verts": MarketTrade.GREEN_SPACES, "nettoyage": MarketTrade.CLEANING, "restauration": MarketTrade.CATERING,
    "dechets": MarketTrade.WASTE, "gardiennage": MarketTrade.SERVICES,
}  # fmt: skip

# How many companies of each trade the register holds (relative).
COMPANY_TRADE_WEIGHTS = {
    "gros_oeuvre": 12, "vrd": 10, "platrerie": 8, "menuiserie": 8, "electricite": 8, "plomberie": 8, "peinture": 8,
    "couverture": 5, "demolition": 4, "terrassement": 4, "charpente_metal": 3, "carrelage": 4, "etancheite": 3,
    "espaces_verts": 6, "nettoyage": 6, "restauration": 2, "dechets": 2, "gardiennage": 2,
}  # fmt: skip


@dataclass(frozen=True)
class Programme:
    """A kind of public contract a buyer passes, and how its lots are made."""

    object: str  # French object, with {commune} {school} {residence} {n} {year} {zac} {road} {buyer} placeholders
    kind: str  # "works", "services" or "framework"
    trades: tuple  # works: always-present trades; services: the trade; framework: candidate trades
    optional: tuple = ()
    amount: tuple = (300_000, 2_000_000)  # € HT, drawn log-uniformly
    duration: tuple = (10, 24)  # months
    anru: bool = False  # a renovation programme of a priority neighbourhood (ANRU rates: 5 % works, 10 % services)


BUILDING_OPTIONAL = (
    "charpente_metal",
    "couverture",
    "etancheite",
    "menuiserie",
    "electricite",
    "plomberie",
    "carrelage",
)
PROGRAMMES = {
    "school": Programme(
        "Construction du groupe scolaire {school} à {commune}",
        "works",
        ("gros_oeuvre", "platrerie", "peinture", "vrd"),
        BUILDING_OPTIONAL,
        (1_500_000, 6_000_000),
        (14, 26),
    ),
    "gym": Programme(
        "Construction d'un gymnase à {commune}",
        "works",
        ("gros_oeuvre", "charpente_metal", "peinture"),
        ("couverture", "electricite", "plomberie", "vrd"),
        (800_000, 3_500_000),
        (12, 20),
    ),
    "roads": Programme(
        "Travaux de voirie et réseaux divers — programme {year}",
        "works",
        ("vrd",),
        ("terrassement", "espaces_verts"),
        (150_000, 2_000_000),
        (8, 18),
    ),
    "departmental_road": Programme(
        "Aménagement et sécurisation de la RD {road}",
        "works",
        ("vrd", "terrassement"),
        ("espaces_verts",),
        (400_000, 4_000_000),
        (8, 20),
    ),
    "zac": Programme(
        "Aménagement de la ZAC {zac} à {commune}",
        "works",
        ("terrassement", "vrd", "espaces_verts"),
        (),
        (1_000_000, 6_000_000),
        (18, 36),
    ),
    "aquatic": Programme(
        "Construction du centre aquatique intercommunal de {commune}",
        "works",
        ("gros_oeuvre", "charpente_metal", "plomberie", "carrelage"),
        ("electricite", "menuiserie", "peinture", "vrd"),
        (4_000_000, 12_000_000),
        (20, 30),
    ),
    "college": Programme(
        "Rénovation énergétique du collège {school} à {commune}",
        "works",
        ("platrerie", "menuiserie", "peinture"),
        ("plomberie", "electricite", "couverture", "etancheite"),
        (500_000, 3_500_000),
        (10, 20),
    ),
    "lycee": Programme(
        "Restructuration du lycée {school} à {commune}",
        "works",
        ("gros_oeuvre", "platrerie", "peinture"),
        ("demolition",) + BUILDING_OPTIONAL,
        (2_000_000, 9_000_000),
        (18, 30),
    ),
    "housing_renovation": Programme(
        "Réhabilitation de {n} logements — résidence {residence}, {commune}",
        "works",
        ("platrerie", "menuiserie", "peinture"),
        ("gros_oeuvre", "etancheite", "electricite", "plomberie", "carrelage"),
        (800_000, 7_000_000),
        (12, 28),
        anru=True,
    ),
    "housing_new": Programme(
        "Construction de {n} logements sociaux — {residence}, {commune}",
        "works",
        ("gros_oeuvre", "platrerie", "peinture", "menuiserie"),
        ("couverture", "etancheite", "electricite", "plomberie", "carrelage", "vrd"),
        (1_500_000, 8_000_000),
        (16, 28),
    ),
    "demolition": Programme(
        "Démolition de l'immeuble {residence} — renouvellement urbain, {commune}",
        "works",
        ("demolition",),
        ("terrassement",),
        (250_000, 2_000_000),
        (6, 12),
        anru=True,
    ),
    "hospital": Programme(
        "Extension et restructuration du bâtiment {n} — {buyer}",
        "works",
        ("gros_oeuvre", "platrerie", "peinture", "electricite", "plomberie"),
        ("demolition", "charpente_metal", "menuiserie", "carrelage", "vrd"),
        (3_000_000, 15_000_000),
        (20, 36),
    ),
    "barracks": Programme(
        "Restructuration de la caserne de gendarmerie de {commune}",
        "works",
        ("gros_oeuvre", "platrerie", "peinture"),
        ("menuiserie", "electricite", "plomberie", "vrd"),
        (1_000_000, 4_000_000),
        (14, 24),
    ),
    "admin_renovation": Programme(
        "Rénovation énergétique de la cité administrative de {commune}",
        "works",
        ("platrerie", "menuiserie", "couverture"),
        ("electricite", "plomberie", "peinture", "etancheite"),
        (600_000, 4_000_000),
        (12, 22),
    ),
    "maintenance_framework": Programme(
        "Accord-cadre à bons de commande — travaux d'entretien et de grosses réparations du patrimoine",
        "framework",
        ("peinture", "plomberie", "electricite", "menuiserie", "platrerie", "couverture", "carrelage"),
        (),
        (300_000, 2_500_000),
        (24, 48),
    ),
    "green_spaces": Programme(
        "Entretien des espaces verts — {buyer}", "services", ("espaces_verts",), (), (100_000, 900_000), (24, 48)
    ),
    "cleaning": Programme(
        "Nettoyage et entretien des locaux — {buyer}", "services", ("nettoyage",), (), (150_000, 1_500_000), (24, 48)
    ),
    "common_areas": Programme(
        "Nettoyage des parties communes du patrimoine — secteur {commune}",
        "services",
        ("nettoyage",),
        (),
        (200_000, 1_500_000),
        (24, 48),
        anru=True,
    ),
    "catering": Programme(
        "Restauration scolaire — fabrication et livraison de repas en liaison froide",
        "services",
        ("restauration",),
        (),
        (600_000, 4_000_000),
        (36, 48),
    ),
    "waste": Programme(
        "Collecte des déchets ménagers et assimilés", "services", ("dechets",), (), (2_000_000, 10_000_000), (60, 84)
    ),
    "security": Programme(
        "Gardiennage et surveillance des sites — {buyer}",
        "services",
        ("gardiennage",),
        (),
        (150_000, 1_200_000),
        (24, 48),
    ),
}

# Which programmes each kind of buyer passes, with their weights.
PROGRAMMES_BY_BUYER_KIND = {
    BuyerKind.MUNICIPALITY: {
        "school": 3, "gym": 2, "roads": 3, "green_spaces": 2, "cleaning": 2, "catering": 1, "maintenance_framework": 2,
    },
    BuyerKind.EPCI: {"roads": 2, "zac": 2, "waste": 2, "aquatic": 1, "maintenance_framework": 1, "green_spaces": 1},
    BuyerKind.DEPARTMENT: {"college": 5, "departmental_road": 3, "cleaning": 1, "maintenance_framework": 1},
    BuyerKind.REGION: {"lycee": 4, "maintenance_framework": 1},
    BuyerKind.SOCIAL_HOUSING: {
        "housing_renovation": 5, "housing_new": 3, "demolition": 2, "maintenance_framework": 3, "common_areas": 2,
        "green_spaces": 1,
    },
    BuyerKind.HOSPITAL: {"hospital": 2, "cleaning": 2, "catering": 1, "security": 1, "maintenance_framework": 1},
    BuyerKind.STATE: {"barracks": 1, "admin_renovation": 2, "cleaning": 2, "security": 2},
    BuyerKind.OTHER: {"zac": 3, "housing_new": 2},
}  # fmt: skip

SCHOOL_NAMES = [
    "Jean-Moulin", "Jules-Ferry", "Victor-Hugo", "Marie-Curie", "Louise-Michel", "Simone-Veil", "Jacques-Prévert",
    "Pablo-Picasso", "Albert-Camus", "Joliot-Curie", "Olympe-de-Gouges", "Jean-Jaurès", "Paul-Langevin", "Condorcet",
    "Gisèle-Halimi", "Lucie-Aubrac", "Antoine-de-Saint-Exupéry", "Jean-de-La-Fontaine", "George-Sand", "Rosa-Parks",
]  # fmt: skip
RESIDENCE_NAMES = [
    "Les Pins", "Les Tilleuls", "Le Mail", "Les Cèdres", "Les Oliviers", "Le Parc", "Les Peupliers", "La Source",
    "Les Acacias", "Le Clos Fleuri", "Les Marronniers", "Les Platanes", "La Roseraie", "Les Lauriers", "Le Belvédère",
    "Les Chênes", "Les Hirondelles", "Le Moulin", "Les Jardins", "La Pinède",
]  # fmt: skip
ZAC_NAMES = [
    "des Rives", "du Parc", "des Coteaux", "de la Gare", "du Mas", "des Prés", "du Canal", "des Vignes", "du Plateau",
    "des Saules",
]  # fmt: skip

MALE_FIRST_NAMES = [
    "Mohamed", "Karim", "Youssef", "Mehdi", "Nicolas", "Julien", "Thomas", "Kevin", "Anthony", "Mamadou", "Moussa",
    "Ibrahim", "Sofiane", "Bilal", "Yassine", "Jordan", "Dylan", "Lucas", "Hugo", "Enzo", "Alexandre", "Maxime",
    "Romain", "Sébastien", "Christophe", "Frédéric", "Stéphane", "Laurent", "Pascal", "Patrick", "Philippe",
    "Jean-Marc", "Jean-Pierre", "Bruno", "Didier", "Éric", "David", "Jérôme", "Cédric", "Fabrice", "Samir", "Rachid",
    "Nordine", "Abdelkader", "Ousmane", "Boubacar", "Amadou", "Adama", "Cheikh", "Issa", "Diego", "José", "Manuel",
    "Paulo", "Rui", "Sergio", "Florin", "Ionuț", "Adrien", "Théo", "Nathan", "Yanis", "Rayan", "Ilyes", "Amine",
    "Walid", "Hamza", "Ali", "Omar", "Ahmed", "Jean", "Pierre", "Michel", "Alain", "Gilles", "Thierry", "Olivier",
    "Vincent", "Loïc", "Gaëtan", "Steven", "Mickaël", "Ludovic", "Franck", "Aurélien", "Killian", "Mathis", "Noah",
    "Clément", "Quentin",
]  # fmt: skip
FEMALE_FIRST_NAMES = [
    "Fatima", "Aïcha", "Nadia", "Samira", "Leïla", "Karima", "Sarah", "Inès", "Yasmine", "Amina", "Mariam",
    "Fatoumata", "Aminata", "Awa", "Kadiatou", "Marie", "Sophie", "Nathalie", "Isabelle", "Sandrine", "Céline",
    "Stéphanie", "Audrey", "Émilie", "Julie", "Laura", "Camille", "Manon", "Léa", "Chloé", "Océane", "Jessica",
    "Mélanie", "Virginie", "Valérie", "Christine", "Sylvie", "Martine", "Patricia", "Brigitte", "Ana", "Maria", "Sonia",
    "Claudia", "Elena", "Andreea", "Naïma", "Houria", "Malika", "Zineb", "Salma", "Lina", "Anaïs", "Élodie",
    "Aurélie", "Caroline", "Lucie", "Pauline", "Morgane", "Kelly", "Cindy", "Priscilla", "Mireille", "Josiane",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
    "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard",
    "André", "Lefèvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier",
    "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu",
    "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Sanchez", "Gérard",
    "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Gautier", "Roger", "Roche", "Roy", "Noël", "Meyer",
    "Lucas", "Meunier", "Pérez", "Marchand", "Dufour", "Blanchard", "Barbier", "Brun", "Dumas", "Brunet", "Schmitt",
    "Leroux", "Colin", "Fernandez", "Renard", "Arnaud", "Rolland", "Caron", "Aubert", "Giraud", "Leclerc", "Vidal",
    "Bourgeois", "Renaud", "Lemoine", "Picard", "Gaillard", "Lacroix", "Fabre", "Dupuis", "Olivier", "Rodriguez",
    "Da Silva", "Hubert", "Guillot", "Rivière", "Le Gall", "Guillaume", "Adam", "Rey", "Moulin", "Gonzalez",
    "Berger", "Lecomte", "Ménard", "Fleury", "Deschamps", "Carpentier", "Benoît", "Maillard", "Marchal", "Aubry",
    "Vasseur", "Le Roux", "Renault", "Jacquet", "Collet", "Prévost", "Poirier", "Charpentier", "Royer", "Huet",
    "Baron", "Dupuy", "Pons", "Carré", "Breton", "Rémy", "Schneider", "Perrot", "Guyot", "Barre", "Marty", "Cousin",
    "Benali", "Haddad", "Bensaïd", "Belkacem", "Boukhari", "Cherif", "Mansouri", "Amrani", "Ziani", "Saïdi",
    "Hamidi", "Bouzid", "Messaoudi", "Diallo", "Traoré", "Koné", "Diarra", "Camara", "Cissé", "Touré", "Sylla",
    "Keïta", "Coulibaly", "Ndiaye", "Sow", "Ba", "Dos Santos", "Ferreira", "Pereira", "Rodrigues", "Oliveira",
    "Gomes", "Popescu", "Ionescu", "Yılmaz", "Kaya", "Demir", "Castillo", "Navarro", "Esposito", "Russo",
]  # fmt: skip

COMPANY_NAME_PATTERNS = {
    "gros_oeuvre": ["{name} Construction", "Bâtiments {name}", "Entreprise générale {name}", "{place} Gros Œuvre",
                    "SARL {name} et Fils", "Maçonnerie {name}"],
    "demolition": ["{name} Démolition", "{place} Déconstruction", "Démolition Services {name}"],
    "terrassement": ["{name} Terrassement", "Terrassements du {place}", "{name} TP"],
    "vrd": ["{name} Travaux Publics", "Routes et Réseaux {place}", "{place} VRD", "Société {name} TP"],
    "charpente_metal": ["Métallerie {name}", "{place} Charpente Métallique", "Serrurerie {name}"],
    "couverture": ["{name} Couverture", "Toitures {place}", "Charpente Couverture {name}"],
    "etancheite": ["{place} Étanchéité", "{name} Étanchéité"],
    "menuiserie": ["Menuiserie {name}", "{place} Menuiseries", "Atelier {name} Bois"],
    "platrerie": ["{name} Plâtrerie", "Plâtres et Isolation {place}", "{name} Cloisons"],
    "electricite": ["{name} Électricité", "Élec {place}", "{place} Énergie Services"],
    "plomberie": ["{name} Plomberie Chauffage", "{place} Thermique", "{name} Génie Climatique"],
    "carrelage": ["Carrelages {name}", "{place} Sols et Faïences"],
    "peinture": ["{name} Peinture", "Peinture et Décoration {name}", "{place} Peinture", "Les Peintres du {place}"],
    "espaces_verts": ["{name} Paysage", "Jardins du {place}", "{place} Espaces Verts"],
    "nettoyage": ["{place} Propreté", "{name} Nettoyage Services", "Net'{place}"],
    "restauration": ["Restauration Collective du {place}", "{name} Traiteur Collectivités"],
    "dechets": ["{place} Environnement", "{name} Collecte et Recyclage"],
    "gardiennage": ["{place} Sécurité Privée", "{name} Surveillance"],
}  # fmt: skip


@dataclass(frozen=True)
class TerritoryProfile:
    code: str
    slug: str  # e-mail domain of its demo accounts: <role>@<slug>.demo
    weight: float  # share of the volumes (markets, participants)
    of_name: str  # "de l'Hérault"
    region_name: str
    department_buyer: str
    social_housing: tuple
    hospitals: tuple
    state_buyers: tuple
    other_buyers: tuple
    facilitator_organisations: tuple  # (name, kind)
    inclusion_employers: tuple  # (name, kind, trades it works in)
    company_cities: tuple  # (city, postal code) where companies are based, most local first
    places: tuple  # words for company names
    people: dict  # role → (first name, last name) of the demo accounts


PROFILES = {
    "34": TerritoryProfile(
        code="34",
        slug="herault",
        weight=0.6,
        of_name="de l'Hérault",
        region_name="Région Occitanie",
        department_buyer="Département de l'Hérault",
        social_housing=("Office public de l'habitat de l'Hérault", "SA HLM Languedoc Logis", "Méditerranée Habitat"),
        hospitals=(
            "Centre hospitalier universitaire de Montpellier",
            "Centre hospitalier de Béziers",
            "Centre hospitalier du bassin de Thau",
        ),
        state_buyers=(
            "Préfecture de l'Hérault",
            "Direction départementale des territoires et de la mer de l'Hérault",
            "Rectorat de l'académie de Montpellier",
        ),
        other_buyers=("SPL Aménagement Méditerranée",),
        facilitator_organisations=(
            ("PLIE de Montpellier Méditerranée Métropole", OrganisationKind.PLIE),
            ("Maison de l'emploi du Biterrois", OrganisationKind.MDE),
            ("PLIE du bassin de Thau", OrganisationKind.PLIE),
            ("Département de l'Hérault — mission clauses sociales", OrganisationKind.LOCAL_AUTHORITY),
            ("Association Insertion Cœur d'Hérault", OrganisationKind.ASSOCIATION),
        ),
        inclusion_employers=(
            ("Tremplin Intérim Méditerranée", InclusionEmployerKind.ETTI, ("works", "services")),
            ("Intérim Solidaire 34", InclusionEmployerKind.ETTI, ("works",)),
            ("GEIQ BTP Hérault", InclusionEmployerKind.GEIQ, ("works",)),
            ("GEIQ Propreté Occitanie", InclusionEmployerKind.GEIQ, ("services",)),
            ("Bâtir Ensemble 34", InclusionEmployerKind.EI, ("works",)),
            ("Les Compagnons du Littoral", InclusionEmployerKind.EI, ("works", "services")),
            ("Les Jardins du Lez", InclusionEmployerKind.ACI, ("services",)),
            ("Chantier Patrimoine Cœur d'Hérault", InclusionEmployerKind.ACI, ("works",)),
            ("Coup de Pouce Biterrois", InclusionEmployerKind.AI, ("services",)),
            ("Atelier Méditerranée Services", InclusionEmployerKind.EA, ("services",)),
            ("ESAT Les Garrigues", InclusionEmployerKind.ESAT, ("services",)),
        ),
        company_cities=(
            ("Montpellier", "34000"),
            ("Béziers", "34500"),
            ("Sète", "34200"),
            ("Lattes", "34970"),
            ("Castelnau-le-Lez", "34170"),
            ("Lunel", "34400"),
            ("Agde", "34300"),
            ("Mauguio", "34130"),
            ("Saint-Jean-de-Védas", "34430"),
            ("Frontignan", "34110"),
            ("Pézenas", "34120"),
            ("Mèze", "34140"),
            ("Clermont-l'Hérault", "34800"),
            ("Vendargues", "34740"),
            ("Gignac", "34150"),
            ("Lodève", "34700"),
            ("Nîmes", "30000"),
            ("Perpignan", "66000"),
            ("Toulouse", "31000"),
            ("Marseille", "13010"),
        ),  # fmt: skip
        places=("Méditerranée", "Languedoc", "Hérault", "Littoral", "Garrigues", "Lez", "Orb", "Thau", "Sud"),
        people={
            "coordinator": ("Claire", "Fabre"),
            "facilitator": ("Julien", "Estève"),
            "buyer": ("Sandrine", "Vidal"),
            "committee": ("Marc", "Cabrol"),
            "company": ("Patrick", "Roques"),
        },
    ),
    "95": TerritoryProfile(
        code="95",
        slug="valdoise",
        weight=0.4,
        of_name="du Val-d'Oise",
        region_name="Région Île-de-France",
        department_buyer="Département du Val-d'Oise",
        social_housing=("Office public de l'habitat du Val-d'Oise", "SA HLM Vexin Habitat", "Habitat Plaine de France"),
        hospitals=("Centre hospitalier René-Dubos (Pontoise)", "Centre hospitalier d'Argenteuil"),
        state_buyers=(
            "Préfecture du Val-d'Oise",
            "Direction départementale des territoires du Val-d'Oise",
            "Université de Cergy",
        ),
        other_buyers=("SEM Val-d'Oise Aménagement",),
        facilitator_organisations=(
            ("PLIE de Cergy-Pontoise", OrganisationKind.PLIE),
            ("Maison de l'emploi de l'Est du Val-d'Oise", OrganisationKind.MDE),
            ("PLIE Val Parisis", OrganisationKind.PLIE),
            ("Département du Val-d'Oise — service des clauses sociales", OrganisationKind.LOCAL_AUTHORITY),
        ),
        inclusion_employers=(
            ("Val-d'Oise Intérim Insertion", InclusionEmployerKind.ETTI, ("works", "services")),
            ("Passerelle Intérim", InclusionEmployerKind.ETTI, ("works",)),
            ("GEIQ BTP Île-de-France Nord", InclusionEmployerKind.GEIQ, ("works",)),
            ("Bâti-Vexin Insertion", InclusionEmployerKind.EI, ("works",)),
            ("Cergy Rénovation Solidaire", InclusionEmployerKind.EI, ("works",)),
            ("Les Jardins de l'Oise", InclusionEmployerKind.ACI, ("services",)),
            ("Chantier Bords d'Oise", InclusionEmployerKind.ACI, ("works",)),
            ("Entraide Emploi Sarcelles", InclusionEmployerKind.AI, ("services",)),
            ("Vexin Services Adaptés", InclusionEmployerKind.EA, ("services",)),
            ("ESAT Les Ateliers de l'Hautil", InclusionEmployerKind.ESAT, ("services",)),
        ),
        company_cities=(
            ("Cergy", "95000"),
            ("Argenteuil", "95100"),
            ("Sarcelles", "95200"),
            ("Saint-Ouen-l'Aumône", "95310"),
            ("Pontoise", "95300"),
            ("Gonesse", "95500"),
            ("Franconville", "95130"),
            ("Goussainville", "95190"),
            ("Ermont", "95120"),
            ("Herblay-sur-Seine", "95220"),
            ("Taverny", "95150"),
            ("Bezons", "95870"),
            ("Osny", "95520"),
            ("Roissy-en-France", "95700"),
            ("Saint-Denis", "93200"),
            ("Nanterre", "92000"),
            ("Paris", "75012"),
            ("Beauvais", "60000"),
        ),  # fmt: skip
        places=("Val-d'Oise", "Vexin", "Parisis", "Pays de France", "Oise", "Cergy", "Nord Francilien", "Hautil"),
        people={
            "coordinator": ("Nadia", "Benali"),
            "facilitator": ("Sophie", "Lemaire"),
            "buyer": ("Thierry", "Caron"),
            "committee": ("Isabelle", "Moreau"),
            "company": ("Karim", "Haddad"),
        },
    ),
}

# Multi-territory demo user: coordinator in the first territory, facilitator in the second.
MULTI_TERRITORY_PERSON = ("Alex", "Multi-Territoires")
MULTI_TERRITORY_ROLES = {"34": Role.COORDINATOR, "95": Role.FACILITATOR}

DEMO_ROLE_LOCAL_PARTS = {
    Role.COORDINATOR: "coordination",
    Role.FACILITATOR: "facilitateur",
    Role.BUYER: "acheteur",
    Role.COMMITTEE: "comite",
    Role.COMPANY: "entreprise",
}
PROFILE_PEOPLE_KEYS = {
    Role.COORDINATOR: "coordinator",
    Role.FACILITATOR: "facilitator",
    Role.BUYER: "buyer",
    Role.COMMITTEE: "committee",
    Role.COMPANY: "company",
}

FACILITATOR_DECISION_REASONS = [
    "Parcours interrompu après une longue maladie ; avis favorable de France Travail.",
    "Jeune suivi par la Mission locale, sans solution depuis la fin de sa formation.",
    "Reprise d'activité après un congé parental de longue durée ; avis du conseiller France Travail.",
    "Personne sortant d'un hébergement d'urgence, accompagnée par un travailleur social.",
    "Travailleur précaire sans qualification reconnue en France ; avis motivé du PLIE.",
]


# Labour shares a territory set for itself (the others keep the national defaults of ``DEFAULT_LABOUR_SHARES``).
TRADE_LABOUR_SHARE_OVERRIDES = {"34": {MarketTrade.PAINTING: "0.65", MarketTrade.CLEANING: "0.80"}}

# The committee's meetings, in days before today (negative: to come), about two a year over the last two years.
COMMITTEE_MEETING_DAYS = (690, 520, 330, 160, 30, -45)
COMMITTEE_MINUTES = (
    "Le comité prend connaissance des chiffres consolidés {territory} : {markets} marchés suivis avec une clause "
    "sociale, {hours} heures d'insertion exigées au total.\n"
    "Les donneurs d'ordre présentent leur programmation : plusieurs marchés de travaux et de services porteront une "
    "clause, les facilitateurs sont associés dès la préparation des consultations.\n"
    "Le service public de l'emploi signale des difficultés de recrutement dans le second œuvre : une action de "
    "formation préalable à l'embauche sera montée avec le GEIQ.\n"
    "Décisions : diffusion du bilan {year} aux membres ; prochaine réunion dans six mois environ."
)

# Outcomes (sorties) of the participants whose last placement ended: the category at the end of the last contract
# (weights: ~35 % sustainable employment, ~25 % transition, ~15 % positive, the rest none or unknown), then the
# category six months later given the one at the end (people move towards stable jobs; some are lost from sight).
OUTCOME_END_WEIGHTS = {
    OutcomeCategory.SUSTAINABLE: 28,  # plus the CDI placements that ended: a CDI with the same employer, ~35 % in all
    OutcomeCategory.TRANSITION: 25,
    OutcomeCategory.POSITIVE: 15,
    OutcomeCategory.NONE: 26,
    OutcomeCategory.UNKNOWN: 6,
}
OUTCOME_SIX_MONTHS_WEIGHTS = {
    OutcomeCategory.SUSTAINABLE: {"sustainable": 82, "transition": 7, "none": 6, "unknown": 5},
    OutcomeCategory.TRANSITION: {"sustainable": 35, "transition": 30, "positive": 5, "none": 15, "unknown": 15},
    OutcomeCategory.POSITIVE: {"sustainable": 25, "transition": 20, "positive": 35, "none": 10, "unknown": 10},
    OutcomeCategory.NONE: {"sustainable": 10, "transition": 20, "positive": 15, "none": 40, "unknown": 15},
    OutcomeCategory.UNKNOWN: {"sustainable": 10, "transition": 15, "none": 15, "unknown": 60},
}
# The situations of each category, with their weights; a CDD or temporary mission is sustainable from 6 months on.
OUTCOME_SITUATIONS = {
    OutcomeCategory.SUSTAINABLE: {
        OutcomeSituation.CDI: 45, OutcomeSituation.CDD: 25, OutcomeSituation.TEMPORARY: 15,
        OutcomeSituation.CIVIL_SERVICE: 8, OutcomeSituation.BUSINESS_CREATION: 7,
    },
    OutcomeCategory.TRANSITION: {
        OutcomeSituation.CDD: 45, OutcomeSituation.TEMPORARY: 40, OutcomeSituation.SUBSIDISED: 15,
    },
    OutcomeCategory.POSITIVE: {OutcomeSituation.QUALIFYING_TRAINING: 60, OutcomeSituation.SIAE_HIRING: 40},
    OutcomeCategory.NONE: {OutcomeSituation.JOBSEEKER: 85, OutcomeSituation.OTHER: 15},
    OutcomeCategory.UNKNOWN: {OutcomeSituation.UNKNOWN: 1},
}  # fmt: skip
OUTCOME_NOTES = {
    OutcomeSituation.CDI: "Embauche à l'issue du chantier.",
    OutcomeSituation.QUALIFYING_TRAINING: "Entrée en formation qualifiante (titre professionnel du bâtiment).",
    OutcomeSituation.SIAE_HIRING: "Poursuite du parcours dans une structure d'insertion.",
    OutcomeSituation.JOBSEEKER: "Inscrit·e à France Travail ; accompagnement renforcé par le facilitateur.",
    OutcomeSituation.OTHER: "Déménagement hors du territoire.",
    OutcomeSituation.UNKNOWN: "Personne injoignable malgré plusieurs relances.",
    OutcomeSituation.BUSINESS_CREATION: "Création d'une micro-entreprise dans son métier.",
}

# The coordination's partners: (kind, name, meetings over the last two years (low, high)); the names come from the
# territory's institutions (``TerritorySeeder.partner_specs``). Topics of the meetings per kind of partner.
PARTNER_MEETING_TOPICS = {
    PartnerKind.BUYER: [
        ("Préparation des clauses des marchés programmés", "Transmettre les fiches de faisabilité au service achats."),
        ("Bilan des heures d'insertion réalisées sur les marchés en cours", "Relancer les titulaires en retard."),
        ("Relevés mensuels en retard : point avec la commande publique", "Rappel écrit aux entreprises concernées."),
        ("Intégration d'une clause dans l'accord-cadre d'entretien du patrimoine", ""),
        ("Obligation de condition sociale (loi Climat et résilience) : marchés concernés", "Recenser les marchés."),
    ],
    PartnerKind.FEDERATION: [
        ("Réunion d'information des adhérents sur les clauses sociales", "Diffuser le guide aux entreprises."),
        ("Difficultés de recrutement sur les chantiers : viviers de candidats", "Organiser un job dating."),
        ("Alternance et clauses sociales : contrats de professionnalisation avec le GEIQ", ""),
        ("Retours des entreprises sur le suivi des heures", "Simplifier le relevé mensuel."),
    ],
    PartnerKind.COMPANY: [
        ("Suivi des recrutements sur le chantier", "Proposer deux candidatures pour le lot suivant."),
        ("Tutorat des personnes en insertion", ""),
        ("Embauche durable d'un participant à l'issue de la clause", "Constater la sortie à six mois."),
    ],
    PartnerKind.EMPLOYMENT_SERVICE: [
        ("Sourcing de candidats pour les chantiers à venir", "Information collective à organiser."),
        ("Information collective des demandeurs d'emploi", ""),
        ("Publics éligibles et prescriptions : point d'étape", "Mettre à jour la liste des contacts."),
    ],
    PartnerKind.IAE_NETWORK: [
        ("Mise à disposition de personnel : capacités des ETTI et des GEIQ", ""),
        ("Marchés réservés : structures d'insertion en capacité de répondre", "Transmettre la programmation."),
    ],
    PartnerKind.DISABILITY: [
        ("Marchés réservés aux entreprises adaptées et aux ESAT", "Identifier les lots de services à réserver."),
        ("Accueil de travailleurs handicapés sur les chantiers", ""),
    ],
    PartnerKind.STATE: [
        ("Préparation du comité départemental", "Envoyer l'ordre du jour aux membres."),
        ("Achats de l'État : clauses sociales dans les marchés des services déconcentrés", ""),
    ],
    PartnerKind.LOCAL_AUTHORITY: [
        ("Articulation avec le programme départemental d'insertion", ""),
        ("Financement du poste de facilitateur", "Déposer la demande de subvention."),
    ],
    PartnerKind.OTHER: [
        ("Sensibilisation des artisans aux clauses sociales", "Article dans la lettre aux adhérents."),
        ("Présentation du dispositif aux créateurs d'entreprise", ""),
    ],
}

# The regional demo account: reads the indicators summed over the territories of Hérault's region (Occitanie).
REGIONAL_EMAIL = "region@occitanie.demo"
REGIONAL_PERSON = ("Hélène", "Marty")
REGIONAL_TERRITORY = "34"
REGIONAL_ROLE = "regional"
REGIONAL_ROLE_LABEL = "Accès régional (agrégats)"


# ---------------------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------------------


def _month_index(day):
    return day.year * 12 + day.month - 1


def _month_start(index):
    return date(index // 12, index % 12 + 1, 1)


def _days_in_month(index):
    return monthrange(index // 12, index % 12 + 1)[1]


def _add_months(day, months):
    index = _month_index(day) + months
    return date(index // 12, index % 12 + 1, min(day.day, _days_in_month(index)))


def _aware(day, hour=10, minute=0):
    return timezone.make_aware(datetime.combine(day, dtime(hour, minute)))


def _half_hours(value):
    """Round to the half hour, as a Decimal."""
    return Decimal(round(max(value, 0) * 2)) / 2


def _weighted(rng, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


def _log_uniform(rng, low, high):
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _round_amount(value):
    """A plausible contract amount: rounded to the hundred euros for small ones, the thousand for large ones."""
    step = 100 if value < 500_000 else 1000
    return Decimal(int(round(value / step)) * step)


def _random_day(rng, start, end):
    """A working day (Monday to Friday) between ``start`` and ``end``, both included (``start`` if it is later)."""
    if end <= start:
        return start
    day = start + timedelta(days=rng.randint(0, (end - start).days))
    while day.weekday() >= 5 and day > start:
        day -= timedelta(days=1)
    return day


def _scaled(base, scale, minimum=1):
    return max(minimum, int(round(base * scale)))


class SiretFactory:
    """Distinct valid SIRETs (SIREN with its Luhn key, then the NIC with the key of the 14 digits)."""

    def __init__(self, rng):
        self.rng = rng
        self.used = set()

    def make(self, siren_prefix="", siren=None):
        for _ in range(1000):
            if siren is None or not luhn.is_valid(siren):
                body = siren_prefix + "".join(str(self.rng.randrange(10)) for _ in range(8 - len(siren_prefix)))
                siren_value = body + luhn.calc_check_digit(body)
            else:
                siren_value = siren
            if siren_value.startswith("356000000"):  # La Poste's SIREN follows another rule
                continue
            nic = f"{self.rng.randint(1, 80):04d}"
            value = siren_value + nic + luhn.calc_check_digit(siren_value + nic)
            if value not in self.used and siret_module.is_valid(value):
                self.used.add(value)
                return value
        raise RuntimeError("Impossible de générer un SIRET distinct.")  # pragma: no cover


def _expand_epci_name(name):
    for short, long in (("CA ", "Communauté d'agglomération "), ("CC ", "Communauté de communes ")):
        if name.startswith(short):
            return long + name[len(short) :]
    return name


def _bulk(model, objects):
    if objects:
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    return objects


def _bulk_with_history(model, objects):
    """bulk_create, then one "+" history record per row (django-simple-history), dated and signed per row."""
    _bulk(model, objects)
    if objects:
        model.history.bulk_history_create(
            objects, batch_size=BATCH_SIZE, default_change_reason=CHANGE_REASON, default_date=timezone.now()
        )
    return objects


# ---------------------------------------------------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    email: str
    territory_code: str
    territory_name: str
    role: str
    first_name: str
    last_name: str
    organisation: str = ""

    home: str = ""  # the account's first page, when not its territory's home

    @property
    def role_label(self):
        return REGIONAL_ROLE_LABEL if self.role == REGIONAL_ROLE else Role(self.role).label

    @property
    def home_url(self):
        return self.home or f"/{self.territory_code}/"


def demo_account_emails():
    """The e-mail addresses of the printed demo accounts (one per role and territory, plus the multi-territory one)."""
    emails = [f"{DEMO_ROLE_LOCAL_PARTS[role]}@{profile.slug}.demo" for profile in PROFILES.values() for role in Role]
    return [*emails, MULTI_TERRITORY_EMAIL]


def regional_home(region_code):
    try:
        return reverse("regional:indicators", kwargs={"region_code": region_code})
    except NoReverseMatch:  # pragma: no cover - the regional pages are not wired
        return "/region/"


def _regional_account(access):
    return DemoAccount(
        email=access.user.email,
        territory_code=access.region.code,
        territory_name=str(access.region.name),
        role=REGIONAL_ROLE,
        first_name=access.user.first_name,
        last_name=access.user.last_name,
        home=regional_home(access.region.code),
    )


def create_regional_account(territory, users):
    """The regional demo user: no membership, a ``RegionalAccess`` to the region of ``territory``."""
    if territory.region_id is None:
        raise RuntimeError(f"La coordination {territory} n'est rattachée à aucune région.")
    (user,) = users.create([(REGIONAL_EMAIL, *REGIONAL_PERSON)])
    access = RegionalAccess.objects.create(user=user, region=territory.region, granted_at=users.joined)
    return _regional_account(access)


def _demo_user_filter():
    query = Q(email__iexact=MULTI_TERRITORY_EMAIL) | Q(email__iexact=REGIONAL_EMAIL)
    for profile in PROFILES.values():
        query |= Q(email__iendswith=f"@{profile.slug}.demo")
    return query


class UserPool:
    """Creates the demo users (one bulk insert per call), with the same password hash and a verified e-mail."""

    def __init__(self, joined):
        self.by_email = {}
        self.password_hash = make_password(DEMO_PASSWORD)
        self.joined = joined

    def create(self, people):
        """people: [(email, first name, last name)]; already-created e-mails are reused."""
        new = []
        for email, first_name, last_name in people:
            if email in self.by_email:
                continue
            user = User(
                email=email,
                first_name=first_name,
                last_name=last_name,
                password=self.password_hash,
                date_joined=self.joined,
            )
            self.by_email[email] = user
            new.append(user)
        _bulk(User, new)
        _bulk(EmailAddress, [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in new])
        return [self.by_email[email] for email, *_ in people]


# ---------------------------------------------------------------------------------------------------------------------
# One territory
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class _ClausePlan:
    clause: Clause
    trade: str
    market: Market
    holder: Company
    partners: list  # co-contractor / subcontractor companies
    reserved: bool
    execution_commune_id: str
    start_index: int
    end_index: int


@dataclass
class _PlacementDraft:
    plan: _ClausePlan
    mode: str
    contract: str
    company: Company
    inclusion: InclusionEmployer
    start_month: int
    end_month: int
    start_date: date
    end_date: date
    months: list = field(default_factory=list)  # (month index, hours worked, training hours, comment)
    counted_hours: float = 0.0
    placement: Placement = None


@dataclass
class _Person:
    participant: Participant
    free_from: int  # month index from which the person is available again
    age_at_start: int
    criteria: list = field(default_factory=list)


class TerritorySeeder:
    """Builds one territory's demo data. Every random draw comes from ``rng``: same inputs, same data."""

    def __init__(self, territory, profile, scale, today, users):
        self.territory = territory
        self.profile = profile
        self.scale = scale
        self.today = today
        self.users = users
        self.rng = random.Random(RANDOM_SEED * 100 + int(profile.code))
        self.sirets = SiretFactory(self.rng)
        self.last_month = _month_index(today) - 1
        self.first_month = self.last_month - MONTHS_OF_STATEMENTS + 1
        self.timings = []
        self.accounts = []

    # -- orchestration ------------------------------------------------------------------------------------------------

    def run(self):
        steps = [
            ("référentiels", self.load_reference),
            ("comptes et facilitateurs", self.create_people),
            ("acheteurs et entreprises", self.create_organisations),
            ("marchés, lots et clauses", self.create_markets),
            ("participants et mises en emploi", self.create_placements),
            ("relevés mensuels", self.create_statements),
            ("comptes de démonstration", self.link_demo_accounts),
            ("programmation et préparation des clauses", self.create_programming),
            ("comité départemental", self.create_committee),
            ("sorties des participants", self.create_outcomes),
        ]
        for label, step in steps:
            start = time.perf_counter()
            step()
            self.timings.append((label, time.perf_counter() - start))

    # -- reference data -----------------------------------------------------------------------------------------------

    def load_reference(self):
        ensure_default_criteria(self.territory)
        self.criteria = {c.code: c for c in EligibilityCriterion.objects.in_territory(self.territory)}
        communes = list(
            Commune.objects.filter(department_id=self.profile.code)
            .order_by("insee_code")
            .values_list("insee_code", "name", "population", "epci_id")
        )
        if not communes:
            raise RuntimeError(f"Aucune commune chargée pour le département {self.profile.code}.")
        self.communes = {code: (name, population or 0, epci) for code, name, population, epci in communes}
        self.commune_codes = [code for code, *_ in communes]
        self.commune_weights = [max(population or 0, 100) for _, _, population, _ in communes]
        by_epci = defaultdict(list)
        for code, _name, population, epci in communes:
            if epci:
                by_epci[epci].append((code, max(population or 0, 100)))
        self.communes_by_epci = by_epci
        epci_names = dict(EPCI.objects.filter(siren__in=by_epci.keys()).values_list("siren", "name"))
        ranked = sorted(
            ((sum(p for _, p in members), siren) for siren, members in by_epci.items() if len(members) >= 3),
            reverse=True,
        )
        self.main_epcis = [(siren, epci_names[siren]) for _, siren in ranked[:5]]
        self.main_communes = sorted(communes, key=lambda row: (-(row[2] or 0), row[0]))[:12]
        self.big_commune_codes = {row[0] for row in self.main_communes}

    def pick_commune(self, epci=None):
        if epci and self.communes_by_epci.get(epci):
            members = self.communes_by_epci[epci]
            return _weighted(self.rng, [c for c, _ in members], [w for _, w in members])
        return _weighted(self.rng, self.commune_codes, self.commune_weights)

    def commune_name(self, code):
        return self.communes[code][0]

    # -- people: demo accounts and facilitators -----------------------------------------------------------------------

    def person_name(self, sex=None):
        rng = self.rng
        sex = sex or (Sex.FEMALE if rng.random() < 0.5 else Sex.MALE)
        first = rng.choice(FEMALE_FIRST_NAMES if sex == Sex.FEMALE else MALE_FIRST_NAMES)
        return first, rng.choice(LAST_NAMES), sex

    def demo_email(self, role):
        return f"{DEMO_ROLE_LOCAL_PARTS[role]}@{self.profile.slug}.demo"

    def create_people(self):
        rng, profile = self.rng, self.profile
        joined = _aware(_add_months(self.today, -(MONTHS_OF_STATEMENTS + 3)))
        self.joined = joined

        # Facilitator organisations, then their facilitators (two or three each, more at larger scales).
        organisations = _bulk(
            FacilitatorOrganisation,
            [
                FacilitatorOrganisation(
                    territory=self.territory,
                    name=name,
                    kind=kind,
                    siret=self.sirets.make("2" if kind == OrganisationKind.LOCAL_AUTHORITY else "4"),
                    email=f"clauses@{slug_of(name)}.{profile.slug}.demo",
                    phone=f"0{4 if profile.code == '34' else 1} {rng.randint(10, 99)} "
                    f"{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                )
                for name, kind in profile.facilitator_organisations
            ],
        )
        self.organisations = organisations
        per_org_factor = max(1, round(math.sqrt(self.scale))) if self.scale > 1 else 1
        facilitator_specs = []  # (organisation, first, last)
        for index, organisation in enumerate(organisations):
            count = (3 if index == 0 else rng.randint(2, 3)) * per_org_factor
            for _ in range(count):
                first, last, _sex = self.person_name()
                facilitator_specs.append((organisation, first, last))

        # Accounts: the demo accounts of the territory, the multi-territory user, and most facilitators.
        people = profile.people
        coordinator_email = self.demo_email(Role.COORDINATOR)
        account_specs = [  # (email, first, last, role)
            (coordinator_email, *people["coordinator"], Role.COORDINATOR),
            (self.demo_email(Role.BUYER), *people["buyer"], Role.BUYER),
            (self.demo_email(Role.COMMITTEE), *people["committee"], Role.COMMITTEE),
            (self.demo_email(Role.COMPANY), *people["company"], Role.COMPANY),
        ]
        multi_role = MULTI_TERRITORY_ROLES.get(profile.code)
        if multi_role == Role.COORDINATOR:
            account_specs.append((MULTI_TERRITORY_EMAIL, *MULTI_TERRITORY_PERSON, Role.COORDINATOR))
        # Facilitator 0 is the demo facilitator; facilitator 1 may be the multi-territory user.
        facilitator_emails = []
        seen = set()
        for index, (_org, first, last) in enumerate(facilitator_specs):
            if index == 0:
                email = self.demo_email(Role.FACILITATOR)
                first, last = people["facilitator"]
                facilitator_specs[0] = (facilitator_specs[0][0], first, last)
            elif index == 1 and multi_role == Role.FACILITATOR:
                email = MULTI_TERRITORY_EMAIL
                first, last = MULTI_TERRITORY_PERSON
                facilitator_specs[1] = (facilitator_specs[1][0], first, last)
            elif rng.random() < 0.8:
                base = f"{slug_of(first)}.{slug_of(last)}"
                email, n = f"{base}@{profile.slug}.demo", 2
                while email in seen:
                    email, n = f"{base}{n}@{profile.slug}.demo", n + 1
            else:
                email = None  # a facilitator without an account
            if email:
                seen.add(email)
                account_specs.append((email, first, last, Role.FACILITATOR))
            facilitator_emails.append(email)

        users = self.users.create([(email, first, last) for email, first, last, _role in account_specs])
        coordinator_user = users[0]
        self.coordinator_user = coordinator_user
        memberships = _bulk(
            Membership,
            [
                Membership(
                    territory=self.territory,
                    user=user,
                    role=role,
                    email=email,
                    first_name=first,
                    last_name=last,
                    invited_by=None if index == 0 else coordinator_user,
                    invited_at=joined,
                    accepted_at=joined + timedelta(days=1),
                )
                for index, ((email, first, last, role), user) in enumerate(zip(account_specs, users, strict=True))
            ],
        )
        self.membership_by_email = {m.email: m for m in memberships}

        facilitators = []
        for (organisation, first, last), email in zip(facilitator_specs, facilitator_emails, strict=True):
            membership = self.membership_by_email.get(email) if email else None
            facilitators.append(
                Facilitator(
                    territory=self.territory,
                    organisation=organisation,
                    membership=membership,
                    first_name=first,
                    last_name=last,
                    email=email or f"{slug_of(first)}.{slug_of(last)}@{slug_of(organisation.name)}.demo",
                    phone=f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                )
            )
        self.facilitators = _bulk(Facilitator, facilitators)
        self.facilitator_user = {f.pk: f.membership.user for f in self.facilitators if f.membership_id}

        inclusion = []
        for name, kind, _sectors in profile.inclusion_employers:
            inclusion.append(
                InclusionEmployer(
                    territory=self.territory,
                    name=name,
                    kind=kind,
                    siret=self.sirets.make(
                        "8" if kind in (InclusionEmployerKind.EI, InclusionEmployerKind.ETTI) else "4"
                    ),
                    email=f"contact@{slug_of(name)}.demo",
                )
            )
        self.inclusion_employers = _bulk(InclusionEmployer, inclusion)
        self.inclusion_sectors = {
            employer.pk: sectors
            for employer, (_n, _k, sectors) in zip(self.inclusion_employers, profile.inclusion_employers, strict=True)
        }
        self.record_account(Role.COORDINATOR, coordinator_email, people["coordinator"])
        self.record_account(
            Role.FACILITATOR, self.demo_email(Role.FACILITATOR), people["facilitator"], organisations[0]
        )
        self.record_account(Role.COMMITTEE, self.demo_email(Role.COMMITTEE), people["committee"])
        if multi_role == Role.COORDINATOR:
            self.record_account(Role.COORDINATOR, MULTI_TERRITORY_EMAIL, MULTI_TERRITORY_PERSON)
        elif multi_role == Role.FACILITATOR:
            self.record_account(
                Role.FACILITATOR, MULTI_TERRITORY_EMAIL, MULTI_TERRITORY_PERSON, facilitator_specs[1][0]
            )

    def record_account(self, role, email, person, organisation=None):
        self.accounts.append(
            DemoAccount(
                email=email,
                territory_code=self.territory.code,
                territory_name=str(self.territory),
                role=role,
                first_name=person[0],
                last_name=person[1],
                organisation=str(organisation) if organisation else "",
            )
        )

    def facilitator_user_or_coordinator(self, facilitator):
        if facilitator is not None and facilitator.pk in self.facilitator_user:
            return self.facilitator_user[facilitator.pk]
        return self.coordinator_user

    # -- buyers and companies -----------------------------------------------------------------------------------------

    def create_organisations(self):
        rng, profile = self.rng, self.profile
        specs = []  # (name, kind, siret, weight, home commune, home epci)
        for code, name, population, epci in self.main_communes[:10]:
            prefix = "Ville" if (population or 0) >= 20_000 else "Commune"
            prefix += " d'" if name[0] in "AEIOUYÉÈÊÎÔH" else " de "
            siren_body = "21" + code[:5].replace("A", "0").replace("B", "0") + str(rng.randrange(10))
            siren = siren_body + luhn.calc_check_digit(siren_body)
            weight = 2 + min((population or 0) / 20_000, 13)
            specs.append((f"{prefix}{name}", BuyerKind.MUNICIPALITY, self.sirets.make(siren=siren), weight, code, epci))
        for siren, name in self.main_epcis:
            specs.append((_expand_epci_name(name), BuyerKind.EPCI, self.sirets.make(siren=siren), 6, None, siren))
        specs.append((profile.department_buyer, BuyerKind.DEPARTMENT, self.sirets.make("22"), 12, None, None))
        specs.append((profile.region_name, BuyerKind.REGION, self.sirets.make("20"), 4, None, None))
        specs += [(n, BuyerKind.SOCIAL_HOUSING, self.sirets.make("27"), 8, None, None) for n in profile.social_housing]
        specs += [(n, BuyerKind.HOSPITAL, self.sirets.make("26"), 4, None, None) for n in profile.hospitals]
        specs += [(n, BuyerKind.STATE, self.sirets.make("1"), 2, None, None) for n in profile.state_buyers]
        specs += [(n, BuyerKind.OTHER, self.sirets.make("3"), 3, None, None) for n in profile.other_buyers]

        # Lead facilitators: the demo facilitator leads for the main city and the département.
        buyers = []
        for index, (name, kind, siret, _weight, _commune, _epci) in enumerate(specs):
            if index == 0 or kind == BuyerKind.DEPARTMENT:
                lead = self.facilitators[0]
            elif rng.random() < 0.85:
                lead = rng.choice(self.facilitators)
            else:
                lead = None
            buyers.append(Buyer(territory=self.territory, name=name, kind=kind, siret=siret, lead_facilitator=lead))
        self.buyers = _bulk(Buyer, buyers)
        self.buyer_weights = [spec[3] for spec in specs]
        self.buyer_home = {b.pk: (spec[4], spec[5]) for b, spec in zip(self.buyers, specs, strict=True)}

        # Companies, per trade; a few firms win most lots (Zipf-like weights).
        markets = self.market_count()
        total = max(len(COMPANY_TRADE_WEIGHTS), round(0.75 * markets))
        weight_sum = sum(COMPANY_TRADE_WEIGHTS.values())
        companies, self.company_trade = [], {}
        used_names = set()
        for trade, weight in COMPANY_TRADE_WEIGHTS.items():
            for _ in range(max(1, round(total * weight / weight_sum))):
                for _attempt in range(20):
                    name = rng.choice(COMPANY_NAME_PATTERNS[trade]).format(
                        name=rng.choice(LAST_NAMES), place=rng.choice(profile.places)
                    )
                    if name not in used_names:
                        break
                else:
                    name = f"{name} {len(used_names)}"
                used_names.add(name)
                city_index = min(int(rng.expovariate(0.25)), len(profile.company_cities) - 1)
                city, postal_code = profile.company_cities[city_index]
                size = _weighted(rng, list(CompanySize), [15, 60, 18, 7])
                companies.append(
                    Company(
                        territory=self.territory,
                        name=name,
                        siret=self.sirets.make(),
                        naf_code=rng.choice(TRADES[trade].naf_codes),
                        size=size,
                        postal_code=postal_code,
                        city=city,
                    )
                )
                self.company_trade[len(companies) - 1] = trade
        # Inclusion employers that take reserved contracts (EI, ACI: L2113-13; EA: L2113-12) are also companies.
        self.reserved_holders = defaultdict(list)
        self.reserved_holder_kind = {}
        for employer in self.inclusion_employers:
            if employer.kind not in (InclusionEmployerKind.EI, InclusionEmployerKind.ACI, InclusionEmployerKind.EA):
                continue
            sectors = self.inclusion_sectors[employer.pk]
            trade = (
                "espaces_verts"
                if "services" in sectors and employer.kind == InclusionEmployerKind.ACI
                else ("nettoyage" if "services" in sectors else "peinture")
            )
            companies.append(
                Company(
                    territory=self.territory,
                    name=employer.name,
                    siret=employer.siret,
                    naf_code=TRADES[trade].naf_codes[0],
                    size=CompanySize.SME,
                    postal_code=profile.company_cities[0][1],
                    city=profile.company_cities[0][0],
                )
            )
            self.company_trade[len(companies) - 1] = trade
            self.reserved_holders[trade].append(len(companies) - 1)
            self.reserved_holder_kind[len(companies) - 1] = employer.kind
        self.companies = _bulk(Company, companies)
        self.reserved_kind_of = {self.companies[i].pk: kind for i, kind in self.reserved_holder_kind.items()}
        reserved_indexes = {i for indexes in self.reserved_holders.values() for i in indexes}
        self.companies_by_trade = defaultdict(list)
        for index, company in enumerate(self.companies):
            if index not in reserved_indexes:
                self.companies_by_trade[self.company_trade[index]].append(company)
        self.company_weights = {
            trade: [1 / (rank + 1) ** 0.9 for rank in range(len(items))]
            for trade, items in self.companies_by_trade.items()
        }

    def market_count(self):
        return _scaled(250 * self.profile.weight, self.scale)

    def notification_date(self, duration):
        """Most contracts were notified during the 18 months of statements (a few are about to be); some older ones,
        long enough to still be running, started before."""
        rng, today = self.rng, self.today
        window_days = MONTHS_OF_STATEMENTS * 30
        if rng.random() < 0.2:
            oldest = min(1150, duration * 30 - 60)
            if oldest > window_days:
                return today - timedelta(days=rng.randint(window_days, oldest))
        return today - timedelta(days=rng.randint(-60, window_days))

    def pick_company(self, trade, exclude=()):
        items = self.companies_by_trade[trade]
        weights = self.company_weights[trade]
        for _ in range(10):
            company = _weighted(self.rng, items, weights)
            if company not in exclude:
                return company
        return None

    # -- markets, lots, awards, clauses -------------------------------------------------------------------------------

    def create_markets(self):
        rng, today = self.rng, self.today
        market_objects, lot_specs = [], []  # lot_specs: (market index, number, trade, amount, title)
        references = Counter()
        market_meta = []  # (programme, buyer, execution commune, consideration, reserved, anru)
        target = self.market_count()
        without_clause = _scaled(target * 0.08, self.scale, minimum=0)
        for market_index in range(target + without_clause):
            has_clause = market_index < target
            buyer = _weighted(rng, self.buyers, self.buyer_weights)
            programmes = PROGRAMMES_BY_BUYER_KIND[buyer.kind]
            key = _weighted(rng, list(programmes), list(programmes.values()))
            programme = PROGRAMMES[key]
            home_commune, home_epci = self.buyer_home[buyer.pk]
            commune = home_commune or self.pick_commune(home_epci)
            duration = rng.randint(*programme.duration)
            notification = self.notification_date(duration)
            amount_target = _log_uniform(rng, *programme.amount) * (0.35 if not has_clause else 1)
            reserved = (
                has_clause
                and programme.kind == "services"
                and key in ("green_spaces", "cleaning")
                and bool(self.reserved_holders.get(programme.trades[0]))
                and rng.random() < 0.2
            )

            # Lots and their amounts.
            if programme.kind == "works":
                trades = list(programme.trades) + [t for t in programme.optional if rng.random() < 0.55]
                weights = [TRADES[t].split_weight * rng.uniform(0.7, 1.3) for t in trades]
                split = [w / sum(weights) for w in weights]
                lots = [(t, amount_target * s, TRADES[t].label) for t, s in zip(trades, split, strict=True)]
            elif programme.kind == "framework":
                trades = rng.sample(list(programme.trades), k=rng.randint(2, 4))
                lots = [
                    (t, amount_target / len(trades) * rng.uniform(0.7, 1.3), f"{TRADES[t].label} (bons de commande)")
                    for t in trades
                ]
            else:
                trade = programme.trades[0]
                sectors = rng.choice([1, 1, 1, 2, 3]) if trade not in ("dechets", "restauration") else 1
                names = (
                    ["Secteur nord", "Secteur sud", "Secteur est"][:sectors] if sectors > 1 else [TRADES[trade].label]
                )
                lots = [(trade, amount_target / sectors * rng.uniform(0.8, 1.2), name) for name in names]
            lot_amounts = [_round_amount(a) for _, a, _ in lots]
            amount = sum(lot_amounts)

            year = notification.year
            prefix = {"works": "TX", "services": "FCS", "framework": "AC"}[programme.kind]
            references[(buyer.pk, year, prefix)] += 1
            reference = f"{year}-{prefix}-{references[(buyer.pk, year, prefix)]:03d}"
            obj = programme.object.format(
                commune=self.commune_name(commune),
                school=rng.choice(SCHOOL_NAMES),
                residence=rng.choice(RESIDENCE_NAMES),
                n=rng.choice([24, 36, 48, 60, 72, 96, 120, 150, 180, 210])
                if "logements" in programme.object
                else (rng.choice("ABCDEFGH")),
                year=year,
                zac=rng.choice(ZAC_NAMES),
                road=rng.randint(2, 986),
                buyer=buyer.name,
            )
            threshold = EU_THRESHOLD_WORKS if programme.kind != "services" else EU_THRESHOLD_SERVICES
            if reserved:
                consideration = SocialConsideration.RESERVED
            elif not has_clause:
                consideration = SocialConsideration.NONE
            elif rng.random() < 0.08:
                consideration = SocialConsideration.SOCIAL_CRITERION
            else:
                consideration = SocialConsideration.SOCIAL_CLAUSE
            if programme.kind == "works":
                procedure = Procedure.OPEN if amount >= EU_THRESHOLD_WORKS else Procedure.ADAPTED
            else:
                procedure = Procedure.OPEN if amount >= EU_THRESHOLD_SERVICES else Procedure.ADAPTED
            if procedure == Procedure.OPEN and rng.random() < 0.08:
                procedure = Procedure.NEGOTIATED
            end = _add_months(notification, duration)
            if notification > today:
                status = MarketStatus.PLANNED
            elif end < today:
                status = MarketStatus.COMPLETED
            else:
                status = MarketStatus.IN_PROGRESS
            cpv = WORKS_CPV if programme.kind != "services" and len(lots) > 1 else TRADES[lots[0][0]].cpv
            main_trade = max(zip(lots, lot_amounts, strict=True), key=lambda item: item[1])[0][0]
            market_objects.append(
                Market(
                    territory=self.territory,
                    buyer=buyer,
                    reference=reference,
                    object=obj[:500],
                    cpv_code=cpv,
                    procedure=procedure,
                    amount_ht=amount,
                    notification_date=notification,
                    duration_months=duration,
                    execution_commune_id=commune,
                    social_consideration=consideration,
                    status=status,
                    trade=MARKET_TRADES[main_trade],
                )
            )
            mandatory = notification >= MANDATORY_CONDITION_SINCE and amount >= threshold
            market_meta.append((programme, buyer, commune, consideration, reserved, mandatory, has_clause))
            for number, ((trade, _a, title), lot_amount) in enumerate(zip(lots, lot_amounts, strict=True), start=1):
                lot_specs.append((len(market_objects) - 1, number, trade, lot_amount, title))
        self.markets = _bulk(Market, market_objects)

        lots = _bulk(
            Lot,
            [
                Lot(territory=self.territory, market=self.markets[m], number=n, title=title, amount_ht=amount)
                for m, n, _trade, amount, title in lot_specs
            ],
        )

        # Awards: a holder per lot; some groupements (co-contractor) and declared subcontractors.
        awards, lot_holder, lot_partners = [], {}, defaultdict(list)
        works_trades = [t for t, spec in TRADES.items() if spec.works]
        for lot, (m, _n, trade, amount, _title) in zip(lots, lot_specs, strict=True):
            programme, _buyer, _commune, _consideration, reserved, _mandatory, _has = market_meta[m]
            if reserved and self.reserved_holders.get(trade):
                holder = self.companies[rng.choice(self.reserved_holders[trade])]
            else:
                holder = self.pick_company(trade)
            awards.append(LotAward(territory=self.territory, lot=lot, company=holder, role=AwardRole.HOLDER))
            lot_holder[lot.pk] = holder
            if programme.kind == "works" and amount > 800_000 and rng.random() < 0.15:
                partner = self.pick_company(trade, exclude={holder})
                if partner:
                    awards.append(
                        LotAward(territory=self.territory, lot=lot, company=partner, role=AwardRole.CO_CONTRACTOR)
                    )
                    lot_partners[lot.pk].append(partner)
            if programme.kind == "works" and rng.random() < 0.25:
                partner = self.pick_company(rng.choice(works_trades), exclude={holder, *lot_partners[lot.pk]})
                if partner:
                    awards.append(
                        LotAward(territory=self.territory, lot=lot, company=partner, role=AwardRole.SUBCONTRACTOR)
                    )
                    lot_partners[lot.pk].append(partner)
        _bulk(LotAward, awards)

        # Clauses, sized from the lot amount (labour share by trade, 5–10 %, 25–35 €/h) or per invoiced tranche.
        clauses, plans = [], []
        lots_by_market = defaultdict(list)
        for lot, spec in zip(lots, lot_specs, strict=True):
            lots_by_market[spec[0]].append((lot, spec))
        for m, market in enumerate(self.markets):
            programme, buyer, commune, consideration, reserved, mandatory, has_clause = market_meta[m]
            if not has_clause:
                continue
            candidates = [
                (lot, spec)
                for lot, spec in lots_by_market[m]
                if (programme.kind != "works" or spec[3] >= 150_000)
                and rng.random() < TRADES[spec[2]].clause_probability
            ]
            if not candidates:
                candidates = [max(lots_by_market[m], key=lambda item: item[1][3])]
            start = market.notification_date + timedelta(days=rng.randint(15, 75))
            end = _add_months(start, market.duration_months) - timedelta(days=1)
            if reserved:
                basis = None  # per lot, from its holder
            elif consideration == SocialConsideration.SOCIAL_CRITERION:
                basis = LegalBasis.AWARD_CRITERION
            elif mandatory:
                basis = LegalBasis.MANDATORY_CONDITION
            else:
                basis = LegalBasis.EXECUTION_CONDITION
            if buyer.lead_facilitator and rng.random() < 0.85:
                facilitator = buyer.lead_facilitator
            else:
                facilitator = rng.choice(self.facilitators)
            market_clauses = []
            for lot, (_m, _n, trade, amount, _title) in candidates:
                holder_kind = self.reserved_kind_of.get(lot_holder[lot.pk].pk)
                if reserved and holder_kind == InclusionEmployerKind.EA:
                    lot_basis = LegalBasis.RESERVED_DISABILITY
                elif reserved:
                    lot_basis = LegalBasis.RESERVED_SIAE
                else:
                    lot_basis = basis
                clause = Clause(
                    territory=self.territory,
                    lot=lot,
                    legal_basis=lot_basis,
                    start_date=start,
                    end_date=end,
                    facilitator=facilitator,
                    penalty_per_missing_hour=Decimal(rng.choice([30, 40, 50, 60])) if rng.random() < 0.6 else None,
                )
                if programme.kind == "framework":
                    tranche = Decimal(rng.choice([1500, 2000, 2500, 3000]))
                    per_tranche = Decimal(1)
                    invoiced = _round_amount(float(amount) * rng.uniform(0.7, 1.0))
                    sizing = hours_from_invoiced_tranche(invoiced, tranche, per_tranche)
                    clause.sizing_method = SizingMethod.INVOICED_TRANCHE
                    clause.sizing_amount_ht = invoiced
                    clause.tranche_amount = tranche
                    clause.hours_per_tranche = per_tranche
                else:
                    share = Decimal(
                        str(round(min(0.85, max(0.1, TRADES[trade].labour_share + rng.uniform(-0.05, 0.05))), 2))
                    )
                    if programme.anru:
                        rate = Decimal("0.05") if programme.kind == "works" else Decimal("0.10")
                    elif reserved:
                        rate = Decimal("0.10")
                    else:
                        rate = Decimal(rng.choice(["0.05", "0.05", "0.06", "0.07", "0.08", "0.10"]))
                    cost = Decimal(rng.choice([25, 27, 28, 30, 30, 32, 35]))
                    sizing = hours_from_labour_share(amount, share, rate, cost)
                    clause.sizing_amount_ht = amount
                    clause.labour_share = share
                    clause.insertion_rate = rate
                    clause.hourly_cost = cost
                clause.hours_required = sizing.hours
                market_clauses.append(
                    _ClausePlan(
                        clause=clause,
                        trade=trade,
                        market=market,
                        holder=lot_holder[lot.pk],
                        partners=lot_partners[lot.pk],
                        reserved=reserved,
                        execution_commune_id=commune,
                        start_index=_month_index(start),
                        end_index=_month_index(end),
                    )
                )
            # Feasibility: too small a clause is not worth its fixed costs, but the market keeps at least one.
            kept = [p for p in market_clauses if p.clause.hours_required >= MIN_CLAUSE_HOURS] or [
                max(market_clauses, key=lambda p: p.clause.hours_required)
            ]
            plans.extend(kept)
            clauses.extend(p.clause for p in kept)
        _bulk(Clause, clauses)
        self.plans = plans
        # The buyer of the demo buyer account: the one with the most markets under a clause (the main city at scale 1).
        markets_per_buyer = Counter(market.buyer_id for market in {plan.market for plan in self.plans})
        self.demo_buyer = max(self.buyers, key=lambda b: (markets_per_buyer[b.pk], -self.buyers.index(b)))
        self.forced_pace = self.demo_buyer_paces()

    def demo_buyer_paces(self):
        """{market pk: pace factor}: one market of the demo buyer behind its pace (late), one on track.

        Only clauses that started inside the months of statements qualify (their whole history is generated), and
        have run long enough for the pace to be judged on validated months.
        """
        markets = defaultdict(list)
        for plan in self.plans:
            if plan.market.buyer_id == self.demo_buyer.pk:
                markets[plan.market].append(plan)

        def qualifies(plans, months):
            return all(
                p.start_index >= self.first_month and min(p.end_index, self.last_month) - p.start_index >= months
                for p in plans
            )

        for months in (5, 3, 1):
            candidates = sorted(
                (m for m, plans in markets.items() if qualifies(plans, months)), key=lambda m: (m.reference, m.pk)
            )
            if len(candidates) >= 2:
                return {candidates[0].pk: 0.45, candidates[1].pk: 1.2}
        # A single market qualifies (small scales): keep it on track; a market just started is the one behind.
        return {candidates[0].pk: 1.2} if candidates else {}

    # -- participants and placements ----------------------------------------------------------------------------------

    def create_placements(self):
        """Placements whose hours reach, for each clause, its expected hours to date × a pace factor.

        Expected to date = hours required × months elapsed ÷ months of execution; the pace factor is 0.85–1.1 for
        most clauses, 1.1–1.35 for a few ahead, and 0.3–0.7 for the ~20 % behind pace. The monthly hours are drawn
        here (partial first and last months, holidays, sick leave…) so that the target is met by real figures.
        """
        rng = self.rng
        drafts = []
        for plan in self.plans:
            first = max(plan.start_index, self.first_month)
            last = min(plan.end_index, self.last_month)
            if first > last:
                continue
            months_total = plan.end_index - plan.start_index + 1
            expected = float(plan.clause.hours_required) * (last - first + 1) / months_total
            draw = rng.random()
            if draw < 0.2:
                pace = rng.uniform(0.3, 0.7)  # behind pace
            elif draw < 0.9:
                pace = rng.uniform(0.85, 1.1)
            else:
                pace = rng.uniform(1.1, 1.35)
            pace = self.forced_pace.get(plan.market.pk, pace)
            target = expected * pace
            achieved = 0.0
            for _ in range(500):
                if target - achieved < MIN_PLACEMENT_HOURS:
                    break
                draft = self.draft_placement(plan, first, last, target - achieved)
                drafts.append(draft)
                achieved += draft.counted_hours

        # People: a placement goes to someone already known and free at that time (a pathway), or to a newcomer.
        drafts.sort(key=lambda d: (d.start_date, d.plan.clause.pk))
        exits = random.Random(f"{RANDOM_SEED}-{self.profile.code}-exits")
        people = []
        placements = []
        for draft in drafts:
            work_study = draft.contract in ContractKind.work_study()
            person = None
            if people and rng.random() < PATHWAY_SHARE:
                for _ in range(25):
                    candidate = rng.choice(people)
                    if candidate.free_from <= draft.start_month and (not work_study or candidate.age_at_start < 30):
                        person = candidate
                        break
            if person is None:
                person = self.new_person(draft.plan, draft.start_date, draft.start_month, work_study, draft.mode)
                people.append(person)
            person.free_from = draft.end_month + rng.randint(1, 4)
            if draft.end_date is not None and draft.end_month < self.last_month and exits.random() < EXIT_SHARE:
                person.free_from = math.inf  # left the pathway: no further placement
            draft.placement = Placement(
                territory=self.territory,
                participant=person.participant,
                clause=draft.plan.clause,
                employer_company=draft.company,
                employer_inclusion=draft.inclusion,
                contract_kind=draft.contract,
                mode=draft.mode,
                start_date=draft.start_date,
                end_date=draft.end_date,
            )
            placements.append(draft.placement)

        # Some people validated recently are waiting for a placement.
        waiting = _scaled(len(people) * 0.06, 1, minimum=0)
        for _ in range(waiting):
            plan = rng.choice(self.plans)
            day = self.today - timedelta(days=rng.randint(5, 60))
            people.append(self.new_person(plan, day, _month_index(day), False, ExecutionMode.DIRECT_HIRING))

        self.save_people(rng, people, placements)
        self.drafts = drafts
        self.people = people

    def save_people(self, rng, people, placements):
        """Write ``people`` (``_Person``), their eligibility validations and ``placements``."""
        _bulk(Participant, [p.participant for p in people])
        validations = []
        for person in people:
            for criterion, evidence, validated_on, reason in person.criteria:
                user = self.facilitator_user_or_coordinator(person.participant.referent)
                validation = EligibilityValidation(
                    territory=self.territory,
                    participant=person.participant,
                    criterion=self.criteria[criterion],
                    evidence_kind=evidence,
                    validated_by=user,
                    validated_on=validated_on,
                    valid_until=_add_months(validated_on, 24) if rng.random() < 0.8 else None,
                    reason=reason,
                )
                validation._history_date = _aware(validated_on, 9 + rng.randint(0, 8), rng.randint(0, 59))
                validation._history_user = user
                validations.append(validation)
        _bulk_with_history(EligibilityValidation, validations)
        _bulk(Placement, placements)

    def draft_placement(self, plan, first, last, remaining):
        """One placement on ``plan``'s clause within months [first, last], and its monthly hours."""
        rng = self.rng
        mode, contract, company, inclusion = self.pick_mode(plan)
        work_study = contract in ContractKind.work_study()
        available = last - first + 1
        if work_study:
            months = rng.randint(6, 14)
        else:
            months = _weighted(rng, [2, 3, 4, 5, 6, 8, 10, 12], [6, 10, 14, 14, 16, 14, 8, 8])
        months = min(months, available)
        base = 151.67 if rng.random() < 0.5 else rng.uniform(70, 140)
        if months * base * 0.85 > remaining:
            months = max(1, min(months, math.ceil(remaining / (base * 0.85))))
            if months == 1:
                base = min(base, max(remaining / 0.8, 70))  # a short mission, not a few hours
        start_month = first + rng.randrange(0, available - months + 1)
        end_month = start_month + months - 1

        day = rng.randint(1, 20)
        if start_month == plan.start_index:
            day = max(day, plan.clause.start_date.day)
        if start_month == plan.end_index:
            day = min(day, plan.clause.end_date.day)
        start_date = _month_start(start_month).replace(day=min(day, _days_in_month(start_month)))
        if end_month >= self.last_month and end_month >= plan.end_index - 1:
            end_date = plan.clause.end_date
        elif end_month >= self.last_month:
            # Still working last month: a CDI or work-study has no end yet; a CDD or mission ends later.
            if contract in (ContractKind.CDI, *ContractKind.work_study()):
                end_date = None
            else:
                end_date = _add_months(_month_start(end_month), rng.randint(1, 4)) + timedelta(days=rng.randint(0, 27))
        else:
            end_date = _month_start(end_month).replace(day=rng.randint(15, _days_in_month(end_month)))
        if end_date and plan.clause.end_date and end_date > plan.clause.end_date:
            end_date = plan.clause.end_date
        if end_date is not None and end_date < start_date:
            end_date = start_date

        draft = _PlacementDraft(plan, mode, contract, company, inclusion, start_month, end_month, start_date, end_date)
        works = TRADES[plan.trade].works
        for month in range(start_month, end_month + 1):
            days = _days_in_month(month)
            factor = rng.uniform(0.92, 1.06)
            comment = ""
            if month % 12 == 7:  # August: paid holidays
                factor *= rng.uniform(0.45, 0.7)
                comment = "Congés payés." if rng.random() < 0.5 else ""
            elif month % 12 == 11:
                factor *= 0.85
            elif works and month % 12 in (0, 1) and rng.random() < 0.08:
                factor *= 0.6
                comment = "Intempéries : chantier arrêté plusieurs jours."
            if rng.random() < 0.02:
                factor *= 0.5
                comment = "Arrêt maladie en cours de mois."
            if month == start_month:
                factor *= (days - start_date.day + 1) / days
            if end_date and _month_index(end_date) == month:
                factor *= end_date.day / days
            total = base * factor
            training = 0.0
            if work_study and month % 12 != 7:
                training = min(total * 0.3, rng.uniform(20, 35))
            worked, training = _half_hours(total - training), _half_hours(training)
            if worked or training:
                draft.months.append((month, worked, training, comment))
                draft.counted_hours += float(worked + (training if work_study else 0))
        return draft

    def pick_mode(self, plan):
        """(mode, contract kind, employer company, inclusion employer) of one placement."""
        rng = self.rng
        if plan.reserved:  # the SIAE or EA holding the reserved lot hires
            disability = self.reserved_kind_of.get(plan.holder.pk) == InclusionEmployerKind.EA
            return ExecutionMode.DIRECT_HIRING, ContractKind.CDD if disability else ContractKind.CDDI, plan.holder, None
        sector = "works" if TRADES[plan.trade].works else "services"
        draw = rng.random()
        if draw < 0.62:
            company = plan.holder
            if plan.partners and rng.random() < 0.15:
                company = rng.choice(plan.partners)
            contract = _weighted(
                rng,
                [ContractKind.CDD, ContractKind.CDI, ContractKind.APPRENTICESHIP, ContractKind.PROFESSIONALISATION],
                [62, 12, 12, 14],
            )
            return ExecutionMode.DIRECT_HIRING, contract, company, None
        if draw < 0.88:
            kinds = [InclusionEmployerKind.ETTI, InclusionEmployerKind.GEIQ, InclusionEmployerKind.AI]
            kind = _weighted(rng, kinds, [60, 25, 15])
            employer = self.pick_inclusion(kind, sector) or self.pick_inclusion(InclusionEmployerKind.ETTI, sector)
            if employer is not None:
                if employer.kind == InclusionEmployerKind.GEIQ:
                    contract = _weighted(rng, [ContractKind.PROFESSIONALISATION, ContractKind.APPRENTICESHIP], [70, 30])
                else:
                    contract = ContractKind.TEMPORARY
                return ExecutionMode.STAFF_PROVISION, contract, None, employer
        employer = self.pick_inclusion(InclusionEmployerKind.EI, sector) or self.pick_inclusion(
            InclusionEmployerKind.ACI, sector
        )
        if employer is not None:
            return ExecutionMode.SUBCONTRACTING, ContractKind.CDDI, None, employer
        return ExecutionMode.DIRECT_HIRING, ContractKind.CDD, plan.holder, None

    def pick_inclusion(self, kind, sector):
        candidates = [e for e in self.inclusion_employers if e.kind == kind and sector in self.inclusion_sectors[e.pk]]
        return self.rng.choice(candidates) if candidates else None

    def new_person(self, plan, start_date, start_month, work_study, mode):
        rng = self.rng
        female = rng.random() < TRADES[plan.trade].female_share
        sex = Sex.FEMALE if female else Sex.MALE
        first, last, _ = self.person_name(sex)
        if not hasattr(self, "staff_names"):  # the facilitators of every territory seeded so far, this one included
            staff = set(Facilitator.objects.values_list("first_name", "last_name"))
            self.staff_names = ({first for first, _ in staff}, {last for _, last in staff})
        for _ in range(5):  # no participant named from a facilitator's first and another's last name (no confusion)
            if first not in self.staff_names[0] or last not in self.staff_names[1]:
                break
            first, last, _ = self.person_name(sex)
        if work_study:
            age = rng.randint(18, 29)
        else:
            band = _weighted(rng, ["young", "adult", "senior"], [27, 53, 20])
            age = {"young": rng.randint(18, 25), "adult": rng.randint(26, 49), "senior": rng.randint(50, 62)}[band]
        birth_date = start_date - timedelta(days=age * 365 + rng.randint(0, 364))
        age = (
            start_date.year
            - birth_date.year
            - ((start_date.month, start_date.day) < (birth_date.month, birth_date.day))
        )
        young = age < 26
        if young:
            qualification = _weighted(rng, ["none", "3", "4", "5"], [55, 30, 13, 2])
        else:
            qualification = _weighted(rng, ["none", "3", "4", "5", "6+"], [40, 33, 15, 8, 4])
        home_epci = self.communes[plan.execution_commune_id][2] if plan.execution_commune_id else None
        commune = self.pick_commune(home_epci if rng.random() < 0.55 else None)
        qpv = rng.random() < (0.4 if commune in self.big_commune_codes else 0.08)
        rqth = rng.random() < 0.07

        # Eligible publics, and the prescriber who sent the person.
        validated_on = start_date - timedelta(days=rng.randint(3, 40))
        criteria = []

        def add(code, evidence, reason=""):
            if code not in {c[0] for c in criteria}:
                criteria.append((code, evidence, validated_on, reason))

        if young and qualification in ("none", "3"):
            add("young_unqualified", EvidenceKind.IDENTITY_DOCUMENT)
        if age >= 50 and rng.random() < 0.8:
            add("senior_jobseeker", EvidenceKind.FRANCE_TRAVAIL_CERTIFICATE)
        if rqth:
            add("rqth", EvidenceKind.MDPH_DECISION)
        if age >= 25 and rng.random() < 0.25:
            add("rsa", EvidenceKind.CAF_CERTIFICATE)
        if age >= 26 and rng.random() < 0.4:
            add("long_term_jobseeker", EvidenceKind.FRANCE_TRAVAIL_CERTIFICATE)
        draw = rng.random()
        if draw < 0.03:
            add("ass", EvidenceKind.FRANCE_TRAVAIL_CERTIFICATE)
        elif draw < 0.05:
            add("aah", EvidenceKind.CAF_CERTIFICATE)
        if mode in (ExecutionMode.STAFF_PROVISION, ExecutionMode.SUBCONTRACTING) and rng.random() < 0.6:
            add("siae_employee", EvidenceKind.SIAE_CERTIFICATE)
        if qpv and (not criteria or rng.random() < 0.4):
            add("qpv_resident", EvidenceKind.PROOF_OF_ADDRESS)
        if young and rng.random() < 0.04:
            add("epide_e2c", EvidenceKind.OTHER)
        if not criteria:
            if rng.random() < 0.75:
                add("long_term_jobseeker", EvidenceKind.FRANCE_TRAVAIL_CERTIFICATE)
            else:
                add(
                    "facilitator_decision",
                    EvidenceKind.PRESCRIBER_OPINION,
                    rng.choice(FACILITATOR_DECISION_REASONS),
                )
        criteria = criteria[:3]

        if rqth and rng.random() < 0.8:
            prescriber = Prescriber.CAP_EMPLOI
        elif young:
            prescriber = _weighted(
                rng,
                [Prescriber.MISSION_LOCALE, Prescriber.FRANCE_TRAVAIL, Prescriber.PLIE, Prescriber.OTHER],
                [60, 25, 5, 10],
            )
        elif mode != ExecutionMode.DIRECT_HIRING and rng.random() < 0.3:
            prescriber = Prescriber.SIAE
        else:
            prescriber = _weighted(rng, [Prescriber.FRANCE_TRAVAIL, Prescriber.PLIE, Prescriber.OTHER], [60, 30, 10])
        referent = (
            plan.clause.facilitator
            if rng.random() < 0.85 and plan.clause.facilitator
            else rng.choice(self.facilitators)
        )
        participant = Participant(
            territory=self.territory,
            first_name=first,
            last_name=last,
            birth_date=birth_date,
            birth_year=birth_date.year,
            sex=sex,
            qualification_level=QualificationLevel(qualification),
            residence_commune_id=commune,
            is_qpv_resident=qpv,
            prescriber=prescriber,
            referent=referent,
        )
        return _Person(participant=participant, free_from=start_month, age_at_start=age, criteria=criteria)

    # -- monthly statements -------------------------------------------------------------------------------------------

    def create_statements(self):
        """The company statements (one per clause, company and month) and their lines, drafted with the placements.

        The company of a line is its employer, or the lot holder when an inclusion employer provides the person (the
        hours count for the holder, who reports them). Statements are validated, except last month's (partly
        submitted or still in draft) and a few stragglers of the month before; their lines mirror their status.
        """
        now = timezone.now()
        company_user = self.membership_by_email[self.demo_email(Role.COMPANY)].user
        demo_company = self.demo_company()
        statements, lines = {}, []
        for draft in self.drafts:
            clause = draft.plan.clause
            company = draft.company or draft.plan.holder
            validator = self.facilitator_user_or_coordinator(clause.facilitator)
            for month, worked, training, comment in draft.months:
                statement = statements.get((clause.pk, company.pk, month))
                if statement is None:
                    statement = self.new_statement(clause, company, month, validator, now)
                    # Companies without an account send their figures to the facilitator, who enters them.
                    submitter = company_user if company is demo_company else validator
                    if statement.status != StatementStatus.DRAFT:
                        statement.submitted_by = submitter
                    statement._history_user = statement.reviewed_by or submitter
                    statements[(clause.pk, company.pk, month)] = statement
                line = MonthlyHours(
                    territory=self.territory,
                    placement=draft.placement,
                    statement=statement,
                    month=_month_start(month),
                    hours_worked=worked,
                    training_hours=training,
                    status=statement.status,
                    comment=comment,
                )
                if statement.status == StatementStatus.VALIDATED:
                    line.validated_by = statement.reviewed_by
                    line.validated_at = statement.reviewed_at
                line._history_user = statement._history_user
                line._history_date = statement._history_date
                lines.append(line)
        _bulk_with_history(Statement, list(statements.values()))
        _bulk_with_history(MonthlyHours, lines)

    def new_statement(self, clause, company, month, validator, now):
        rng = self.rng
        if month == self.last_month:
            weights = {StatementStatus.VALIDATED: 40, StatementStatus.SUBMITTED: 35, StatementStatus.DRAFT: 25}
        elif month == self.last_month - 1:
            weights = {StatementStatus.VALIDATED: 94, StatementStatus.SUBMITTED: 4, StatementStatus.RETURNED: 2}
        else:
            weights = {StatementStatus.VALIDATED: 1}
        status = _weighted(rng, list(weights), list(weights.values()))
        if self.forced_pace.get(clause.lot.market_id, 0) > 1:  # the demo buyer's market on track: all validated
            status = StatementStatus.VALIDATED
        statement = Statement(territory=self.territory, clause=clause, company=company, month=_month_start(month))
        statement.status = status
        written = min(
            _aware(_month_start(month + 1) + timedelta(days=rng.randint(1, 8)), rng.randint(8, 17)),
            now - timedelta(hours=3),
        )
        statement._history_date = written
        if status != StatementStatus.DRAFT:
            statement.submitted_at = written
        if status in (StatementStatus.VALIDATED, StatementStatus.RETURNED):
            reviewed = written + timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 6))
            statement.reviewed_by = validator
            statement.reviewed_at = min(reviewed, now - timedelta(hours=1))
            statement._history_date = statement.reviewed_at
        if status == StatementStatus.RETURNED:
            statement.review_comment = "Heures incohérentes avec les contrats de travail : merci de corriger."
        return statement

    def demo_company(self):
        """The company of the demo company contact: the holder with the most people hired directly."""
        if not hasattr(self, "_demo_company"):
            hires = Counter(
                d.company.pk for d in self.drafts if d.company is not None and d.mode == ExecutionMode.DIRECT_HIRING
            )
            by_pk = {c.pk: c for c in self.companies}
            self._demo_company = by_pk[hires.most_common(1)[0][0]] if hires else self.companies[0]
        return self._demo_company

    # -- demo accounts' organisations ---------------------------------------------------------------------------------

    def link_demo_accounts(self):
        people = self.profile.people
        buyer = self.demo_buyer
        buyer_membership = self.membership_by_email[self.demo_email(Role.BUYER)]
        BuyerMember.objects.create(territory=self.territory, buyer=buyer, membership=buyer_membership)
        self.record_account(Role.BUYER, self.demo_email(Role.BUYER), people["buyer"], buyer)

        company = self.demo_company()
        company_membership = self.membership_by_email[self.demo_email(Role.COMPANY)]
        CompanyMember.objects.create(territory=self.territory, company=company, membership=company_membership)
        self.record_account(Role.COMPANY, self.demo_email(Role.COMPANY), people["company"], company)

    # -- programming: planned markets and the preparation of their clauses --------------------------------------------

    def create_programming(self):
        """Planned markets (the buyers' pipeline) with their clause preparation: feasibility with reasons, the form
        recommended by ``clauses.feasibility`` and the one chosen (one deviates, with its reason), the sizing.

        A separate random stream: the rest of the demo data does not change with this step.
        """
        rng = random.Random(f"{RANDOM_SEED}-{self.profile.code}-programming")
        if self.profile.code in TRADE_LABOUR_SHARE_OVERRIDES:
            _bulk(
                TradeLabourShare,
                [
                    TradeLabourShare(territory=self.territory, trade=trade, labour_share=Decimal(share))
                    for trade, share in TRADE_LABOUR_SHARE_OVERRIDES[self.profile.code].items()
                ],
            )
        shares = labour_shares(self.territory)
        siae_kinds, disability_kinds = InclusionEmployerKind.siae(), InclusionEmployerKind.disability()
        count = _scaled(10 * self.profile.weight, self.scale, minimum=4)
        others = [b for b in self.buyers if b.pk != self.demo_buyer.pk]
        buyer_user = self.membership_by_email[self.demo_email(Role.BUYER)].user
        hourly_cost = self.territory.default_hourly_cost or Decimal(30)
        references = Counter()
        markets, specs = [], []
        for index in range(count):
            buyer = self.demo_buyer if index < 2 else rng.choice(others)
            programmes = PROGRAMMES_BY_BUYER_KIND[buyer.kind]
            key = _weighted(rng, list(programmes), list(programmes.values()))
            programme = PROGRAMMES[key]
            demo_trade = programme.trades[0]
            trade = MARKET_TRADES[demo_trade]
            amount = _round_amount(_log_uniform(rng, *programme.amount))
            duration = rng.randint(*programme.duration)
            tender = self.today + timedelta(days=rng.randint(20, 270))
            home_commune, home_epci = self.buyer_home[buyer.pk]
            commune = home_commune or self.pick_commune(home_epci)
            references[(buyer.pk, tender.year)] += 1
            obj = programme.object.format(
                commune=self.commune_name(commune),
                school=rng.choice(SCHOOL_NAMES),
                residence=rng.choice(RESIDENCE_NAMES),
                n=rng.choice([24, 36, 48, 60, 96]) if "logements" in programme.object else rng.choice("ABCDEFGH"),
                year=tender.year,
                zac=rng.choice(ZAC_NAMES),
                road=rng.randint(2, 986),
                buyer=buyer.name,
            )
            threshold = EU_THRESHOLD_WORKS if programme.kind != "services" else EU_THRESHOLD_SERVICES
            in_charge = (buyer.lead_facilitator or rng.choice(self.facilitators)) if rng.random() < 0.7 else None
            if index == 0:
                in_charge = buyer.lead_facilitator or self.facilitators[0]
            markets.append(
                Market(
                    territory=self.territory,
                    buyer=buyer,
                    reference=f"{tender.year}-PRG-{references[(buyer.pk, tender.year)]:03d}",
                    object=obj[:500],
                    cpv_code=WORKS_CPV if programme.kind != "services" else TRADES[demo_trade].cpv,
                    procedure=Procedure.OPEN if amount >= threshold else Procedure.ADAPTED,
                    amount_ht=amount,
                    duration_months=duration,
                    execution_commune_id=commune,
                    status=MarketStatus.PLANNED,
                    trade=trade,
                    expected_tender_date=tender,
                    facilitator=in_charge,
                    declared_by=buyer_user if buyer.pk == self.demo_buyer.pk else self.coordinator_user,
                )
            )
            sector = "works" if TRADES[demo_trade].works else "services"
            employers = [e for e in self.inclusion_employers if sector in self.inclusion_sectors[e.pk]]
            specs.append(
                {
                    "assessed": index < 3 or rng.random() < 0.6,
                    "deviates": index == 1,
                    "siae": sum(1 for e in employers if e.kind in siae_kinds),
                    "disability": sum(1 for e in employers if e.kind in disability_kinds),
                    "share": shares[trade],
                }
            )
        self.planned_markets = _bulk(Market, markets)

        plans = []
        for market, spec in zip(self.planned_markets, specs, strict=True):
            plan = ClausePlan(territory=self.territory, market=market)
            plan._history_user = market.declared_by
            plan._history_date = _aware(self.today - timedelta(days=rng.randint(2, 30)))
            plans.append(plan)
            if not spec["assessed"]:
                continue
            levels = self.feasibility_levels(rng, market)
            recommendation = recommend_form(
                **{name: level for name, (level, _reason) in levels.items()},
                amount_ht=market.amount_ht,
                duration_months=market.duration_months,
                siae_count=spec["siae"],
                disability_count=spec["disability"],
                trade=market.trade,
            )
            for name, (level, reason) in levels.items():
                setattr(plan, f"{name}_level", level)
                setattr(plan, f"{name}_reason", reason)
            plan.recommended_form = recommendation.form
            plan.recommendation_reason = recommendation.justification
            plan.chosen_form = recommendation.form
            if spec["deviates"]:
                if recommendation.form == ClauseForm.EXECUTION_CONDITION:
                    plan.chosen_form = ClauseForm.CONDITION_AND_CRITERION
                    plan.choice_reason = (
                        "Le conseil d'administration souhaite aussi noter la qualité du parcours proposé aux "
                        "personnes en insertion (tutorat, formation) : un critère d'attribution s'ajoute aux heures."
                    )
                else:
                    plan.chosen_form = ClauseForm.EXECUTION_CONDITION
                    plan.choice_reason = (
                        "La politique d'achat de la collectivité prévoit une condition d'exécution sur tous ses "
                        "marchés de ce type : un volume d'heures allégé sera demandé."
                    )
            plan.assessed_by = self.facilitator_user_or_coordinator(market.facilitator)
            plan.assessed_at = plan._history_date
            plan._history_user = plan.assessed_by
            if plan.chosen_form in (ClauseForm.EXECUTION_CONDITION, ClauseForm.CONDITION_AND_CRITERION):
                rate = Decimal(rng.choice(["0.05", "0.05", "0.06", "0.07"]))
                sizing = hours_from_labour_share(market.amount_ht, spec["share"], rate, hourly_cost)
                plan.sizing_method = SizingMethod.LABOUR_SHARE
                plan.sizing_amount_ht = market.amount_ht
                plan.labour_share = spec["share"]
                plan.insertion_rate = rate
                plan.hourly_cost = hourly_cost
                plan.hours = sizing.hours
                plan.sizing_working = sizing.working
                plan.eligible_publics = ["long_term_jobseeker", "rsa", "young_unqualified", "rqth", "qpv_resident"]
                plan.execution_modes = [
                    ExecutionMode.DIRECT_HIRING,
                    ExecutionMode.STAFF_PROVISION,
                    ExecutionMode.SUBCONTRACTING,
                ]
                plan.penalty_per_missing_hour = Decimal(rng.choice([40, 50, 60]))
        _bulk_with_history(ClausePlan, plans)

    def feasibility_levels(self, rng, market):
        """{criterion: (FeasibilityLevel, reason)} of a planned market, from its duration, amount and trade."""
        fav, marginal, unfav = FeasibilityLevel.FAVOURABLE, FeasibilityLevel.MARGINAL, FeasibilityLevel.UNFAVOURABLE
        months, amount = market.duration_months, market.amount_ht
        if months >= 6:
            duration = (fav, f"{months} mois d'exécution : de quoi accueillir une ou plusieurs personnes en parcours.")
        else:
            duration = (marginal, f"{months} mois seulement : privilégier la mise à disposition (ETTI, GEIQ).")
        if amount >= 300_000:
            amount_level = (fav, "Montant suffisant pour absorber les coûts fixes de l'accueil (tutorat).")
        elif amount >= 90_000:
            amount_level = (marginal, "Montant limité : un volume d'heures modeste, pour une ou deux personnes.")
        else:
            amount_level = (unfav, "Montant trop faible pour absorber les coûts fixes de l'accueil.")
        if market.trade in (MarketTrade.STEEL_FRAME, MarketTrade.BUILDING_SERVICES):
            technicality = (marginal, "Métier technique : tutorat indispensable, alternance à privilégier.")
        else:
            technicality = (fav, "Tâches de faible ou moyenne technicité, accessibles après une courte formation.")
        if rng.random() < 0.75:
            public = (fav, "Public mobilisable près du lieu d'exécution (France Travail, Mission locale, PLIE).")
        else:
            public = (marginal, "Peu de candidats identifiés près du lieu d'exécution : élargir au bassin d'emploi.")
        return {"duration": duration, "amount": amount_level, "technicality": technicality, "public": public}

    # -- the comité départemental -------------------------------------------------------------------------------------

    def committee_specs(self):
        """(college, organisation, function) of the committee's members, from the territory's own institutions."""
        profile = self.profile
        region = profile.region_name.removeprefix("Région ")
        metropolis = _expand_epci_name(self.main_epcis[0][1]) if self.main_epcis else profile.department_buyer
        main_city = self.main_communes[0][1]
        geiq = next((n for n, k, _s in profile.inclusion_employers if k == InclusionEmployerKind.GEIQ), None)
        esat = next((n for n, k, _s in profile.inclusion_employers if k == InclusionEmployerKind.ESAT), None)
        organisations = [name for name, _kind in profile.facilitator_organisations]
        return [
            (College.STATE, f"Préfecture {profile.of_name}", "Sous-préfète chargée de la cohésion sociale"),
            (College.STATE, f"DDETS {profile.of_name}", "Directeur adjoint, pôle emploi et insertion"),
            (College.LOCAL_AUTHORITIES, profile.department_buyer, "Vice-présidente déléguée à l'insertion"),
            (College.LOCAL_AUTHORITIES, metropolis, "Directeur de l'emploi et de l'insertion"),
            (College.LOCAL_AUTHORITIES, profile.region_name, "Chargée de mission achats responsables"),
            (College.EMPLOYMENT_SERVICE, f"France Travail — direction territoriale {profile.of_name}", "Directrice"),
            (College.EMPLOYMENT_SERVICE, f"Mission locale de {main_city}", "Directeur"),
            (College.EMPLOYMENT_SERVICE, f"Cap emploi {profile.code}", "Responsable du pôle entreprises"),
            (College.BUYERS, self.demo_buyer.name, "Responsable de la commande publique"),
            (College.BUYERS, profile.social_housing[0], "Directrice de la maîtrise d'ouvrage"),
            (College.BUYERS, profile.hospitals[0], "Responsable des achats"),
            (College.FEDERATIONS, f"Fédération du BTP {profile.of_name}", "Secrétaire général"),
            (College.FEDERATIONS, f"CAPEB {profile.of_name}", "Président"),
            (College.FEDERATIONS, f"Fédération des entreprises de propreté — {region}", "Déléguée régionale"),
            (College.IAE_NETWORK, f"Fédération des entreprises d'insertion — {region}", "Délégué régional"),
            (College.IAE_NETWORK, geiq or f"GEIQ {region}", "Directrice"),
            (College.DISABILITY, f"Agefiph {region}", "Chargée d'études et de développement"),
            (College.DISABILITY, esat or f"ESAT {profile.places[0]}", "Directeur"),
            (College.FACILITATORS, organisations[0], "Coordinatrice du service clauses sociales"),
            (College.FACILITATORS, organisations[1], "Directeur"),
        ]

    def create_committee(self):
        """The committee's members (every college; one former member; the demo committee account is one of them) and
        its meetings over the last two years (agenda, attendance, minutes), plus one to come with its agenda only.

        A separate random stream, and no scale: a committee has about twenty members whatever the volumes.
        """
        rng = random.Random(f"{RANDOM_SEED}-{self.profile.code}-committee")
        committee_membership = self.membership_by_email[self.demo_email(Role.COMMITTEE)]
        members = []
        for college, organisation, function in self.committee_specs():
            first, last, _sex = self.person_name_from(rng)
            members.append(
                CommitteeMember(
                    territory=self.territory,
                    name=f"{first} {last}",
                    organisation=organisation,
                    function=function,
                    college=college,
                    email=f"{slug_of(first)}.{slug_of(last)}@{slug_of(organisation)[:24]}.demo",
                )
            )
        # The demo committee account sits for the State (DDETS).
        first, last = self.profile.people["committee"]
        ddets = members[1]
        ddets.name, ddets.email, ddets.membership = f"{first} {last}", committee_membership.email, committee_membership
        ddets.function = "Chargé·e de mission insertion par l'activité économique"
        # A former member: the federation's previous representative, replaced last year.
        first, last, _sex = self.person_name_from(rng)
        former = CommitteeMember(
            territory=self.territory,
            name=f"{first} {last}",
            organisation=members[11].organisation,
            function="Ancien secrétaire général",
            college=College.FEDERATIONS,
            is_active=False,
        )
        self.committee_members = _bulk(CommitteeMember, [*members, former])
        self.accounts = [
            replace(a, organisation=ddets.organisation) if a.email == committee_membership.email else a
            for a in self.accounts
        ]

        hours = sum(p.clause.hours_required for p in self.plans)
        markets = len({p.market.pk for p in self.plans})
        meetings, present = [], []
        for days_ago in COMMITTEE_MEETING_DAYS:
            day = self.today - timedelta(days=days_ago)
            day -= timedelta(days=max(0, day.weekday() - 3))  # a Monday to Thursday
            upcoming = day > self.today
            spring = day.month <= 6
            title = (
                f"Comité départemental — bilan {day.year - 1}" if spring else f"Comité départemental — point {day.year}"
            )
            agenda = "\n".join(
                [
                    f"1. Bilan consolidé de l'année {day.year - 1}" if spring else "1. Point d'étape à mi-année",
                    "2. Programmation des marchés à venir et clauses à prévoir",
                    "3. Parcours et sorties vers l'emploi durable",
                    "4. Questions diverses",
                ]
            )
            minutes = (
                ""
                if upcoming
                else COMMITTEE_MINUTES.format(
                    markets=format_number(markets),
                    hours=format_number(int(hours)),
                    year=day.year - 1 if spring else day.year,
                    territory=self.profile.of_name,
                )
            )
            meetings.append(
                CommitteeMeeting(
                    territory=self.territory,
                    date=day,
                    title=title,
                    agenda=agenda,
                    minutes=minutes,
                    recorded_by=self.coordinator_user,
                )
            )
            if upcoming:
                present.append([])
                continue
            attendees = [m for m in self.committee_members[:-1] if rng.random() < 0.7 or m is ddets]
            if days_ago > 365:  # the former member still sat on the committee then
                attendees.append(self.committee_members[-1])
            present.append(attendees)
        self.committee_meetings = _bulk(CommitteeMeeting, meetings)
        _bulk(
            CommitteeAttendance,
            [
                CommitteeAttendance(territory=self.territory, meeting=meeting, member=member)
                for meeting, attendees in zip(self.committee_meetings, present, strict=True)
                for member in attendees
            ],
        )

    # -- outcomes (sorties) -------------------------------------------------------------------------------------------

    def create_outcomes(self):
        """The outcomes of the participants whose last placement ended (none still running), as the facilitators
        record them (``clauses.participants``' rule of what is due): at the end of the last contract, observed within
        two weeks, and six months later once six months have passed. Categories: ``OUTCOME_END_WEIGHTS`` at the end
        (a CDI placement that ended is a CDI with the same employer), then ``OUTCOME_SIX_MONTHS_WEIGHTS``. A few are
        still to be recorded, mostly recent ones: the facilitators' « sorties à renseigner ».

        A separate random stream: the rest of the demo data does not change with this step.
        """
        rng = random.Random(f"{RANDOM_SEED}-{self.profile.code}-outcomes")
        today = self.today
        self.create_earlier_pathways(rng)
        drafts_of = defaultdict(list)
        for draft in self.drafts:
            drafts_of[id(draft.placement.participant)].append(draft)
        self.siae_employers = [e for e in self.inclusion_employers if e.kind in InclusionEmployerKind.siae()]
        self.public_employers = [
            b.name for b in self.buyers if b.kind in (BuyerKind.MUNICIPALITY, BuyerKind.DEPARTMENT, BuyerKind.HOSPITAL)
        ]
        outcomes = []
        for person in self.people:
            participant = person.participant
            drafts = drafts_of.get(id(participant))
            if not drafts or any(d.placement.end_date is None or d.placement.end_date > today for d in drafts):
                continue
            last = max(drafts, key=lambda d: (d.placement.end_date, d.placement.start_date))
            end = last.placement.end_date
            recorder = self.facilitator_user_or_coordinator(participant.referent)
            if last.contract == ContractKind.CDI and last.company is not None:
                category = OutcomeCategory.SUSTAINABLE
            else:
                category = _weighted(rng, list(OUTCOME_END_WEIGHTS), list(OUTCOME_END_WEIGHTS.values()))
            at_end = None
            if rng.random() >= (0.5 if (today - end).days < 30 else 0.03):
                at_end = self.new_outcome(rng, participant, OutcomeMilestone.END, category, last, end, recorder)
                outcomes.append(at_end)
            six_months = add_months_to_day(end, SIX_MONTHS)
            if six_months > today or rng.random() < (0.4 if (today - six_months).days < 45 else 0.05):
                continue
            weights = OUTCOME_SIX_MONTHS_WEIGHTS[category]
            later = OutcomeCategory(_weighted(rng, list(weights), list(weights.values())))
            same = at_end if at_end is not None and later == category and rng.random() < 0.8 else None
            outcomes.append(
                self.new_outcome(rng, participant, OutcomeMilestone.SIX_MONTHS, later, last, six_months, recorder, same)
            )
        _bulk_with_history(Outcome, outcomes)

    def create_earlier_pathways(self, rng):
        """People whose pathway ended in the months before the statements begin, on clauses already running then
        (taken over from the coordination's earlier follow-up: their placements have no monthly lines here). Their
        outcomes, six months later, fall in the previous year, which the statements cover only in part."""
        older = [p for p in self.plans if p.start_index < self.first_month - 2]
        if not older:
            return
        main_rng, self.rng = self.rng, rng  # ``new_person`` and ``pick_mode`` draw from this step's stream
        try:
            self._create_earlier_pathways(rng, older)
        finally:
            self.rng = main_rng

    def _create_earlier_pathways(self, rng, older):
        window = _month_start(self.first_month)
        people, placements = [], []
        for _ in range(_scaled(len(self.people) * 0.15, 1, minimum=4)):
            plan = rng.choice(older)
            end = _random_day(rng, max(_add_months(window, -9), plan.clause.start_date), window - timedelta(days=1))
            start = max(_add_months(end, -rng.choice([3, 4, 6, 6, 8, 10, 12])), plan.clause.start_date)
            mode, contract, company, inclusion = self.pick_mode(plan)
            person = self.new_person(plan, start, _month_index(start), contract in ContractKind.work_study(), mode)
            person.free_from = math.inf
            placement = Placement(
                territory=self.territory,
                participant=person.participant,
                clause=plan.clause,
                employer_company=company,
                employer_inclusion=inclusion,
                contract_kind=contract,
                mode=mode,
                start_date=start,
                end_date=end,
            )
            draft = _PlacementDraft(
                plan, mode, contract, company, inclusion, _month_index(start), _month_index(end), start, end
            )
            draft.placement = placement
            people.append(person)
            placements.append(placement)
            self.drafts.append(draft)
        self.save_people(rng, people, placements)
        self.people.extend(people)

    def new_outcome(self, rng, participant, milestone, category, last, due, recorder, same=None):
        """One outcome of ``category`` observed a few days after ``due``; ``same``: the outcome at the end, whose
        situation goes on (the same employer)."""
        if same is not None:
            situation, months, employer = same.situation, same.contract_months, same.employer_name
            if months is not None:
                months = min(months + 6, 36)
        elif category == OutcomeCategory.SUSTAINABLE and last.contract == ContractKind.CDI and last.company:
            situation, months, employer = OutcomeSituation.CDI, None, last.company.name
        else:
            situations = OUTCOME_SITUATIONS[category]
            situation = _weighted(rng, list(situations), list(situations.values()))
            months, employer = None, ""
            if situation in (OutcomeSituation.CDD, OutcomeSituation.TEMPORARY):
                months = rng.randint(6, 18) if category == OutcomeCategory.SUSTAINABLE else rng.randint(1, 5)
            if situation in (OutcomeSituation.CDI, OutcomeSituation.CDD, OutcomeSituation.TEMPORARY):
                # Often the company of the clause keeps the person on; otherwise another firm of the register.
                company = last.company or last.plan.holder
                employer = company.name if rng.random() < 0.45 else rng.choice(self.companies).name
            elif situation in (OutcomeSituation.CIVIL_SERVICE, OutcomeSituation.SUBSIDISED) and self.public_employers:
                employer = rng.choice(self.public_employers)
            elif situation == OutcomeSituation.SIAE_HIRING and self.siae_employers:
                employer = rng.choice(self.siae_employers).name
        observed = min(due + timedelta(days=rng.randint(0, 14)), self.today)
        outcome = Outcome(
            territory=self.territory,
            participant=participant,
            milestone=milestone,
            situation=situation,
            contract_months=months,
            category=outcome_category(situation, months),  # what Outcome.save sets (bulk_create does not call it)
            observed_on=observed,
            employer_name=employer,
            notes=OUTCOME_NOTES.get(situation, "") if same is None and rng.random() < 0.4 else "",
            recorded_by=recorder,
        )
        outcome._history_date = min(_aware(observed, 9 + rng.randint(0, 8), rng.randint(0, 59)), timezone.now())
        outcome._history_user = recorder
        return outcome

    # -- partners and the meetings held with them ---------------------------------------------------------------------

    def partner_specs(self):
        """(kind, name, linked buyer, meetings (low, high)) of the coordination's partners, from the territory's own
        institutions: its main buyers, the professional federations, companies, the employment service…"""
        profile = self.profile
        of, region = profile.of_name, profile.region_name.removeprefix("Région ")
        main_city = self.main_communes[0][1]
        by_name = {b.name: b for b in self.buyers}
        buyers = [
            self.demo_buyer,
            by_name.get(profile.department_buyer),
            by_name.get(profile.social_housing[0]),
            by_name.get(profile.hospitals[0]),
            next((b for b in self.buyers if b.kind == BuyerKind.EPCI), None),
            next((b for b in self.buyers if b.kind == BuyerKind.STATE), None),
        ]
        holders = Counter(plan.holder.pk for plan in self.plans)
        demo_company = self.demo_company()
        companies = [demo_company] + [
            c for c in sorted(self.companies, key=lambda c: (-holders[c.pk], c.name)) if c.pk != demo_company.pk
        ][:2]
        geiq = next((n for n, k, _s in profile.inclusion_employers if k == InclusionEmployerKind.GEIQ), None)
        etti = next((n for n, k, _s in profile.inclusion_employers if k == InclusionEmployerKind.ETTI), None)
        esat = next((n for n, k, _s in profile.inclusion_employers if k == InclusionEmployerKind.ESAT), None)
        adapted = next((n for n, k, _s in profile.inclusion_employers if k == InclusionEmployerKind.EA), None)
        specs = [(PartnerKind.BUYER, b.name, b, (3, 6)) for b in dict.fromkeys(b for b in buyers if b is not None)]
        specs += [
            (PartnerKind.FEDERATION, f"Fédération du BTP {of}", None, (2, 4)),
            (PartnerKind.FEDERATION, f"CAPEB {of}", None, (2, 4)),
            (PartnerKind.FEDERATION, f"Fédération régionale des travaux publics — {region}", None, (1, 3)),
            (PartnerKind.FEDERATION, f"Fédération des entreprises de propreté — {region}", None, (1, 2)),
            *((PartnerKind.COMPANY, c.name, None, (1, 3)) for c in companies),
            (PartnerKind.EMPLOYMENT_SERVICE, f"France Travail — direction territoriale {of}", None, (3, 5)),
            (PartnerKind.EMPLOYMENT_SERVICE, f"Mission locale de {main_city}", None, (2, 4)),
            (PartnerKind.EMPLOYMENT_SERVICE, f"Cap emploi {profile.code}", None, (1, 2)),
            (PartnerKind.IAE_NETWORK, f"Fédération des entreprises d'insertion — {region}", None, (1, 3)),
            *((PartnerKind.IAE_NETWORK, name, None, (1, 3)) for name in (geiq, etti) if name),
            (PartnerKind.DISABILITY, f"Agefiph {region}", None, (1, 2)),
            *((PartnerKind.DISABILITY, name, None, (1, 2)) for name in (esat, adapted) if name),
            (PartnerKind.STATE, f"DDETS {of}", None, (2, 4)),
            (PartnerKind.STATE, f"DREETS {region}", None, (1, 2)),
            (PartnerKind.LOCAL_AUTHORITY, f"{profile.region_name} — direction de l'emploi et de la formation", None,
             (1, 2)),
            (PartnerKind.LOCAL_AUTHORITY, f"Centre communal d'action sociale de {main_city}", None, (1, 2)),
            (PartnerKind.OTHER, f"Chambre de métiers et de l'artisanat {of}", None, (1, 2)),
            (PartnerKind.OTHER, f"CCI {of}", None, (1, 2)),
        ]  # fmt: skip
        unique, seen = [], set()
        for spec in specs:
            if spec[1] not in seen:
                seen.add(spec[1])
                unique.append(spec)
        return unique

    def create_partners(self, avoided_names=frozenset()):
        """The coordination's partners (every ``PartnerKind``; buyers linked to their ``Buyer``; one former partner)
        and the meetings held with them over the last two years: topic, who attended, follow-up and its due date.
        The main buyers and federations, and one partner of each kind, were met both last year and this year.

        A separate random stream, and no scale: a coordination has a few dozen partners whatever the volumes. Run once
        every territory is seeded: no contact is named like a participant (``avoided_names``: (first, last) pairs).
        """
        rng = random.Random(f"{RANDOM_SEED}-{self.profile.code}-partners")
        today = self.today
        specs = self.partner_specs()
        phone_prefix = "04" if self.profile.code == "34" else "01"
        partners = []

        def contact():
            first, last, _sex = self.person_name_from(rng)
            while (first, last) in avoided_names:  # a participant's homonym: another contact
                first, last, _sex = self.person_name_from(rng)
            return first, last

        for kind, name, buyer, _meetings in specs:
            first, last = contact()
            partners.append(
                Partner(
                    territory=self.territory,
                    name=name[:200],
                    kind=kind,
                    buyer=buyer,
                    contact_name=f"{first} {last}",
                    email=f"{slug_of(first)}.{slug_of(last)}@{slug_of(name)[:24]}.demo",
                    phone=" ".join([phone_prefix, *(str(rng.randint(10, 99)) for _ in range(4))]),
                )
            )
        former = Partner(
            territory=self.territory,
            name=f"Club d'entreprises {self.profile.places[0]} (dissous)",
            kind=PartnerKind.OTHER,
            contact_name=" ".join(contact()),
            is_active=False,
        )
        self.partners = _bulk(Partner, [*partners, former])

        this_year, last_year = date(today.year, 1, 1), date(today.year - 1, 1, 1)
        oldest = today - timedelta(days=2 * 365)
        coordinator = " ".join(self.profile.people["coordinator"])
        kinds_seen = Counter()
        meetings = []
        for partner, (kind, _name, buyer, (low, high)) in zip(partners, specs, strict=True):
            kinds_seen[kind] += 1
            days = []
            if (
                kinds_seen[kind] == 1
                or (kind == PartnerKind.BUYER and kinds_seen[kind] <= 3)
                or (kind == PartnerKind.FEDERATION and kinds_seen[kind] <= 2)
            ):
                days += [
                    _random_day(rng, last_year, min(date(today.year - 1, 12, 31), today)),
                    _random_day(rng, this_year, today),
                ]
            while len(days) < rng.randint(low, high):
                days.append(_random_day(rng, oldest, today))
            facilitator = (buyer.lead_facilitator if buyer else None) or rng.choice(self.facilitators)
            for day in sorted(days):
                topic, follow_up = rng.choice(PARTNER_MEETING_TOPICS[kind])
                attendees = [f"{facilitator.first_name} {facilitator.last_name} (facilitateur·rice)"]
                if rng.random() < 0.4:
                    attendees.append(f"{coordinator} (coordination)")
                attendees.append(f"{partner.contact_name} ({partner.name})")
                meetings.append(
                    PartnerMeeting(
                        territory=self.territory,
                        partner=partner,
                        date=day,
                        attendees="\n".join(attendees),
                        topic=topic,
                        follow_up=follow_up,
                        follow_up_due=day + timedelta(days=rng.randint(14, 60)) if follow_up else None,
                        recorded_by=self.facilitator_user_or_coordinator(facilitator),
                    )
                )
        meetings.append(
            PartnerMeeting(
                territory=self.territory,
                partner=former,
                date=_random_day(rng, oldest, today - timedelta(days=400)),
                attendees=f"{coordinator} (coordination)\n{former.contact_name} ({former.name})",
                topic="Présentation des clauses sociales aux chefs d'entreprise du club",
                recorded_by=self.coordinator_user,
            )
        )
        _bulk(PartnerMeeting, sorted(meetings, key=lambda m: (m.date, m.partner.name)))

    def person_name_from(self, rng):
        sex = Sex.FEMALE if rng.random() < 0.5 else Sex.MALE
        first = rng.choice(FEMALE_FIRST_NAMES if sex == Sex.FEMALE else MALE_FIRST_NAMES)
        return first, rng.choice(LAST_NAMES), sex


def slug_of(text):
    """ASCII, lower case, words joined by hyphens: for demo e-mail addresses."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_text.lower()).split()
    return "-".join(words)[:40] or "x"


# ---------------------------------------------------------------------------------------------------------------------
# Reset: delete a territory's tenant data, children first
# ---------------------------------------------------------------------------------------------------------------------


def _is_tenant_model(model):
    """A model with a ``territory`` foreign key column (TenantModel, and the history models of tenant models)."""
    return any(
        f.name == "territory" and f.many_to_one and f.related_model is Territory for f in model._meta.concrete_fields
    )


def _concrete_models():
    """Managed, concrete models whose table exists (a model whose migration is not applied yet is left out)."""
    tables = set(connection.introspection.table_names())
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and m._meta.db_table in tables
    ]


def tenant_models_in_deletion_order():
    """Every concrete model with a territory (history models included), children before their parents."""
    tenant = [m for m in _concrete_models() if _is_tenant_model(m)]
    tenant_set = set(tenant)
    graph = {
        model: {
            f.related_model
            for f in model._meta.concrete_fields
            if f.is_relation
            and f.name != "territory"
            and f.related_model in tenant_set
            and f.related_model is not model
        }
        for model in tenant
    }
    try:
        parents_first = list(TopologicalSorter(graph).static_order())
    except CycleError:  # pragma: no cover - constraints are deferred on PostgreSQL, any order commits
        parents_first = tenant
    return list(reversed(parents_first))


def delete_territory_data(territory_ids):
    """Delete every tenant row of these territories with one DELETE per table, children first.

    Raw SQL on purpose: no signals (the history models would otherwise record each deletion), no rows loaded.
    Rows of non-tenant tables that point at tenant rows (e.g. a many-to-many table) are deleted or unlinked first.
    """
    ids = list(territory_ids)
    if not ids:
        return 0
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(ids))
    models_in_order = tenant_models_in_deletion_order()
    tenant_set = set(models_in_order)
    deleted = 0
    with connection.cursor() as cursor:
        for model in _concrete_models():
            if model in tenant_set:
                continue
            for f in model._meta.concrete_fields:
                if not (f.is_relation and f.related_model in tenant_set and f.many_to_one):
                    continue
                parent = f.related_model._meta
                subquery = (
                    f"SELECT {quote(f.target_field.column)} FROM {quote(parent.db_table)} "
                    f"WHERE {quote('territory_id')} IN ({placeholders})"
                )
                on_delete = getattr(f.remote_field, "on_delete", None)
                table = quote(model._meta.db_table)
                if on_delete is models.SET_NULL:
                    cursor.execute(
                        f"UPDATE {table} SET {quote(f.column)} = NULL WHERE {quote(f.column)} IN ({subquery})", ids
                    )
                elif on_delete is models.CASCADE or model._meta.auto_created:
                    cursor.execute(f"DELETE FROM {table} WHERE {quote(f.column)} IN ({subquery})", ids)
        for model in models_in_order:
            cursor.execute(
                f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote('territory_id')} IN ({placeholders})", ids
            )
            deleted += max(cursor.rowcount, 0)
    return deleted


def analyze_tenant_tables():
    """PostgreSQL: refresh the planner statistics of the tenant tables just loaded (a bulk load's usual last step).

    The foreign keys are checked at commit (deferred) with generic plans. Without statistics, the planner checks a
    composite (territory, parent) key through a bitmap AND with the territory index, which reads half the table for
    each row; ANALYZE counts the rows inserted by the current transaction, so the checks then use the parent's index.
    """
    if connection.vendor != "postgresql":
        return
    tables = [m._meta.db_table for m in tenant_models_in_deletion_order()]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


# ---------------------------------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------------------------------

DATA_MODELS = (Membership, FacilitatorOrganisation, InclusionEmployer, Buyer, Company, Market, Participant)


@dataclass
class SeedResult:
    seeded: bool
    message: str
    scale: float
    accounts: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)  # territory code → {label: number}
    territory_names: dict = field(default_factory=dict)  # territory code → "Hérault (34)"
    timings: list = field(default_factory=list)  # (label, seconds)
    reports: list = field(default_factory=list)  # [Report]: the bilans asked for


def territories_with_data(codes=None):
    """The demo territories (codes) that already hold business data."""
    codes = list(codes or PROFILES)
    ids = dict(Territory.objects.filter(code__in=codes).values_list("pk", "code"))
    found = set()
    for model in DATA_MODELS:
        found.update(
            ids[pk]
            for pk in model.objects.filter(territory_id__in=ids).values_list("territory_id", flat=True).distinct()
        )
    return sorted(found)


def seed_demo(scale=1.0, reset=False, today=None, log=None, reports=True):
    """Create the demo territories' data (see the module docstring). Returns a ``SeedResult``.

    With ``reports``, each territory's bilan of the previous calendar year is then asked for, once the data is
    committed, through ``observatory.reports.request_report`` (``request_demo_reports``).
    """
    log = log or (lambda message: None)
    today = today or timezone.localdate()
    scale = float(scale)
    if scale <= 0:
        raise ValueError("L'échelle doit être strictement positive.")
    timings = []
    overall = time.perf_counter()
    codes = list(PROFILES)

    existing = territories_with_data(codes)
    if existing and not reset:
        names = ", ".join(existing)
        return SeedResult(
            seeded=False,
            message=(
                f"Les coordinations de démonstration ({names}) contiennent déjà des données : rien n'a été modifié. "
                "Relancez avec --reset pour les effacer et les recréer."
            ),
            scale=scale,
        )

    start = time.perf_counter()
    call_command("load_geography", departments=codes, stdout=StringIO())
    from territories.geography import ensure_territory

    territories = {code: ensure_territory(code) for code in codes}
    for code, territory in territories.items():
        if not territory.contact_email:  # the coordination's public contact, shown in the directory's white zones
            territory.contact_email = f"clauses-sociales@{PROFILES[code].slug}.demo"
            territory.save(update_fields=["contact_email"])
    timings.append(("référentiel géographique", time.perf_counter() - start))

    with transaction.atomic():
        start = time.perf_counter()
        deleted = 0
        if reset:
            delete_report_files_on_commit([t.pk for t in territories.values()])
            deleted = delete_territory_data([t.pk for t in territories.values()])
        User.objects.filter(_demo_user_filter()).delete()
        if reset:
            timings.append(("suppression des données existantes", time.perf_counter() - start))
            log(f"{deleted} enregistrements supprimés dans les coordinations {', '.join(codes)}.")

        users = UserPool(joined=_aware(_add_months(today, -(MONTHS_OF_STATEMENTS + 3))))
        accounts, seeders = [], []
        for code in codes:
            start = time.perf_counter()
            seeder = TerritorySeeder(territories[code], PROFILES[code], scale, today, users)
            seeder.run()
            timings.extend((f"{code} — {label}", seconds) for label, seconds in seeder.timings)
            timings.append((f"{code} — total", time.perf_counter() - start))
            accounts.extend(seeder.accounts)
            seeders.append(seeder)
        # Partners last: their contacts are never homonyms of a participant of any demo territory.
        start = time.perf_counter()
        participant_names = set(
            Participant.objects.filter(territory__in=list(territories.values())).values_list("first_name", "last_name")
        )
        for seeder in seeders:
            seeder.create_partners(participant_names)
        timings.append(("partenaires et rencontres", time.perf_counter() - start))
        accounts.append(create_regional_account(territories[REGIONAL_TERRITORY], users))
        start = time.perf_counter()
        analyze_tenant_tables()
        timings.append(("statistiques des tables (ANALYZE)", time.perf_counter() - start))
        commit_start = time.perf_counter()
    # PostgreSQL checks the deferred foreign keys (Django's and the composite tenant ones) at commit.
    timings.append(("validation des clés étrangères et COMMIT", time.perf_counter() - commit_start))
    requested = []
    if reports:
        start = time.perf_counter()
        requested = request_demo_reports(territories, today, log)
        timings.append((f"bilans {today.year - 1} (demande et, en mode embarqué, PDF)", time.perf_counter() - start))
    counts = {code: territory_counts(territories[code]) for code in codes}
    timings.append(("total", time.perf_counter() - overall))
    return SeedResult(
        seeded=True,
        message=f"Données de démonstration créées (échelle {format_number(scale)}).",
        scale=scale,
        accounts=sort_accounts(accounts),
        counts=counts,
        territory_names={code: str(territory) for code, territory in territories.items()},
        timings=timings,
        reports=requested,
    )


def request_demo_reports(territories, today, log=None):
    """Ask, as its demo coordinator, for each territory's bilan of the calendar year before ``today``: the real path
    (``request_report``, whose task is queued once the transaction commits). With Celery eager (the embedded mode)
    the PDF is built right away; otherwise the bilan waits in the queue for the worker. Returns the ``Report`` rows,
    as they are after the request.

    If the broker cannot be reached, the bilan stays pending (the sweep of lost jobs marks it failed later; it can
    then be re-run from its page): the demo data is there all the same.
    """
    log = log or (lambda message: None)
    period = Period.year(today.year - 1)
    local_part = DEMO_ROLE_LOCAL_PARTS[Role.COORDINATOR]
    requested = []
    weasyprint_logger = logging.getLogger("weasyprint")
    level = weasyprint_logger.level
    weasyprint_logger.setLevel(max(level, logging.WARNING))  # no progress line per page in the seed's output
    try:
        for code, territory in territories.items():
            report = _request_demo_report(code, territory, period, local_part, log)
            if report is not None:
                requested.append(report)
    finally:
        weasyprint_logger.setLevel(level)
    return requested


def _request_demo_report(code, territory, period, local_part, log):
    from kombu.exceptions import OperationalError

    from observatory.reports import request_report  # imports the PDF machinery: only when asked for

    user = User.objects.filter(email__iexact=f"{local_part}@{PROFILES[code].slug}.demo").first()
    if user is None:  # pragma: no cover - the seeding just created it
        return None
    try:
        request_report(territory, period, user)
    except (OperationalError, OSError) as exc:
        log(f"Bilan {period.label.lower()} de {territory} : file des tâches injoignable ({exc}).")
    return (
        Report.objects.select_related("territory")
        .filter(territory=territory, start_date=period.start, end_date=period.end)
        .first()
    )


def report_status_line(report):
    """One line of the seed's output about a bilan: its title, status and page."""
    url = reverse("reports:detail", kwargs={"territory_code": report.territory.code, "pk": report.pk})
    if report.status == ReportStatus.DONE:
        state = "disponible"
    elif report.status == ReportStatus.FAILED:
        state = f"échec ({report.error})"
    else:
        state = "en file d'attente : le worker Celery le produira"
    return f"{report.title} : {state} — {url}"


def delete_report_files_on_commit(territory_ids):
    """Once the deletion commits, remove the PDF files of the territories' bilans (their rows go with the data)."""
    files = list(
        Report.objects.filter(territory_id__in=list(territory_ids)).exclude(file="").values_list("file", flat=True)
    )
    if not files:
        return
    storage = Report._meta.get_field("file").storage

    def delete():
        for name in files:
            with contextlib.suppress(OSError):  # already gone
                storage.delete(name)

    transaction.on_commit(delete)


def sort_accounts(accounts):
    order = {role: i for i, role in enumerate([*DEMO_ROLE_LOCAL_PARTS, REGIONAL_ROLE])}
    return sorted(
        accounts,
        key=lambda a: (a.role == REGIONAL_ROLE, a.email == MULTI_TERRITORY_EMAIL, a.territory_code, order[a.role]),
    )


def existing_demo_accounts():
    """The demo accounts as they are in the database (for a run that changed nothing): [DemoAccount]."""
    memberships = Membership.objects.filter(
        user__email__in=demo_account_emails(), territory__code__in=list(PROFILES)
    ).select_related("territory", "user", "facilitator__organisation", "buyer_member__buyer", "company_member__company")
    committee_organisations = dict(
        CommitteeMember.objects.filter(membership__in=memberships).values_list("membership_id", "organisation")
    )
    accounts = []
    for m in memberships:
        organisation = ""
        if m.role == Role.FACILITATOR and hasattr(m, "facilitator"):
            organisation = str(m.facilitator.organisation)
        elif m.role == Role.BUYER and hasattr(m, "buyer_member"):
            organisation = str(m.buyer_member.buyer)
        elif m.role == Role.COMPANY and hasattr(m, "company_member"):
            organisation = str(m.company_member.company)
        elif m.role == Role.COMMITTEE:
            organisation = committee_organisations.get(m.pk, "")
        accounts.append(
            DemoAccount(
                email=m.user.email,
                territory_code=m.territory.code,
                territory_name=str(m.territory),
                role=m.role,
                first_name=m.user.first_name,
                last_name=m.user.last_name,
                organisation=organisation,
            )
        )
    regional = RegionalAccess.objects.filter(user__email__iexact=REGIONAL_EMAIL).select_related("user", "region")
    accounts.extend(_regional_account(access) for access in regional)
    return sort_accounts(accounts)


def territory_counts(territory):
    """The volumes of a territory's data, with French labels (a handful of COUNT queries)."""

    def count(model):
        return model.objects.in_territory(territory).count()

    lines = MonthlyHours.objects.in_territory(territory)
    validated_hours = lines.validated().aggregate(total=Sum("hours_worked"))["total"] or 0
    return {
        "comptes": count(Membership),
        "structures porteuses": count(FacilitatorOrganisation),
        "facilitateurs": count(Facilitator),
        "employeurs inclusifs": count(InclusionEmployer),
        "donneurs d'ordre": count(Buyer),
        "entreprises": count(Company),
        "marchés": count(Market),
        "marchés avec clause": Market.objects.in_territory(territory)
        .filter(lots__clauses__isnull=False)
        .distinct()
        .count(),
        "lots": count(Lot),
        "attributions": count(LotAward),
        "clauses": count(Clause),
        "heures exigées": Clause.objects.in_territory(territory).aggregate_hours_required(),
        "participants": count(Participant),
        "validations d'éligibilité": count(EligibilityValidation),
        "mises en emploi": count(Placement),
        "relevés mensuels d'entreprise": count(Statement),
        "lignes de relevé (participant × mois)": lines.count(),
        "heures travaillées validées": validated_hours,
        "marchés programmés": Market.objects.in_territory(territory).filter(status=MarketStatus.PLANNED).count(),
        "préparations de clause": count(ClausePlan),
        "membres du comité": count(CommitteeMember),
        "réunions du comité": count(CommitteeMeeting),
        "sorties constatées": count(Outcome),
        "partenaires": count(Partner),
        "rencontres avec des partenaires": count(PartnerMeeting),
    }


def format_number(value):
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}".rstrip("0").replace(".", ",")
    return f"{int(value):,}".replace(",", "\u202f")


def format_accounts_table(accounts):
    """The French table of demo accounts printed at the end of ``seed_demo``."""
    header = ("Coordination", "Rôle", "Adresse e-mail", "Organisation", "Accueil")
    rows = [(a.territory_name, a.role_label, a.email, a.organisation or "—", a.home_url) for a in accounts]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(row):
        return "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()

    separator = "  ".join("-" * w for w in widths)
    return "\n".join(
        [
            f"Comptes de démonstration — mot de passe commun : {DEMO_PASSWORD}",
            line(header),
            separator,
            *(line(r) for r in rows),
        ]
    )
