"""Set-up of the buyers' dashboard and attestation tests: markets of a buyer with clauses, placements and hours."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.urls import reverse

from accounts.enums import Role
from clauses.enums import ContractKind, ExecutionMode, StatementStatus
from clauses.models import Statement
from markets.enums import AwardRole
from tests.clauses.factories import (
    ClauseFactory,
    EligibilityValidationFactory,
    MonthlyHoursFactory,
    ParticipantFactory,
    PlacementFactory,
)
from tests.conftest import make_member
from tests.facilitators.factories import InclusionEmployerFactory
from tests.markets.factories import BuyerFactory, CompanyFactory, LotAwardFactory, LotFactory, MarketFactory


@dataclass
class Scene:
    """A territory's buyer (with a member) and helpers to give it markets, clauses and hours."""

    territory: object
    buyer: object
    buyer_member: object

    def market(self, reference, *, buyer=None, **fields):
        fields.setdefault("object", f"Travaux {reference}")
        return MarketFactory(territory=self.territory, buyer=buyer or self.buyer, reference=reference, **fields)

    def clause(self, market, required, start, end, *, number=None, company=None, role=AwardRole.HOLDER, **fields):
        """A lot of ``market`` awarded to ``company`` (a new one if None), carrying one clause."""
        lot = LotFactory(territory=self.territory, market=market, **({"number": number} if number else {}))
        company = company or CompanyFactory(territory=self.territory)
        LotAwardFactory(territory=self.territory, lot=lot, company=company, role=role)
        return ClauseFactory(
            territory=self.territory,
            lot=lot,
            hours_required=Decimal(required),
            start_date=start,
            end_date=end,
            **fields,
        )

    def place(self, clause, *, last_name="Dupont", first_name="Marie", employer=None, inclusion=False, eligible=True):
        participant = ParticipantFactory(territory=self.territory, last_name=last_name, first_name=first_name)
        kwargs = {"start_date": clause.start_date, "contract_kind": ContractKind.CDD}
        if inclusion:
            kwargs.update(
                employer_company=None,
                employer_inclusion=InclusionEmployerFactory(territory=self.territory),
                mode=ExecutionMode.STAFF_PROVISION,
            )
        else:
            kwargs["employer_company"] = employer or clause.lot.awards.first().company
        placement = PlacementFactory(territory=self.territory, participant=participant, clause=clause, **kwargs)
        if eligible:
            EligibilityValidationFactory(
                territory=self.territory, participant=participant, validated_on=date(2020, 1, 1)
            )
        return placement

    def line(self, placement, month, worked, *, status=StatementStatus.VALIDATED, company=None):
        company = company or placement.employer_company or placement.clause.lot.awards.first().company
        statement, _ = Statement.objects.get_or_create(
            territory=self.territory,
            clause=placement.clause,
            company=company,
            month=month,
            defaults={"status": status},
        )
        return MonthlyHoursFactory(
            territory=self.territory,
            placement=placement,
            statement=statement,
            month=month,
            hours_worked=Decimal(worked),
            status=status,
        )

    def member(self, role, organisation=None):
        return make_member(self.territory, role, organisation)


def build_scene(territory):
    buyer = BuyerFactory(territory=territory, name="Ville de Sète")
    return Scene(territory=territory, buyer=buyer, buyer_member=make_member(territory, Role.BUYER, buyer))


def dashboard_url(territory, **params):
    url = reverse("buyers:dashboard", kwargs={"territory_code": territory.code})
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def attestation_url(market, company=None):
    url = reverse("buyers:attestation", kwargs={"territory_code": market.territory.code, "pk": market.pk})
    return f"{url}?entreprise={company.pk}" if company is not None else url


def detail_url(market):
    return reverse("clauses:market_detail", kwargs={"territory_code": market.territory.code, "pk": market.pk})
