"""Shared set-up of the grid, progress and dashboard tests: one clause of Hérault with its holder and facilitator."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.enums import Role
from clauses.enums import ContractKind, ExecutionMode, StatementStatus
from clauses.models import Statement
from tests.clauses.factories import (
    ClauseFactory,
    EligibilityValidationFactory,
    MonthlyHoursFactory,
    ParticipantFactory,
    PlacementFactory,
)
from tests.conftest import make_member
from tests.facilitators.factories import InclusionEmployerFactory
from tests.markets.factories import CompanyFactory, LotAwardFactory, LotFactory, MarketFactory

MONTH = date(2026, 3, 1)
FEBRUARY = date(2026, 2, 1)


@dataclass
class Site:
    territory: object
    facilitator: object  # Membership (facilitator role), in charge of ``clause``
    holder: object  # the lot's holder
    market: object
    lot: object
    clause: object

    def place(self, last_name, first_name, *, clause=None, employer=None, inclusion=False, **kwargs):
        participant = ParticipantFactory(territory=self.territory, last_name=last_name, first_name=first_name)
        kwargs.setdefault("start_date", date(2026, 1, 1))
        if inclusion:
            kwargs.update(
                employer_company=None,
                employer_inclusion=InclusionEmployerFactory(territory=self.territory),
                mode=ExecutionMode.STAFF_PROVISION,
            )
        else:
            kwargs.setdefault("employer_company", employer or self.holder)
        kwargs.setdefault("contract_kind", ContractKind.CDD)
        return PlacementFactory(
            territory=self.territory, participant=participant, clause=clause or self.clause, **kwargs
        )

    def line(self, placement, month, worked, *, status=StatementStatus.DRAFT, training=0, company=None):
        """A saved line and its statement (the reporting company's one for that month)."""
        company = company or placement.employer_company or self.holder
        statement, _ = Statement.objects.get_or_create(
            territory=self.territory, clause=placement.clause, company=company, month=month, defaults={"status": status}
        )
        if statement.status != status:
            statement.status = status
            statement.save()
        return MonthlyHoursFactory(
            territory=self.territory,
            placement=placement,
            statement=statement,
            month=month,
            hours_worked=Decimal(worked),
            training_hours=Decimal(training),
            status=status,
        )

    def eligible(self, placement, since=date(2026, 1, 5)):
        return EligibilityValidationFactory(
            territory=self.territory, participant=placement.participant, validated_on=since
        )

    def grid_url(self, month=MONTH, clause=None):
        return reverse(
            "clauses:hours_grid",
            kwargs={"territory_code": self.territory.code, "pk": (clause or self.clause).pk, "month": month},
        )

    def progress_url(self, clause=None):
        return reverse(
            "clauses:clause_progress", kwargs={"territory_code": self.territory.code, "pk": (clause or self.clause).pk}
        )

    def dashboard_url(self):
        return reverse("clauses:hours_dashboard", kwargs={"territory_code": self.territory.code})


def build_site(territory, **clause_fields):
    facilitator = make_member(territory, Role.FACILITATOR)
    holder = CompanyFactory(territory=territory, name="Bâtisseurs du Littoral")
    market = MarketFactory(territory=territory, reference="SETE-2026-001", object="Réhabilitation de l'école")
    lot = LotFactory(territory=territory, market=market, number=1, title="Gros œuvre")
    LotAwardFactory(territory=territory, lot=lot, company=holder)
    fields = {
        "hours_required": Decimal("1200"),
        "start_date": date(2026, 1, 1),
        "end_date": date(2026, 12, 31),
        "facilitator": facilitator.facilitator,
        **clause_fields,
    }
    clause = ClauseFactory(territory=territory, lot=lot, **fields)
    return Site(territory=territory, facilitator=facilitator, holder=holder, market=market, lot=lot, clause=clause)


def queries_of(callable_):
    with CaptureQueriesContext(connection) as context:
        response = callable_()
    return response, len(context)


def grid_form(response, **typed):
    """The data the grid form would post as loaded, with ``typed`` overrides: ``worked_<pk>="12"``."""
    data = {"action": "save"}
    for row in response.context["rows"]:
        if row.locked:
            continue
        data[f"worked-{row.pk}"] = row.worked
        data[f"training-{row.pk}"] = row.training
        data[f"version-{row.pk}"] = str(row.version)
        data[f"orig-{row.pk}"] = f"{row.orig_worked};{row.orig_training}"
    for key, value in typed.items():
        field, pk = key.rsplit("_", 1)
        data[f"{field}-{pk}"] = value
    return data
