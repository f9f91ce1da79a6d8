"""The home's key figures against a hand-built territory where every number is known, and query-count pins."""

import datetime
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import observatory.views
from accounts.enums import Role
from clauses.enums import ContractKind, StatementStatus
from observatory.indicators import home_figures
from tests.clauses.factories import (
    ClauseFactory,
    EligibilityValidationFactory,
    MonthlyHoursFactory,
    ParticipantFactory,
    PlacementFactory,
)
from tests.conftest import make_member
from tests.markets.factories import BuyerFactory, CompanyFactory, LotAwardFactory, LotFactory, MarketFactory

pytestmark = pytest.mark.django_db

YEAR = 2026
D = datetime.date


class Figures:
    """The hand-built territory 34 (and some noise in 95). Every expected number is derived in the comments."""

    def __init__(self, territory, other_territory):
        t = territory
        self.buyer_a = BuyerFactory(territory=t, name="Ville A")
        self.buyer_b = BuyerFactory(territory=t, name="Bailleur B")
        self.company = CompanyFactory(territory=t)

        # Buyer A, market 1: clause C1 active all 2026, 1,000 h required.
        lot_a1 = LotFactory(territory=t, market=MarketFactory(territory=t, buyer=self.buyer_a))
        LotAwardFactory(territory=t, lot=lot_a1, company=self.company)
        c1 = ClauseFactory(
            territory=t, lot=lot_a1, hours_required=Decimal("1000"), start_date=D(2026, 1, 1), end_date=D(2026, 12, 31)
        )
        # Buyer A, market 2: clause C2 ended in 2025, 500 h required — not active in 2026.
        lot_a2 = LotFactory(territory=t, market=MarketFactory(territory=t, buyer=self.buyer_a))
        c2 = ClauseFactory(
            territory=t, lot=lot_a2, hours_required=Decimal("500"), start_date=D(2024, 1, 1), end_date=D(2025, 6, 30)
        )
        # Buyer B, market 3: clause C3 open-ended since mid-2025, 300 h required — active in 2026.
        lot_b = LotFactory(territory=t, market=MarketFactory(territory=t, buyer=self.buyer_b))
        c3 = ClauseFactory(
            territory=t, lot=lot_b, hours_required=Decimal("300"), start_date=D(2025, 6, 1), end_date=None
        )
        # Buyer B, market 4: clause C4 starting in 2027 — not active in 2026.
        lot_b2 = LotFactory(territory=t, market=MarketFactory(territory=t, buyer=self.buyer_b))
        ClauseFactory(territory=t, lot=lot_b2, hours_required=Decimal("4000"), start_date=D(2027, 1, 1))
        # A market with no clause at all.
        MarketFactory(territory=t, buyer=self.buyer_b)

        x = ParticipantFactory(territory=t, last_name="X")
        y = ParticipantFactory(territory=t, last_name="Y")
        z = ParticipantFactory(territory=t, last_name="Z")
        w = ParticipantFactory(territory=t, last_name="W")
        v = ParticipantFactory(territory=t, last_name="V")
        # Eligibility: hours count only for months the participant's eligibility covers (clauses.hours).
        for person in (x, z, w, v):
            EligibilityValidationFactory(territory=t, participant=person, validated_on=D(2024, 12, 1))
        EligibilityValidationFactory(
            territory=t, participant=y, validated_on=D(2026, 4, 10), valid_until=D(2026, 4, 30)
        )

        def placement(participant, clause, kind, start, end=None):
            return PlacementFactory(
                territory=t,
                participant=participant,
                clause=clause,
                employer_company=self.company,
                contract_kind=kind,
                start_date=start,
                end_date=end,
            )

        def statement(placement, month, worked, training="0", status=StatementStatus.VALIDATED):
            MonthlyHoursFactory(
                territory=t,
                placement=placement,
                month=month,
                hours_worked=Decimal(worked),
                training_hours=Decimal(training),
                status=status,
            )

        # X on C1, CDD: February validated 100 h (+10 h training that a CDD does not count) → 100;
        # March submitted only (50 h) → 0; April returned (30 h) → 0.
        p1 = placement(x, c1, ContractKind.CDD, D(2026, 2, 1))
        statement(p1, D(2026, 2, 1), "100", training="10")
        statement(p1, D(2026, 3, 1), "50", status=StatementStatus.SUBMITTED)
        statement(p1, D(2026, 4, 1), "30", status=StatementStatus.RETURNED)
        # Y on C1, apprenticeship: April validated 80 h + 20 h training (work-study: counts) → 100.
        p2 = placement(y, c1, ContractKind.APPRENTICESHIP, D(2026, 4, 1))
        statement(p2, D(2026, 4, 1), "80", training="20")
        # Y's eligibility ended in April: a validated May line of 25 h does not count (pending, eligibility).
        statement(p2, D(2026, 5, 1), "25")
        # X again, on C3 (buyer B), CDI: May validated 40 h → 40; December 2025 validated 30 h → another year.
        p3 = placement(x, c3, ContractKind.CDI, D(2025, 12, 1))
        statement(p3, D(2025, 12, 1), "30")
        statement(p3, D(2026, 5, 1), "40")
        # Z on C2 (inactive in 2026): 60 h validated in 2025 → another year; Z is not a 2026 participant.
        p4 = placement(z, c2, ContractKind.CDD, D(2025, 1, 1), D(2025, 6, 30))
        statement(p4, D(2025, 3, 1), "60")
        # W on C1 but starting in 2027 → not a 2026 participant; its 2027 hours are another year.
        p5 = placement(w, c1, ContractKind.CDD, D(2027, 1, 1))
        statement(p5, D(2027, 1, 1), "70")
        # V on C3 but finished at the end of 2025 → not a 2026 participant.
        placement(v, c3, ContractKind.CDD, D(2025, 7, 1), D(2025, 12, 31))

        # Noise in territory 95: an active clause with validated hours, ignored by every member of 34.
        foreign_clause = ClauseFactory(
            territory=other_territory, hours_required=Decimal("9999"), start_date=D(2026, 1, 1)
        )
        foreign = PlacementFactory(territory=other_territory, clause=foreign_clause, start_date=D(2026, 1, 1))
        MonthlyHoursFactory(territory=other_territory, placement=foreign, month=D(2026, 1, 1), hours_worked=700)
        EligibilityValidationFactory(
            territory=other_territory, participant=foreign.participant, validated_on=D(2026, 1, 2)
        )


