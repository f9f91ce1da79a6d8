"""Indicators: each definition written once, reused by pages, exports and reports.

The observatory (pages, XLSX tables, regional view, national export, bilan PDF) reads one structure,
``Indicators``, made by ``compute_indicators``: key figures (``Figure``) and tables (``Table`` of ``Row`` by
``Column``). Every definition is written here once, in French, and shown with its figure or table.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import BigIntegerField, Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from clauses.enums import (
    ContractKind,
    ExecutionMode,
    LegalBasis,
    OutcomeCategory,
    OutcomeMilestone,
    Prescriber,
    QualificationLevel,
    Sex,
    StatementStatus,
)
from clauses.hours import ZERO, counted_total, counting_lines, eligibility_condition, has_allocations
from clauses.models import (
    Clause,
    EligibilityCriterion,
    EligibilityValidation,
    HoursAllocation,
    MonthlyHours,
    Outcome,
    Participant,
    Placement,
    counted_hours_expression,
)
from clauses.progress import add_months, months_between
from clauses.queries import completion_rate
from clauses.sizing import FTE_HOURS
from markets.enums import AwardRole, BuyerKind
from markets.models import Buyer, Company, LotAward, Market

from . import confidentiality
from .enums import PartnerKind
from .models import CommitteeMeeting, Partner

# --- The observatory's structure (issue 6) ---


@dataclass(frozen=True)
class Period:
    """A period of the observatory: both ends included. ``kind`` is a ``ReportPeriodKind`` value."""

    start: date
    end: date
    kind: str = "custom"

    @classmethod
    def year(cls, year):
        return cls(date(year, 1, 1), date(year, 12, 31), "year")

    @classmethod
    def quarter(cls, year, quarter):
        first_month = 3 * (quarter - 1) + 1
        end = date(year + 1, 1, 1) if quarter == 4 else date(year, first_month + 3, 1)
        return cls(date(year, first_month, 1), date.fromordinal(end.toordinal() - 1), "quarter")

    @property
    def label(self):
        """French label: « Année 2026 », « 2e trimestre 2026 », « Du 01/03/2026 au 15/06/2026 »."""
        if self.kind == "year":
            return f"Année {self.start.year}"
        if self.kind == "quarter":
            quarter = (self.start.month - 1) // 3 + 1
            return f"{quarter}{'er' if quarter == 1 else 'e'} trimestre {self.start.year}"
        return f"Du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"

    @property
    def first_month(self):
        return self.start.replace(day=1)

    @property
    def last_month(self):
        return self.end.replace(day=1)


@dataclass(frozen=True)
class Filters:
    """The observatory's filters (each a single value, empty when unused)."""

    buyer: int | None = None  # Buyer id
    buyer_kind: str = ""  # markets.enums.BuyerKind
    company: int | None = None  # Company id
    sector: str = ""  # "works" | "services" | "supplies" (CPV division 45 = works, 03–44 supplies, 50–98 services)
    legal_basis: str = ""  # clauses.enums.LegalBasis
    mode: str = ""  # clauses.enums.ExecutionMode (of the placement)
    public: str = ""  # EligibilityCriterion code (validated for the participant)
    facilitator: int | None = None  # Facilitator id (in charge of the clause)

    def active(self):
        """The filters in use, as {name: value}."""
        return {name: value for name, value in self.__dict__.items() if value not in (None, "")}


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # French
    unit: str = ""  # "h", "%", "ETP", "mois", "" (a count)


@dataclass
class Row:
    label: str  # French
    values: dict  # Column.key -> int | Decimal | None (None: not applicable / not computable)
    key: str = ""  # stable code for exports: an enum value, an id, "YYYY-MM"…
    participants: int | None = None  # distinct participants behind the row: drives the confidentiality mask
    masked: bool = False  # set by ``observatory.confidentiality``: every value shows as « < 5 »
    # Cells counting their own people (e.g. outcomes at the end / after six months): {Column.key: participants}.
    cell_participants: dict = field(default_factory=dict)
    # What ``combine`` needs beyond the values, never shown: a contract row's total days and ended contracts (its
    # average duration). Emptied with the values when the row is masked.
    parts: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass
class Table:
    key: str  # stable id, e.g. "hours_by_buyer_kind"
    title: str  # French
    definition: str  # French: what is counted, written once
    columns: list  # [Column]
    rows: list  # [Row]
    total: Row | None = None
    chart: str = "bars"  # "bars" | "series" (rows are months or years, in order) | "" (no chart)
    chart_column: str = ""  # the Column.key the chart draws


@dataclass(frozen=True)
class Figure:
    key: str
    label: str  # French
    value: object  # int | Decimal | None
    unit: str = ""
    definition: str = ""
    numerator: object = None  # for rates: what is divided…
    denominator: object = None  # …by what
    participants: int | None = None
    masked: bool = False
    counts: tuple = ()  # other numbers of people the figure reveals (a rate's numerator): masked too when 1 to 4
    numerator_label: str = ""  # French: what the numerator counts (« Heures réalisées »)
    numerator_unit: str = ""
    denominator_label: str = ""
    denominator_unit: str = ""


@dataclass
class Indicators:
    period: Period
    territories: list  # [Territory]: one, or the territories of a region
    filters: Filters
    figures: list = field(default_factory=list)  # [Figure]
    tables: list = field(default_factory=list)  # [Table]
    confidential: bool = False  # the statistical-confidentiality mask was applied

    def figure(self, key):
        return next(f for f in self.figures if f.key == key)

    def table(self, key):
        return next(t for t in self.tables if t.key == key)

    @property
    def label(self):
        """« Hérault (34) », or the territories' names joined for a region."""
        return ", ".join(str(t) for t in self.territories)


def compute_indicators(territories, period, filters=None, *, confidential=False):
    """Every indicator of ``territories`` (summed) for ``period``, under ``filters``; masked when ``confidential``.

    ``territories``: one territory or the territories of a region (a list); only aggregates are returned. With
    ``confidential`` (committee and regional views, bilans, national export), ``observatory.confidentiality`` masks
    what rests on 1 to 4 participants, including what a filter difference would reveal: the indicators are then
    also computed without each active filter, to compare. Several territories are computed one by one and combined
    (``consolidate``): the same result as computing them together, the mask applied once on the sum.
    """
    territories = list(territories)
    if len(territories) > 1:
        return consolidate(territories, period, filters, confidential=confidential).indicators
    filters = filters or Filters()
    indicators = _compute(territories, period, filters)
    if confidential:
        confidentiality.apply(indicators, _references(territories, period, filters))
    return indicators


def _references(territories, period, filters):
    """The unmasked indicators without each active filter, in ``filters.active()`` order (confidentiality rule 3)."""
    return [_compute(territories, period, replace(filters, **{name: _UNSET[name]})) for name in filters.active()]


@dataclass
class Consolidation:
    """Indicators of several territories: their sum and each territory's own (both masked when confidential)."""

    indicators: Indicators
    by_territory: list  # [(Territory, Indicators)], in the order given


