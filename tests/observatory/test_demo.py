"""The demo data command: ``manage.py seed_demo`` (logic in ``observatory.demo``)."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F, Max, Min
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from stdnum.fr import siret

from accounts.enums import Role
from accounts.models import Membership, RegionalAccess, User
from clauses.buyers import market_status_rows
from clauses.enums import OutcomeCategory, OutcomeMilestone, SizingMethod, StatementStatus
from clauses.labour_shares import labour_share_for
from clauses.models import (
    Clause,
    ClausePlan,
    EligibilityValidation,
    MonthlyHours,
    Outcome,
    Participant,
    Placement,
    Statement,
    TradeLabourShare,
)
from clauses.outcomes import outcome_category
from clauses.participants import add_months_to_day
from clauses.sizing import hours_from_invoiced_tranche, hours_from_labour_share
from facilitators.models import Facilitator, InclusionEmployer
from markets.enums import DEFAULT_LABOUR_SHARES, AwardRole, MarketStatus, Trade
from markets.models import Buyer, Company, LotAward, Market
from observatory.demo import (
    DEMO_PASSWORD,
    MULTI_TERRITORY_EMAIL,
    REGIONAL_EMAIL,
    demo_account_emails,
    report_status_line,
    seed_demo,
    tenant_models_in_deletion_order,
)
from observatory.enums import College, PartnerKind, ReportStatus
from observatory.indicators import Period, buyers_and_federations_met, compute_indicators, partners_involved
from observatory.models import CommitteeMeeting, CommitteeMember, Partner, PartnerMeeting, Report
from observatory.tasks import build_report
from territories.models import Territory
from tests.markets.factories import MarketFactory
from tests.territories.factories import TerritoryFactory

pytestmark = pytest.mark.django_db

SCALE = "0.1"
TODAY = date(2026, 11, 20)


def seed(*args):
    out = StringIO()
    call_command("seed_demo", "--scale", SCALE, *args, stdout=out)
    return out.getvalue()


def snapshot():
    """Row count and highest id of every tenant table, plus the users: what a run that changes nothing keeps."""
    state = {model._meta.label: (model._base_manager.count(), model._base_manager.aggregate(m=Max("pk"))["m"])
             for model in tenant_models_in_deletion_order()}  # fmt: skip
    state["users"] = (User.objects.count(), User.objects.aggregate(m=Max("pk"))["m"])
    return state


def fingerprint(code):
    """What the demo data of a territory looks like, independent of primary keys."""
    territory = Territory.objects.get(code=code)
    markets = Market.objects.in_territory(territory).order_by("buyer__name", "reference")
    participants = Participant.objects.in_territory(territory).order_by("last_name", "first_name", "birth_date")
    return (
        list(markets.values_list("buyer__name", "reference", "object", "amount_ht", "notification_date")),
        list(
            Clause.objects.in_territory(territory).order_by("hours_required").values_list("hours_required", flat=True)
        ),
        list(participants.values_list("first_name", "last_name", "birth_date", "sex", "residence_commune_id")),
        sorted(MonthlyHours.objects.in_territory(territory).values_list("month", "hours_worked", "status")),
    )


def test_seed_creates_both_territories_with_the_expected_volumes():
    output = seed()

    assert "Données de démonstration créées" in output
    assert DEMO_PASSWORD in output
    for email in demo_account_emails():
        assert email in output
    for code, markets_with_clause in (("34", 15), ("95", 10)):
        territory = Territory.objects.get(code=code)
        markets = Market.objects.in_territory(territory)
        assert markets.filter(lots__clauses__isnull=False).distinct().count() == markets_with_clause
        assert 15 <= Buyer.objects.in_territory(territory).count() <= 40
        assert InclusionEmployer.objects.in_territory(territory).count() >= 8
        assert Facilitator.objects.in_territory(territory).count() >= 8
        assert 5 <= Participant.objects.in_territory(territory).count() <= 80
        assert (
            EligibilityValidation.objects.in_territory(territory).count()
            >= Participant.objects.in_territory(territory).count()
        )
        placements = Placement.objects.in_territory(territory)
        assert placements.filter(employer_company__isnull=False).exists()
        assert MonthlyHours.objects.in_territory(territory).validated().exists()
        assert LotAward.objects.in_territory(territory).filter(role=AwardRole.HOLDER).exists()
    # Across both territories (small scale): every kind of placement and statement is there.
    placements = Placement.objects.all()
    assert placements.filter(employer_inclusion__isnull=False).exists()
    assert placements.filter(contract_kind__in=["apprenticeship", "professionalisation"]).exists()
    assert MonthlyHours.objects.filter(training_hours__gt=0).exists()
    assert MonthlyHours.objects.exclude(status=StatementStatus.VALIDATED).exists()
    assert Clause.objects.filter(sizing_method=SizingMethod.INVOICED_TRANCHE).exists()


def test_scale_multiplies_the_volumes():
    seed_demo(scale=0.2, today=TODAY)
    territory = Territory.objects.get(code="34")
    assert Market.objects.in_territory(territory).filter(lots__clauses__isnull=False).distinct().count() == 30


def test_demo_data_is_consistent():
    seed()
    # Clause sizing follows clauses.sizing from the stored parameters (5–10 %, 25–35 €/h).
    for clause in Clause.objects.all():
        if clause.sizing_method == SizingMethod.LABOUR_SHARE:
            assert Decimal("0.05") <= clause.insertion_rate <= Decimal("0.10")
            assert Decimal("25") <= clause.hourly_cost <= Decimal("35")
            expected = hours_from_labour_share(
                clause.sizing_amount_ht, clause.labour_share, clause.insertion_rate, clause.hourly_cost
            )
        else:
            expected = hours_from_invoiced_tranche(
                clause.sizing_amount_ht, clause.tranche_amount, clause.hours_per_tranche
            )
        assert clause.hours_required == expected.hours
        assert clause.sizing_amount_ht <= clause.lot.amount_ht
    # Company statements: one per clause, company and month; their lines mirror their status.
    assert Statement.objects.exists()
    assert not MonthlyHours.objects.filter(statement__isnull=True).exists()
    assert not MonthlyHours.objects.exclude(status=F("statement__status")).exists()
    assert not MonthlyHours.objects.exclude(month=F("statement__month")).exists()
    assert not MonthlyHours.objects.exclude(placement__clause=F("statement__clause")).exists()
    # Valid SIRETs and NAF codes.
    for value in [*Company.objects.values_list("siret", flat=True), *Buyer.objects.values_list("siret", flat=True)]:
        assert siret.is_valid(value), value
    assert not Company.objects.filter(naf_code="").exists()
    # Every tenant row has the territory of its parents (PostgreSQL enforces it; SQLite runs check it here).
    assert not Placement.objects.exclude(territory=F("clause__territory")).exists()
    assert not Placement.objects.exclude(territory=F("participant__territory")).exists()
    assert not MonthlyHours.objects.exclude(territory=F("placement__territory")).exists()
    assert not LotAward.objects.exclude(territory=F("company__territory")).exists()
    assert not Clause.objects.exclude(territory=F("lot__market__buyer__territory")).exists()
    # Every line counts once validated: its participant's eligibility was validated in or before the line's month
    # and is still valid on its first day.
    for placement in Placement.objects.prefetch_related("participant__eligibilities", "monthly_hours"):
        validations = placement.participant.eligibilities.all()
        assert placement.end_date is None or placement.end_date >= placement.start_date
        for line in placement.monthly_hours.all():
            assert any(
                v.validated_on.replace(day=1) <= line.month and (v.valid_until is None or v.valid_until >= line.month)
                for v in validations
            ), line
    # The statements cover 18 months ending last month; only the last two months are not all validated yet.
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    months = MonthlyHours.objects.aggregate(first=Min("month"), last=Max("month"))
    assert months["last"] == last_month
    assert months["first"] >= (last_month - timedelta(days=31 * 17)).replace(day=1)
    before_last = (last_month - timedelta(days=1)).replace(day=1)
    statuses = set(MonthlyHours.objects.filter(month__lt=before_last).values_list("status", flat=True))
    assert statuses == {StatementStatus.VALIDATED}


def test_each_demo_account_logs_in_and_reaches_its_territory_home(client):
    seed()
    for membership in Membership.objects.filter(user__email__in=demo_account_emails()).select_related("territory"):
        client.logout()
        assert client.login(username=membership.email, password=DEMO_PASSWORD), membership.email
        response = client.get(reverse("home", kwargs={"territory_code": membership.territory.code}))
        assert response.status_code == 200, membership.email

    # Organisation links of the roles that have one.
    roles = {m.email: m for m in Membership.objects.filter(territory__code="34").select_related("user")}
    assert roles["facilitateur@herault.demo"].facilitator.organisation is not None
    assert roles["acheteur@herault.demo"].buyer_member.buyer.markets.exists()
    company = roles["entreprise@herault.demo"].company_member.company
    assert company.awards.filter(role=AwardRole.HOLDER).exists()
    assert company.placements.exists()
    # A single-territory account does not see the other territory.
    client.logout()
    client.login(username="coordination@herault.demo", password=DEMO_PASSWORD)
    assert client.get(reverse("home", kwargs={"territory_code": "95"})).status_code == 404


def test_the_multi_territory_user_reaches_both_territories(client):
    seed()
    user = User.objects.get(email=MULTI_TERRITORY_EMAIL)
    roles = dict(user.memberships.values_list("territory__code", "role"))
    assert roles == {"34": Role.COORDINATOR, "95": Role.FACILITATOR}
    assert Facilitator.objects.get(membership__user=user).territory.code == "95"
    assert client.login(username=MULTI_TERRITORY_EMAIL, password=DEMO_PASSWORD)
    for code in ("34", "95"):
        assert client.get(reverse("home", kwargs={"territory_code": code})).status_code == 200


def test_demo_accounts_log_in_through_the_login_form(client):
    """allauth requires a verified e-mail address (ACCOUNT_EMAIL_VERIFICATION = "mandatory")."""
    seed()
    response = client.post(reverse("account_login"), {"login": "comite@valdoise.demo", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home", kwargs={"territory_code": "95"})).status_code == 200


def test_a_second_run_without_reset_changes_nothing():
    seed()
    before = snapshot()
    output = seed()
    assert "contiennent déjà des données" in output
    assert "--reset" in output
    assert DEMO_PASSWORD in output  # the accounts are listed again
    assert snapshot() == before


def test_reset_recreates_the_same_data():
    seed_demo(scale=0.1, today=TODAY)
    first = {code: fingerprint(code) for code in ("34", "95")}
    result = seed_demo(scale=0.1, today=TODAY, reset=True)
    assert result.seeded
    assert {code: fingerprint(code) for code in ("34", "95")} == first
    assert User.objects.filter(email=MULTI_TERRITORY_EMAIL).count() == 1


def test_reset_deletes_only_the_demo_territories():
    other = MarketFactory(territory=TerritoryFactory(code="75"))
    seed()
    seed("--reset")
    assert Market.objects.filter(pk=other.pk).exists()
    assert Market.objects.filter(territory__code="34").exists()


def test_scale_must_be_positive():
    with pytest.raises(CommandError):
        call_command("seed_demo", "--scale", "0", stdout=StringIO())
    with pytest.raises(ValueError):
        seed_demo(scale=-1)


def test_refused_in_production_unless_allowed(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", "--scale", SCALE, stdout=StringIO())
    assert not Market.objects.exists()


# --- Committee, programming, labour shares, pace of the demo buyer, regional account --------------------------------


def test_each_demo_territory_has_a_committee_in_every_college_and_meetings_over_two_years():
    seed()
    today = timezone.localdate()
    for code in ("34", "95"):
        territory = Territory.objects.get(code=code)
        members = CommitteeMember.objects.in_territory(territory)
        assert set(members.filter(is_active=True).values_list("college", flat=True)) == set(College.values)
        assert members.filter(is_active=False).exists()  # a former member
        meetings = CommitteeMeeting.objects.in_territory(territory)
        held = meetings.filter(date__lte=today)
        assert held.count() >= 4
        assert held.filter(date__lt=today - timedelta(days=365)).exists()
        assert not held.filter(date__lt=today - timedelta(days=2 * 366)).exists()
        for meeting in held:
            assert meeting.agenda and meeting.minutes
            assert meeting.attendance.count() >= 3
            assert set(meeting.attendance.values_list("territory", flat=True)) == {territory.pk}
        upcoming = meetings.get(date__gt=today)  # agenda only: no minutes nor attendance yet
        assert upcoming.agenda and not upcoming.minutes and not upcoming.attendance.exists()
    # The demo committee account is a member of the committee (State college).
    member = CommitteeMember.objects.get(membership__email="comite@herault.demo")
    assert member.college == College.STATE and member.is_active


def test_the_committee_page_of_the_demo_reads_for_the_committee_account(client):
    seed()
    assert client.login(username="comite@herault.demo", password=DEMO_PASSWORD)
    response = client.get(reverse("committee:index", kwargs={"territory_code": "34"}))
    assert response.status_code == 200
    assert all(members for _value, _label, members in response.context["colleges"])
    assert sum(row["held"] for row in response.context["per_year"]) >= 4


def test_planned_markets_with_clause_preparations_for_the_demo_buyers():
    seed()
    for code in ("34", "95"):
        territory = Territory.objects.get(code=code)
        planned = Market.objects.in_territory(territory).filter(status=MarketStatus.PLANNED, lots__isnull=True)
        assert planned.count() >= 4
        assert not planned.filter(expected_tender_date__isnull=True).exists()
        assert not planned.filter(trade="").exists()
        assert planned.filter(facilitator__isnull=False).exists()
        buyer = Membership.objects.get(email=f"acheteur@{ {'34': 'herault', '95': 'valdoise'}[code] }.demo")
        assert planned.filter(buyer=buyer.buyer_member.buyer, declared_by=buyer.user).count() >= 2
        plans = ClausePlan.objects.in_territory(territory)
        assert plans.count() == planned.count()
        assessed = plans.exclude(recommended_form="")
        assert assessed.count() >= 3
        for plan in assessed:
            assert plan.duration_reason and plan.amount_reason and plan.technicality_reason and plan.public_reason
            assert plan.recommendation_reason and plan.chosen_form and plan.assessed_by and plan.assessed_at
        deviating = [p for p in assessed if p.deviates_from_recommendation]
        assert len(deviating) == 1 and deviating[0].choice_reason
        sized = assessed.filter(hours__isnull=False)
        assert sized.exists()
        for plan in sized:
            expected = hours_from_labour_share(
                plan.sizing_amount_ht, plan.labour_share, plan.insertion_rate, plan.hourly_cost
            )
            assert plan.hours == expected.hours
            assert plan.sizing_working == expected.working
            assert plan.labour_share == labour_share_for(territory, plan.market.trade)


def test_existing_markets_have_a_trade_and_one_territory_overrides_labour_shares():
    seed()
    assert not Market.objects.filter(trade="").exists()
    assert set(Market.objects.values_list("trade", flat=True)) >= {Trade.STRUCTURAL_WORKS, Trade.CLEANING}
    herault, valdoise = Territory.objects.get(code="34"), Territory.objects.get(code="95")
    overrides = dict(TradeLabourShare.objects.in_territory(herault).values_list("trade", "labour_share"))
    assert len(overrides) >= 2
    for trade, share in overrides.items():
        assert share != Decimal(DEFAULT_LABOUR_SHARES[trade])
        assert labour_share_for(herault, trade) == share
    assert not TradeLabourShare.objects.in_territory(valdoise).exists()


def test_the_demo_buyer_has_a_late_market_and_one_on_track():
    seed()
    today = timezone.localdate()
    for email in ("acheteur@herault.demo", "acheteur@valdoise.demo"):
        rows = market_status_rows(Membership.objects.get(email=email), today.year, today)
        assert any(row.late for row in rows), email
        assert any(not row.late and row.counted > 0 for row in rows), email


def test_the_regional_account_reads_the_region_of_herault(client):
    output = seed()
    assert REGIONAL_EMAIL in output
    user = User.objects.get(email=REGIONAL_EMAIL)
    access = RegionalAccess.objects.get(user=user)
    assert access.is_active and access.region == Territory.objects.get(code="34").region
    assert access.region.code == "76"
    assert not user.memberships.exists()
    response = client.post(reverse("account_login"), {"login": REGIONAL_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    # A second run lists it again; a reset recreates it once.
    assert REGIONAL_EMAIL in seed()
    seed("--reset")
    assert RegionalAccess.objects.filter(user__email=REGIONAL_EMAIL).count() == 1


# --- Outcomes, partners and the bilan of the previous year ------------------------------------------------------------


def _last_ends(territory):
    """{participant id: (last end, ongoing)} from the territory's placements."""
    ends = {}
    for participant, end in Placement.objects.in_territory(territory).values_list("participant_id", "end_date"):
        last, ongoing = ends.get(participant, (None, False))
        ongoing = ongoing or end is None or end > timezone.localdate()
        ends[participant] = (max(last, end) if last and end else (end or last), ongoing)
    return ends


