"""Foundation journeys, in a real browser: log in, read the territory's figures, browse markets, invite a member;
and a member of one territory who asks for another territory's page gets the 404 page."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.enums import Role
from accounts.models import Membership
from clauses.enums import StatementStatus
from tests.accounts.factories import PASSWORD
from tests.browser.pages import LoginPage, MarketListPage, TerritoryHomePage
from tests.clauses.factories import (
    ClauseFactory,
    EligibilityValidationFactory,
    MonthlyHoursFactory,
    ParticipantFactory,
    PlacementFactory,
)
from tests.conftest import make_member
from tests.facilitators.factories import FacilitatorOrganisationFactory
from tests.markets.factories import BuyerFactory, MarketFactory

INVITEE = "nouvelle.facilitatrice@example.org"


@pytest.fixture
def herault_data(territory, other_territory):
    """Hérault's register for the current year, with things the home figures must leave out, and Val-d'Oise data."""
    year = timezone.localdate().year
    this_year = {"start_date": datetime.date(year, 1, 1), "end_date": datetime.date(year, 12, 31)}
    town, housing = BuyerFactory.create_batch(2, territory=territory)

    def clause(market, hours, **dates):
        return ClauseFactory(territory=territory, lot__market=market, hours_required=Decimal(hours), **dates)

    school = MarketFactory(
        territory=territory, buyer=town, reference="34-2026-ECOLE", object="Réhabilitation de l'école Jules-Ferry"
    )
    school_clause = clause(school, 1234, **this_year)
    roads = MarketFactory(territory=territory, buyer=town, reference="34-2026-VOIRIE", object="Entretien de la voirie")
    roads_clause = clause(roads, 600, **this_year)
    homes = MarketFactory(territory=territory, buyer=housing, reference="34-2026-LOGTS", object="Résidence Les Pins")
    clause(homes, 300, **this_year)
    # Not counted: a market without a clause, and one whose clause ended last year.
    MarketFactory(territory=territory, buyer=housing, reference="34-2026-SANS", object="Fournitures de bureau")
    old = MarketFactory(territory=territory, buyer=housing, reference="34-2024-GYMN", object="Gymnase")
    old_clause = clause(old, 900, start_date=datetime.date(year - 2, 1, 1), end_date=datetime.date(year - 1, 6, 30))

    # Three people this year (one of them on two clauses, one not yet validated as eligible); one person only on
    # last year's clause. Hours count only for a participant whose eligibility a facilitator has validated.
    alice, bruno, chloe, david = ParticipantFactory.create_batch(4, territory=territory)
    for person in (alice, bruno, chloe):
        EligibilityValidationFactory(
            territory=territory, participant=person, validated_on=datetime.date(year - 2, 1, 5)
        )
    start = datetime.date(year, 1, 1)
    alice_school = PlacementFactory(territory=territory, participant=alice, clause=school_clause, start_date=start)
    bruno_school = PlacementFactory(territory=territory, participant=bruno, clause=school_clause, start_date=start)
    PlacementFactory(territory=territory, participant=bruno, clause=roads_clause, start_date=start)
    david_roads = PlacementFactory(territory=territory, participant=david, clause=roads_clause, start_date=start)
    chloe_old = PlacementFactory(
        territory=territory,
        participant=chloe,
        clause=old_clause,
        start_date=datetime.date(year - 2, 3, 1),
        end_date=datetime.date(year - 1, 6, 30),
    )
    # Counted hours this year: 120 + 80 + 100 = 300. Not counted: a submitted (not validated) statement, the hours of
    # a participant whose eligibility is not validated, and last year's hours.
    MonthlyHoursFactory(territory=territory, placement=alice_school, month=datetime.date(year, 1, 1), hours_worked=120)
    MonthlyHoursFactory(territory=territory, placement=alice_school, month=datetime.date(year, 2, 1), hours_worked=80)
    MonthlyHoursFactory(territory=territory, placement=bruno_school, month=datetime.date(year, 1, 1), hours_worked=100)
    MonthlyHoursFactory(
        territory=territory,
        placement=bruno_school,
        month=datetime.date(year, 2, 1),
        hours_worked=90,
        status=StatementStatus.SUBMITTED,
    )
    MonthlyHoursFactory(territory=territory, placement=david_roads, month=datetime.date(year, 1, 1), hours_worked=50)
    MonthlyHoursFactory(territory=territory, placement=chloe_old, month=datetime.date(year - 1, 3, 1), hours_worked=70)

    # Val-d'Oise: a buyer and a market with a clause this year, none of which Hérault may count or reach.
    val_doise_market = MarketFactory(territory=other_territory, reference="95-2026-COLLEGE")
    ClauseFactory(territory=other_territory, lot__market=val_doise_market, hours_required=Decimal(5000), **this_year)

    return {
        "expected": {"buyers": 2, "markets": 3, "participants": 3, "hours-required": 2134, "hours-achieved": 300},
        "school": school,
        "val_doise_market": val_doise_market,
    }


def test_coordinator_reads_figures_browses_markets_and_invites_a_facilitator(page, axe, territory, herault_data):
    coordinator = make_member(territory, Role.COORDINATOR)
    plie = FacilitatorOrganisationFactory(territory=territory, name="PLIE Montpellier Méditerranée")

    page.goto("/")
    expect(page).to_have_url(f"{reverse('account_login')}?next=/")
    LoginPage(page).log_in(coordinator.user.email, PASSWORD)

    home = TerritoryHomePage(page, territory.code).expect_current()
    expect(home.heading).to_contain_text("Hérault")
    assert {name: home.figure(name) for name in herault_data["expected"]} == herault_data["expected"]
    axe(page)

    markets = home.open_markets()
    expect(markets.market_link("34-2026-ECOLE")).to_be_visible()
    expect(markets.market_link("34-2026-SANS")).to_be_visible()
    expect(markets.main.get_by_text("95-2026-COLLEGE")).to_have_count(0)
    axe(page)

    detail = markets.open_market("34-2026-ECOLE")
    detail.expect_reference("34-2026-ECOLE")
    assert detail.summary_value("Référence") == "34-2026-ECOLE"
    assert detail.clause_hours_required() == [1234]
    axe(page)

    members = home.open().open_members()
    invite = members.start_invitation()
    members = invite.invite(
        email=INVITEE,
        first_name="Nadia",
        last_name="Benali",
        role_label=Role.FACILITATOR.label,
        organisation_label=plie.name,
    )
    expect(page.locator(".fr-alert--success")).to_contain_text(INVITEE)
    row = members.row_of(INVITEE)
    expect(row).to_contain_text("Invitation en attente")
    expect(row).to_contain_text(Role.FACILITATOR.label)
    expect(row).to_contain_text(plie.name)

    invitation = Membership.objects.get(territory=territory, email=INVITEE)
    assert invitation.is_pending
    assert invitation.role == Role.FACILITATOR
    assert invitation.invited_by == coordinator.user


def test_invitation_email_is_sent(page, territory, mailoutbox):
    coordinator = make_member(territory, Role.COORDINATOR)
    LoginPage(page).open().log_in(coordinator.user.email, PASSWORD)
    members = TerritoryHomePage(page, territory.code).expect_current().open_members()
    members.start_invitation().invite(email=INVITEE, role_label=Role.COMMITTEE.label)
    expect(members.row_of(INVITEE)).to_contain_text("Invitation en attente")
    assert [message.to for message in mailoutbox] == [[INVITEE]]
    assert "/invitation/" in mailoutbox[0].body


def test_facilitator_gets_the_404_page_for_another_territory(page, territory, herault_data):
    facilitator = make_member(territory, Role.FACILITATOR)
    LoginPage(page).open().log_in(facilitator.user.email, PASSWORD)
    TerritoryHomePage(page, territory.code).expect_current()

    val_doise_market = herault_data["val_doise_market"]
    for url in [
        reverse("home", kwargs={"territory_code": "95"}),
        reverse("clauses:market_list", kwargs={"territory_code": "95"}),
        reverse("clauses:market_detail", kwargs={"territory_code": "95", "pk": val_doise_market.pk}),
        # Another territory's market under one's own territory is not found either.
        reverse("clauses:market_detail", kwargs={"territory_code": "34", "pk": val_doise_market.pk}),
    ]:
        response = page.goto(url)
        assert response.status == 404, url
        expect(page.locator("h1")).to_have_text("Page non trouvée")
        expect(page.locator("main, #content").first).not_to_contain_text("Val-d'Oise")

    # The facilitator's own territory still works, and its market list does not list Val-d'Oise's market.
    markets = MarketListPage(page, territory.code).open()
    expect(markets.market_link("34-2026-ECOLE")).to_be_visible()
    expect(markets.main.get_by_text("95-2026-COLLEGE")).to_have_count(0)