def consolidate(territories, period, filters=None, *, confidential=False):
    """The indicators of ``territories`` as their sum, with each territory's own, every territory computed once.

    Each participant, clause, hour, buyer, company and market belongs to one territory, so the sum of the territories'
    unmasked indicators (``combine``) is what computing them together gives. With ``confidential``, each territory is
    also computed without each active filter; those are combined the same way, so the mask (rule 3 included) is
    applied once on the sum, and on each territory with its own references. The cost is territories × (active
    filters + 1) computations, each over one territory's data.
    """
    territories = list(territories)
    filters = filters or Filters()
    own = []
    for territory in territories:
        references = _references([territory], period, filters) if confidential else []
        own.append((territory, _compute([territory], period, filters), references))
    indicators = combine([result for _t, result, _r in own])
    if confidential:
        references = [combine([r[i] for _t, _result, r in own]) for i in range(len(filters.active()))]
        confidentiality.apply(indicators, references)
        for _territory, result, references in own:
            confidentiality.apply(result, references)
    return Consolidation(indicators, [(territory, result) for territory, result, _r in own])


# How each figure and table column of several territories is combined. Every count is of tenant rows (participants,
# clauses, markets, buyers, companies, placements, meetings, partners) or hours, which belong to one territory: the
# territories' numbers add up. Rates and averages are computed again from the summed numerators and denominators.
_SUMMED_FIGURES = {
    "markets_followed",
    "clauses_active",
    "buyers",
    "companies",
    "hours_required",
    "hours_achieved",
    "participants",
    "committee_meetings",
    "partners_involved",
    "buyers_met",
    "federations_met",
}
_RATIO_FIGURES = {
    "completion_rate": lambda numerator, denominator: _rate(numerator, denominator),
    "hours_per_participant": lambda numerator, denominator: _ratio(numerator, denominator),
    "sustainable_employment_rate": lambda numerator, denominator: _rate(numerator, denominator),
}
_SUMMED_COLUMNS = {"hours_required", "hours_achieved", "participants", "contracts"} | {
    m.value for m in OutcomeMilestone
}
_DERIVED_COLUMNS = {
    "completion_rate": lambda values, parts: _rate(values["hours_achieved"], values["hours_required"]),
    "hours_per_participant": lambda values, parts: _ratio(values["hours_achieved"], values["participants"]),
    "average_duration_months": lambda values, parts: _average_months(parts["days"], parts["ended"]),
}
# Tables whose rows depend on the data, sorted by name; the others list the same keys for every territory, except the
# publics (each territory has its own list), put in the order of the territories' publics together.
_BY_NAME = {"hours_by_buyer", "hours_by_company"}
_PUBLICS = "participants_by_public"


def _sum(numbers):
    """The sum, or None when one is None (not applicable, or not based on people)."""
    numbers = list(numbers)
    return None if any(n is None for n in numbers) else sum(numbers)


def combine(indicators_list):
    """The indicators of several territories from each one's unmasked indicators (same period and filters).

    Counts and hours are summed per figure and per row key (rows absent from a territory count 0); rates, ratios,
    FTE and average durations are computed again from the summed numerators and denominators. The result is
    unmasked, built from new objects (the inputs can still be masked afterwards). Equal to ``_compute`` over the
    territories together (tested).
    """
    parts = list(indicators_list)
    if not parts:
        raise ValueError("Nothing to combine.")
    if any(p.confidential for p in parts):
        raise ValueError("Only unmasked indicators can be combined: mask the sum instead.")
    first = parts[0]
    if any(p.period != first.period or p.filters != first.filters for p in parts):
        raise ValueError("Indicators of different periods or filters cannot be combined.")
    territories = [territory for p in parts for territory in p.territories]
    return Indicators(
        period=first.period,
        territories=territories,
        filters=first.filters,
        figures=_combine_figures(parts),
        tables=[_combine_table([p.table(table.key) for p in parts], territories) for table in first.tables],
    )


def _combine_figures(parts):
    combined = {}
    for figure in parts[0].figures:
        same = [p.figure(figure.key) for p in parts]
        counts = tuple(sum(n) for n in zip(*(f.counts for f in same), strict=True))
        common = {"participants": _sum(f.participants for f in same), "counts": counts}
        if figure.key in _SUMMED_FIGURES:
            combined[figure.key] = replace(figure, value=_sum(f.value for f in same), **common)
        elif figure.key in _RATIO_FIGURES:
            numerator, denominator = _sum(f.numerator for f in same), _sum(f.denominator for f in same)
            value = _RATIO_FIGURES[figure.key](numerator, denominator)
            combined[figure.key] = replace(figure, value=value, numerator=numerator, denominator=denominator, **common)
        elif figure.key != "fte":
            raise ValueError(f"No rule to combine the figure {figure.key!r}.")
    achieved = combined["hours_achieved"]
    combined["fte"] = replace(
        parts[0].figure("fte"), value=fte(achieved.value), participants=achieved.participants, counts=()
    )
    return [combined[figure.key] for figure in parts[0].figures]


def _combine_parts(rows):
    parts = defaultdict(int)
    for row in rows:
        for name, value in row.parts.items():
            parts[name] += value
    return dict(parts)


def _combine_rows(rows, columns):
    """One row from the same row of several territories."""
    unknown = [c.key for c in columns if c.key not in _SUMMED_COLUMNS and c.key not in _DERIVED_COLUMNS]
    if unknown:
        raise ValueError(f"No rule to combine the columns {unknown!r}.")
    parts = _combine_parts(rows)
    values = {c.key: _sum(row.values[c.key] for row in rows) for c in columns if c.key in _SUMMED_COLUMNS}
    for column in columns:
        if column.key in _DERIVED_COLUMNS:
            values[column.key] = _DERIVED_COLUMNS[column.key](values, parts)
    cells = defaultdict(int)
    for row in rows:
        for key, n in row.cell_participants.items():
            cells[key] += n
    return Row(
        label=rows[0].label,
        key=rows[0].key,
        values={c.key: values[c.key] for c in columns},
        participants=_sum(row.participants for row in rows),
        cell_participants=dict(cells),
        parts=parts,
    )


def _combine_table(tables, territories):
    first = tables[0]
    same = defaultdict(list)  # row key -> the territories' rows, in order of first appearance
    for table in tables:
        for row in table.rows:
            same[row.key].append(row)
    rows = [_combine_rows(group, first.columns) for group in same.values()]
    if first.key in _BY_NAME:
        rows.sort(key=lambda row: (row.label.lower(), row.key))
    elif first.key == _PUBLICS:
        # One small query: the publics' order and labels come from the database, as when computed together.
        order = {code: (i, label) for i, (code, label) in enumerate(_criteria([t.pk for t in territories]))}
        for row in rows:
            row.label = order.get(row.key, (0, row.label))[1]
        rows.sort(key=lambda row: order.get(row.key, (len(order), ""))[0])
    totals = [table.total for table in tables]
    total = None if any(t is None for t in totals) else _combine_rows(totals, first.columns)
    return replace(first, rows=rows, total=total)


_UNSET = {
    "buyer": None,
    "buyer_kind": "",
    "company": None,
    "sector": "",
    "legal_basis": "",
    "mode": "",
    "public": "",
    "facilitator": None,
}


