"""The participants' logic (``clauses.participants``): duplicates, age bands, outcome status and the outcomes due,
a participant's hours per clause (with the rules of ``clauses.hours``), the pathway's timeline and the last activity
the retention period counts from."""

import datetime
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from clauses.enums import ContractKind, OutcomeMilestone, OutcomeSituation, StatementStatus
from clauses.hours import monthly_figures
from clauses.models import HoursAllocation, Participant
from clauses.participants import (
    FROM_26_TO_49,
    FROM_50,
    MISSING,
    UNDER_26,
    add_months_to_day,
    age_band_of,
    age_band_q,
    due_milestones,
    filter_outcome_status,
    find_duplicates,
    inactive_participants,
    normalise_person_name,
    outcomes_due,
    participant_hours,
    pathway_status,
    timeline,
    with_last_activity,
    with_outcome_status,
    years_before,
)
from tests.clauses.factories import (
    ClauseFactory,
    EligibilityValidationFactory,
    MonthlyHoursFactory,
    ParticipantFactory,
    PlacementFactory,
)
from tests.clauses.participant_helpers import OutcomeFactory, TrainingFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
D = Decimal


# --- Names and duplicates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Lefèvre", "LEFEVRE"),
        ("  Lefèvre-D'Arc ", "lefevre d arc"),
        ("Élodie", "elodie"),
        ("Zoë", "ZOE"),
        ("N'Diaye", "n diaye"),
        ("Jean  Pierre", "jean-pierre"),
    ],
)
def test_names_compare_without_case_accents_or_punctuation(a, b):
    assert normalise_person_name(a) == normalise_person_name(b)


def test_different_names_stay_different():
    assert normalise_person_name("Martin") != normalise_person_name("Martine")


def test_find_duplicates(territory, other_territory):
    born = date(1988, 4, 2)
    same = ParticipantFactory(territory=territory, first_name="Hélène", last_name="Lefèvre", birth_date=born)
    ParticipantFactory(territory=territory, first_name="Hélène", last_name="Lefèvre", birth_date=date(1988, 4, 3))
    ParticipantFactory(territory=territory, first_name="Hélèna", last_name="Lefèvre", birth_date=born)
    ParticipantFactory(territory=other_territory, first_name="Hélène", last_name="Lefèvre", birth_date=born)
    ParticipantFactory(
        territory=territory, first_name="Hélène", last_name="Lefèvre", birth_date=born, anonymised_at=timezone.now()
    )
    assert find_duplicates(territory, "helene", "LEFEVRE", born) == [same]
    assert find_duplicates(territory, "Hélène", "Lefèvre", born, exclude_pk=same.pk) == []
    assert find_duplicates(territory, "Hélène", "Lefèvre", None) == []


# --- Dates and age bands -----------------------------------------------------------------------------------------


