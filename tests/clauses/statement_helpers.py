"""A small world for the monthly statement tests: one clause on a lot held by a company that employs two people and
receives a third one from an ETTI; a subcontractor employs a fourth one on the same clause."""

from dataclasses import dataclass
from datetime import date

from accounts.enums import Role
from clauses.enums import ContractKind, ExecutionMode
from markets.enums import AwardRole
from tests.clauses.factories import ClauseFactory, ParticipantFactory, PlacementFactory
from tests.conftest import make_member
from tests.facilitators.factories import InclusionEmployerFactory
from tests.markets.factories import BuyerFactory, CompanyFactory, LotAwardFactory, LotFactory, MarketFactory

MARCH = date(2026, 3, 1)
FEBRUARY = date(2026, 2, 1)


@dataclass
class StatementWorld:
    territory: object
    clause: object
    market: object
    company: object  # the lot's holder
    other_company: object  # a subcontractor on the same lot
    contact: object  # the company's contact (Membership)
    other_contact: object  # the subcontractor's contact
    facilitator: object  # the clause's facilitator (Membership)
    coordinator: object
    buyer_member: object
    committee_member: object
    alice: object  # placement: employed by the company (CDD)
    bruno: object  # placement: employed by the company (apprenticeship)
    chloe: object  # placement: provided to the holder by an ETTI
    didier: object  # placement: employed by the subcontractor


def build_statement_world(territory):
    buyer = BuyerFactory(territory=territory, name="Ville de Sète")
    market = MarketFactory(territory=territory, buyer=buyer, reference="SETE-2026-001", object="Réhabilitation")
    lot = LotFactory(territory=territory, market=market, number=1, title="Gros œuvre")
    company = CompanyFactory(territory=territory, name="Bâtisseurs du Littoral")
    other_company = CompanyFactory(territory=territory, name="Peintures de l'Orb")
    LotAwardFactory(territory=territory, lot=lot, company=company, role=AwardRole.HOLDER)
    LotAwardFactory(territory=territory, lot=lot, company=other_company, role=AwardRole.SUBCONTRACTOR)
    facilitator = make_member(territory, Role.FACILITATOR, user__email="facilitatrice@plie.example.org")
    clause = ClauseFactory(
        territory=territory, lot=lot, start_date=date(2026, 1, 1), facilitator=facilitator.facilitator
    )
    etti = InclusionEmployerFactory(territory=territory, name="ETTI Hérault Intérim")

    def placement(first, last, **kwargs):
        participant = ParticipantFactory(territory=territory, first_name=first, last_name=last)
        kwargs.setdefault("start_date", FEBRUARY)
        return PlacementFactory(territory=territory, participant=participant, clause=clause, **kwargs)

    return StatementWorld(
        territory=territory,
        clause=clause,
        market=market,
        company=company,
        other_company=other_company,
        contact=make_member(territory, Role.COMPANY, company, user__email="contact@batisseurs.example.org"),
        other_contact=make_member(territory, Role.COMPANY, other_company, user__email="contact@orb.example.org"),
        facilitator=facilitator,
        coordinator=make_member(territory, Role.COORDINATOR, user__email="coordination@herault.example.org"),
        buyer_member=make_member(territory, Role.BUYER, buyer),
        committee_member=make_member(territory, Role.COMMITTEE),
        alice=placement("Alice", "Amarante", employer_company=company, contract_kind=ContractKind.CDD),
        bruno=placement("Bruno", "Bellerive", employer_company=company, contract_kind=ContractKind.APPRENTICESHIP),
        chloe=placement(
            "Chloé",
            "Cazalis",
            employer_company=None,
            employer_inclusion=etti,
            contract_kind=ContractKind.TEMPORARY,
            mode=ExecutionMode.STAFF_PROVISION,
        ),
        didier=placement("Didier", "Dourbie", employer_company=other_company, contract_kind=ContractKind.CDD),
    )
