"""The buyer's dashboard: per market hours required, validated, pending, completion, pace and late flag, the year's
totals, who sees which markets, and a query count that does not grow with the markets; a market's monthly curve."""

import html as html_lib
import re
from datetime import date
from decimal import Decimal

import pytest

from accounts.enums import Role
from clauses import views_buyers, views_grid
from clauses.buyers import clauses_for_year, market_progress, market_status_rows, year_totals
from clauses.enums import StatementStatus
from clauses.hours import allocate, clause_month_figures, monthly_figures
from clauses.models import GlobalisationAgreement, GlobalisationClause
from clauses.progress import clause_progress
from tests.clauses.factories_buyers import build_scene, dashboard_url, detail_url
from tests.clauses.grid_helpers import queries_of
from tests.markets.factories import BuyerFactory, CompanyFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 4, 15)  # last month: March 2026
JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
DEC_2025 = date(2025, 12, 1)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(views_buyers, "today", lambda: TODAY)
    monkeypatch.setattr(views_grid, "today", lambda: TODAY)


@pytest.fixture
def scene(territory):
    return build_scene(territory)


def text_of(response):
    """The page's text: tags dropped, entities decoded, (narrow) no-break spaces made plain."""
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def build_markets(scene):
    """The buyer's markets, and one of another buyer.

    - LATE-A: 1,200 h over 2026 (100 h a month, 300 h expected by the end of March). Zorbalinde (eligible): January
      100 h and February 50 h validated, March 40 h submitted; Ulverick (no eligibility): February 30 h validated.
      Counted 150 h, pending 70 h, 12.5 %; 150 < 80 % × 300: late.
    - PACE-B: 240 h from July 2025 to June 2026 (20 h a month, 180 h expected by the end of March). December 2025
      100 h and February 2026 60 h validated: counted 160 h (60 h in 2026), 66.7 %; 160 ≥ 144: on pace.
    - OLD-D: 100 h over 2025, nothing done: not in 2026; late in 2025.
    - OTHER-C: another buyer's market, 500 h over 2026.
    """
    late = scene.market("LATE-A")
    clause_a = scene.clause(late, "1200", date(2026, 1, 1), date(2026, 12, 31))
    marie = scene.place(clause_a, last_name="Zylberstein", first_name="Zorbalinde")
    paul = scene.place(clause_a, last_name="Traumbelt", first_name="Ulverick", eligible=False)
    scene.line(marie, JAN, "100")
    scene.line(marie, FEB, "50")
    scene.line(marie, MAR, "40", status=StatementStatus.SUBMITTED)
    scene.line(paul, FEB, "30")

    pace = scene.market("PACE-B")
    clause_b = scene.clause(pace, "240", date(2025, 7, 1), date(2026, 6, 30))
    lea = scene.place(clause_b, last_name="Roux", first_name="Léa")
    scene.line(lea, DEC_2025, "100")
    scene.line(lea, FEB, "60")

    old = scene.market("OLD-D")
    scene.clause(old, "100", date(2025, 1, 1), date(2025, 12, 31))

    other_buyer = BuyerFactory(territory=scene.territory, name="Hérault Habitat")
    other = scene.market("OTHER-C", buyer=other_buyer)
    scene.clause(other, "500", date(2026, 1, 1), date(2026, 12, 31))
    return {"late": late, "pace": pace, "old": old, "other": other, "other_buyer": other_buyer}


# --- The figures (plain functions) ------------------------------------------------------------------------------


def test_rows_of_a_buyer_late_first_with_hand_computed_figures(scene):
    markets = build_markets(scene)

    rows = market_status_rows(scene.buyer_member, 2026, TODAY)

    assert [row.market.reference for row in rows] == ["LATE-A", "PACE-B"]
    late, pace = rows
    assert (late.required, late.counted, late.counted_in_year, late.pending) == (
        Decimal(1200),
        Decimal(150),
        Decimal(150),
        Decimal(70),
    )
    assert late.expected == Decimal(300) and late.late and late.rate == Decimal("12.5")
    assert (pace.required, pace.counted, pace.counted_in_year, pace.pending) == (
        Decimal(240),
        Decimal(160),
        Decimal(60),
        Decimal(0),
    )
    assert pace.expected == Decimal(180) and not pace.late and pace.rate == Decimal("66.7")
    assert markets["other"].pk not in {row.market.pk for row in rows}


