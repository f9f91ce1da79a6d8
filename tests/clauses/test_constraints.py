"""Invariants the database enforces (whatever the code path), and the French messages of model validation."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from clauses.enums import ContractKind
from clauses.models import Clause, MonthlyHours, Placement
from markets.models import Company
from territories.validators import validate_siret
from tests.clauses.factories import ClauseFactory, MonthlyHoursFactory, PlacementFactory
from tests.facilitators.factories import InclusionEmployerFactory
from tests.markets.factories import BuyerFactory

pytestmark = pytest.mark.django_db

END_BEFORE_START = "La date de fin doit être postérieure ou égale à la date de début."


def assert_refused(constraint, write):
    """The database refuses ``write`` (on PostgreSQL, by the named constraint; SQLite omits unique names)."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        write()
    if connection.vendor == "postgresql" or "CHECK" in str(excinfo.value):
        assert constraint in str(excinfo.value)


@pytest.fixture
def placement(territory):
    return PlacementFactory(territory=territory, start_date=datetime.date(2026, 2, 1))


# Monthly statements -----------------------------------------------------------------------------------------------


def test_negative_hours_are_refused(placement):
    assert_refused(
        "monthlyhours_hours_positive",
        lambda: MonthlyHours.objects.create(
            territory=placement.territory, placement=placement, month=datetime.date(2026, 2, 1), hours_worked=-1
        ),
    )


def test_negative_training_hours_are_refused(placement):
    assert_refused(
        "monthlyhours_training_positive",
        lambda: MonthlyHours.objects.create(
            territory=placement.territory, placement=placement, month=datetime.date(2026, 2, 1), training_hours=-0.5
        ),
    )


def test_more_hours_than_a_month_holds_are_refused(placement):
    assert_refused(
        "monthlyhours_hours_within_month",
        lambda: MonthlyHours.objects.create(
            territory=placement.territory, placement=placement, month=datetime.date(2026, 2, 1), hours_worked=745
        ),
    )


def test_updating_hours_to_a_negative_value_is_refused(placement):
    statement = MonthlyHoursFactory(territory=placement.territory, placement=placement)
    assert_refused(
        "monthlyhours_hours_positive",
        lambda: MonthlyHours.objects.filter(pk=statement.pk).update(hours_worked=Decimal("-10")),
    )


def test_two_statements_for_the_same_placement_and_month_are_refused(placement):
    MonthlyHoursFactory(territory=placement.territory, placement=placement, month=datetime.date(2026, 3, 1))
    assert_refused(
        "monthlyhours_one_per_month",
        lambda: MonthlyHoursFactory(
            territory=placement.territory, placement=placement, month=datetime.date(2026, 3, 1)
        ),
    )
    # Another month, or another placement the same month, is fine.
    MonthlyHoursFactory(territory=placement.territory, placement=placement, month=datetime.date(2026, 4, 1))
    other = PlacementFactory(territory=placement.territory)
    MonthlyHoursFactory(territory=placement.territory, placement=other, month=datetime.date(2026, 3, 1))
    assert MonthlyHours.objects.count() == 3


@pytest.mark.parametrize("day", [2, 15, 31])
def test_a_month_not_on_the_first_is_refused(placement, day):
    assert_refused(
        "monthlyhours_month_first_day",
        lambda: MonthlyHoursFactory(
            territory=placement.territory, placement=placement, month=datetime.date(2026, 1, day)
        ),
    )


# Placements -------------------------------------------------------------------------------------------------------


def test_placement_ending_before_it_starts_is_refused(territory):
    assert_refused(
        "placement_end_after_start",
        lambda: PlacementFactory(
            territory=territory, start_date=datetime.date(2026, 5, 1), end_date=datetime.date(2026, 4, 30)
        ),
    )


def test_placement_of_one_day_is_accepted(territory):
    day = datetime.date(2026, 5, 1)
    assert PlacementFactory(territory=territory, start_date=day, end_date=day).pk


def test_placement_with_two_employers_is_refused(territory):
    employer = InclusionEmployerFactory(territory=territory)
    assert_refused(
        "placement_exactly_one_employer",
        lambda: PlacementFactory(territory=territory, employer_inclusion=employer),  # and the factory's company
    )


def test_placement_without_employer_is_refused(territory):
    assert_refused(
        "placement_exactly_one_employer",
        lambda: PlacementFactory(territory=territory, employer_company=None, employer_inclusion=None),
    )


def test_placement_with_an_inclusion_employer_only_is_accepted(territory):
    employer = InclusionEmployerFactory(territory=territory)
    placement = PlacementFactory(
        territory=territory, employer_company=None, employer_inclusion=employer, contract_kind=ContractKind.CDDI
    )
    assert placement.employer == employer


# Clauses ----------------------------------------------------------------------------------------------------------


def test_clause_ending_before_it_starts_is_refused(territory):
    assert_refused(
        "clause_end_after_start",
        lambda: ClauseFactory(
            territory=territory, start_date=datetime.date(2026, 6, 1), end_date=datetime.date(2026, 5, 31)
        ),
    )


def test_clause_without_end_is_accepted(territory):
    assert ClauseFactory(territory=territory, end_date=None).pk


