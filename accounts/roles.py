"""Which organisation a member belongs to, for roles that have one.

A person's link to an organisation lives with that organisation (facilitators in ``facilitators``, buyers' and
companies' members in ``markets``). Those apps register here, at start-up, how to list their organisations and how to
link a membership to one, so that ``accounts`` can invite people without importing the layers above it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OrganisationLink:
    role: str
    label: str
    organisations: Callable[[Any], Any]  # territory -> queryset of organisations
    link: Callable[[Any, Any], None]  # (membership, organisation) -> None
    organisation_of: Callable[[Any], Any]  # membership -> organisation or None


_registry: dict[str, OrganisationLink] = {}


def register(link: OrganisationLink):
    _registry[link.role] = link


def organisation_link(role):
    return _registry.get(role)


def roles_with_organisation():
    return dict(_registry)