def test_year_totals(scene):
    build_markets(scene)

    totals = year_totals(market_status_rows(scene.buyer_member, 2026, TODAY), 2026)

    # Required by the clauses running in 2026; counted and pending in 2026's months only.
    assert (totals.market_count, totals.late_count) == (2, 1)
    assert (totals.required, totals.counted, totals.pending) == (Decimal(1440), Decimal(210), Decimal(70))
    assert totals.rate == Decimal("14.6")


def test_another_year(scene):
    build_markets(scene)

    rows = market_status_rows(scene.buyer_member, 2025, TODAY)

    assert [row.market.reference for row in rows] == ["OLD-D", "PACE-B"]  # OLD-D ran out with nothing done: late
    assert rows[0].late and not rows[1].late
    totals = year_totals(rows, 2025)
    assert (totals.required, totals.counted, totals.pending) == (Decimal(340), Decimal(100), Decimal(0))


def test_staff_and_committee_see_every_buyer_and_may_filter_one(scene):
    markets = build_markets(scene)
    for role in (Role.COORDINATOR, Role.FACILITATOR, Role.COMMITTEE):
        member = scene.member(role)
        # OTHER-C has nothing done: late too, so before PACE-B.
        assert [r.market.reference for r in market_status_rows(member, 2026, TODAY)] == ["LATE-A", "OTHER-C", "PACE-B"]
        filtered = market_status_rows(member, 2026, TODAY, buyer=markets["other_buyer"])
        assert [r.market.reference for r in filtered] == ["OTHER-C"]
    late_only = market_status_rows(member, 2026, TODAY, late_only=True)
    assert [r.market.reference for r in late_only] == ["LATE-A", "OTHER-C"]


def test_hours_of_the_current_month_do_not_hide_a_delay(scene):
    """Late is judged on the months already due: a big April does not make March on pace."""
    market = scene.market("M")
    clause = scene.clause(market, "1200", date(2026, 1, 1), date(2026, 12, 31))
    placement = scene.place(clause)
    scene.line(placement, date(2026, 4, 1), "700")

    (row,) = market_status_rows(scene.buyer_member, 2026, TODAY)

    assert row.counted == Decimal(700) and row.late


def test_a_market_is_late_when_one_of_its_clauses_is(scene):
    market = scene.market("TWO-LOTS")
    ahead = scene.clause(market, "120", date(2026, 1, 1), date(2026, 12, 31), number=1)
    scene.clause(market, "1200", date(2026, 1, 1), date(2026, 12, 31), number=2)
    scene.line(scene.place(ahead), FEB, "400")  # far ahead on lot 1: 400 h for 30 h expected

    (row,) = market_status_rows(scene.buyer_member, 2026, TODAY)

    assert (row.clause_count, row.late_clause_count, row.late) == (2, 1, True)
    assert row.required == Decimal(1320) and row.expected == Decimal(330) and row.counted == Decimal(400)


def test_globalised_hours_count_once_and_pending_follows_monthly_figures(scene):
    """A line of 100 h on clause X, 60 h allocated to Y and 30 h to X: X counts 30 h (10 h pending), Y 60 h."""
    company = CompanyFactory(territory=scene.territory)
    x = scene.clause(scene.market("X"), "500", date(2026, 1, 1), date(2026, 12, 31), company=company)
    y = scene.clause(scene.market("Y"), "500", date(2026, 1, 1), date(2026, 12, 31), company=company)
    agreement = GlobalisationAgreement.objects.create(
        territory=scene.territory, company=company, name="Accord", start_date=JAN
    )
    for clause in (x, y):
        GlobalisationClause.objects.create(territory=scene.territory, agreement=agreement, clause=clause)
    line = scene.line(scene.place(x), FEB, "100")
    allocate(line, {y: Decimal(60), x: Decimal(30)})

    rows = {row.market.reference: row for row in market_status_rows(scene.buyer_member, 2026, TODAY)}

    assert (rows["X"].counted, rows["X"].pending) == (Decimal(30), Decimal(10))
    assert (rows["Y"].counted, rows["Y"].pending) == (Decimal(60), Decimal(0))
    for clause in clauses_for_year(scene.buyer_member, 2026):
        figures = monthly_figures(clause)
        assert clause.counted == sum(f.counted for f in figures)
        assert clause.pending == sum(f.pending for f in figures)
    grouped = clause_month_figures(scene.territory.pk, [x.pk, y.pk])
    assert grouped[x.pk] == {f.month: f for f in monthly_figures(x)}
    assert grouped[y.pk] == {f.month: f for f in monthly_figures(y)}