def test_clause_with_negative_hours_is_refused(territory):
    assert_refused("clause_hours_required_positive", lambda: ClauseFactory(territory=territory, hours_required=-1))


@pytest.mark.parametrize(
    ("field", "constraint"),
    [("labour_share", "clause_labour_share_fraction"), ("insertion_rate", "clause_insertion_rate_fraction")],
)
def test_clause_fractions_above_one_are_refused(territory, field, constraint):
    assert_refused(constraint, lambda: ClauseFactory(territory=territory, **{field: Decimal("1.5")}))


def test_two_clauses_with_the_same_legal_basis_on_a_lot_are_refused(territory):
    clause = ClauseFactory(territory=territory)
    assert_refused("clause_unique_basis_per_lot", lambda: ClauseFactory(territory=territory, lot=clause.lot))


# Model validation: French messages --------------------------------------------------------------------------------

VALID_SIRETS = [
    "73282932000074",  # python-stdnum's example
    "35600000000048",  # La Poste's head office (Luhn)
    "35600000049837",  # a La Poste establishment: digit sum multiple of 5, not Luhn
]
INVALID_SIRETS = [
    "73282932000079",  # bad check digit (python-stdnum's example)
    "7328293200007",  # 13 digits
    "7328293200007A",  # a letter
    "35600000049838",  # La Poste, wrong digit sum
]


@pytest.mark.parametrize("siret", VALID_SIRETS)
def test_siret_validator_accepts_a_valid_siret(siret):
    validate_siret(siret)
    validate_siret("")  # an optional SIRET may be empty


@pytest.mark.parametrize("siret", INVALID_SIRETS)
def test_siret_validator_refuses_an_invalid_siret_in_french(siret):
    with pytest.raises(ValidationError) as excinfo:
        validate_siret(siret)
    assert excinfo.value.code == "invalid_siret"
    assert excinfo.value.messages == [
        f"Le SIRET « {siret} » n'est pas valide : il faut 14 chiffres avec une clé de contrôle correcte."
    ]


@pytest.mark.parametrize("siret", INVALID_SIRETS)
def test_full_clean_refuses_an_invalid_siret_in_french(territory, siret):
    company = Company(territory=territory, name="Entreprise", siret=siret)
    with pytest.raises(ValidationError) as excinfo:
        company.full_clean()
    assert excinfo.value.message_dict["siret"] == [
        f"Le SIRET « {siret} » n'est pas valide : il faut 14 chiffres avec une clé de contrôle correcte."
    ]


@pytest.mark.parametrize("siret", VALID_SIRETS)
def test_full_clean_accepts_a_valid_siret(territory, siret):
    Company(territory=territory, name="Entreprise", siret=siret).full_clean()
    BuyerFactory.build(territory=territory, siret=siret).full_clean()


def test_full_clean_clause_end_before_start_in_french(territory):
    clause = ClauseFactory.build(
        territory=territory,
        lot=ClauseFactory(territory=territory).lot,
        legal_basis="L2152-7",
        start_date=datetime.date(2026, 6, 1),
        end_date=datetime.date(2026, 5, 31),
    )
    with pytest.raises(ValidationError) as excinfo:
        clause.full_clean()
    assert excinfo.value.message_dict == {"end_date": [END_BEFORE_START]}


def test_full_clean_placement_end_before_start_in_french(placement):
    placement.end_date = placement.start_date - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        placement.full_clean()
    assert excinfo.value.message_dict == {"end_date": [END_BEFORE_START]}


def test_full_clean_placement_without_employer_in_french(placement):
    placement.employer_company = None
    with pytest.raises(ValidationError) as excinfo:
        placement.full_clean()
    assert "Indiquez un employeur : l'entreprise ou l'employeur inclusif, pas les deux." in excinfo.value.messages


def test_full_clean_negative_hours_in_french(placement):
    statement = MonthlyHours(territory=placement.territory, placement=placement, month=datetime.date(2026, 2, 1))
    statement.hours_worked = Decimal("-1")
    statement.training_hours = Decimal("-2")
    with pytest.raises(ValidationError) as excinfo:
        statement.full_clean()
    assert excinfo.value.message_dict["hours_worked"] == ["Les heures ne peuvent pas être négatives."]
    assert excinfo.value.message_dict["training_hours"] == ["Les heures ne peuvent pas être négatives."]


def test_full_clean_duplicate_statement_in_french(placement):
    MonthlyHoursFactory(territory=placement.territory, placement=placement, month=datetime.date(2026, 2, 1))
    duplicate = MonthlyHours(territory=placement.territory, placement=placement, month=datetime.date(2026, 2, 1))
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert excinfo.value.messages == [
        "Un objet Relevé mensuel avec ces champs Coordination, Placement et Mois existe déjà."
    ]


def test_clause_and_placement_models_are_the_ones_constrained():
    """The names this module relies on exist in the models (a rename must update the tests)."""
    names = {c.name for model in (Clause, Placement, MonthlyHours) for c in model._meta.constraints}
    assert {
        "clause_end_after_start",
        "clause_hours_required_positive",
        "placement_end_after_start",
        "placement_exactly_one_employer",
        "monthlyhours_one_per_month",
        "monthlyhours_hours_positive",
        "monthlyhours_training_positive",
        "monthlyhours_month_first_day",
    } <= names
