"""A reusable authorization suite for every territory-scoped view.

``TERRITORY_VIEWS`` declares, for each view under ``/<territory>/``, how to build its URL from the objects of a
``World`` (built once per test by ``build_world``), its method, and the status every role must get:

- 200 / 302: the role may use the view;
- 403: the page exists for the territory, the role may not use it;
- 404: the object is not visible to that role (nothing confirms it exists).

``tests/test_authorization.py`` runs every view × every role against that table, plus the anonymous visitor, the
member of another territory and another territory's object. A guard test walks the URL resolver: a new view under
``<territory:territory_code>/`` must be added here, or the suite fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.enums import Role
from clauses.enums import ContractKind, StatementStatus
from tests.accounts.factories import MembershipFactory
from tests.clauses.factories import (
    ClauseFactory,
    MonthlyHoursFactory,
    ParticipantFactory,
    PlacementFactory,
    StatementFactory,
)
from tests.conftest import make_member
from tests.facilitators.factories import FacilitatorOrganisationFactory
from tests.markets.factories import BuyerFactory, CompanyFactory, LotAwardFactory, LotFactory, MarketFactory
from tests.territories.factories import TerritoryFactory

ROLES = tuple(Role)
TERRITORY_CODE = "34"
OTHER_TERRITORY_CODE = "95"
TERRITORY_ROUTE_PREFIX = "<territory:territory_code>/"

# Names that must never reach a page a role without access to participants can read.
PARTICIPANT_FIRST_NAME = "Zéphyrine"
PARTICIPANT_LAST_NAME = "Quaresmolle"

OK, FOUND, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404


@dataclass
class World:
    """Objects of territory 34 (the one under test) and of territory 95 (the other tenant)."""

    territory: object
    other_territory: object
    members: dict  # Role -> accepted Membership of 34
    foreign_members: dict  # Role -> accepted Membership of 95
    buyer: object  # the buyer member's organisation
    other_buyer: object  # another buyer of 34
    company: object  # the company member's organisation, awarded a lot of ``market``
    other_company: object  # awarded ``other_market`` only
    facilitator_organisation: object
    market: object  # bought by ``buyer``, awarded to ``company``, carries a clause with a participant
    other_market: object  # bought by ``other_buyer``, awarded to ``other_company``
    participant: object
    placement: object
    clause: object  # the clause of ``market``'s lot
    statement: object  # the company's submitted statement of February 2026 on ``clause``
    invitation: object  # a pending invitation of 34
    target_member: object  # an accepted member of 34 a coordinator may revoke
    foreign_market: object
    foreign_clause: object
    foreign_statement: object
    foreign_participant: object
    foreign_invitation: object
    foreign_member: object


def build_world():
    territory = TerritoryFactory(code=TERRITORY_CODE)
    other_territory = TerritoryFactory(code=OTHER_TERRITORY_CODE)

    buyer = BuyerFactory(territory=territory, name="Ville de Sète")
    other_buyer = BuyerFactory(territory=territory, name="Hérault Habitat")
    company = CompanyFactory(territory=territory, name="Bâtisseurs du Littoral")
    other_company = CompanyFactory(territory=territory, name="Peintures de l'Orb")
    organisation = FacilitatorOrganisationFactory(territory=territory, name="PLIE de Montpellier")

    market = MarketFactory(territory=territory, buyer=buyer, reference="SETE-2026-001", object="Réhabilitation")
    lot = LotFactory(territory=territory, market=market, number=1)
    LotAwardFactory(territory=territory, lot=lot, company=company)
    clause = ClauseFactory(territory=territory, lot=lot)
    participant = ParticipantFactory(
        territory=territory, first_name=PARTICIPANT_FIRST_NAME, last_name=PARTICIPANT_LAST_NAME
    )
    placement = PlacementFactory(
        territory=territory,
        participant=participant,
        clause=clause,
        employer_company=company,
        contract_kind=ContractKind.CDD,
        start_date=date(2026, 2, 1),
    )
    statement = StatementFactory(
        territory=territory, clause=clause, company=company, month=date(2026, 2, 1), status=StatementStatus.SUBMITTED
    )
    MonthlyHoursFactory(
        territory=territory,
        placement=placement,
        statement=statement,
        month=date(2026, 2, 1),
        status=StatementStatus.SUBMITTED,
    )

    other_market = MarketFactory(
        territory=territory, buyer=other_buyer, reference="HH-2026-042", object="Peinture des parties communes"
    )
    other_lot = LotFactory(territory=territory, market=other_market, number=1)
    LotAwardFactory(territory=territory, lot=other_lot, company=other_company)
    ClauseFactory(territory=territory, lot=other_lot)

    organisations = {Role.FACILITATOR: organisation, Role.BUYER: buyer, Role.COMPANY: company}
    members = {role: make_member(territory, role, organisations.get(role)) for role in ROLES}
    invitation = MembershipFactory(territory=territory, pending=True, role=Role.COMMITTEE)
    target_member = make_member(territory, Role.COMMITTEE)

    foreign_members = {role: make_member(other_territory, role) for role in ROLES}
    foreign_market = MarketFactory(territory=other_territory, reference="VO-2026-007")
    foreign_lot = LotFactory(territory=other_territory, market=foreign_market, number=1)
    foreign_clause = ClauseFactory(territory=other_territory, lot=foreign_lot)
    foreign_participant = ParticipantFactory(territory=other_territory, last_name="Etrangère")
    foreign_placement = PlacementFactory(
        territory=other_territory, participant=foreign_participant, clause=foreign_clause
    )
    foreign_statement = StatementFactory(
        territory=other_territory,
        clause=foreign_clause,
        company=foreign_placement.employer_company,
        month=date(2026, 2, 1),
        status=StatementStatus.SUBMITTED,
    )
    foreign_invitation = MembershipFactory(territory=other_territory, pending=True, role=Role.COMMITTEE)
    foreign_member = make_member(other_territory, Role.COMMITTEE)

    return World(
        territory=territory,
        other_territory=other_territory,
        members=members,
        foreign_members=foreign_members,
        buyer=buyer,
        other_buyer=other_buyer,
        company=company,
        other_company=other_company,
        facilitator_organisation=organisation,
        market=market,
        other_market=other_market,
        participant=participant,
        placement=placement,
        clause=clause,
        statement=statement,
        invitation=invitation,
        target_member=target_member,
        foreign_market=foreign_market,
        foreign_clause=foreign_clause,
        foreign_statement=foreign_statement,
        foreign_participant=foreign_participant,
        foreign_invitation=foreign_invitation,
        foreign_member=foreign_member,
    )


def _no_kwargs(world):
    return {}


def _only(allowed: Mapping[Role, int], refused: int) -> dict:
    """Every role: the given ones with their status, every other one with ``refused``."""
    return {role: allowed.get(role, refused) for role in ROLES}


@dataclass(frozen=True)
class TerritoryView:
    """One territory-scoped view and what each role gets from it."""

    id: str
    url_name: str
    expected: Mapping[Role, int]
    method: str = "GET"
    kwargs: Callable[[World], dict] = _no_kwargs
    # The same URL pointing at an object of the other territory (None: the view has no object in its URL).
    foreign_kwargs: Callable[[World], dict] | None = None
    data: Callable[[World], dict] = field(default=_no_kwargs)

    def url(self, world, *, territory_code=TERRITORY_CODE, foreign_object=False):
        kwargs = self.foreign_kwargs(world) if foreign_object else self.kwargs(world)
        return reverse(self.url_name, kwargs={"territory_code": territory_code, **kwargs})

    def request(self, client, world, **url_options):
        url = self.url(world, **url_options)
        if self.method == "POST":
            return client.post(url, self.data(world))
        return client.get(url)

    @property
    def allowed_roles(self):
        return [role for role in ROLES if self.expected[role] in (OK, FOUND)]

    @property
    def refused_roles(self):
        return [role for role in ROLES if self.expected[role] in (FORBIDDEN, NOT_FOUND)]


EVERYONE_OK = _only({}, OK)
STAFF = {Role.COORDINATOR: OK, Role.FACILITATOR: OK}  # roles that see participants

TERRITORY_VIEWS = [
    TerritoryView("home", "home", EVERYONE_OK),
    TerritoryView("members", "members", _only({Role.COORDINATOR: OK}, FORBIDDEN)),
    TerritoryView("invite-form", "invite", _only({Role.COORDINATOR: OK}, FORBIDDEN)),
    TerritoryView(
        "invite-submit",
        "invite",
        _only({Role.COORDINATOR: FOUND}, FORBIDDEN),
        method="POST",
        data=lambda w: {"email": "nouvelle.personne@example.org", "role": Role.COMMITTEE, "organisation": ""},
    ),
    TerritoryView(
        "resend-invitation",
        "resend_invitation",
        # Other roles see no membership but their own: the invitation is not visible to them.
        _only({Role.COORDINATOR: FOUND}, NOT_FOUND),
        method="POST",
        kwargs=lambda w: {"pk": w.invitation.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_invitation.pk},
    ),
    TerritoryView(
        "revoke-membership",
        "revoke_membership",
        _only({Role.COORDINATOR: FOUND}, NOT_FOUND),
        method="POST",
        kwargs=lambda w: {"pk": w.target_member.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_member.pk},
    ),
    TerritoryView("market-list", "clauses:market_list", EVERYONE_OK),
    TerritoryView(
        "market-detail",
        "clauses:market_detail",
        EVERYONE_OK,  # the buyer bought it, the company holds a lot of it
        kwargs=lambda w: {"pk": w.market.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_market.pk},
    ),
    TerritoryView(
        "market-detail-of-another-buyer",
        "clauses:market_detail",
        # Same territory, but another buyer's market that the company was not awarded.
        _only({Role.BUYER: NOT_FOUND, Role.COMPANY: NOT_FOUND}, OK),
        kwargs=lambda w: {"pk": w.other_market.pk},
    ),
    TerritoryView("participant-list", "clauses:participant_list", _only(STAFF, FORBIDDEN)),
    TerritoryView(
        "participant-detail",
        "clauses:participant_detail",
        _only(STAFF, NOT_FOUND),
        kwargs=lambda w: {"pk": w.participant.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_participant.pk},
    ),
    # --- Monthly hours: grid and progress ---
    # --- Monthly hours: statements (company portal, facilitator review) ---
    # --- Monthly hours: import and export ---
]


# Tables whose rows a refused request must leave untouched.
SNAPSHOT_APPS = ("territories", "accounts", "facilitators", "markets", "clauses")


def database_snapshot():
    """Every row of the project's tables, to compare before and after a refused request."""
    snapshot = {}
    for label in SNAPSHOT_APPS:
        for model in apps.get_app_config(label).get_models():
            snapshot[model._meta.label] = list(model._base_manager.order_by("pk").values())
    return snapshot


def territory_url_names():
    """The names of every URL pattern under ``<territory:territory_code>/`` (namespaced: ``clauses:market_list``)."""
    names = set()

    def walk(patterns, route, namespace):
        for pattern in patterns:
            full_route = route + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, full_route, inner)
            elif isinstance(pattern, URLPattern) and full_route.startswith(TERRITORY_ROUTE_PREFIX):
                names.add(f"{namespace}{pattern.name}" if pattern.name else f"<unnamed {full_route}>")

    walk(get_resolver().url_patterns, "", "")
    return names