# --- Definitions: every indicator's meaning, written once (French), listed by the bilan's methodology page ---

FTE_LABEL = "ETP"
HOURS, PERCENT, COUNT, MONTHS = "h", "%", "", "mois"
# Below this number of participants a figure, row or cell is masked when statistical confidentiality applies.
MIN_PARTICIPANTS = 5


@dataclass(frozen=True)
class Definition:
    key: str
    label: str  # French
    unit: str
    text: str  # French: what is counted
    kind: str = "figure"  # "figure" | "table"
    # For a rate or a ratio: what its numerator and denominator count, (French label, unit) each.
    numerator: tuple = ()
    denominator: tuple = ()


GENERAL_RULES = [
    (
        "Heures comptées",
        "Une heure est comptée quand le relevé mensuel qui la porte est validé par un facilitateur et que "
        "l'éligibilité du participant est validée pour ce mois (validation faite au plus tard ce mois-là, encore "
        "valable le premier jour du mois, sur un public que la clause accepte). Les heures de formation ne comptent "
        "que dans un contrat en alternance. Sous un accord de globalisation, une heure est comptée sur la clause à "
        "laquelle elle est répartie, jamais deux fois.",
    ),
    (
        "Période",
        "Les heures sont comptées par mois : une période compte les heures des mois qu'elle touche, du mois de son "
        "premier jour au mois de son dernier jour.",
    ),
    (
        "Filtres",
        "Les filtres acheteur, type d'acheteur, secteur, fondement juridique et facilitateur portent sur la clause ; "
        "le filtre entreprise porte sur l'entreprise pour le compte de laquelle les heures sont comptées (et, pour "
        "les heures exigées, sur le titulaire du lot) ; les filtres modalité et public portent sur le participant et "
        "sa mise en emploi : ils restreignent les heures réalisées, les participants, les contrats et les sorties, "
        "mais pas les marchés, clauses et acheteurs ; les heures exigées (et donc le taux de réalisation) ne se "
        "répartissent pas par modalité ni par public : elles sont alors sans objet. Les rencontres de partenaires et "
        "les réunions du comité ne sont jamais filtrées.",
    ),
    (
        "Secret statistique",
        "Dans les vues du comité, les vues régionales, les bilans et l'export national, toute valeur qui repose sur "
        "1 à 4 participants est masquée (« < 5 »). Quand une seule ligne d'un tableau est masquée, la plus petite "
        "des autres l'est aussi, pour qu'on ne la retrouve pas par différence avec le total. Avec des filtres, un "
        "résultat est aussi masqué quand la différence avec le même résultat sans ce filtre repose sur 1 à 4 "
        "participants.",
    ),
    (
        "Consolidation régionale",
        "Les indicateurs d'une région sont la somme des indicateurs de ses coordinations départementales "
        "(agrégats seulement).",
    ),
]

