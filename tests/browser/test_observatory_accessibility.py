"""axe on every page of the observatory area, as the roles that use them: the observatory (coordinator, committee,
with a filter and with an invalid filter), the regional observatory, the bilans list and a bilan's page, the committee
index, the member and meeting forms (empty and re-shown with errors) and a meeting's page. Serious or critical
violations fail the test."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.enums import Role
from accounts.models import RegionalAccess
from markets.enums import BuyerKind
from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.pages import LoginPage
from tests.conftest import make_member
from tests.observatory.factories_committee import (
    CommitteeAttendanceFactory,
    CommitteeMeetingFactory,
    CommitteeMemberFactory,
)
from tests.observatory.factories_observatory import DEFAULT_BUYERS, populate
from tests.observatory.factories_reports import ReportFactory
from tests.territories.factories import RegionFactory, TerritoryFactory


@pytest.fixture
def herault(territory):
    populate(territory, (*DEFAULT_BUYERS, ("Montpellier Méditerranée Métropole", BuyerKind.EPCI, 7, 20)))
    return territory


@pytest.fixture
def committee(herault):
    member = CommitteeMemberFactory(territory=herault)
    meeting = CommitteeMeetingFactory(territory=herault, minutes="Le comité adopte le bilan.")
    CommitteeAttendanceFactory(territory=herault, meeting=meeting, member=member)
    return meeting


def log_in(page, user):
    LoginPage(page).open().log_in(user.email, PASSWORD)


def check(page, axe, path, heading=None):
    page.goto(path)
    page.locator("main h1").first.wait_for()
    if heading:
        assert heading in page.locator("main h1").first.inner_text()
    axe(page)


def t(name, **kwargs):
    return reverse(name, kwargs={"territory_code": "34", **kwargs})


def test_coordinator_pages_pass_axe(page, axe, herault, committee):
    coordinator = make_member(herault, Role.COORDINATOR)
    report = ReportFactory(territory=herault, requested_by=coordinator.user, done=True)
    failed = ReportFactory(
        territory=herault,
        requested_by=coordinator.user,
        failed=True,
        start_date=date(2024, 1, 1),
        end_date=date(2024, 12, 31),
    )
    log_in(page, coordinator.user)
    check(page, axe, t("observatory:indicators") + "?year=2026", "Observatoire")
    check(page, axe, t("observatory:indicators") + f"?year=2026&buyer_kind={BuyerKind.MUNICIPALITY}")
    check(page, axe, t("observatory:indicators") + "?start=2026-03-01")  # the error summary
    check(page, axe, t("reports:list"))
    check(page, axe, t("reports:detail", pk=report.pk))
    check(page, axe, t("reports:detail", pk=failed.pk))
    check(page, axe, t("committee:index"))
    check(page, axe, t("committee:member_create"))
    page.get_by_role("button", name="Enregistrer").first.click()  # empty: re-shown with the errors
    page.locator("main h1").first.wait_for()
    axe(page)
    check(page, axe, t("committee:meeting_create"))
    check(page, axe, t("committee:meeting_detail", pk=committee.pk))
    check(page, axe, t("committee:meeting_update", pk=committee.pk))


def test_committee_member_pages_pass_axe(page, axe, herault, committee):
    member = make_member(herault, Role.COMMITTEE)
    coordinator = make_member(herault, Role.COORDINATOR)
    report = ReportFactory(territory=herault, requested_by=coordinator.user, done=True)
    log_in(page, member.user)
    check(page, axe, t("observatory:indicators") + "?year=2026")
    check(page, axe, t("observatory:indicators") + f"?year=2026&buyer_kind={BuyerKind.SOCIAL_HOUSING}")
    check(page, axe, t("reports:list"))
    check(page, axe, t("reports:detail", pk=report.pk))
    check(page, axe, t("committee:index"))
    check(page, axe, t("committee:meeting_detail", pk=committee.pk))


def test_regional_page_passes_axe(page, axe, herault):
    gard = TerritoryFactory(code="30", name="Gard")
    populate(gard, (("Ville de Nîmes", BuyerKind.MUNICIPALITY, 5, 40),))
    user = UserFactory(email="dreets.occitanie@example.org")
    RegionalAccess.objects.create(user=user, region=RegionFactory(code="76", name="Occitanie"))
    log_in(page, user)
    path = reverse("regional:indicators", kwargs={"region_code": "76"})
    check(page, axe, path + "?year=2026", "Observatoire régional")
    check(page, axe, path + f"?year=2026&buyer_kind={BuyerKind.MUNICIPALITY}")
