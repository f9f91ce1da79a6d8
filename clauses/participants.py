"""Participants and their pathway: duplicates, age bands, outcome status and the outcomes due, hours per clause, the
timeline of a pathway, and the last activity that the retention period counts from.

Plain functions and queryset annotations over the models; the views (``clauses.views_participants``) stay thin and the
counting rules stay in ``clauses.hours``.
"""

import calendar
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import BooleanField, DateField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest, TruncDate

from .enums import OutcomeCategory, OutcomeMilestone, StatementStatus
from .hours import counting_lines, eligibility_condition, has_allocations
from .models import (
    Clause,
    EligibilityValidation,
    HoursAllocation,
    MonthlyHours,
    Outcome,
    Participant,
    Placement,
    Training,
    counted_hours_expression,
)

ZERO = Decimal("0")
SIX_MONTHS = 6

# --- Names and duplicates ----------------------------------------------------------------------------------------


def normalise_person_name(text):
    """Case, accents, hyphens, apostrophes and extra spaces ignored: ``"  Lefèvre-D'Arc "`` → ``"lefevre d arc"``."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    return " ".join("".join(char if char.isalnum() else " " for char in text).split())


def find_duplicates(territory, first_name, last_name, birth_date, exclude_pk=None):
    """The territory's participants with the same last and first names (case and accents ignored) and birth date.

    The database narrows on the birth date (a handful of people share one in a territory); names are compared in
    Python, so no extension (``unaccent``) is needed. Anonymised records never match.
    """
    if not (first_name and last_name and birth_date):
        return []
    candidates = Participant.objects.in_territory(territory).filter(birth_date=birth_date, anonymised_at__isnull=True)
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    wanted = (normalise_person_name(last_name), normalise_person_name(first_name))
    return [
        person
        for person in candidates.order_by("pk")
        if (normalise_person_name(person.last_name), normalise_person_name(person.first_name)) == wanted
    ]


# --- Dates -------------------------------------------------------------------------------------------------------


def add_months_to_day(day, n):
    """``day`` moved by ``n`` months, clamped to the month's last day (31 August − 6 months → 28/29 February)."""
    index = day.year * 12 + day.month - 1 + n
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def years_before(day, years):
    return add_months_to_day(day, -12 * years)


# --- Age bands ---------------------------------------------------------------------------------------------------

UNDER_26, FROM_26_TO_49, FROM_50 = "under_26", "26_49", "50_plus"
AGE_BANDS = [(UNDER_26, "Moins de 26 ans"), (FROM_26_TO_49, "26 à 49 ans"), (FROM_50, "50 ans et plus")]


def age_band_of(birth_year, year):
    """The committee's age bands, from the birth year only (the age reached during ``year``)."""
    age = year - birth_year
    if age < 26:
        return UNDER_26
    return FROM_26_TO_49 if age < 50 else FROM_50


def age_band_q(band, year):
    """A Q on ``birth_year`` selecting an age band in ``year`` (the same rule as ``age_band_of``)."""
    if band == UNDER_26:
        return Q(birth_year__gt=year - 26)
    if band == FROM_26_TO_49:
        return Q(birth_year__lte=year - 26, birth_year__gt=year - 50)
    if band == FROM_50:
        return Q(birth_year__lte=year - 50)
    raise ValueError(band)


# --- Outcome status and outcomes due -----------------------------------------------------------------------------

MISSING = "missing"
OUTCOME_STATUSES = [
    (MISSING, "Sortie à renseigner"),
    (OutcomeCategory.SUSTAINABLE.value, OutcomeCategory.SUSTAINABLE.label),
    (OutcomeCategory.TRANSITION.value, OutcomeCategory.TRANSITION.label),
    (OutcomeCategory.POSITIVE.value, OutcomeCategory.POSITIVE.label),
    (OutcomeCategory.NONE.value, OutcomeCategory.NONE.label),
    (OutcomeCategory.UNKNOWN.value, OutcomeCategory.UNKNOWN.label),
]
CATEGORY_BADGES = {
    OutcomeCategory.SUSTAINABLE: "fr-badge--success",
    OutcomeCategory.TRANSITION: "fr-badge--info",
    OutcomeCategory.POSITIVE: "fr-badge--new",
    OutcomeCategory.NONE: "fr-badge--warning",
    OutcomeCategory.UNKNOWN: "",
}