_D = [
    Definition(
        "markets_followed",
        "Marchés suivis",
        COUNT,
        "Marchés dont au moins une clause est active pendant la période (début d'exécution au plus tard le dernier "
        "jour, fin au plus tôt le premier jour ou non renseignée). Ce nombre n'est pas additif d'une année sur "
        "l'autre : un marché qui s'étend sur plusieurs années est compté chaque année.",
    ),
    Definition(
        "clauses_active",
        "Clauses actives",
        COUNT,
        "Clauses d'insertion actives pendant la période (mêmes dates que les marchés suivis).",
    ),
    Definition(
        "buyers",
        "Donneurs d'ordre",
        COUNT,
        "Acheteurs distincts des marchés suivis pendant la période.",
    ),
    Definition(
        "companies",
        "Entreprises",
        COUNT,
        "Entreprises distinctes titulaires d'un lot dont la clause est active pendant la période, ou pour le compte "
        "desquelles des heures ont été comptées pendant la période.",
    ),
    Definition(
        "hours_required",
        "Heures exigées",
        HOURS,
        "Part des heures exigées par les clauses qui tombe dans la période : les heures de chaque clause sont "
        "réparties à rythme régulier sur ses mois d'exécution (du mois de début au mois de fin) et l'on retient les "
        "mois de la période. Une clause sans date de fin compte toute son obligation dans son mois de début. Sans "
        "objet sous un filtre de modalité ou de public.",
    ),
    Definition(
        "hours_achieved",
        "Heures réalisées",
        HOURS,
        "Heures comptées (relevé validé, participant éligible ce mois-là, globalisation répartie) dans les mois de "
        "la période.",
    ),
    Definition(
        "completion_rate",
        "Taux de réalisation",
        PERCENT,
        "Heures réalisées ÷ heures exigées de la période, en pourcentage (numérateur : heures réalisées ; "
        "dénominateur : heures exigées). Sans objet quand aucune heure n'est exigée.",
        numerator=("Heures réalisées", HOURS),
        denominator=("Heures exigées", HOURS),
    ),
    Definition(
        "fte",
        "Équivalents temps plein",
        FTE_LABEL,
        f"Heures réalisées ÷ {FTE_HOURS} (un ETP ≈ {FTE_HOURS} heures par an).",
    ),
    Definition(
        "participants",
        "Participants",
        COUNT,
        "Personnes distinctes ayant des heures comptées (plus de 0 h) dans la période.",
    ),
    Definition(
        "hours_per_participant",
        "Heures par participant",
        HOURS,
        "Heures réalisées ÷ participants de la période.",
        numerator=("Heures réalisées", HOURS),
        denominator=("Participants", COUNT),
    ),
    Definition(
        "sustainable_employment_rate",
        "Taux d'accès à l'emploi durable",
        PERCENT,
        "Numérateur : participants dont une sortie constatée pendant la période (fin de contrat ou six mois après) "
        "est un emploi durable (CDI, CDD ou intérim de 6 mois ou plus, emploi public, création d'entreprise). "
        "Dénominateur : participants ayant au moins une sortie connue (situation renseignée, autre que « inconnue ») "
        "constatée pendant la période. Avec des filtres : participants ayant une mise en emploi qui y répond.",
        numerator=("Participants en emploi durable", COUNT),
        denominator=("Participants ayant une sortie connue", COUNT),
    ),
    Definition(
        "committee_meetings",
        "Réunions du comité",
        COUNT,
        "Réunions du comité départemental tenues pendant la période : datées dans la période et au plus tard "
        "aujourd'hui (une réunion à venir n'est pas comptée ; non filtrées). Le même nombre que les réunions tenues "
        "de la page du comité.",
    ),
    Definition(
        "partners_involved",
        "Partenaires impliqués",
        COUNT,
        "Partenaires actifs distincts rencontrés au moins une fois pendant la période (non filtrés).",
    ),
    Definition(
        "buyers_met",
        "Donneurs d'ordre rencontrés",
        COUNT,
        "Partenaires de type donneur d'ordre rencontrés au moins une fois pendant la période (non filtrés).",
    ),
    Definition(
        "federations_met",
        "Fédérations rencontrées",
        COUNT,
        "Fédérations professionnelles rencontrées au moins une fois pendant la période (non filtrées).",
    ),
    # --- Tables ---
    Definition(
        "hours_by_year",
        "Heures par année",
        HOURS,
        "Heures exigées (réparties par mois) et réalisées, par année civile de la période ; participants distincts "
        "de chaque année.",
        "table",
    ),
    Definition(
        "hours_by_month",
        "Heures par mois",
        HOURS,
        "Heures exigées (réparties par mois) et réalisées, mois par mois ; participants distincts de chaque mois.",
        "table",
    ),
    Definition(
        "hours_by_buyer",
        "Heures par donneur d'ordre",
        HOURS,
        "Heures exigées et réalisées sur les clauses des marchés de chaque acheteur.",
        "table",
    ),
    Definition(
        "hours_by_buyer_kind",
        "Heures par type de donneur d'ordre",
        HOURS,
        "Heures exigées et réalisées selon le type de l'acheteur du marché.",
        "table",
    ),
    Definition(
        "hours_by_sector",
        "Heures par secteur",
        HOURS,
        "Secteur d'après la division du code CPV du marché : travaux (45), fournitures (03 à 44 et 48), services "
        "(50 à 98) ; « non renseigné » sans code CPV.",
        "table",
    ),
    Definition(
        "hours_by_legal_basis",
        "Heures par fondement juridique",
        HOURS,
        "Heures exigées et réalisées selon le fondement juridique de la clause (Code de la commande publique).",
        "table",
    ),
    Definition(
        "hours_by_mode",
        "Heures par modalité de mise en œuvre",
        HOURS,
        "Heures réalisées selon la modalité de la mise en emploi (embauche directe, mise à disposition, "
        "co-traitance ou sous-traitance, formation). Les heures exigées ne se répartissent pas par modalité.",
        "table",
    ),
    Definition(
        "hours_by_company",
        "Heures par entreprise",
        HOURS,
        "Heures réalisées pour le compte de chaque entreprise (l'employeur, ou le titulaire du lot pour le personnel "
        "mis à disposition par un employeur inclusif) ; heures exigées des clauses des lots dont elle est titulaire.",
        "table",
    ),
    Definition(
        "participants_by_sex",
        "Participants par sexe",
        COUNT,
        "Participants de la période (heures comptées) et leurs heures, par sexe.",
        "table",
    ),
    Definition(
        "participants_by_age_band",
        "Participants par tranche d'âge",
        COUNT,
        "Participants de la période par âge au premier jour de la période (année en cours moins année de "
        "naissance) : moins de 26 ans, 26 à 49 ans, 50 ans et plus.",
        "table",
    ),
    Definition(
        "participants_by_public",
        "Participants par public éligible",
        COUNT,
        "Participants de la période par public éligible validé (validation faite au plus tard le dernier jour de la "
        "période, valable au moins jusqu'à son premier jour). Une personne relevant de plusieurs publics compte dans "
        "chacun : les lignes ne s'additionnent pas, le total compte chaque personne une fois.",
        "table",
    ),
    Definition(
        "participants_by_qualification",
        "Participants par niveau de qualification",
        COUNT,
        "Participants de la période par niveau de qualification déclaré.",
        "table",
    ),
    Definition(
        "participants_by_prescriber",
        "Participants par prescripteur",
        COUNT,
        "Participants de la période par prescripteur (France Travail, Mission locale, Cap emploi, PLIE…).",
        "table",
    ),
    Definition(
        "contracts_by_kind",
        "Contrats de travail par type",
        COUNT,
        "Mises en emploi en cours pendant la période (début au plus tard le dernier jour, fin au plus tôt le premier "
        "jour ou non renseignée), par type de contrat ; durée moyenne en mois (jours ÷ 30,44) des contrats dont la "
        "date de fin est renseignée.",
        "table",
    ),
    Definition(
        "outcomes",
        "Sorties",
        COUNT,
        "Participants dont la sortie a été constatée pendant la période, par type de sortie, à la fin du dernier "
        "contrat et six mois après. Emploi durable : CDI, CDD ou intérim de 6 mois ou plus, emploi public, création "
        "d'entreprise ; emploi de transition : CDD ou intérim de moins de 6 mois, contrat aidé ; sortie positive : "
        "formation qualifiante, embauche par une SIAE.",
        "table",
    ),
]
DEFINITIONS = {d.key: d for d in _D}
FIGURE_KEYS = [d.key for d in _D if d.kind == "figure"]
TABLE_KEYS = [d.key for d in _D if d.kind == "table"]


def methodology():
    """(title, text) pairs for a methodology page: the general rules, then every indicator's definition."""
    return list(GENERAL_RULES) + [(d.label, d.text) for d in _D]


# --- Dimensions ---

# CPV divisions (first two digits) → sector. Regexes used both in SQL (filters) and in Python (rows).
SECTORS = [
    ("works", "Travaux", r"^45"),
    ("supplies", "Fournitures", r"^(0[3-9]|[1-3][0-9]|4[0-4]|48)"),
    ("services", "Services", r"^(5[0-9]|[6-9][0-9])"),
    ("unknown", "Non renseigné", None),
]
SECTOR_LABELS = {key: label for key, label, _ in SECTORS}
UNKNOWN, UNKNOWN_LABEL = "unknown", "Non renseigné"
AGE_BANDS = [("under_26", "Moins de 26 ans"), ("26_49", "26 à 49 ans"), ("50_plus", "50 ans et plus")]
MONTH_NAMES = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip


def sector_of(cpv_code):
    """The sector key of a CPV code (see ``SECTORS``)."""
    for key, _label, pattern in SECTORS:
        if pattern and cpv_code and re.match(pattern, cpv_code):
            return key
    return UNKNOWN


def _sector_q(sector, path):
    known = [pattern for key, _label, pattern in SECTORS if pattern]
    if sector == UNKNOWN:
        q = Q()
        for pattern in known:
            q &= ~Q(**{f"{path}__regex": pattern})
        return q
    pattern = next(p for key, _label, p in SECTORS if key == sector)
    return Q(**{f"{path}__regex": pattern})


def age_band(birth_year, day):
    """Age band at ``day`` from the year of birth (as ``Participant.age_on``); None when unknown."""
    if not birth_year:
        return None
    age = day.year - birth_year
    if age < 26:
        return "under_26"
    if age < 50:
        return "26_49"
    return "50_plus"


def month_label(month):
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


def _quantize(value, places="0.01"):
    return Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _ratio(numerator, denominator, places="0.1"):
    if not denominator:
        return None
    return _quantize(Decimal(numerator) / Decimal(denominator), places)


def _rate(numerator, denominator):
    """Numerator ÷ denominator in percent, one decimal (None when the denominator is 0 or unknown)."""
    if denominator is None or not denominator:
        return None
    return _quantize(Decimal(numerator) * 100 / Decimal(denominator), "0.1")


def rate(numerator, denominator):
    """A rate in percent as every indicator computes it (one decimal; None when the denominator is 0 or unknown)."""
    return _rate(numerator, denominator)


def fte(hours):
    return _quantize(Decimal(hours) / FTE_HOURS, "0.1")


