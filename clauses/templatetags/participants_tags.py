"""Formatting helpers for the participants' pages (outcome categories, due milestones)."""

from django import template

from clauses.enums import OutcomeCategory, OutcomeMilestone
from clauses.participants import CATEGORY_BADGES

register = template.Library()


@register.filter
def category_label(category):
    """``"sustainable"`` → « Emploi durable »; "" when no category."""
    return OutcomeCategory(category).label if category else ""


@register.filter
def category_badge(category):
    """DSFR badge modifier of an outcome category."""
    return CATEGORY_BADGES.get(category, "") if category else ""


@register.filter
def milestone_label(milestone):
    return OutcomeMilestone(milestone).label if milestone else ""