def with_outcome_status(participants, today):
    """Annotate participants with what their outcomes need (one query, whatever their number):

    - ``last_end``: the latest end of their placements; ``has_ongoing``: a placement without end or ending after
      ``today``;
    - ``end_category`` / ``six_months_category``: the category recorded at each milestone (None if not recorded);
      ``outcome_category``: the latest of the two;
    - ``end_due`` / ``six_months_due`` / ``outcome_due``: the outcome at that milestone (at either) is due and missing:
      the last placement ended on or before ``today`` (six months before it for the second one) and none is ongoing.
    """
    if "outcome_due" in participants.query.annotations:
        return participants  # already annotated (the list's queryset, then its outcome filter)
    placements = Placement.objects.filter(territory_id=OuterRef("territory_id"), participant_id=OuterRef("pk"))
    outcomes = Outcome.objects.filter(territory_id=OuterRef("territory_id"), participant_id=OuterRef("pk"))
    annotated = participants.annotate(
        last_end=Subquery(placements.filter(end_date__isnull=False).order_by("-end_date").values("end_date")[:1]),
        has_ongoing=Exists(placements.filter(Q(end_date__isnull=True) | Q(end_date__gt=today))),
        end_category=Subquery(outcomes.filter(milestone=OutcomeMilestone.END).values("category")[:1]),
        six_months_category=Subquery(outcomes.filter(milestone=OutcomeMilestone.SIX_MONTHS).values("category")[:1]),
    )
    six_months_ago = add_months_to_day(today, -SIX_MONTHS)
    ended = Q(has_ongoing=False, last_end__isnull=False)
    end_due = ended & Q(last_end__lte=today, end_category__isnull=True)
    six_months_due = ended & Q(last_end__lte=six_months_ago, six_months_category__isnull=True)
    return annotated.annotate(
        outcome_category=Coalesce(F("six_months_category"), F("end_category")),
        end_due=ExpressionWrapper(end_due, output_field=BooleanField()),
        six_months_due=ExpressionWrapper(six_months_due, output_field=BooleanField()),
        outcome_due=ExpressionWrapper(end_due | six_months_due, output_field=BooleanField()),
    )


def filter_outcome_status(participants, status, today):
    """``status``: ``missing`` (an outcome is due) or an outcome category (the latest outcome recorded)."""
    participants = with_outcome_status(participants, today)
    if status == MISSING:
        return participants.filter(outcome_due=True)
    return participants.filter(outcome_category=status)


def outcomes_due(participants, today):
    """The participants (not anonymised) whose outcome at the end of their last placement, or six months later, is
    missing; annotated by ``with_outcome_status`` (``due_milestones`` says which)."""
    return with_outcome_status(participants.filter(anonymised_at__isnull=True), today).filter(outcome_due=True)


@dataclass(frozen=True)
class PathwayStatus:
    """The fields ``with_outcome_status`` annotates, computed from rows already loaded (the pathway page)."""

    has_ongoing: bool
    last_end: date | None
    end_category: str | None
    six_months_category: str | None


def pathway_status(placements, outcomes, today):
    """The same rule as ``with_outcome_status`` for one participant's loaded placements and outcomes (no query)."""
    ends = [placement.end_date for placement in placements if placement.end_date is not None]
    categories = {outcome.milestone: outcome.category for outcome in outcomes}
    return PathwayStatus(
        has_ongoing=any(placement.end_date is None or placement.end_date > today for placement in placements),
        last_end=max(ends) if ends else None,
        end_category=categories.get(OutcomeMilestone.END),
        six_months_category=categories.get(OutcomeMilestone.SIX_MONTHS),
    )


def due_milestones(participant, today):
    """The milestones due, with the day each became due, for a participant annotated by ``with_outcome_status`` (or a
    ``PathwayStatus``)."""
    due = []
    if participant.has_ongoing or participant.last_end is None or participant.last_end > today:
        return due
    if participant.end_category is None:
        due.append((OutcomeMilestone.END, participant.last_end))
    six_months = add_months_to_day(participant.last_end, SIX_MONTHS)
    if participant.six_months_category is None and six_months <= today:
        due.append((OutcomeMilestone.SIX_MONTHS, six_months))
    return due


# --- Hours of a participant per clause ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClauseHours:
    clause: object
    counted: Decimal
    pending: Decimal