# --- Required hours: the share of each clause's obligation in a span of months ---


def _month_number(day):
    return day.year * 12 + day.month - 1


def required_up_to(required, start, end, month):
    """Hours of a clause due by the end of ``month`` at a steady pace from its start month to its end month: the same
    value as ``clauses.progress.expected_hours`` (checked by the tests), computed without listing the months — it
    runs for every clause and month of a bilan. A clause without end date owes its whole obligation in its start
    month."""
    required = Decimal(required)
    if end is None:
        return required if _month_number(start) <= _month_number(month) else ZERO
    if required <= 0:
        return ZERO
    length = _month_number(end) - _month_number(start) + 1
    elapsed = min(max(_month_number(month) - _month_number(start) + 1, 0), length)
    return (required * elapsed / length).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def required_share(required, start, end, first_month, last_month):
    """The part of a clause's hours falling in the months ``first_month``..``last_month`` (both included)."""
    return required_up_to(required, start, end, last_month) - required_up_to(
        required, start, end, add_months(first_month, -1)
    )


# --- Queries ---


def _clause_q(filters, p=""):
    """The clause-level filters, on the clause reached by the path ``p`` ("" from a clause)."""
    q = Q()
    if filters.buyer:
        q &= Q(**{f"{p}lot__market__buyer_id": filters.buyer})
    if filters.buyer_kind:
        q &= Q(**{f"{p}lot__market__buyer__kind": filters.buyer_kind})
    if filters.sector:
        q &= _sector_q(filters.sector, f"{p}lot__market__cpv_code")
    if filters.legal_basis:
        q &= Q(**{f"{p}legal_basis": filters.legal_basis})
    if filters.facilitator:
        q &= Q(**{f"{p}facilitator_id": filters.facilitator})
    return q


def _holder(lot_path):
    """The holder (titulaire) of the lot reached by ``lot_path`` from the outer row (its first award as holder)."""
    return Subquery(
        LotAward.objects.filter(territory_id=OuterRef("territory_id"), lot_id=OuterRef(lot_path), role=AwardRole.HOLDER)
        .order_by("pk")
        .values("company_id")[:1]
    )


def _company_expression(placement_path):
    """The company a placement's hours count for (``clauses.hours.line_company_id``): its employer, or the lot's holder
    for staff provided by an inclusion employer."""
    return Coalesce(
        F(f"{placement_path}employer_company_id"),
        _holder(f"{placement_path}clause__lot_id"),
        output_field=BigIntegerField(),
    )


def _public_exists(participant_path, code, period):
    """The participant holds a validated eligibility of public ``code`` in force during the period."""
    return Exists(
        EligibilityValidation.objects.filter(
            territory_id=OuterRef("territory_id"),
            participant_id=OuterRef(participant_path),
            criterion__code=code,
            validated_on__lte=period.end,
        ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=period.start))
    )


def _placement_filters(qs, filters, period, p=""):
    """Restrict placements (reached by ``p``) to the filters: clause-level, company, mode and public."""
    qs = qs.filter(_clause_q(filters, f"{p}clause__"))
    if filters.mode:
        qs = qs.filter(**{f"{p}mode": filters.mode})
    if filters.company:
        qs = qs.alias(_company=_company_expression(p)).filter(_company=filters.company)
    if filters.public:
        qs = qs.filter(_public_exists(f"{p}participant_id", filters.public, period))
    return qs


@dataclass
class _Fact:
    """Counted hours of one participant on one clause, mode, company and month."""

    clause: int
    participant: int
    mode: str
    company: int | None
    month: date
    hours: Decimal


def _facts(ids, period, filters):
    """Counted hours in the period's months, grouped by credited clause, participant, mode, company and month.

    Two aggregate queries: lines counted directly (``clauses.hours.counting_lines``, without allocations) and
    globalisation allocations of counted lines (credited to their clause). No hour is counted twice.
    """
    first, last = period.first_month, period.last_month
    lines = counting_lines(MonthlyHours.objects.filter(territory_id__in=ids, month__gte=first, month__lte=last))
    lines = _placement_filters(lines.exclude(has_allocations()), filters, period, "placement__")
    direct = lines.values(
        fact_clause=F("placement__clause_id"),
        fact_participant=F("placement__participant_id"),
        fact_mode=F("placement__mode"),
        fact_company=_company_expression("placement__"),
        fact_line_month=F("month"),
    ).annotate(hours=Sum(counted_hours_expression()))
    allocations = HoursAllocation.objects.filter(
        territory_id__in=ids,
        line__month__gte=first,
        line__month__lte=last,
        line__status=StatementStatus.VALIDATED,
    ).filter(eligibility_condition("line__"))
    # The allocation's clause carries the clause-level filters; the line's placement carries the others.
    allocations = allocations.filter(_clause_q(filters, "clause__"))
    allocations = _placement_filters(allocations, replace_clause_filters(filters), period, "line__placement__")
    allocated = allocations.values(
        fact_clause=F("clause_id"),
        fact_participant=F("line__placement__participant_id"),
        fact_mode=F("line__placement__mode"),
        fact_company=_company_expression("line__placement__"),
        fact_line_month=F("line__month"),
    ).annotate(hours=Sum("hours"))
    facts = []
    for rows in (direct, allocated):
        for row in rows.order_by():
            facts.append(
                _Fact(
                    row["fact_clause"],
                    row["fact_participant"],
                    row["fact_mode"],
                    row["fact_company"],
                    row["fact_line_month"],
                    row["hours"],
                )
            )
    return facts


def replace_clause_filters(filters):
    """The filters without the clause-level ones (applied apart, e.g. on an allocation's credited clause)."""
    return replace(filters, buyer=None, buyer_kind="", sector="", legal_basis="", facilitator=None)


def _clauses(ids, period, filters):
    """Clauses whose execution months meet the period's months, with what the tables need. One query."""
    month_after = add_months(period.last_month, 1)
    clauses = (
        Clause.objects.filter(territory_id__in=ids)
        .active_during(period.first_month, date.fromordinal(month_after.toordinal() - 1))
        .filter(_clause_q(filters))
        .annotate(holder=_holder("lot_id"))
    )
    if filters.company:
        clauses = clauses.filter(holder=filters.company)
    return list(
        clauses.order_by().values(
            "id",
            "hours_required",
            "start_date",
            "end_date",
            "legal_basis",
            "holder",
            market=F("lot__market_id"),
            buyer=F("lot__market__buyer_id"),
            buyer_name=F("lot__market__buyer__name"),
            buyer_kind=F("lot__market__buyer__kind"),
            cpv=F("lot__market__cpv_code"),
        )
    )


def _clause_attributes(ids, clause_ids):
    """Buyer, kind, CPV and legal basis of the clauses hours were credited to (some may be outside the period)."""
    return {
        row["id"]: row
        for row in Clause.objects.filter(territory_id__in=ids, id__in=clause_ids)
        .order_by()
        .values(
            "id",
            "legal_basis",
            buyer=F("lot__market__buyer_id"),
            buyer_name=F("lot__market__buyer__name"),
            buyer_kind=F("lot__market__buyer__kind"),
            cpv=F("lot__market__cpv_code"),
        )
    }


