"""Template helpers about members of a coordination."""

from django import template
from django.conf import settings

from accounts.roles import organisation_link

register = template.Library()


@register.filter
def organisation_of(membership):
    """The organisation a member belongs to (facilitator structure, buyer, company), or None.

    Costs no query when the membership was fetched with the reverse one-to-one relations selected (see
    ``MemberListView``).
    """
    link = organisation_link(membership.role)
    if link is None:
        return None
    return link.organisation_of(membership)


@register.simple_tag
def invitation_validity_days():
    """How many days an invitation link stays valid."""
    return settings.INVITATION_VALIDITY_DAYS
