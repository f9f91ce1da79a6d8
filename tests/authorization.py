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

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.enums import Role
from clauses.enums import ContractKind, LegalBasis, StatementStatus
from clauses.models import GlobalisationAgreement, GlobalisationClause
from facilitators.models import CoverageArea
from tests.accounts.factories import MembershipFactory
from tests.clauses.factories import (
    ClauseFactory,
    MonthlyHoursFactory,
    ParticipantFactory,
    PlacementFactory,
    StatementFactory,
)
from tests.clauses.transfer_helpers import make_import_job
from tests.conftest import make_member
from tests.facilitators.factories import FacilitatorOrganisationFactory
from tests.markets.factories import BuyerFactory, CompanyFactory, LotAwardFactory, LotFactory, MarketFactory
from tests.network_objects import (
    build_network_objects,
    employer_post_data,
    meeting_post_data,
    partner_post_data,
    resource_post_data,
)
from tests.participant_objects import (
    anonymise_data,
    build_participant_objects,
    eligibility_data,
    outcome_data,
    participant_create_data,
    participant_update_data,
    placement_data,
    training_data,
)
from tests.territories.factories import CommuneFactory, TerritoryFactory

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
    import_job: object  # an analysed import (READY) uploaded by the company member, one valid row
    foreign_import_job: object

    # --- Network: coverage ---
    coverage_area: object  # Montpellier (34172), covered by ``facilitator_organisation``
    foreign_coverage_area: object

    # --- Monthly hours: globalisation ---
    agreement: object  # ``company``'s globalisation agreement, in force since January 2026, covering ``clause``
    agreement_second_clause: object  # a second clause (award criterion) of ``clause``'s lot, not in ``agreement``
    foreign_agreement: object
    foreign_line: object  # the foreign placement's February 2026 line (``foreign_statement``)

    # --- Network: employers, partners, resources ---
    network: object  # tests.network_objects.NetworkObjects: an employer, a resource, a partner of 34 and of 95

    # --- Participants (issue 4) ---
    participants: object  # tests.participant_objects.ParticipantObjects: the criterion « RSA » of 34

    # --- Later areas: objects built by ``tests/authorization_<area>.py`` (``build(world)``), by area name ---
    areas: dict = field(default_factory=dict)


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
    import_job = make_import_job(territory, members[Role.COMPANY].user, placement=placement, company=company)
    foreign_import_job = make_import_job(other_territory, foreign_members[Role.COMPANY].user)

    # --- Network: coverage ---
    coverage_area, foreign_coverage_area = _coverage_areas(territory, other_territory, organisation)

    # --- Monthly hours: globalisation ---
    agreement, agreement_second_clause, foreign_agreement, foreign_line = _globalisation(
        territory, company, clause, other_territory, foreign_placement, foreign_statement
    )

    # --- Network: employers, partners, resources ---
    network = build_network_objects(territory, other_territory, members, foreign_members, buyer)

    # --- Participants (issue 4) ---
    participant_objects = build_participant_objects(territory)

    world = World(
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
        import_job=import_job,
        foreign_import_job=foreign_import_job,
        coverage_area=coverage_area,
        foreign_coverage_area=foreign_coverage_area,
        agreement=agreement,
        agreement_second_clause=agreement_second_clause,
        foreign_agreement=foreign_agreement,
        foreign_line=foreign_line,
        network=network,
        participants=participant_objects,
    )
    for name, module in AREA_MODULES.items():
        world.areas[name] = module.build(world)
    return world


def _coverage_areas(territory, other_territory, organisation):
    """Montpellier covered by the PLIE (Sète, also of 34, stays free for the assignment view); Cergy (95) covered by
    an organisation of the other territory."""
    CommuneFactory(insee_code="34172", name="Montpellier", department=territory.department)
    CommuneFactory(insee_code="34301", name="Sète", department=territory.department)
    coverage_area = CoverageArea.objects.create(territory=territory, organisation=organisation, commune_id="34172")
    CommuneFactory(insee_code="95127", name="Cergy", department=other_territory.department)
    foreign_organisation = FacilitatorOrganisationFactory(territory=other_territory, name="PLIE de Cergy-Pontoise")
    foreign_coverage_area = CoverageArea.objects.create(
        territory=other_territory, organisation=foreign_organisation, commune_id="95127"
    )
    return coverage_area, foreign_coverage_area