@pytest.fixture
def figures_world(territory, other_territory):
    return Figures(territory, other_territory)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FACILITATOR, Role.COMMITTEE])
def test_territory_wide_figures(figures_world, territory, role):
    figures = home_figures(make_member(territory, role), YEAR)
    assert figures.year == YEAR
    assert figures.buyers == 2
    assert figures.markets_with_clause == 2  # markets 1 (C1) and 3 (C3)
    assert figures.hours_required == Decimal("1300")  # C1 1,000 + C3 300
    assert figures.hours_achieved == Decimal("240")  # 100 (X, CDD) + 100 (Y, apprenticeship) + 40 (X on C3)
    assert figures.participants == 2  # X and Y
    assert figures.completion_rate == Decimal("18.5")  # 240 / 1,300


def test_buyer_figures_are_limited_to_its_own_markets(figures_world, territory):
    figures = home_figures(make_member(territory, Role.BUYER, figures_world.buyer_a), YEAR)
    assert figures.buyers == 1
    assert figures.markets_with_clause == 1  # market 1 only (C2 of market 2 is inactive)
    assert figures.hours_required == Decimal("1000")
    assert figures.hours_achieved == Decimal("200")  # X 100 + Y 100 on C1
    assert figures.participants == 2
    assert figures.completion_rate == Decimal("20.0")

    figures = home_figures(make_member(territory, Role.BUYER, figures_world.buyer_b), YEAR)
    assert (figures.buyers, figures.markets_with_clause, figures.hours_required) == (1, 1, Decimal("300"))
    assert figures.hours_achieved == Decimal("40")
    assert figures.participants == 1


def test_company_figures_are_limited_to_its_awarded_markets(figures_world, territory):
    figures = home_figures(make_member(territory, Role.COMPANY, figures_world.company), YEAR)
    assert figures.markets_with_clause == 1  # awarded market 1 only
    assert figures.hours_required == Decimal("1000")
    assert figures.hours_achieved == Decimal("200")


def test_other_years(figures_world, territory):
    coordinator = make_member(territory, Role.COORDINATOR)
    figures_2025 = home_figures(coordinator, 2025)
    assert figures_2025.markets_with_clause == 2  # C2 (until June) and C3 (from June)
    assert figures_2025.hours_required == Decimal("800")
    assert figures_2025.hours_achieved == Decimal("90")  # 30 (X, Dec.) + 60 (Z, March)
    assert figures_2025.participants == 3  # X (from Dec.), Z, V
    figures_2027 = home_figures(coordinator, 2027)
    assert figures_2027.hours_required == Decimal("4300")  # C3 300 + C4 4,000
    assert figures_2027.hours_achieved == Decimal("70")


def test_the_other_territory_sees_only_its_own(figures_world, other_territory):
    figures = home_figures(make_member(other_territory, Role.COORDINATOR), YEAR)
    assert figures.hours_required == Decimal("9999")
    assert figures.hours_achieved == Decimal("700")
    assert figures.participants == 1


def test_an_empty_territory(territory):
    figures = home_figures(make_member(territory, Role.COORDINATOR), YEAR)
    assert (figures.buyers, figures.markets_with_clause, figures.participants) == (0, 0, 0)
    assert figures.hours_required == 0 and figures.hours_achieved == 0
    assert figures.completion_rate is None