def test_market_progress_sums_its_clauses_progress(scene):
    market = scene.market("TWO-LOTS")
    first = scene.clause(market, "1200", date(2026, 1, 1), date(2026, 12, 31), number=1)
    second = scene.clause(market, "240", date(2025, 7, 1), date(2026, 6, 30), number=2)
    scene.line(scene.place(first), JAN, "100")
    scene.line(scene.place(first, last_name="Traumbelt"), FEB, "30", status=StatementStatus.SUBMITTED)
    scene.line(scene.place(second), DEC_2025, "100")

    progress = market_progress([first, second], TODAY)

    parts = [clause_progress(first, TODAY), clause_progress(second, TODAY)]
    assert progress.required == sum(p.required for p in parts) == Decimal(1440)
    assert progress.counted == sum(p.counted for p in parts) == Decimal(200)
    assert progress.pending == sum(p.pending for p in parts) == Decimal(30)
    assert progress.expected_to_date == sum(p.expected_to_date for p in parts) == Decimal(480)
    # Both are late: 100 h of 300 h expected on the first, 100 h of 180 h on the second.
    assert progress.late and progress.late_clause_count == sum(p.late for p in parts) == 2
    months = [row.month for row in progress.months]
    assert months[0] == date(2025, 7, 1) and months[-1] == date(2026, 12, 1) and len(months) == 18
    by_month = {row.month: row for row in progress.months}
    assert by_month[date(2026, 6, 1)].expected_cumulative == Decimal(840)  # 600 + 240
    assert by_month[date(2026, 12, 1)].cumulative == Decimal(200)


# --- The page --------------------------------------------------------------------------------------------------


def test_buyer_page_shows_its_markets_late_first_with_badge_and_links(client, scene):
    markets = build_markets(scene)
    client.force_login(scene.buyer_member.user)

    response = client.get(dashboard_url(scene.territory))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="buyer-market-table"' in html
    table = html[html.index('id="buyer-market-table"') :]
    assert table.index("LATE-A") < table.index("PACE-B")
    late_row = re.search(rf'<tr data-market="{markets["late"].pk}" data-late="true">(.*?)</tr>', html, re.S).group(1)
    assert "En retard" in late_row and detail_url(markets["late"]) in late_row
    pace_row = re.search(rf'<tr data-market="{markets["pace"].pk}">(.*?)</tr>', html, re.S).group(1)
    assert "En retard" not in pace_row and "Au rythme" in pace_row
    text = text_of(response)
    assert "Mes clauses — 2026" in text
    assert "1 200 h" in text and "150 h" in text and "70 h" in text and "12,5 %" in text and "300 h" in text
    assert "Heures exigées 1 440 h" in text and "Heures validées en 2026 210 h" in text
    assert "OTHER-C" not in html and "Hérault Habitat" not in html
    assert "Zylberstein" not in html and "Zorbalinde" not in html and "Traumbelt" not in html


def test_year_and_late_filters(client, scene):
    build_markets(scene)
    client.force_login(scene.buyer_member.user)

    html = client.get(dashboard_url(scene.territory, annee=2025)).content.decode()
    assert "OLD-D" in html and "PACE-B" in html and "LATE-A" not in html

    response = client.get(dashboard_url(scene.territory, retard="on"))
    html = response.content.decode()
    assert "LATE-A" in html and "PACE-B" not in html
    # The totals stay the year's, whatever the late filter.
    assert response.context["totals"].market_count == 2


