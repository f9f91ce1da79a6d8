"""Sizing a clause: the labour-share formula, the invoiced-tranche formula, their French errors and working."""

from decimal import Decimal

import pytest

from clauses.sizing import (
    SizingError,
    full_time_equivalents,
    hours_from_invoiced_tranche,
    hours_from_labour_share,
)

NNBSP = "\N{NARROW NO-BREAK SPACE}"  # French thousands separator


def test_labour_share_domain_example():
    """1,000,000 € × 50 % × 5 % ÷ 30 €/h ≈ 833 h (the example of the domain notes)."""
    sizing = hours_from_labour_share(Decimal("1000000"), Decimal("0.5"), Decimal("0.05"), Decimal("30"))
    assert sizing.hours == Decimal("833")
    assert sizing.working == f"1{NNBSP}000{NNBSP}000 € × 50 % × 5 % ÷ 30 €/h = 833 h"


@pytest.mark.parametrize(
    ("amount", "share", "rate", "cost", "hours"),
    [
        ("1000000", "0.5", "0.05", "30", "833"),  # 833.33 → 833
        ("1000000", "0.7", "0.10", "35", "2000"),  # painting, ANRU neighbourhood rate
        ("250000", "0.2", "0.05", "25", "100"),  # steel frames
        ("100000", "0.5", "0.05", "30", "83"),  # 83.33 → 83
        ("30300", "0.5", "0.05", "30", "25"),  # 25.25 → 25
        ("30600", "0.5", "0.05", "30", "26"),  # 25.5 → 26: half rounds up
        ("0", "0.5", "0.05", "30", "0"),  # a zero amount is allowed (a planned market)
    ],
)
def test_labour_share_rounds_to_the_nearest_hour(amount, share, rate, cost, hours):
    assert hours_from_labour_share(amount, share, rate, cost).hours == Decimal(hours)


def test_labour_share_accepts_plain_numbers():
    assert hours_from_labour_share(1_000_000, "0.5", "0.05", 30).hours == 833


def test_labour_share_working_writes_decimals_the_french_way():
    sizing = hours_from_labour_share(Decimal("1234567.89"), Decimal("0.35"), Decimal("0.07"), Decimal("27.5"))
    assert sizing.hours == Decimal("1100")
    assert sizing.working == f"1{NNBSP}234{NNBSP}567,89 € × 35 % × 7 % ÷ 27,5 €/h = 1{NNBSP}100 h"


def test_labour_share_fractional_percentages():
    sizing = hours_from_labour_share(Decimal("400000"), Decimal("0.455"), Decimal("0.075"), Decimal("30"))
    assert sizing.hours == Decimal("455")  # 455.0
    assert sizing.working == f"400{NNBSP}000 € × 45,5 % × 7,5 % ÷ 30 €/h = 455 h"


@pytest.mark.parametrize(
    ("invoiced", "tranche", "per_tranche", "hours", "working"),
    [
        ("150000", "2000", "1", "75", f"⌊150{NNBSP}000 € ÷ 2{NNBSP}000 €⌋ = 75 tranches × 1 h = 75 h"),
        # Incomplete tranches do not count: 151,999 € is still 75 complete tranches.
        ("151999", "2000", "1", "75", f"⌊151{NNBSP}999 € ÷ 2{NNBSP}000 €⌋ = 75 tranches × 1 h = 75 h"),
        ("152000", "2000", "1", "76", f"⌊152{NNBSP}000 € ÷ 2{NNBSP}000 €⌋ = 76 tranches × 1 h = 76 h"),
        ("151999", "2000", "1.5", "113", f"⌊151{NNBSP}999 € ÷ 2{NNBSP}000 €⌋ = 75 tranches × 1,5 h = 113 h"),
        ("1999", "2000", "1", "0", f"⌊1{NNBSP}999 € ÷ 2{NNBSP}000 €⌋ = 0 tranches × 1 h = 0 h"),
        ("0", "2000", "1", "0", f"⌊0 € ÷ 2{NNBSP}000 €⌋ = 0 tranches × 1 h = 0 h"),
    ],
)
def test_invoiced_tranche(invoiced, tranche, per_tranche, hours, working):
    sizing = hours_from_invoiced_tranche(Decimal(invoiced), Decimal(tranche), Decimal(per_tranche))
    assert sizing.hours == Decimal(hours)
    assert sizing.working == working


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-1", "0.5", "0.05", "30"), "Le montant HT doit être une valeur positive ou nulle."),
        (("1000", "0", "0.05", "30"), "La part de main-d'œuvre doit être une valeur strictement positive."),
        (("1000", "-0.5", "0.05", "30"), "La part de main-d'œuvre doit être une valeur strictement positive."),
        (("1000", "1.5", "0.05", "30"), "La part de main-d'œuvre ne peut pas dépasser 100 %."),
        (("1000", "0.5", "0", "30"), "Le taux d'insertion doit être une valeur strictement positive."),
        (("1000", "0.5", "1.01", "30"), "Le taux d'insertion ne peut pas dépasser 100 %."),
        (("1000", "0.5", "0.05", "0"), "Le coût horaire doit être une valeur strictement positive."),
        (("1000", "0.5", "0.05", "-30"), "Le coût horaire doit être une valeur strictement positive."),
        (("beaucoup", "0.5", "0.05", "30"), "Le montant HT doit être un nombre."),
        (("1000", None, "0.05", "30"), "La part de main-d'œuvre doit être un nombre."),
        (("1000", "0.5", "NaN", "30"), "Le taux d'insertion doit être un nombre."),
        (("Infinity", "0.5", "0.05", "30"), "Le montant HT doit être un nombre."),
    ],
)
def test_labour_share_invalid_parameters(args, message):
    with pytest.raises(SizingError) as excinfo:
        hours_from_labour_share(*args)
    assert str(excinfo.value) == message


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-1", "2000", "1"), "Le montant facturé doit être une valeur positive ou nulle."),
        (("1000", "0", "1"), "Le montant de la tranche doit être une valeur strictement positive."),
        (("1000", "-2000", "1"), "Le montant de la tranche doit être une valeur strictement positive."),
        (("1000", "2000", "0"), "Le nombre d'heures par tranche doit être une valeur strictement positive."),
        (("1000", "deux mille", "1"), "Le montant de la tranche doit être un nombre."),
    ],
)
def test_invoiced_tranche_invalid_parameters(args, message):
    with pytest.raises(SizingError) as excinfo:
        hours_from_invoiced_tranche(*args)
    assert str(excinfo.value) == message


def test_sizing_error_is_a_value_error():
    """Callers that only know ValueError (form cleaning) still catch it."""
    with pytest.raises(ValueError):
        hours_from_labour_share("1000", "2", "0.05", "30")


@pytest.mark.parametrize(("hours", "fte"), [(1607, "1.00"), (833, "0.52"), (0, "0.00"), (370000, "230.24")])
def test_full_time_equivalents(hours, fte):
    assert full_time_equivalents(hours) == Decimal(fte)