def test_home_page_shows_the_figures(client, figures_world, territory, monkeypatch):
    monkeypatch.setattr(observatory.views, "timezone", SimpleNamespace(localdate=lambda: D(YEAR, 6, 15)))
    client.force_login(make_member(territory, Role.COORDINATOR).user)
    response = client.get(reverse("home", kwargs={"territory_code": "34"}))
    assert response.status_code == 200
    assert response.context["figures"] == home_figures(response.context["membership"], YEAR)
    shown = {
        name: re.sub(r"\D", "", value)
        for name, value in re.findall(r'data-figure="([\w-]+)"[^>]*>([^<]*)<', response.content.decode())
    }
    assert shown == {
        "buyers": "2",
        "markets": "2",
        "participants": "2",
        "hours-required": "1300",
        "hours-achieved": "240",
    }


# Query-count pins -------------------------------------------------------------------------------------------------

# Ceilings measured on PostgreSQL with the first templates (November 2026): session, user and membership (3), the
# request's savepoint pair (2), the page's own queries, and the territory switcher's memberships (1). Raise one
# consciously, never to hide an N+1: the tests below also check that the count does not grow with the data.
# The participant list (issue 4) adds its filters' four choice lists (criteria, facilitators, companies, clauses).
# The market detail (issue 5) adds the market's monthly curve: the four queries of ``hours.clause_month_figures``.
MAX_QUERIES = {"home": 12, "market_list": 9, "market_detail": 15, "participant_list": 12}


def _login(client, membership):
    """Log in and make a first request: the session then already holds the territory, like any later page."""
    client.force_login(membership.user)
    assert client.get(reverse("home", kwargs={"territory_code": membership.territory.code})).status_code == 200


def _count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def _markets(territory, n, company):
    for _ in range(n):
        market = MarketFactory(territory=territory)
        lot = LotFactory(territory=territory, market=market)
        LotAwardFactory(territory=territory, lot=lot, company=company)
        clause = ClauseFactory(territory=territory, lot=lot)
        MonthlyHoursFactory(territory=territory, placement=PlacementFactory(territory=territory, clause=clause))


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.BUYER, Role.COMPANY])
def test_market_list_query_count_does_not_grow_with_the_markets(client, territory, role, django_assert_max_num_queries):
    buyer = BuyerFactory(territory=territory)
    company = CompanyFactory(territory=territory)
    organisation = {Role.BUYER: buyer, Role.COMPANY: company}.get(role)
    _login(client, make_member(territory, role, organisation))
    path = reverse("clauses:market_list", kwargs={"territory_code": "34"})

    _markets(territory, 3, company)
    if role == Role.BUYER:
        territory_markets = MarketFactory._meta.model.objects.filter(territory=territory)
        territory_markets.update(buyer=buyer)
    with django_assert_max_num_queries(MAX_QUERIES["market_list"]):
        few = _count_queries(client, path)

    _markets(territory, 27, company)
    if role == Role.BUYER:
        territory_markets.update(buyer=buyer)
    with django_assert_max_num_queries(MAX_QUERIES["market_list"]):
        many = _count_queries(client, path)
    response = client.get(path)
    assert len(response.context["markets"]) == 30
    assert many == few, f"{few} queries for 3 markets, {many} for 30"


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.BUYER])
def test_home_query_count(client, figures_world, territory, role, django_assert_max_num_queries):
    _login(client, make_member(territory, role, figures_world.buyer_a if role == Role.BUYER else None))
    with django_assert_max_num_queries(MAX_QUERIES["home"]):
        response = client.get(reverse("home", kwargs={"territory_code": "34"}))
    assert response.status_code == 200


def _busy_market(territory, lots=3, placements_per_lot=4):
    market = MarketFactory(territory=territory)
    for number in range(1, lots + 1):
        lot = LotFactory(territory=territory, market=market, number=number)
        LotAwardFactory(territory=territory, lot=lot)
        LotAwardFactory(territory=territory, lot=lot)
        clause = ClauseFactory(territory=territory, lot=lot)
        for _ in range(placements_per_lot):
            MonthlyHoursFactory(territory=territory, placement=PlacementFactory(territory=territory, clause=clause))
    return market


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.COMMITTEE])
def test_market_detail_query_count_does_not_grow_with_lots_and_placements(
    client, territory, role, django_assert_max_num_queries
):
    _login(client, make_member(territory, role))
    small = _busy_market(territory, lots=1, placements_per_lot=1)
    big = _busy_market(territory, lots=4, placements_per_lot=5)
    counts = []
    for market in (small, big):
        path = reverse("clauses:market_detail", kwargs={"territory_code": "34", "pk": market.pk})
        with django_assert_max_num_queries(MAX_QUERIES["market_detail"]):
            counts.append(_count_queries(client, path))
    assert counts[0] == counts[1], counts


def test_participant_list_query_count_does_not_grow(client, territory, django_assert_max_num_queries):
    _login(client, make_member(territory, Role.FACILITATOR))
    path = reverse("clauses:participant_list", kwargs={"territory_code": "34"})
    counts = []
    for n in (2, 30):
        while len(ParticipantFactory._meta.model.objects.filter(territory=territory)) < n:
            PlacementFactory(territory=territory)
        with django_assert_max_num_queries(MAX_QUERIES["participant_list"]):
            counts.append(_count_queries(client, path))
    assert counts[0] == counts[1], counts