class _Acc:
    """Accumulates a row: required hours, achieved hours, distinct participants."""

    __slots__ = ("required", "achieved", "people")

    def __init__(self):
        self.required = ZERO
        self.achieved = ZERO
        self.people = set()


# --- Building the structure ---

HOURS_COLUMNS = [
    Column("hours_required", "Heures exigées", HOURS),
    Column("hours_achieved", "Heures réalisées", HOURS),
    Column("completion_rate", "Taux de réalisation", PERCENT),
    Column("participants", "Participants", COUNT),
]
PEOPLE_COLUMNS = [
    Column("participants", "Participants", COUNT),
    Column("hours_achieved", "Heures réalisées", HOURS),
    Column("hours_per_participant", "Heures par participant", HOURS),
]


def _hours_row(label, key, acc, required_applicable=True):
    required = _quantize(acc.required) if required_applicable else None
    achieved = _quantize(acc.achieved)
    return Row(
        label=label,
        key=str(key),
        values={
            "hours_required": required,
            "hours_achieved": achieved,
            "completion_rate": _rate(achieved, required) if required_applicable else None,
            "participants": len(acc.people),
        },
        participants=len(acc.people),
    )


def _people_row(label, key, people, hours):
    hours = _quantize(hours)
    return Row(
        label=label,
        key=str(key),
        values={
            "participants": len(people),
            "hours_achieved": hours,
            "hours_per_participant": _ratio(hours, len(people)),
        },
        participants=len(people),
    )


def _table(key, columns, rows, total, chart="bars", chart_column=""):
    d = DEFINITIONS[key]
    return Table(
        key=key,
        title=d.label,
        definition=d.text,
        columns=columns,
        rows=rows,
        total=total,
        chart=chart,
        chart_column=chart_column,
    )


def _figure(key, value, **kwargs):
    d = DEFINITIONS[key]
    if d.numerator:
        kwargs.update(numerator_label=d.numerator[0], numerator_unit=d.numerator[1])
        kwargs.update(denominator_label=d.denominator[0], denominator_unit=d.denominator[1])
    return Figure(key=key, label=d.label, value=value, unit=d.unit, definition=d.text, **kwargs)


def _participant_filter_active(filters):
    """Mode and public filters select people, not obligations: required hours are then not applicable."""
    return bool(filters.mode or filters.public)


def _compute(territories, period, filters):
    """Every figure and table, unmasked. A constant number of queries, whatever the volume of data."""
    ids = [t.pk for t in territories]
    people_filter = _participant_filter_active(filters)
    clauses = _clauses(ids, period, filters)
    facts = _facts(ids, period, filters)
    attributes = {c["id"]: c for c in clauses}
    missing = {f.clause for f in facts} - set(attributes)
    if missing:
        attributes.update(_clause_attributes(ids, missing))
    counted = [f for f in facts if f.hours > 0]
    people_ids = {f.participant for f in counted}
    people = {
        row["id"]: row
        # The territories' participants (a join on the hours would repeat them line by line; an id list is slower).
        for row in Participant.objects.filter(territory_id__in=ids)
        .order_by()
        .values("id", "sex", "birth_year", "qualification_level", "prescriber")
        if row["id"] in people_ids
    }
    company_ids = {f.company for f in facts if f.company} | {c["holder"] for c in clauses if c["holder"]}
    company_names = dict(Company.objects.filter(territory_id__in=ids, id__in=company_ids).values_list("id", "name"))
    buyer_names = {c["buyer"]: c["buyer_name"] for c in attributes.values()}

    first, last = period.first_month, period.last_month
    months = months_between(first, last)
    years = list(range(period.start.year, period.end.year + 1))
    total = _Acc()
    by_month = {m: _Acc() for m in months}
    by_year = {y: _Acc() for y in years}
    dims = {name: defaultdict(_Acc) for name in ("buyer", "buyer_kind", "sector", "legal_basis", "mode", "company")}

    def clause_keys(c):
        return {
            "buyer": c["buyer"],
            "buyer_kind": c["buyer_kind"],
            "sector": sector_of(c["cpv"]),
            "legal_basis": c["legal_basis"],
        }

    # Required hours: each clause's share of the period, split month by month (the months sum to the period).
    for c in clauses:
        required, start, end = c["hours_required"], c["start_date"], c["end_date"]
        previous = required_up_to(required, start, end, add_months(first, -1))
        share = required_up_to(required, start, end, last) - previous
        if not share:
            continue
        total.required += share
        for name, value in clause_keys(c).items():
            dims[name][value].required += share
        dims["company"][c["holder"]].required += share
        # Only the clause's own months change what is due (before: nothing yet; after: everything).
        last_due = _month_number(end) if end else _month_number(start)
        for m in months:
            if _month_number(m) < _month_number(start) or _month_number(m) > last_due:
                continue
            due = required_up_to(required, start, end, m)
            by_month[m].required += due - previous
            by_year[m.year].required += due - previous
            previous = due

    # Achieved hours and participants.
    for f in facts:
        keys = clause_keys(attributes[f.clause])
        keys["mode"] = f.mode
        keys["company"] = f.company
        accs = [total, by_month[f.month], by_year[f.month.year]] + [dims[n][v] for n, v in keys.items()]
        for acc in accs:
            acc.achieved += f.hours
            if f.hours > 0:
                acc.people.add(f.participant)

    hours_of = defaultdict(lambda: ZERO)
    for f in counted:
        hours_of[f.participant] += f.hours
    outcomes, sustainable, known = _outcomes(ids, period, filters)
    active = [
        c for c in clauses if c["start_date"] <= period.end and (c["end_date"] is None or c["end_date"] >= period.start)
    ]
    meetings, partners, buyers_met, federations_met = _network(territories, period)

    required = None if people_filter else _quantize(total.required)
    achieved = _quantize(total.achieved)
    n = len(total.people)
    holders = {c["holder"] for c in active if c["holder"]}
    figures = [
        _figure("markets_followed", len({c["market"] for c in active})),
        _figure("clauses_active", len(active)),
        _figure("buyers", len({c["buyer"] for c in active})),
        _figure("companies", len(holders | {f.company for f in counted if f.company})),
        _figure("hours_required", required),
        _figure("hours_achieved", achieved, participants=n),
        _figure(
            "completion_rate",
            _rate(achieved, required),
            numerator=achieved,
            denominator=required,
            participants=n,
        ),
        _figure("fte", fte(achieved), participants=n),
        _figure("participants", n, participants=n),
        _figure("hours_per_participant", _ratio(achieved, n), numerator=achieved, denominator=n, participants=n),
        _figure(
            "sustainable_employment_rate",
            _rate(len(sustainable), len(known)),
            numerator=len(sustainable),
            denominator=len(known),
            participants=len(known),
            counts=(len(sustainable),),
        ),
        _figure("committee_meetings", meetings),
        _figure("partners_involved", partners),
        _figure("buyers_met", buyers_met),
        _figure("federations_met", federations_met),
    ]

    def by_name(items):
        return sorted(items, key=lambda item: (item[0].lower(), item[1]))

    tables = [
        _hours_table("hours_by_year", [(str(y), str(y), by_year[y]) for y in years], total, people_filter, "series"),
        _hours_table(
            "hours_by_month",
            [(month_label(m), f"{m:%Y-%m}", by_month[m]) for m in months],
            total,
            people_filter,
            "series",
        ),
        _hours_table(
            "hours_by_buyer",
            by_name((buyer_names.get(b, UNKNOWN_LABEL), str(b), acc) for b, acc in dims["buyer"].items()),
            total,
            people_filter,
        ),
        _hours_table(
            "hours_by_buyer_kind",
            [(k.label, k.value, dims["buyer_kind"].get(k.value, _Acc())) for k in BuyerKind],
            total,
            people_filter,
        ),
        _hours_table(
            "hours_by_sector",
            [(label, key, dims["sector"].get(key, _Acc())) for key, label, _p in SECTORS],
            total,
            people_filter,
        ),
        _hours_table(
            "hours_by_legal_basis",
            [(b.label, b.value, dims["legal_basis"].get(b.value, _Acc())) for b in LegalBasis],
            total,
            people_filter,
        ),
        _hours_table(
            "hours_by_mode",
            [(m.label, m.value, dims["mode"].get(m.value, _Acc())) for m in ExecutionMode],
            total,
            people_filter,
            required_applicable=False,
        ),
        _hours_table(
            "hours_by_company",
            by_name(
                (company_names.get(cid, UNKNOWN_LABEL), str(cid) if cid else UNKNOWN, acc)
                for cid, acc in dims["company"].items()
            ),
            total,
            people_filter,
        ),
        *_participant_tables(ids, period, people, hours_of, _publics(ids, period)),
        _contracts_table(ids, period, filters),
        outcomes,
    ]
    return Indicators(period=period, territories=list(territories), filters=filters, figures=figures, tables=tables)