def test_months_are_moved_with_the_day_clamped():
    assert add_months_to_day(date(2026, 8, 31), -6) == date(2026, 2, 28)
    assert add_months_to_day(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months_to_day(date(2026, 6, 15), -6) == date(2025, 12, 15)
    assert years_before(date(2028, 2, 29), 5) == date(2023, 2, 28)


@pytest.mark.parametrize(
    ("birth_year", "band"),
    [
        (2008, UNDER_26),
        (2001, UNDER_26),
        (2000, FROM_26_TO_49),
        (1977, FROM_26_TO_49),
        (1976, FROM_50),
        (1950, FROM_50),
    ],
)
def test_age_bands_from_the_birth_year(territory, birth_year, band):
    assert age_band_of(birth_year, 2026) == band
    person = ParticipantFactory(territory=territory, birth_date=None, birth_year=birth_year)
    for other in (UNDER_26, FROM_26_TO_49, FROM_50):
        matched = Participant.objects.filter(age_band_q(other, 2026), pk=person.pk).exists()
        assert matched is (other == band)


# --- Outcome status and the outcomes due -------------------------------------------------------------------------


@pytest.fixture
def pathways(territory):
    """People at every stage, on 15 June 2026 (six months earlier: 15 December 2025)."""
    clause = ClauseFactory(territory=territory, start_date=date(2025, 1, 1))

    def person(name, *ends, outcomes=(), **kwargs):
        participant = ParticipantFactory(territory=territory, last_name=name, **kwargs)
        for end in ends:
            PlacementFactory(
                territory=territory, participant=participant, clause=clause, start_date=date(2025, 2, 1), end_date=end
            )
        for milestone, situation in outcomes:
            OutcomeFactory(territory=territory, participant=participant, milestone=milestone, situation=situation)
        return participant

    end, six = OutcomeMilestone.END, OutcomeMilestone.SIX_MONTHS
    return {
        "never_placed": person("Aucun"),
        "ongoing": person("EnCours", None),
        "ends_later": person("Bientot", date(2026, 7, 31)),
        "just_ended": person("Terminee", date(2026, 5, 31)),
        "ended_today": person("Aujourdhui", TODAY),
        "one_of_two_ongoing": person("DeuxContrats", date(2026, 1, 31), None),
        "six_months_missing": person("SixMois", date(2025, 10, 31), outcomes=[(end, OutcomeSituation.CDI)]),
        "both_missing": person("Rien", date(2025, 10, 31)),
        "all_recorded": person(
            "Complet",
            date(2025, 10, 31),
            outcomes=[(end, OutcomeSituation.SUBSIDISED), (six, OutcomeSituation.CDI)],
        ),
        "five_months_ago": person(
            "CinqMois", date(2026, 1, 20), outcomes=[(end, OutcomeSituation.QUALIFYING_TRAINING)]
        ),
        "anonymised": person("Anonyme", date(2026, 5, 31), anonymised_at=timezone.now()),
    }


def _due(territory):
    rows = outcomes_due(Participant.objects.in_territory(territory), TODAY)
    return {p.last_name: [milestone.value for milestone, _ in due_milestones(p, TODAY)] for p in rows}


def test_outcomes_due_at_the_end_and_six_months_later(territory, pathways):
    assert _due(territory) == {
        "Terminee": ["end"],
        "Aujourdhui": ["end"],
        "SixMois": ["six_months"],
        "Rien": ["end", "six_months"],
    }


def test_the_status_computed_from_loaded_rows_is_the_same(territory, pathways):
    for person in with_outcome_status(Participant.objects.in_territory(territory), TODAY):
        loaded = pathway_status(person.placements.all(), person.outcomes.all(), TODAY)
        assert due_milestones(loaded, TODAY) == due_milestones(person, TODAY), person.last_name
        assert (loaded.last_end, loaded.end_category, loaded.six_months_category) == (
            person.last_end,
            person.end_category,
            person.six_months_category,
        )


def test_the_due_date_of_each_milestone(territory, pathways):
    person = with_outcome_status(Participant.objects.filter(pk=pathways["both_missing"].pk), TODAY).get()
    assert due_milestones(person, TODAY) == [
        (OutcomeMilestone.END, date(2025, 10, 31)),
        (OutcomeMilestone.SIX_MONTHS, date(2026, 4, 30)),
    ]


def test_latest_outcome_category_and_the_status_filter(territory, pathways):
    people = Participant.objects.in_territory(territory)
    statuses = {p.last_name: p.outcome_category for p in with_outcome_status(people, TODAY)}
    assert statuses["Complet"] == "sustainable"  # six months after wins over the end (transition)
    assert statuses["CinqMois"] == "positive"
    assert statuses["SixMois"] == "sustainable"
    assert statuses["Aucun"] is None

    def names(status):
        return {p.last_name for p in filter_outcome_status(people, status, TODAY)}

    assert names(MISSING) == {"Terminee", "Aujourdhui", "SixMois", "Rien", "Anonyme"}
    assert names("sustainable") == {"Complet", "SixMois"}
    assert names("positive") == {"CinqMois"}
    assert names("transition") == set()


def test_outcomes_due_costs_one_query(territory, pathways, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(outcomes_due(Participant.objects.in_territory(territory), TODAY))


# --- Hours of a participant per clause ---------------------------------------------------------------------------


@pytest.fixture
def worker(territory):
    """Inès, eligible since January 2026, on two clauses: 120 h counted + 30 h pending on the first, nothing yet on
    the second."""
    ines = ParticipantFactory(territory=territory, first_name="Inès")
    EligibilityValidationFactory(territory=territory, participant=ines, validated_on=date(2026, 1, 5))
    first = ClauseFactory(territory=territory)
    second = ClauseFactory(territory=territory)
    placement = PlacementFactory(territory=territory, participant=ines, clause=first, start_date=date(2026, 1, 1))
    PlacementFactory(territory=territory, participant=ines, clause=second, start_date=date(2026, 5, 1))
    MonthlyHoursFactory(territory=territory, placement=placement, month=date(2026, 1, 1), hours_worked=D("120"))
    MonthlyHoursFactory(
        territory=territory,
        placement=placement,
        month=date(2026, 2, 1),
        hours_worked=D("30"),
        status=StatementStatus.SUBMITTED,
    )
    return ines, first, second, placement


def test_hours_per_clause_counted_and_pending(territory, worker):
    ines, first, second, _ = worker
    rows = {row.clause: (row.counted, row.pending) for row in participant_hours(ines)}
    assert rows == {first: (D("120"), D("30")), second: (D("0"), D("0"))}


def test_hours_before_the_eligibility_are_pending(territory, worker):
    ines, first, _, placement = worker
    MonthlyHoursFactory(territory=territory, placement=placement, month=date(2025, 12, 1), hours_worked=D("50"))
    rows = {row.clause: (row.counted, row.pending) for row in participant_hours(ines)}
    assert rows[first] == (D("120"), D("80"))


def test_work_study_training_hours_count(territory, worker):
    ines, _, second, _ = worker
    apprenticeship = PlacementFactory(
        territory=territory,
        participant=ines,
        clause=second,
        contract_kind=ContractKind.APPRENTICESHIP,
        start_date=date(2026, 5, 1),
    )
    MonthlyHoursFactory(
        territory=territory,
        placement=apprenticeship,
        month=date(2026, 5, 1),
        hours_worked=D("100"),
        training_hours=D("20"),
    )
    rows = {row.clause: row.counted for row in participant_hours(ines)}
    assert rows[second] == D("120")


def test_globalisation_allocations_count_on_the_receiving_clause(territory, worker):
    ines, first, second, placement = worker
    line = placement.monthly_hours.get(month=date(2026, 1, 1))
    HoursAllocation.objects.create(territory=territory, line=line, clause=second, hours=D("120"))
    rows = {row.clause: (row.counted, row.pending) for row in participant_hours(ines)}
    assert rows == {first: (D("0"), D("30")), second: (D("120"), D("0"))}


def test_alone_on_a_clause_the_figures_match_the_clause_figures(territory, worker):
    ines, first, _, _ = worker
    figures = monthly_figures(first)
    row = next(row for row in participant_hours(ines) if row.clause == first)
    assert row.counted == sum(f.counted for f in figures)
    assert row.pending == sum(f.pending for f in figures)


def test_hours_cost_the_same_queries_whatever_the_lines(territory, worker, django_assert_max_num_queries):
    ines, first, _, placement = worker
    with django_assert_max_num_queries(4):
        participant_hours(ines, [placement])
    for month in range(3, 13):
        MonthlyHoursFactory(territory=territory, placement=placement, month=date(2026, month, 1))
    with django_assert_max_num_queries(4):
        participant_hours(ines, [placement])


# --- Timeline ----------------------------------------------------------------------------------------------------


def test_timeline_is_chronological_with_the_eligibility_first_on_a_same_day(territory):
    person = ParticipantFactory(territory=territory)
    placement = PlacementFactory(territory=territory, participant=person, start_date=date(2026, 2, 1))
    training = TrainingFactory(territory=territory, participant=person, start_date=date(2026, 1, 10))
    validation = EligibilityValidationFactory(territory=territory, participant=person, validated_on=date(2026, 2, 1))
    events = timeline([placement], [training], [validation])
    assert [(e.day, e.kind) for e in events] == [
        (date(2026, 1, 10), "training"),
        (date(2026, 2, 1), "eligibility"),
        (date(2026, 2, 1), "placement"),
    ]
    assert [e.kind_label for e in events] == ["Formation", "Éligibilité", "Mise en emploi"]


# --- Last activity and retention ---------------------------------------------------------------------------------


def _created(participant, day):
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    Participant.objects.filter(pk=participant.pk).update(created_at=moment)


def _last_activity(participant):
    return with_last_activity(Participant.objects.filter(pk=participant.pk)).get().last_activity


def test_last_activity_is_the_latest_of_every_source(territory):
    person = ParticipantFactory(territory=territory)
    _created(person, date(2015, 3, 1))
    assert _last_activity(person) == date(2015, 3, 1)
    EligibilityValidationFactory(territory=territory, participant=person, validated_on=date(2016, 1, 5))
    assert _last_activity(person) == date(2016, 1, 5)
    placement = PlacementFactory(
        territory=territory, participant=person, start_date=date(2016, 2, 1), end_date=date(2017, 1, 31)
    )
    assert _last_activity(person) == date(2017, 1, 31)
    MonthlyHoursFactory(territory=territory, placement=placement, month=date(2017, 3, 1))  # a late statement
    assert _last_activity(person) == date(2017, 3, 1)
    TrainingFactory(territory=territory, participant=person, start_date=date(2017, 4, 3), end_date=date(2017, 6, 30))
    assert _last_activity(person) == date(2017, 6, 30)
    OutcomeFactory(territory=territory, participant=person, observed_on=date(2018, 1, 10))
    assert _last_activity(person) == date(2018, 1, 10)


def test_an_ongoing_placement_keeps_its_start_as_last_activity(territory):
    person = ParticipantFactory(territory=territory)
    _created(person, date(2015, 3, 1))
    PlacementFactory(territory=territory, participant=person, start_date=date(2019, 9, 1), end_date=None)
    assert _last_activity(person) == date(2019, 9, 1)


def test_inactive_participants_follow_the_territory_retention(territory, other_territory):
    old = ParticipantFactory(territory=territory, last_name="Ancien")
    _created(old, date(2020, 6, 1))
    recent = ParticipantFactory(territory=territory, last_name="Recent")
    _created(recent, date(2021, 6, 20))
    foreign = ParticipantFactory(territory=other_territory)
    _created(foreign, date(2010, 1, 1))
    today = date(2026, 6, 15)  # five years before: 15 June 2021
    assert list(inactive_participants(territory, today)) == [old]
    territory.retention_years = 4
    assert set(inactive_participants(territory, today)) == {old, recent}
    territory.retention_years = 10
    assert list(inactive_participants(territory, today)) == []
