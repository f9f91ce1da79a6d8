"""Formatting helpers for the markets, clauses and participants pages."""

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format

from clauses.queries import completion_rate
from markets.enums import MarketStatus

register = template.Library()

EMPTY = "—"

STATUS_BADGES = {
    MarketStatus.PLANNED: "fr-badge--info",
    MarketStatus.IN_PROGRESS: "fr-badge--new",
    MarketStatus.COMPLETED: "fr-badge--success",
}


@register.simple_tag
def completion(achieved, required):
    """Completion rate as French text: ``{% completion market.hours_achieved market.hours_required %}`` → "42,3 %"."""
    rate = completion_rate(achieved or 0, required)
    if rate is None:
        return EMPTY
    return f"{number_format(rate, 1)}\u00a0%"


@register.simple_tag
def completion_value(achieved, required):
    """The rate as a plain number for a ``<progress max="100">`` value (capped at 100), or "" when not computable."""
    rate = completion_rate(achieved or 0, required)
    if rate is None:
        return ""
    return str(min(rate, Decimal(100)))


@register.filter
def percent(fraction, digits=2):
    """A fraction stored as 0.075 shown as "7,5 %" (up to ``digits`` decimals, no trailing zeros); "—" when empty."""
    if fraction is None or fraction == "":
        return EMPTY
    return f"{floatformat(Decimal(fraction) * 100, -int(digits))}\u00a0%"


@register.filter
def status_badge(status):
    """DSFR badge modifier for a market status."""
    return STATUS_BADGES.get(status, "fr-badge--info")


@register.simple_tag
def page_range(page_obj):
    """Page numbers to show around the current page, with "…" for the gaps (Django's elided range)."""
    return list(page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1))