def test_participants_whose_pathway_ended_have_outcomes_at_both_milestones():
    seed()
    today = timezone.localdate()
    outcomes = Outcome.objects.all()
    assert set(outcomes.values_list("category", flat=True)) == set(OutcomeCategory.values)
    assert set(outcomes.values_list("milestone", flat=True)) == set(OutcomeMilestone.values)
    for code in ("34", "95"):
        territory = Territory.objects.get(code=code)
        ends = _last_ends(territory)
        ended = [pk for pk, (end, ongoing) in ends.items() if end and not ongoing]
        recorded = Outcome.objects.in_territory(territory)
        assert recorded.filter(milestone=OutcomeMilestone.END).count() >= 0.8 * len(ended)
        for outcome in recorded:
            end, ongoing = ends[outcome.participant_id]
            assert not ongoing and end is not None  # only once the last placement ended
            assert outcome.category == outcome_category(outcome.situation, outcome.contract_months)
            assert outcome.observed_on <= today
            if outcome.milestone == OutcomeMilestone.END:
                assert outcome.observed_on >= end
            else:
                assert outcome.observed_on >= add_months_to_day(end, 6)
    # A realistic mix at the end of the last contract: about a third in sustainable employment.
    at_end = Outcome.objects.filter(milestone=OutcomeMilestone.END)
    share = at_end.filter(category=OutcomeCategory.SUSTAINABLE).count() / at_end.count()
    assert 0.2 <= share <= 0.55