def _hours_table(key, items, total, people_filter, chart="bars", required_applicable=True):
    applicable = required_applicable and not people_filter
    rows = [_hours_row(label, k, acc, applicable) for label, k, acc in items]
    return _table(key, HOURS_COLUMNS, rows, _hours_row("Total", "total", total, applicable), chart, "hours_achieved")


def _publics(ids, period):
    """{participant id: {criterion code}}: the validations of the territories in force during the period."""
    rows = (
        EligibilityValidation.objects.filter(territory_id__in=ids)
        .filter(validated_on__lte=period.end)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=period.start))
        .order_by()
        .values_list("participant_id", "criterion__code")
        .distinct()
    )
    publics = defaultdict(set)
    for participant, code in rows:
        publics[participant].add(code)
    return publics


def _criteria(ids):
    """The eligible publics of the territories, in their order: [(code, label)] (a code appears once)."""
    seen, criteria = set(), []
    for code, label in (
        EligibilityCriterion.objects.filter(territory_id__in=ids)
        .order_by("position", "label", "territory_id")
        .values_list("code", "label")
    ):
        if code not in seen:
            seen.add(code)
            criteria.append((code, label))
    return criteria


def _participant_tables(ids, period, people, hours_of, publics):
    def table(key, items, attribute):
        groups = defaultdict(set)
        for pid, person in people.items():
            for value in attribute(pid, person):
                groups[value].add(pid)
        rows = [
            _people_row(label, k, groups.get(k, set()), sum((hours_of[p] for p in groups.get(k, ())), ZERO))
            for k, label in items
        ]
        everyone = set(people)
        total = _people_row("Total", "total", everyone, sum((hours_of[p] for p in everyone), ZERO))
        return _table(key, PEOPLE_COLUMNS, rows, total, "bars", "participants")

    def single(field):
        return lambda pid, person: [person[field] or UNKNOWN]

    return [
        table("participants_by_sex", [(s.value, s.label) for s in Sex] + [(UNKNOWN, UNKNOWN_LABEL)], single("sex")),
        table(
            "participants_by_age_band",
            AGE_BANDS + [(UNKNOWN, UNKNOWN_LABEL)],
            lambda pid, person: [age_band(person["birth_year"], period.start) or UNKNOWN],
        ),
        table(
            "participants_by_public",
            _criteria(ids) + [(UNKNOWN, "Sans public validé sur la période")],
            lambda pid, person: sorted(publics.get(pid)) or [UNKNOWN],
        ),
        table(
            "participants_by_qualification",
            [(q.value, q.label) for q in QualificationLevel] + [(UNKNOWN, UNKNOWN_LABEL)],
            single("qualification_level"),
        ),
        table(
            "participants_by_prescriber",
            [(p.value, p.label) for p in Prescriber] + [(UNKNOWN, UNKNOWN_LABEL)],
            single("prescriber"),
        ),
    ]


DAYS_PER_MONTH = Decimal("30.44")
CONTRACT_COLUMNS = [
    Column("contracts", "Contrats", COUNT),
    Column("average_duration_months", "Durée moyenne", MONTHS),
    Column("participants", "Participants", COUNT),
]


def _average_months(days, ended):
    """Average duration in months of ``ended`` contracts lasting ``days`` in all (None without an ended contract)."""
    return _quantize(Decimal(days) / ended / DAYS_PER_MONTH, "0.1") if ended else None


def _contracts_table(ids, period, filters):
    """Placements running during the period, by contract kind. One query."""
    placements = Placement.objects.filter(territory_id__in=ids, start_date__lte=period.end).exclude(
        end_date__lt=period.start
    )
    placements = _placement_filters(placements, filters, period)
    groups = defaultdict(lambda: {"count": 0, "days": 0, "ended": 0, "people": set()})
    everyone = {"count": 0, "days": 0, "ended": 0, "people": set()}
    for kind, participant, start, end in placements.order_by().values_list(
        "contract_kind", "participant_id", "start_date", "end_date"
    ):
        for g in (groups[kind], everyone):
            g["count"] += 1
            g["people"].add(participant)
            if end is not None:
                g["days"] += (end - start).days + 1
                g["ended"] += 1

    def row(label, key, g):
        average = _average_months(g["days"], g["ended"])
        return Row(
            label=label,
            key=key,
            values={"contracts": g["count"], "average_duration_months": average, "participants": len(g["people"])},
            participants=len(g["people"]),
            parts={"days": g["days"], "ended": g["ended"]},
        )

    empty = {"count": 0, "days": 0, "ended": 0, "people": set()}
    rows = [row(kind.label, kind.value, groups.get(kind.value, empty)) for kind in ContractKind]
    return _table("contracts_by_kind", CONTRACT_COLUMNS, rows, row("Total", "total", everyone), "bars", "contracts")


OUTCOME_COLUMNS = [
    Column(OutcomeMilestone.END.value, "À la fin du dernier contrat", COUNT),
    Column(OutcomeMilestone.SIX_MONTHS.value, "Six mois après", COUNT),
]


