"""Sizing a clause: how many insertion hours a contract should carry. Plain functions, no database."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FTE_HOURS = Decimal("1607")  # one full-time equivalent, per year


class SizingError(ValueError):
    """A parameter that makes the computation meaningless; the message is for the user (French)."""


def _positive(value, label, *, allow_zero=False):
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise SizingError(f"{label} doit être un nombre.") from exc
    if not value.is_finite():
        raise SizingError(f"{label} doit être un nombre.")
    if value < 0 or (value == 0 and not allow_zero):
        # Gender-neutral wording: the labels are masculine ("le montant") and feminine ("la part").
        expected = "une valeur positive ou nulle" if allow_zero else "une valeur strictement positive"
        raise SizingError(f"{label} doit être {expected}.")
    return value


@dataclass(frozen=True)
class Sizing:
    hours: Decimal
    working: str  # the computation, written out for the user


def hours_from_labour_share(amount_ht, labour_share, insertion_rate, hourly_cost):
    """hours = amount HT × labour share × insertion rate ÷ hourly cost, rounded to the nearest hour.

    ``labour_share`` and ``insertion_rate`` are fractions (0.5 for 50 %).
    Example: 1,000,000 € × 50 % × 5 % ÷ 30 €/h ≈ 833 h.
    """
    amount = _positive(amount_ht, "Le montant HT", allow_zero=True)
    share = _positive(labour_share, "La part de main-d'œuvre")
    rate = _positive(insertion_rate, "Le taux d'insertion")
    cost = _positive(hourly_cost, "Le coût horaire")
    if share > 1:
        raise SizingError("La part de main-d'œuvre ne peut pas dépasser 100 %.")
    if rate > 1:
        raise SizingError("Le taux d'insertion ne peut pas dépasser 100 %.")
    hours = (amount * share * rate / cost).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    working = f"{_eur(amount)} × {_pct(share)} × {_pct(rate)} ÷ {_eur(cost)}/h = {format_number(hours)} h"
    return Sizing(hours=hours, working=working)


def hours_from_invoiced_tranche(invoiced_amount_ht, tranche_amount, hours_per_tranche):
    """Framework agreements: N hours per complete tranche of invoiced amount HT.

    Example: 1 h per 2,000 € invoiced, 150,000 € invoiced → 75 h. Incomplete tranches do not count.
    """
    invoiced = _positive(invoiced_amount_ht, "Le montant facturé", allow_zero=True)
    tranche = _positive(tranche_amount, "Le montant de la tranche")
    per_tranche = _positive(hours_per_tranche, "Le nombre d'heures par tranche")
    tranches = invoiced // tranche
    hours = (tranches * per_tranche).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    working = (
        f"⌊{_eur(invoiced)} ÷ {_eur(tranche)}⌋ = {format_number(tranches)} tranches"
        f" × {format_number(per_tranche)} h = {format_number(hours)} h"
    )
    return Sizing(hours=hours, working=working)


def full_time_equivalents(hours):
    return (Decimal(hours) / FTE_HOURS).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_number(value):
    value = Decimal(value)
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value != value.to_integral() else f"{value:,.0f}"
    return text.replace(",", "\u202f").replace(".", ",")


def _eur(value):
    return f"{format_number(value)} €"


def _pct(value):
    return f"{format_number(Decimal(value) * 100)} %"
