"""Feasibility of a social clause before tendering: which form to recommend from the four criteria.

A plain, pure function (no database): the view gathers the answers, the market's amount and duration and how many
inclusion employers the territory knows, and stores what ``recommend_form`` returns (the form and its French
justification) next to the buyer's own choice.

The rules, in order:

1. A short contract (duration unfavourable, or under two months) cannot host an insertion path: no clause.
2. A market or lot *reserved* needs no hosting by an ordinary company: the inclusion employers bring their own
   employees. Recommended when the work is of low technicality, the amount modest and enough structures of the kind
   exist to keep competition: SIAE (L2113-13) first, the purpose of a clause being insertion; else EA / ESAT
   (L2113-12).
3. Unfavourable on several criteria: no clause.
4. Unfavourable on one criterion: the clause is adapted (lighter hours, training, work-study contracts), or left out
   when nothing obliges the buyer (see each case).
5. Otherwise an execution condition (L2112-2), with adaptations for each marginal criterion; combined with an award
   criterion (L2152-7) on a large market favourable on every criterion.

Above the EU thresholds, a social execution condition is mandatory since 22 August 2026 (L2112-2-1-1): "no clause" is
then an exception the buyer must justify in the tender documents, and an award criterion alone is not enough.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from markets.enums import BuyerKind, Trade

from .enums import ClauseForm, FeasibilityLevel

FAVOURABLE = FeasibilityLevel.FAVOURABLE
MARGINAL = FeasibilityLevel.MARGINAL
UNFAVOURABLE = FeasibilityLevel.UNFAVOURABLE

MIN_DURATION_MONTHS = 2  # under two months, nobody can be hosted long enough
MODEST_AMOUNT = Decimal("300000")  # up to this amount a reserved market suits the size of inclusion employers
LARGE_AMOUNT = Decimal("1000000")  # from this amount, scoring insertion performance is worth the effort
MIN_RESERVED_EMPLOYERS = 3  # a reserved market still needs competition between at least three structures

# EU thresholds for consultations launched from 1 January 2026 to 31 December 2027 (€ HT), set by Commission Delegated
# Regulation (EU) 2025/2152 of 22 October 2025 (OJEU 23 October 2025) and the avis of 26 December 2025 annexed to the
# code de la commande publique (annexe 2): works 5,404,000 (was 5,538,000); supplies and services of sub-central
# buyers — collectivités, their groupings and establishments, the usual buyers here — 216,000 (was 221,000); of
# central government authorities 140,000 (was 143,000). Checked against weka.fr, « Les nouveaux seuils européens pour
# 2026-2027 intégrés au sein du Code de la commande publique » (6 January 2026), and racinebrussels.eu (the three
# delegated regulations 2025/2150-2152).
EU_THRESHOLD_WORKS = Decimal("5404000")
EU_THRESHOLD_SERVICES = Decimal("216000")
EU_THRESHOLD_SERVICES_CENTRAL = Decimal("140000")
# The social execution condition is mandatory above the EU thresholds for consultations launched from this day
# (loi n° 2021-1104 du 22 août 2021 « Climat et résilience », article 35).
MANDATORY_SOCIAL_CONDITION_SINCE = date(2026, 8, 22)
WORKS_TRADES = frozenset(
    {
        Trade.STRUCTURAL_WORKS,
        Trade.STEEL_FRAME,
        Trade.ROADS,
        Trade.FINISHING,
        Trade.PAINTING,
        Trade.BUILDING_SERVICES,
    }
)

CRITERION_LABELS = {
    "duration": "la durée",
    "amount": "le montant",
    "technicality": "la technicité",
    "public": "le public mobilisable",
}


@dataclass(frozen=True)
class Recommendation:
    form: ClauseForm
    reasons: list[str] = field(default_factory=list)

    @property
    def justification(self):
        return "\n".join(self.reasons)


def eu_threshold(trade, buyer_kind=""):
    """The EU threshold of a market of ``trade`` (works for building and civil-engineering trades) bought by a buyer
    of ``buyer_kind`` (supplies and services: the State's lower threshold, else the sub-central one)."""
    if trade in WORKS_TRADES:
        return EU_THRESHOLD_WORKS
    return EU_THRESHOLD_SERVICES_CENTRAL if buyer_kind == BuyerKind.STATE else EU_THRESHOLD_SERVICES


def _euros(amount):
    return f"{amount:,.0f}".replace(",", "\u202f") + " € HT"


def recommend_form(
    *,
    duration,
    amount,
    technicality,
    public,
    amount_ht=None,
    duration_months=None,
    siae_count=0,
    disability_count=0,
    trade="",
    buyer_kind="",
    employer_scope="connus de la coordination",
):
    """The form to recommend for a planned market, and why (French sentences).

    ``duration``, ``amount``, ``technicality``, ``public``: the ``FeasibilityLevel`` answered for each criterion;
    ``amount_ht`` (Decimal, estimated) and ``duration_months`` may be unknown (None); ``siae_count`` and
    ``disability_count``: inclusion employers of each kind the territory knows (in the market's sector when known,
    ``employer_scope`` says which, e.g. "dans le secteur « Propreté et nettoyage »"); ``trade`` and ``buyer_kind``
    pick the EU threshold (works, or supplies and services of the State or of other buyers).
    """
    levels = {"duration": duration, "amount": amount, "technicality": technicality, "public": public}
    for name, level in levels.items():
        if level not in FeasibilityLevel.values:
            raise ValueError(f"Unknown feasibility level for {name}: {level!r}")
    unfavourable = [name for name, level in levels.items() if level == UNFAVOURABLE]
    threshold = eu_threshold(trade, buyer_kind)
    above_threshold = amount_ht is not None and amount_ht >= threshold
    modest = amount_ht is not None and amount_ht <= MODEST_AMOUNT
    large = amount_ht is not None and amount_ht >= LARGE_AMOUNT

    # 1. Too short to host anybody.
    short = duration_months is not None and duration_months < MIN_DURATION_MONTHS
    if duration == UNFAVOURABLE or short:
        reasons = [
            f"Durée trop courte ({duration_months} mois) pour accueillir une personne en parcours d'insertion."
            if short
            else "Durée jugée défavorable : le marché est trop court pour accueillir une personne en parcours "
            "d'insertion."
        ]
        return Recommendation(ClauseForm.NONE, reasons + _no_clause_context(above_threshold, threshold))

    # 2. A reserved market: the structures bring their own employees.
    counts = (
        f"{siae_count} SIAE et {disability_count} EA / ESAT {employer_scope} "
        f"(au moins {MIN_RESERVED_EMPLOYERS} structures sont nécessaires pour qu'un marché réservé reste "
        "concurrentiel)."
    )
    reservable = technicality == FAVOURABLE and modest
    if reservable and siae_count >= MIN_RESERVED_EMPLOYERS:
        reasons = [
            "Travaux ou prestations de faible technicité et montant modeste "
            f"({_euros(amount_ht)}) : à la mesure des structures d'insertion par l'activité économique.",
            counts,
            "Réserver le marché ou un lot aux SIAE (article L2113-13) : les salariés en insertion y réalisent "
            "l'ensemble des prestations, sans dépendre de l'accueil par une entreprise ordinaire.",
        ]
        if disability_count >= MIN_RESERVED_EMPLOYERS:
            reasons.append(
                "Un marché réservé aux EA / ESAT (L2113-12) serait aussi possible ; les deux réservations peuvent "
                "se cumuler sur un même marché."
            )
        return Recommendation(ClauseForm.RESERVED_SIAE, reasons)
    if technicality != UNFAVOURABLE and modest and disability_count >= MIN_RESERVED_EMPLOYERS:
        reasons = [
            f"Montant modeste ({_euros(amount_ht)}) et technicité compatible avec le travail protégé ou adapté.",
            counts,
            "Pas assez de SIAE pour un marché réservé à l'insertion : réserver le marché ou un lot aux entreprises "
            "adaptées et ESAT (article L2113-12)."
            if siae_count < MIN_RESERVED_EMPLOYERS
            else "Réserver le marché ou un lot aux entreprises adaptées et ESAT (article L2113-12).",
        ]
        return Recommendation(ClauseForm.RESERVED_DISABILITY, reasons)

    # 3. Unfavourable on several criteria.
    if len(unfavourable) >= 2:
        names = " et ".join(CRITERION_LABELS[name] for name in unfavourable)
        reasons = [
            f"Critères défavorables : {names}. Une clause d'insertion ne pourrait pas être exécutée dans de bonnes "
            "conditions.",
            counts,
        ]
        return Recommendation(ClauseForm.NONE, reasons + _no_clause_context(above_threshold, threshold))

    # 4. Unfavourable on one criterion.
    if unfavourable == ["amount"]:
        if not above_threshold:
            reasons = [
                "Montant jugé défavorable : trop faible pour absorber les coûts fixes de l'accueil d'une personne en "
                "insertion (tutorat, accompagnement).",
                counts,
            ]
            return Recommendation(ClauseForm.NONE, reasons + _no_clause_context(False, threshold))
        return Recommendation(
            ClauseForm.EXECUTION_CONDITION,
            [
                "Montant jugé défavorable, mais le marché dépasse le seuil européen "
                f"({_euros(threshold)}) : depuis le 22 août 2026, une condition d'exécution sociale est obligatoire "
                "(article L2112-2-1-1).",
                "Prévoir une condition d'exécution (L2112-2) au volume d'heures allégé, réalisable par une mise à "
                "disposition (ETTI, AI, GEIQ).",
            ],
        )
    if unfavourable == ["public"]:
        if not above_threshold:
            return Recommendation(
                ClauseForm.AWARD_CRITERION,
                [
                    "Peu de public mobilisable près du lieu d'exécution : imposer des heures exposerait les "
                    "entreprises à des pénalités qu'elles ne pourraient pas éviter.",
                    "Noter plutôt l'engagement des candidats en matière d'insertion (critère d'attribution, "
                    "article L2152-7), sans obligation d'un volume d'heures.",
                ],
            )
        return Recommendation(
            ClauseForm.EXECUTION_CONDITION,
            [
                f"Le marché dépasse le seuil européen ({_euros(threshold)}) : depuis le 22 août 2026, une condition "
                "d'exécution sociale est obligatoire (article L2112-2-1-1).",
                "Peu de public mobilisable près du lieu d'exécution : prévoir un volume d'heures allégé, ouvert aux "
                "actions de formation et à la mobilisation de publics d'autres communes du département.",
            ],
        )
    if unfavourable == ["technicality"]:
        return Recommendation(
            ClauseForm.EXECUTION_CONDITION,
            [
                "Travaux ou prestations très techniques : l'embauche directe de personnes éloignées de l'emploi est "
                "difficile.",
                "Prévoir une condition d'exécution (L2112-2) au volume d'heures allégé, réalisée surtout par des "
                "contrats en alternance (apprentissage, professionnalisation, GEIQ) et des actions de formation : "
                "leurs heures de formation comptent.",
            ],
        )

    # 5. Execution condition, adapted to each marginal criterion.
    reasons = []
    if all(level == FAVOURABLE for level in levels.values()):
        reasons.append("Les quatre critères sont favorables.")
    if duration == MARGINAL:
        reasons.append(
            "Durée courte : privilégier la mise à disposition de personnel (ETTI, AI, GEIQ) ou la globalisation des "
            "heures avec d'autres marchés de l'entreprise."
        )
    if amount == MARGINAL:
        reasons.append("Montant limité : un volume d'heures modeste, pour une ou deux personnes.")
    if technicality == MARGINAL:
        reasons.append(
            "Technicité moyenne : prévoir un tutorat et ouvrir la clause aux contrats en alternance et aux actions de "
            "formation."
        )
    if public == MARGINAL:
        reasons.append(
            "Public mobilisable limité près du lieu d'exécution : alléger le volume d'heures et ouvrir la clause aux "
            "actions de formation."
        )
    reasons.append(counts)
    if above_threshold:
        reasons.append(
            f"Le marché dépasse le seuil européen ({_euros(threshold)}) : la condition d'exécution sociale est "
            "obligatoire depuis le 22 août 2026 (article L2112-2-1-1)."
        )
    if large and all(level == FAVOURABLE for level in levels.values()):
        reasons.append(
            f"Marché important ({_euros(amount_ht)}) : combiner la condition d'exécution (L2112-2) avec un critère "
            "d'attribution (L2152-7) qui valorise les offres allant au-delà du minimum d'heures."
        )
        return Recommendation(ClauseForm.CONDITION_AND_CRITERION, reasons)
    reasons.append("Prévoir une condition d'exécution (article L2112-2) : un nombre d'heures d'insertion à réaliser.")
    return Recommendation(ClauseForm.EXECUTION_CONDITION, reasons)


def _no_clause_context(above_threshold, threshold):
    if above_threshold:
        return [
            f"Attention : le marché dépasse le seuil européen ({_euros(threshold)}). Depuis le 22 août 2026, "
            "l'article L2112-2-1-1 impose une condition d'exécution sociale ; ne pas en prévoir est une exception "
            "à justifier dans les documents de la consultation (motifs ci-dessus).",
        ]
    return [
        "Pas de clause sociale recommandée : le marché est sous le seuil européen, aucune condition sociale n'est "
        "obligatoire. Motivez ce choix dans le dossier ; une clause reste possible sur un marché ultérieur plus long "
        "ou par un lot réservé."
    ]