def test_partners_of_every_kind_met_last_year_and_this_year():
    seed()
    today = timezone.localdate()
    for code in ("34", "95"):
        territory = Territory.objects.get(code=code)
        partners = Partner.objects.in_territory(territory)
        assert set(partners.values_list("kind", flat=True)) == set(PartnerKind.values)
        assert partners.filter(kind=PartnerKind.BUYER, buyer__isnull=False).exists()
        assert partners.filter(is_active=False).exists()
        meetings = PartnerMeeting.objects.in_territory(territory)
        assert not meetings.filter(date__gt=today).exists()
        assert not meetings.filter(date__lt=today - timedelta(days=2 * 366)).exists()
        assert not meetings.filter(topic="").exists()
        for year in (today.year - 1, today.year):
            start, end = date(year, 1, 1), date(year, 12, 31)
            involved = partners_involved(territory, start, end)
            assert involved.total >= 10
            assert all(count >= 1 for count in involved.by_kind.values()), (year, involved.by_kind)
            met = buyers_and_federations_met(territory, start, end)
            assert met.buyers >= 2 and met.federations >= 2


def test_every_indicator_of_herault_has_data_last_year_and_this_year():
    seed()
    territory = Territory.objects.get(code="34")
    today = timezone.localdate()
    for year in (today.year - 1, today.year):
        indicators = compute_indicators([territory], Period.year(year))
        for figure in indicators.figures:
            assert figure.value not in (None, 0), (year, figure.key)
        for table in indicators.tables:
            assert any(value for row in table.rows for value in row.values.values()), (year, table.key)