def participant_hours(participant, placements=None):
    """A participant's hours to date per clause, with the rules of ``clauses.hours`` (four queries; ``placements``, the
    participant's placements when already loaded, saves one).

    Counted: the participant's lines that count on their placement's clause, plus the globalisation allocations of
    their lines to each clause. Pending: what the lines of a clause entered and nobody counts (statement not validated,
    eligibility not validated). Every clause the participant is placed on is listed, even without hours.
    """
    territory_id = participant.territory_id
    lines = MonthlyHours.objects.filter(territory_id=territory_id, placement__participant=participant)
    counted, settled, entered = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    direct = counting_lines(lines).exclude(has_allocations())
    for row in direct.values("placement__clause_id").annotate(total=Sum(counted_hours_expression())):
        counted[row["placement__clause_id"]] += row["total"]
        settled[row["placement__clause_id"]] += row["total"]
    allocations = (
        HoursAllocation.objects.filter(territory_id=territory_id, line__placement__participant=participant)
        .filter(line__status=StatementStatus.VALIDATED)
        .filter(eligibility_condition("line__"))
    )
    for row in allocations.values("clause_id", "line__placement__clause_id").annotate(total=Sum("hours")):
        counted[row["clause_id"]] += row["total"]
        settled[row["line__placement__clause_id"]] += row["total"]
    for row in lines.values("placement__clause_id").annotate(total=Sum(counted_hours_expression())):
        entered[row["placement__clause_id"]] += row["total"]
    if placements is None:
        placed = set(
            Placement.objects.filter(territory_id=territory_id, participant=participant).values_list(
                "clause_id", flat=True
            )
        )
    else:
        placed = {placement.clause_id for placement in placements}
    clauses = (
        Clause.objects.filter(territory_id=territory_id, pk__in=placed | set(counted) | set(entered))
        .select_related("lot__market__buyer")
        .order_by("lot__market__reference", "lot__number", "pk")
    )
    return [
        ClauseHours(
            clause=clause,
            counted=counted[clause.pk],
            pending=max(entered[clause.pk] - settled[clause.pk], ZERO),
        )
        for clause in clauses
    ]


# --- Timeline ----------------------------------------------------------------------------------------------------

PLACEMENT, TRAINING, ELIGIBILITY = "placement", "training", "eligibility"


@dataclass(frozen=True)
class TimelineEvent:
    day: date
    kind: str  # PLACEMENT, TRAINING or ELIGIBILITY
    item: object

    @property
    def kind_label(self):
        return {PLACEMENT: "Mise en emploi", TRAINING: "Formation", ELIGIBILITY: "Éligibilité"}[self.kind]


def timeline(placements, trainings, validations):
    """One chronological list of a pathway's events (already loaded rows; no query)."""
    events = [TimelineEvent(p.start_date, PLACEMENT, p) for p in placements]
    events += [TimelineEvent(t.start_date, TRAINING, t) for t in trainings]
    events += [TimelineEvent(v.validated_on, ELIGIBILITY, v) for v in validations]
    order = {ELIGIBILITY: 0, PLACEMENT: 1, TRAINING: 2}
    return sorted(events, key=lambda event: (event.day, order[event.kind], event.item.pk))


# --- Last activity (retention) -----------------------------------------------------------------------------------


def _latest(queryset, field):
    return Subquery(queryset.filter(**{f"{field}__isnull": False}).order_by(f"-{field}").values(field)[:1])


def last_activity_expression():
    """The day of a participant's last activity: the latest of their placements' start and end, their monthly lines'
    months, their eligibility validations, trainings and outcomes, and their record's creation."""
    created = TruncDate("created_at")
    own = {"territory_id": OuterRef("territory_id"), "participant_id": OuterRef("pk")}
    placements = Placement.objects.filter(**own)
    dates = [
        _latest(placements, "start_date"),
        _latest(placements, "end_date"),
        _latest(
            MonthlyHours.objects.filter(
                territory_id=OuterRef("territory_id"), placement__participant_id=OuterRef("pk")
            ),
            "month",
        ),
        _latest(EligibilityValidation.objects.filter(**own), "validated_on"),
        _latest(Training.objects.filter(**own), "start_date"),
        _latest(Training.objects.filter(**own), "end_date"),
        _latest(Outcome.objects.filter(**own), "observed_on"),
    ]
    # Every date falls back to the creation day: GREATEST then never meets a NULL (PostgreSQL ignores them, SQLite
    # would return NULL).
    return Greatest(created, *(Coalesce(d, created, output_field=DateField()) for d in dates), output_field=DateField())


def with_last_activity(participants):
    return participants.annotate(last_activity=last_activity_expression())


def inactive_participants(territory, today):
    """Participants of ``territory`` not yet anonymised whose last activity is older than its retention period."""
    cutoff = years_before(today, territory.retention_years)
    return (
        with_last_activity(Participant.objects.in_territory(territory).filter(anonymised_at__isnull=True))
        .filter(last_activity__lt=Value(cutoff, output_field=DateField()))
        .order_by("pk")
    )