def _outcomes(ids, period, filters):
    """The outcomes table and the sustainable-employment rate's numerator and denominator. One query."""
    outcomes = Outcome.objects.filter(territory_id__in=ids, observed_on__gte=period.start, observed_on__lte=period.end)
    if filters.active():
        placements = _placement_filters(
            Placement.objects.filter(territory_id=OuterRef("territory_id"), participant_id=OuterRef("participant_id")),
            filters,
            period,
        )
        outcomes = outcomes.filter(Exists(placements))
    cells = defaultdict(set)  # (category, milestone) -> participants
    by_milestone = defaultdict(set)
    known, sustainable = set(), set()
    for participant, milestone, category in outcomes.order_by().values_list("participant_id", "milestone", "category"):
        cells[(category, milestone)].add(participant)
        by_milestone[milestone].add(participant)
        if category != OutcomeCategory.UNKNOWN:
            known.add(participant)
        if category == OutcomeCategory.SUSTAINABLE:
            sustainable.add(participant)

    def row(label, key, sets):
        people = set().union(*sets.values())
        return Row(
            label=label,
            key=key,
            values={milestone: len(s) for milestone, s in sets.items()},
            participants=len(people),
            cell_participants={milestone: len(s) for milestone, s in sets.items()},
        )

    milestones = [m.value for m in OutcomeMilestone]
    rows = [
        row(category.label, category.value, {m: cells.get((category.value, m), set()) for m in milestones})
        for category in OutcomeCategory
    ]
    total = row("Total", "total", {m: by_milestone.get(m, set()) for m in milestones})
    return _table("outcomes", OUTCOME_COLUMNS, rows, total, "bars", OutcomeMilestone.END.value), sustainable, known


def _network(territories, period):
    """Partners met and committee meetings, summed over the territories (never filtered)."""
    partners = buyers_met = federations_met = 0
    for territory in territories:
        partners += partners_involved(territory, period.start, period.end).total
        met = buyers_and_federations_met(territory, period.start, period.end)
        buyers_met += met.buyers
        federations_met += met.federations
    meetings = committee_meetings([t.pk for t in territories], period.start, period.end)
    return meetings, partners, buyers_met, federations_met


# --- The committee's meetings: held (dated today or earlier) or still to come ---


def held_meetings(territory_ids, today=None):
    """The committee meetings of the territories that were held: dated ``today`` (default: the local date) or
    earlier. A meeting dated later is planned, not held. The one definition of a held meeting, used by the indicator
    ``committee_meetings``, the committee page and the bilan."""
    today = today or timezone.localdate()
    return CommitteeMeeting.objects.filter(territory_id__in=list(territory_ids), date__lte=today)


def committee_meetings(territory_ids, start, end, today=None):
    """Indicator « réunions du comité »: meetings held in [start, end] (both included). One query."""
    return held_meetings(territory_ids, today).filter(date__gte=start, date__lte=end).count()


def meetings_per_year(territory, today=None):
    """[{year, held, planned}] from the most recent year: the committee's meetings held (``held_meetings``: the
    indicator's count for that calendar year) and still to come. The current year is always listed, even without a
    meeting. Two grouped queries, whatever the number of meetings."""
    today = today or timezone.localdate()
    rows = defaultdict(lambda: {"held": 0, "planned": 0})
    rows[today.year]  # the current year is always shown
    held = held_meetings([territory.pk], today).order_by()
    planned = CommitteeMeeting.objects.filter(territory_id=territory.pk, date__gt=today).order_by()
    for key, queryset in (("held", held), ("planned", planned)):
        for year, count in queryset.annotate(year=ExtractYear("date")).values_list("year").annotate(n=Count("pk")):
            rows[year][key] += count
    return [{"year": year, **rows[year]} for year in sorted(rows, reverse=True)]


@dataclass(frozen=True)
class HomeFigures:
    year: int
    buyers: int
    markets_with_clause: int
    hours_required: Decimal
    hours_achieved: Decimal
    participants: int

    @property
    def completion_rate(self):
        return completion_rate(self.hours_achieved, self.hours_required)


def home_figures(membership, year):
    """The territory home's key figures, within what the member may see.

    - buyers: buyers visible to the member;
    - markets with a clause: visible markets with at least one clause active during the year;
    - hours required: the sum of the hours required by those clauses (whole obligation of each clause);
    - hours achieved: hours counted (``clauses.hours``) in the months of the year, on visible clauses;
    - participants: distinct people with a placement on a visible clause active during the year (a count only).
    """
    start, end = date(year, 1, 1), date(year, 12, 31)
    clauses = Clause.objects.visible_to(membership).active_during(start, end)
    placements = (
        Placement.objects.in_territory(membership.territory)
        .filter(clause__in=clauses, start_date__lte=end)
        .exclude(end_date__lt=start)
    )
    return HomeFigures(
        year=year,
        buyers=Buyer.objects.visible_to(membership).count(),
        markets_with_clause=Market.objects.visible_to(membership).filter(lots__clauses__in=clauses).distinct().count(),
        hours_required=clauses.aggregate_hours_required(),
        hours_achieved=counted_total(membership.territory, Clause.objects.visible_to(membership), (start, end)),
        participants=placements.values("participant_id").distinct().count(),
    )


# --- Network: partners and meetings ---


@dataclass(frozen=True)
class PartnersInvolved:
    """Distinct active partners met at least once in a period, in total and by kind (every kind listed, 0 if none)."""

    total: int
    by_kind: dict  # PartnerKind value -> count, in PartnerKind order

    @property
    def rows(self):
        """(French label, count) per kind, for a table."""
        return [(PartnerKind(kind).label, count) for kind, count in self.by_kind.items()]


@dataclass(frozen=True)
class BuyersAndFederationsMet:
    """Distinct partners of kind buyer or federation met at least once in a period."""

    buyers: int
    federations: int

    @property
    def total(self):
        return self.buyers + self.federations


def _met_partners(territory, start, end):
    """Partners of the territory with a meeting dated in [start, end] (both included)."""
    return Partner.objects.in_territory(territory).filter(
        meetings__territory_id=territory.pk, meetings__date__gte=start, meetings__date__lte=end
    )


def _count_by_kind(partners):
    return dict(partners.order_by().values_list("kind").annotate(n=Count("pk", distinct=True)))


def partners_involved(territory, start, end):
    """Indicator "partenaires impliqués": distinct *active* partners with at least one meeting in the period.

    A partner met several times counts once; an inactive partner does not count. One query.
    """
    counts = _count_by_kind(_met_partners(territory, start, end).filter(is_active=True))
    by_kind = {kind.value: counts.get(kind.value, 0) for kind in PartnerKind}
    return PartnersInvolved(total=sum(by_kind.values()), by_kind=by_kind)


def buyers_and_federations_met(territory, start, end):
    """Indicator "donneurs d'ordre et fédérations rencontrés": distinct partners of kind buyer or federation with at
    least one meeting in the period (whether or not still active: they were met). One query.
    """
    counts = _count_by_kind(
        _met_partners(territory, start, end).filter(kind__in=[PartnerKind.BUYER, PartnerKind.FEDERATION])
    )
    return BuyersAndFederationsMet(
        buyers=counts.get(PartnerKind.BUYER.value, 0), federations=counts.get(PartnerKind.FEDERATION.value, 0)
    )