def test_the_bilan_of_last_year_is_built_through_the_task(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        output = seed()
    assert "Bilans" in output
    year = timezone.localdate().year - 1
    for code, slug in (("34", "herault"), ("95", "valdoise")):
        report = Report.objects.get(territory__code=code)
        assert (report.start_date, report.end_date) == (date(year, 1, 1), date(year, 12, 31))
        assert report.status == ReportStatus.DONE, report.error
        assert report.requested_by.email == f"coordination@{slug}.demo"
        with report.file.open("rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
        assert report.file_size > 10_000
    assert len(mailoutbox) == 2
    # A committee member downloads it right away.
    client = Client()
    assert client.login(username="comite@herault.demo", password=DEMO_PASSWORD)
    report = Report.objects.get(territory__code="34")
    response = client.get(reverse("reports:download", kwargs={"territory_code": "34", "pk": report.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # A second run adds nothing; a reset deletes the old files and builds the bilans again.
    storage, folder = report.file.storage, report.file.name.rsplit("/", 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        seed()
    assert Report.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        seed("--reset")
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.DONE}
    current = {name.rsplit("/", 1)[1] for name in Report.objects.values_list("file", flat=True)}
    period = f"-{year}0101-{year}1231.pdf"  # other tests of the session may store bilans of other periods there
    assert {name for name in storage.listdir(folder)[1] if name.endswith(period)} == current


def test_without_eager_tasks_the_bilan_is_only_queued(django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(build_report, "delay", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        result = seed_demo(scale=0.1)
    reports = Report.objects.order_by("territory__code")
    assert [r.status for r in reports] == [ReportStatus.PENDING, ReportStatus.PENDING]
    assert sorted(queued) == sorted((r.pk, r.generation) for r in reports)
    assert not any(r.file for r in reports)
    for report in result.reports:
        assert "en file d'attente : le worker Celery le produira" in report_status_line(report)


def test_skip_reports_asks_for_no_bilan():
    seed("--skip-reports")
    assert Market.objects.exists()
    assert not Report.objects.exists()