def _globalisation(territory, company, clause, other_territory, foreign_placement, foreign_statement):
    """An agreement of ``company`` covering ``clause``, and a second clause of the same lot the company may add to it
    (or pool in a new agreement); the same agreement in the other territory, with a line to allocate."""
    agreement = GlobalisationAgreement.objects.create(
        territory=territory, company=company, name="Accord Littoral 2026", start_date=date(2026, 1, 1)
    )
    GlobalisationClause.objects.create(territory=territory, agreement=agreement, clause=clause)
    second_clause = ClauseFactory(territory=territory, lot=clause.lot, legal_basis=LegalBasis.AWARD_CRITERION)
    foreign_agreement = GlobalisationAgreement.objects.create(
        territory=other_territory,
        company=foreign_placement.employer_company,
        name="Accord du Val-d'Oise",
        start_date=date(2026, 1, 1),
    )
    GlobalisationClause.objects.create(
        territory=other_territory, agreement=foreign_agreement, clause=foreign_placement.clause
    )
    foreign_line = MonthlyHoursFactory(
        territory=other_territory,
        placement=foreign_placement,
        statement=foreign_statement,
        month=date(2026, 2, 1),
        status=StatementStatus.SUBMITTED,
    )
    return agreement, second_clause, foreign_agreement, foreign_line


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
    # --- Participants (issue 4) ---
    # Pages without a person in their URL: 403 for the roles that see no participant. Pages about a person: the person
    # is looked up first (404 for those roles, which confirms nothing), then the role (403: coordinator-only pages).
    TerritoryView("participant-list", "clauses:participant_list", _only(STAFF, FORBIDDEN)),
    TerritoryView(
        "participant-detail",
        "clauses:participant_detail",
        _only(STAFF, NOT_FOUND),
        kwargs=lambda w: {"pk": w.participant.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_participant.pk},
    ),
    TerritoryView("participant-create-form", "clauses:participant_create", _only(STAFF, FORBIDDEN)),
    TerritoryView(
        "participant-create",
        "clauses:participant_create",
        _only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND}, FORBIDDEN),
        method="POST",
        data=participant_create_data,
    ),
    TerritoryView("participant-export", "clauses:participant_export", _only(STAFF, FORBIDDEN)),
    TerritoryView("participant-outcomes-due", "clauses:participant_outcomes_due", _only(STAFF, FORBIDDEN)),
    TerritoryView("participant-access-log", "clauses:participant_access_log", _only({Role.COORDINATOR: OK}, FORBIDDEN)),
    TerritoryView(
        "participant-update-form",
        "clauses:participant_update",
        _only(STAFF, NOT_FOUND),
        kwargs=lambda w: {"pk": w.participant.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_participant.pk},
    ),
    TerritoryView(
        "participant-update",
        "clauses:participant_update",
        _only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND}, NOT_FOUND),
        method="POST",
        kwargs=lambda w: {"pk": w.participant.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_participant.pk},
        data=participant_update_data,
    ),
    TerritoryView(
        "participant-eligibility",
        "clauses:participant_eligibility",
        _only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND}, NOT_FOUND),
        method="POST",
        kwargs=lambda w: {"pk": w.participant.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_participant.pk},
        data=eligibility_data,
    ),
    TerritoryView(
        "participant-placement-form",
        "clauses:participant_placement",
        _only(STAFF, NOT_FOUND),
        kwargs=lambda w: {"pk": w.participant.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_participant.pk},
    ),
    TerritoryView(
        "participant-placement",
        "clauses:participant_placement",
        _only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND}, NOT_FOUND),
        method="POST",
        kwargs=lambda w: {"pk": w.participant.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_participant.pk},
        data=placement_data,
    ),
    TerritoryView(
        "participant-training",
        "clauses:participant_training",
        _only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND}, NOT_FOUND),
        method="POST",
        kwargs=lambda w: {"pk": w.participant.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_participant.pk},
        data=training_data,
    ),
    TerritoryView(
        "participant-outcome",
        "clauses:participant_outcome",
        _only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND}, NOT_FOUND),
        method="POST",
        kwargs=lambda w: {"pk": w.participant.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_participant.pk},
        data=outcome_data,
    ),
    TerritoryView(
        "participant-data-json",
        "clauses:participant_data_json",
        _only({Role.COORDINATOR: OK, Role.FACILITATOR: FORBIDDEN}, NOT_FOUND),
        kwargs=lambda w: {"pk": w.participant.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_participant.pk},
    ),
    TerritoryView(
        "participant-data-pdf",
        "clauses:participant_data_pdf",
        _only({Role.COORDINATOR: OK, Role.FACILITATOR: FORBIDDEN}, NOT_FOUND),
        kwargs=lambda w: {"pk": w.participant.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_participant.pk},
    ),
    TerritoryView(
        "participant-anonymise-form",
        "clauses:participant_anonymise",
        _only({Role.COORDINATOR: OK, Role.FACILITATOR: FORBIDDEN}, NOT_FOUND),
        kwargs=lambda w: {"pk": w.participant.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_participant.pk},
    ),
    TerritoryView(
        "participant-anonymise",
        "clauses:participant_anonymise",
        _only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FORBIDDEN}, NOT_FOUND),
        method="POST",
        kwargs=lambda w: {"pk": w.participant.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_participant.pk},
        data=anonymise_data,
    ),
    # --- Monthly hours: grid and progress ---
    TerritoryView(
        "hours-grid",
        "clauses:hours_grid",
        _only(STAFF, FORBIDDEN),
        kwargs=lambda w: {"pk": w.clause.pk, "month": date(2026, 2, 1)},
        foreign_kwargs=lambda w: {"pk": w.foreign_clause.pk, "month": date(2026, 2, 1)},
    ),
    TerritoryView(
        "hours-grid-save",
        "clauses:hours_grid",
        _only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND}, FORBIDDEN),
        method="POST",
        kwargs=lambda w: {"pk": w.clause.pk, "month": date(2026, 2, 1)},
        foreign_kwargs=lambda w: {"pk": w.foreign_clause.pk, "month": date(2026, 2, 1)},
        # The placement's February line (120 h, submitted statement) changed to 77 h, from the version loaded.
        data=lambda w: {
            "action": "save",
            f"worked-{w.placement.pk}": "77",
            f"training-{w.placement.pk}": "0",
            f"orig-{w.placement.pk}": "120;0",
            f"version-{w.placement.pk}": str(w.placement.monthly_hours.get().version),
        },
    ),
    TerritoryView(
        "clause-progress",
        "clauses:clause_progress",
        EVERYONE_OK,  # the buyer bought the market, the company holds its lot: aggregates only
        kwargs=lambda w: {"pk": w.clause.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_clause.pk},
    ),
    TerritoryView("hours-dashboard", "clauses:hours_dashboard", _only(STAFF, FORBIDDEN)),
    # --- Monthly hours: statements (company portal, facilitator review) ---
    TerritoryView(
        "statement-list",
        "clauses:statement_list",
        _only({Role.COMPANY: OK, **STAFF}, FORBIDDEN),
    ),
    TerritoryView(
        "statement-start",
        "clauses:statement_start",
        # March 2026 is owed by the company (its placement started in February, whose statement is submitted).
        _only({Role.COMPANY: FOUND, Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND}, FORBIDDEN),
        method="POST",
        kwargs=lambda w: {"clause_pk": w.clause.pk, "month": date(2026, 3, 1)},
        foreign_kwargs=lambda w: {"clause_pk": w.foreign_clause.pk, "month": date(2026, 3, 1)},
        data=lambda w: {"company": w.company.pk},
    ),
    TerritoryView(
        "statement-detail",
        "clauses:statement_detail",
        # Buyers and the committee see no statement: 404, which does not confirm it exists.
        _only({Role.COMPANY: OK, **STAFF}, NOT_FOUND),
        kwargs=lambda w: {"pk": w.statement.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_statement.pk},
    ),
    TerritoryView(
        "statement-validate",
        "clauses:statement_detail",
        # The company may not validate its own statement (403); buyers and the committee see no statement (404).
        _only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND, Role.COMPANY: FORBIDDEN}, NOT_FOUND),
        method="POST",
        kwargs=lambda w: {"pk": w.statement.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_statement.pk},
        data=lambda w: {"action": "validate", "version": str(type(w.statement).objects.get(pk=w.statement.pk).version)},
    ),
    # --- Monthly hours: import and export ---
    TerritoryView(
        "hours-template-clause",
        "clauses:hours_template_clause",
        _only(STAFF, FORBIDDEN),
        kwargs=lambda w: {"pk": w.clause.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_clause.pk},
    ),
    TerritoryView("hours-template-company", "clauses:hours_template_company", _only({Role.COMPANY: OK}, FORBIDDEN)),
    TerritoryView("hours-import", "clauses:hours_import", _only({Role.COMPANY: OK, **STAFF}, FORBIDDEN)),
    TerritoryView(
        "hours-import-detail",
        "clauses:hours_import_detail",
        # The job was uploaded by the company contact: buyers and the committee see only their own jobs (404).
        _only({Role.COMPANY: OK, **STAFF}, NOT_FOUND),
        kwargs=lambda w: {"pk": w.import_job.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_import_job.pk},
    ),
    TerritoryView(
        "hours-import-status",
        "clauses:hours_import_status",
        # The job was uploaded by the company contact: buyers and the committee see only their own jobs (404).
        _only({Role.COMPANY: OK, **STAFF}, NOT_FOUND),
        kwargs=lambda w: {"pk": w.import_job.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_import_job.pk},
    ),
    TerritoryView(
        "hours-import-confirm",
        "clauses:hours_import_confirm",
        _only({Role.COMPANY: FOUND, Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND}, NOT_FOUND),
        method="POST",
        kwargs=lambda w: {"pk": w.import_job.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_import_job.pk},
    ),
    TerritoryView(
        "hours-import-cancel",
        "clauses:hours_import_cancel",
        _only({Role.COMPANY: FOUND, Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND}, NOT_FOUND),
        method="POST",
        kwargs=lambda w: {"pk": w.import_job.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_import_job.pk},
    ),
    TerritoryView("hours-export-form", "clauses:hours_export_form", _only({Role.COMPANY: OK, **STAFF}, FORBIDDEN)),
    TerritoryView("hours-export", "clauses:hours_export", _only({Role.COMPANY: OK, **STAFF}, FORBIDDEN)),
    # --- Network: coverage ---
    TerritoryView("coverage", "coverage:coverage", EVERYONE_OK),
    TerritoryView(
        "coverage-assign",
        "coverage:coverage",
        _only({Role.COORDINATOR: FOUND}, FORBIDDEN),
        method="POST",
        data=lambda w: {"organisation": w.facilitator_organisation.pk, "epci": "", "commune": "Sète (34301)"},
    ),
    TerritoryView(
        "coverage-remove",
        "coverage:remove",
        # Another territory's assignment is a 404 for every role (looked up first); then only coordinators remove.
        _only({Role.COORDINATOR: FOUND}, FORBIDDEN),
        method="POST",
        kwargs=lambda w: {"pk": w.coverage_area.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_coverage_area.pk},
    ),
    # --- Monthly hours: globalisation ---
    TerritoryView("globalisation-list", "clauses:globalisation_list", _only(STAFF, FORBIDDEN)),
    TerritoryView("globalisation-create", "clauses:globalisation_create", _only(STAFF, FORBIDDEN)),
    TerritoryView(
        "globalisation-create-save",
        "clauses:globalisation_create",
        _only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND}, FORBIDDEN),
        method="POST",
        data=lambda w: {
            "company": w.company.pk,
            "name": "Accord Littoral 2027",
            "start_date": "2027-01-01",
            "end_date": "",
            "clauses": [w.clause.pk, w.agreement_second_clause.pk],
        },
    ),
    TerritoryView(
        "globalisation-detail",
        "clauses:globalisation_detail",
        _only(STAFF, FORBIDDEN),
        kwargs=lambda w: {"pk": w.agreement.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_agreement.pk},
    ),
    # Edit, end and deletion: another territory's agreement is a 404 for every role (looked up first), then only the
    # coordinators and facilitators (403). The world's agreement has no allocation: every allowed POST writes.
    TerritoryView(
        "globalisation-update-form",
        "clauses:globalisation_update",
        _only(STAFF, FORBIDDEN),
        kwargs=lambda w: {"pk": w.agreement.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_agreement.pk},
    ),
    TerritoryView(
        "globalisation-update",
        "clauses:globalisation_update",
        _only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND}, FORBIDDEN),
        method="POST",
        kwargs=lambda w: {"pk": w.agreement.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_agreement.pk},
        # Renamed, and the lot's second clause added.
        data=lambda w: {
            "name": "Accord Littoral 2026 (avenant 1)",
            "start_date": "2026-01-01",
            "end_date": "",
            "clauses": [w.clause.pk, w.agreement_second_clause.pk],
        },
    ),
    TerritoryView(
        "globalisation-end-form",
        "clauses:globalisation_end",
        _only(STAFF, FORBIDDEN),
        kwargs=lambda w: {"pk": w.agreement.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_agreement.pk},
    ),
    TerritoryView(
        "globalisation-end",
        "clauses:globalisation_end",
        _only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND}, FORBIDDEN),
        method="POST",
        kwargs=lambda w: {"pk": w.agreement.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_agreement.pk},
        data=lambda w: {"end_date": "2026-12-31"},
    ),
    TerritoryView(
        "globalisation-delete-confirm",
        "clauses:globalisation_delete",
        _only(STAFF, FORBIDDEN),
        kwargs=lambda w: {"pk": w.agreement.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_agreement.pk},
    ),
    TerritoryView(
        "globalisation-delete",
        "clauses:globalisation_delete",
        _only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND}, FORBIDDEN),
        method="POST",
        kwargs=lambda w: {"pk": w.agreement.pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_agreement.pk},
    ),
    TerritoryView(
        "hours-allocation",
        "clauses:hours_allocation",
        # The company sees its own line (403); buyers and the committee see no line (404).
        _only({**STAFF, Role.COMPANY: FORBIDDEN}, NOT_FOUND),
        kwargs=lambda w: {"pk": w.placement.monthly_hours.get().pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_line.pk},
    ),
    TerritoryView(
        "hours-allocation-save",
        "clauses:hours_allocation",
        _only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND, Role.COMPANY: FORBIDDEN}, NOT_FOUND),
        method="POST",
        kwargs=lambda w: {"pk": w.placement.monthly_hours.get().pk},
        foreign_kwargs=lambda w: {"pk": w.foreign_line.pk},
        # 50 of the February line's 120 h credited to the clause of the company's agreement.
        data=lambda w: {f"clause_{w.clause.pk}": "50"},
    ),
    # --- Network: employers, partners, resources ---
    TerritoryView("employer-list", "network:employer_list", EVERYONE_OK),
    TerritoryView(
        "employer-detail",
        "network:employer_detail",
        EVERYONE_OK,
        kwargs=lambda w: {"pk": w.network.employer.pk},
        foreign_kwargs=lambda w: {"pk": w.network.foreign_employer.pk},
    ),
    TerritoryView("employer-create-form", "network:employer_create", _only({Role.COORDINATOR: OK}, FORBIDDEN)),
    TerritoryView(
        "employer-create",
        "network:employer_create",
        _only({Role.COORDINATOR: FOUND}, FORBIDDEN),
        method="POST",
        data=lambda w: employer_post_data(w, siret="35600000000048"),
    ),
    TerritoryView(
        "employer-update-form",
        "network:employer_update",
        # Another territory's employer is a 404 for every role (looked up first); then only coordinators edit.
        _only({Role.COORDINATOR: OK}, FORBIDDEN),
        kwargs=lambda w: {"pk": w.network.employer.pk},
        foreign_kwargs=lambda w: {"pk": w.network.foreign_employer.pk},
    ),
    TerritoryView(
        "employer-update",
        "network:employer_update",
        _only({Role.COORDINATOR: FOUND}, FORBIDDEN),
        method="POST",
        kwargs=lambda w: {"pk": w.network.employer.pk},
        foreign_kwargs=lambda w: {"pk": w.network.foreign_employer.pk},
        data=employer_post_data,
    ),
    TerritoryView(
        "employer-delete-confirm",
        "network:employer_delete",
        _only({Role.COORDINATOR: OK}, FORBIDDEN),
        kwargs=lambda w: {"pk": w.network.employer.pk},
        foreign_kwargs=lambda w: {"pk": w.network.foreign_employer.pk},
    ),
    TerritoryView(
        "employer-delete",
        "network:employer_delete",
        _only({Role.COORDINATOR: FOUND}, FORBIDDEN),
        method="POST",
        kwargs=lambda w: {"pk": w.network.employer.pk},
        foreign_kwargs=lambda w: {"pk": w.network.foreign_employer.pk},
    ),
    # The import's POSTs write nothing to the database by design (upload: the session; confirmation: tested with a
    # real file in tests/facilitators/test_employers.py, refused roles included).
    TerritoryView("employer-import-form", "network:employer_import", _only({Role.COORDINATOR: OK}, FORBIDDEN)),
    TerritoryView(
        "employer-import-preview",
        "network:employer_import_preview",
        _only({Role.COORDINATOR: FOUND}, FORBIDDEN),  # nothing uploaded yet: back to the upload form
    ),
    TerritoryView(
        "employer-import-template", "network:employer_import_template", _only({Role.COORDINATOR: OK}, FORBIDDEN)
    ),
    TerritoryView("resource-list", "network:resource_list", EVERYONE_OK),
    TerritoryView("resource-create-form", "network:resource_create", _only({Role.COORDINATOR: OK}, FORBIDDEN)),
    TerritoryView(
        "resource-create",
        "network:resource_create",
        _only({Role.COORDINATOR: FOUND}, FORBIDDEN),
        method="POST",
        data=resource_post_data,
    ),
    TerritoryView(
        "resource-download",
        "network:resource_download",
        EVERYONE_OK,
        kwargs=lambda w: {"pk": w.network.resource.pk},
        foreign_kwargs=lambda w: {"pk": w.network.foreign_resource.pk},
    ),
    TerritoryView(
        "resource-delete",
        "network:resource_delete",
        _only({Role.COORDINATOR: FOUND}, FORBIDDEN),
        method="POST",
        kwargs=lambda w: {"pk": w.network.resource.pk},
        foreign_kwargs=lambda w: {"pk": w.network.foreign_resource.pk},
    ),
    # Partners and meetings: coordinators, facilitators and the committee read; buyers and companies have no access.
    TerritoryView("partner-list", "partners:partner_list", _only({**STAFF, Role.COMMITTEE: OK}, FORBIDDEN)),
    TerritoryView(
        "partner-detail",
        "partners:partner_detail",
        _only({**STAFF, Role.COMMITTEE: OK}, FORBIDDEN),
        kwargs=lambda w: {"pk": w.network.partner.pk},
        foreign_kwargs=lambda w: {"pk": w.network.foreign_partner.pk},
    ),
    TerritoryView("partner-create-form", "partners:partner_create", _only({Role.COORDINATOR: OK}, FORBIDDEN)),
    TerritoryView(
        "partner-create",
        "partners:partner_create",
        _only({Role.COORDINATOR: FOUND}, FORBIDDEN),
        method="POST",
        data=partner_post_data,
    ),
    TerritoryView(
        "partner-update",
        "partners:partner_update",
        _only({Role.COORDINATOR: FOUND}, FORBIDDEN),
        method="POST",
        kwargs=lambda w: {"pk": w.network.partner.pk},
        foreign_kwargs=lambda w: {"pk": w.network.foreign_partner.pk},
        data=lambda w: partner_post_data(w, name="Ville de Sète (mairie)"),
    ),
    TerritoryView("meeting-list", "partners:meeting_list", _only({**STAFF, Role.COMMITTEE: OK}, FORBIDDEN)),
    TerritoryView("meeting-create-form", "partners:meeting_create", _only(STAFF, FORBIDDEN)),
    TerritoryView(
        "meeting-create",
        "partners:meeting_create",
        _only({Role.COORDINATOR: FOUND, Role.FACILITATOR: FOUND}, FORBIDDEN),
        method="POST",
        data=meeting_post_data,
    ),
]


# Tables whose rows a refused request must leave untouched.
SNAPSHOT_APPS = ("territories", "accounts", "facilitators", "markets", "clauses", "observatory")


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


# --- Per-area tables ---
# Each later area declares its views in its own module, ``tests/authorization_<area>.py``: ``VIEWS`` (a list of
# ``TerritoryView``) and ``build(world)`` (its objects, reachable as ``world.areas[<area>]``). Imported last: the
# modules use the names above.
AREAS = ("buyers", "programming", "drafting", "decp", "national", "observatory", "reports", "committee")
AREA_MODULES = {name: importlib.import_module(f"tests.authorization_{name}") for name in AREAS}
for _module in AREA_MODULES.values():
    TERRITORY_VIEWS.extend(_module.VIEWS)