def test_an_invalid_year_is_said_and_the_current_year_shown(client, scene):
    build_markets(scene)
    client.force_login(scene.buyer_member.user)

    response = client.get(dashboard_url(scene.territory, annee="deux-mille"))

    assert response.status_code == 200
    assert response.context["year"] == 2026
    text = text_of(response)
    assert "Indiquez une année en chiffres, par exemple 2026." in text
    assert 'value="deux-mille"' in response.content.decode()  # what was typed is kept
    assert "LATE-A" in text


def test_coordinator_filters_by_buyer(client, scene):
    markets = build_markets(scene)
    client.force_login(scene.member(Role.COORDINATOR).user)

    html = client.get(dashboard_url(scene.territory)).content.decode()
    assert all(ref in html for ref in ("LATE-A", "PACE-B", "OTHER-C"))
    assert "Hérault Habitat" in html

    html = client.get(dashboard_url(scene.territory, acheteur=markets["other_buyer"].pk)).content.decode()
    assert "OTHER-C" in html and "LATE-A" not in html


def test_a_buyer_cannot_pick_another_buyer(client, scene):
    markets = build_markets(scene)
    client.force_login(scene.buyer_member.user)

    response = client.get(dashboard_url(scene.territory, acheteur=markets["other_buyer"].pk))

    assert "OTHER-C" not in response.content.decode()  # the field does not exist for a buyer: ignored


def test_company_is_refused(client, scene):
    client.force_login(scene.member(Role.COMPANY).user)
    assert client.get(dashboard_url(scene.territory)).status_code == 403


def test_query_count_does_not_grow_with_markets(client, scene, django_assert_max_num_queries):
    client.force_login(scene.member(Role.COORDINATOR).user)
    client.get(dashboard_url(scene.territory))  # the session's first request loads what later ones find cached
    counts = []
    for n in (2, 12):
        while len(market_status_rows(scene.buyer_member, 2026, TODAY)) < n:
            index = len(market_status_rows(scene.buyer_member, 2026, TODAY))
            clause = scene.clause(scene.market(f"M-{index:02d}"), "120", date(2026, 1, 1), date(2026, 12, 31))
            scene.line(scene.place(clause, last_name=f"P{index}"), FEB, "10")
            scene.line(scene.place(clause, last_name=f"Q{index}"), MAR, "5", status=StatementStatus.SUBMITTED)
        with django_assert_max_num_queries(10):
            response, count = queries_of(lambda: client.get(dashboard_url(scene.territory)))
        assert response.status_code == 200 and len(response.context["rows"]) == n
        counts.append(count)
    assert counts[0] == counts[1], counts


# --- The market detail: curve, participants count, facilitators, attestation link -----------------------------


def test_market_detail_shows_curve_count_facilitators_and_attestation_link(client, scene):
    markets = build_markets(scene)
    market = markets["late"]
    lead = scene.member(Role.FACILITATOR).facilitator
    lead.email, lead.phone = "lea.chef@plie.example", "04 67 00 00 00"
    lead.save()
    scene.buyer.lead_facilitator = lead
    scene.buyer.save()
    in_charge = scene.member(Role.FACILITATOR).facilitator
    clause = market.lots.get().clauses.get()
    clause.facilitator = in_charge
    clause.save()
    client.force_login(scene.buyer_member.user)

    response = client.get(detail_url(market))

    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    assert 'id="market-chart"' in html and "<polyline" in html
    assert "Télécharger l'attestation (PDF)" in text
    assert f"/34/marches/{market.pk}/attestation.pdf" in html
    assert "2 personnes en insertion sur les clauses de ce marché" in text
    assert f"{in_charge.full_name} ({in_charge.organisation.name}) — Suit la clause du lot" in text
    assert f"{lead.full_name} ({lead.organisation.name}) — Chef de file du donneur d'ordre" in text
    assert "lea.chef@plie.example" in html and "04 67 00 00 00" in text
    assert 'id="market-late-badge"' in html
    figures = response.context["progress"]
    assert (figures.counted, figures.pending, figures.expected_to_date) == (Decimal(150), Decimal(70), Decimal(300))
    assert "Zylberstein" not in html and "Zorbalinde" not in html and "placement-table" not in html


def test_market_detail_of_another_buyer_is_404(client, scene):
    markets = build_markets(scene)
    client.force_login(scene.buyer_member.user)
    assert client.get(detail_url(markets["other"])).status_code == 404
