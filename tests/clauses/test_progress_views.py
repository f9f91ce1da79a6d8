"""A clause's progress page and the facilitator's hours dashboard: figures computed by hand, late flag, permissions,
and query counts that do not grow with months, placements or clauses."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.enums import Role
from clauses import views_grid
from clauses.enums import StatementStatus
from tests.clauses.factories import ClauseFactory
from tests.clauses.grid_helpers import Site, build_site, queries_of
from tests.conftest import make_member
from tests.markets.factories import CompanyFactory, LotAwardFactory, LotFactory, MarketFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 4, 15)  # last month: March 2026
JANUARY, FEBRUARY, MARCH = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(views_grid, "today", lambda: TODAY)


@pytest.fixture
def site(territory):
    return build_site(territory)


def text_of(response):
    """The page's text with tags dropped and (narrow) no-break spaces made plain."""
    html = response.content.decode()
    return re.sub(r"[\s\u00a0\u202f]+", " ", re.sub(r"<[^>]+>", " ", html))


def figure(response, name):
    html = response.content.decode()
    match = re.search(rf'data-figure="{name}">(.*?)(?:<span|</dd>)', html, re.S)
    assert match, name
    return re.sub(r"[\s\u00a0\u202f]+", " ", match.group(1)).strip()


# --- Progress -------------------------------------------------------------------------------------------------------


def late_clause(site):
    """1,200 h from January to December 2026: 100 h a month expected, 300 h by the end of March.

    Marie (eligible since January): January 100 h and February 50 h validated, March 40 h submitted.
    Paul (no eligibility validated): February 30 h validated.
    Counted 150 h, pending 70 h (30 + 40), rate 12.5 %, remaining 1,050 h; 150 < 80 % × 300: late.
    """
    marie, paul = site.place("Dupont", "Marie"), site.place("Martin", "Paul")
    site.eligible(marie)
    site.line(marie, JANUARY, "100", status=StatementStatus.VALIDATED)
    site.line(marie, FEBRUARY, "50", status=StatementStatus.VALIDATED)
    site.line(marie, MARCH, "40", status=StatementStatus.SUBMITTED)
    site.line(paul, FEBRUARY, "30", status=StatementStatus.VALIDATED)
    return marie, paul


def test_progress_figures_month_by_month_and_late_badge(client, site):
    late_clause(site)
    client.force_login(site.facilitator.user)

    response = client.get(site.progress_url())

    assert response.status_code == 200
    progress = response.context["progress"]
    assert (progress.required, progress.counted, progress.pending) == (Decimal(1200), Decimal(150), Decimal(70))
    assert progress.expected_to_date == Decimal(300)
    assert progress.rate == Decimal("12.5") and progress.remaining == Decimal(1050)
    assert progress.late
    assert figure(response, "required") == "1 200 h"
    assert figure(response, "counted") == "150 h"
    assert figure(response, "pending") == "70 h"
    assert figure(response, "expected") == "300 h"
    assert figure(response, "rate") == "12,5 %"
    assert figure(response, "remaining") == "1 050 h"
    html = response.content.decode()
    assert '<span class="fr-badge fr-badge--error" id="late-badge">En retard</span>' in html

    rows = [
        (r["row"].month, r["row"].counted, r["row"].pending, r["row"].cumulative, r["row"].expected_cumulative)
        for r in response.context["month_rows"]
    ]
    assert rows[:4] == [
        (JANUARY, 100, 0, 100, 100),
        (FEBRUARY, 50, 30, 150, 200),
        (MARCH, 0, 40, 150, 300),
        (date(2026, 4, 1), 0, 0, 150, 400),
    ]
    assert len(rows) == 12 and rows[-1][4] == 1200
    assert [r["cumulative_pending"] for r in response.context["month_rows"][:3]] == [0, 30, 70]
    text = text_of(response)
    assert "Février 2026 50 30 150 30 200" in text  # the table: text alternative of the chart


def test_a_clause_on_pace_has_no_late_badge(client, site):
    marie = site.place("Dupont", "Marie")
    site.eligible(marie)
    for month, hours in ((JANUARY, "100"), (FEBRUARY, "100"), (MARCH, "50")):
        site.line(marie, month, hours, status=StatementStatus.VALIDATED)  # 250 h ≥ 80 % × 300 h
    client.force_login(site.facilitator.user)

    response = client.get(site.progress_url())

    assert not response.context["progress"].late
    html = response.content.decode()
    assert "En retard" not in html
    assert "Au rythme attendu" in html


def test_progress_chart_is_server_rendered_svg_with_a_text_alternative(client, site):
    late_clause(site)
    client.force_login(site.facilitator.user)
    response = client.get(site.progress_url())
    html = response.content.decode()

    chart = response.context["chart"]
    assert len(chart["bars"]) == 12
    assert '<svg viewBox="0 0 720 300" role="img" aria-labelledby="chart-svg-title chart-svg-desc"' in html
    assert '<desc id="chart-svg-desc">150 heures comptabilisées et 70 heures en attente sur 1' in html
    assert html.count('class="cs-chart__counted"') == 4  # January to April (today's month); later months are to come
    assert 'class="cs-chart__expected" points="' in html
    assert "<script" not in html.split('id="progress-chart-title"')[1].split("</section>")[0]
    # The expected pace reaches the top of the scale (1,200 h, a round maximum) in December.
    last_point = chart["expected_points"].split()[-1]
    assert last_point.endswith(",16.0")


@pytest.mark.parametrize("role", [Role.BUYER, Role.COMMITTEE, Role.COMPANY])
def test_buyers_committee_and_company_see_aggregates_without_names(client, site, role):
    late_clause(site)
    organisation = {Role.BUYER: site.market.buyer, Role.COMPANY: site.holder}.get(role)
    client.force_login(make_member(site.territory, role, organisation).user)

    response = client.get(site.progress_url())

    assert response.status_code == 200
    html = response.content.decode().split('id="content"')[1]  # the header shows the (random) user's own name
    assert figure(response, "counted") == "150 h"
    for name in ("DUPONT", "Dupont", "MARTIN", "Martin"):
        assert name not in html
    assert "/heures/" not in html  # no link to the grid
    assert not response.context["is_staff"]


def test_staff_get_links_to_the_grid(client, site):
    client.force_login(site.facilitator.user)
    html = client.get(site.progress_url()).content.decode()
    assert f'href="{site.grid_url(MARCH)}">Saisir les heures de mars 2026' in html
    assert f'href="{site.grid_url(JANUARY)}">Saisir<span class="fr-sr-only"> les heures de janvier 2026' in html


def test_progress_of_a_clause_one_may_not_see_is_404(client, site, other_territory):
    other_buyers_clause = ClauseFactory(territory=site.territory)
    client.force_login(make_member(site.territory, Role.BUYER, site.market.buyer).user)
    assert client.get(site.progress_url(clause=other_buyers_clause)).status_code == 404
    client.force_login(site.facilitator.user)
    assert client.get(site.progress_url(clause=ClauseFactory(territory=other_territory))).status_code == 404


def test_market_page_links_each_clause_to_its_progress(client, site):
    client.force_login(make_member(site.territory, Role.COMMITTEE).user)
    response = client.get(reverse("clauses:market_detail", kwargs={"territory_code": "34", "pk": site.market.pk}))
    assert f'href="{site.progress_url()}"' in response.content.decode()


def test_progress_queries_do_not_grow_with_months_or_placements(client, territory):
    short = build_site(territory, end_date=date(2026, 3, 31))
    marie = short.place("Dupont", "Marie")
    short.eligible(marie)
    short.line(marie, JANUARY, "10", status=StatementStatus.VALIDATED)

    long_market = MarketFactory(territory=territory)
    long = Site(
        territory=territory,
        facilitator=short.facilitator,
        holder=short.holder,
        market=long_market,
        lot=None,
        clause=ClauseFactory(
            territory=territory,
            lot=LotFactory(territory=territory, market=long_market),
            start_date=date(2024, 1, 1),
            end_date=date(2027, 12, 31),
        ),
    )
    LotAwardFactory(territory=territory, lot=long.clause.lot, company=short.holder)
    for index in range(12):
        placement = long.place(f"Nom{index}", "P", start_date=date(2024, 1, 1))
        long.eligible(placement, since=date(2024, 1, 2))
        for month in (date(2024, m, 1) for m in range(1, 13)):
            long.line(placement, month, "20", status=StatementStatus.VALIDATED)
    client.force_login(short.facilitator.user)
    client.get(short.progress_url())  # the session's first request writes it

    _, few = queries_of(lambda: client.get(short.progress_url()))
    response, many = queries_of(lambda: client.get(long.progress_url(clause=long.clause)))

    assert len(response.context["month_rows"]) == 48
    assert response.context["progress"].counted == Decimal(12 * 12 * 20)
    assert few == many
    assert many <= 11


# --- Dashboard ------------------------------------------------------------------------------------------------------


@pytest.fixture
def dashboard(territory):
    """Clause A (Fanny's, late), clause B (Fanny's, on pace), clause C (Gaston's, late); last month is March."""
    fanny = build_site(territory)
    late_clause(fanny)  # clause A
    gaston = make_member(territory, Role.FACILITATOR)
    b_market = MarketFactory(territory=territory, reference="B-ON-PACE")
    b = ClauseFactory(
        territory=territory,
        lot=LotFactory(territory=territory, market=b_market),
        hours_required=Decimal(120),
        start_date=JANUARY,
        end_date=date(2026, 12, 31),
        facilitator=fanny.facilitator.facilitator,
    )
    c_market = MarketFactory(territory=territory, reference="C-GASTON")
    c = ClauseFactory(
        territory=territory,
        lot=LotFactory(territory=territory, market=c_market),
        hours_required=Decimal(1200),
        start_date=JANUARY,
        end_date=date(2026, 12, 31),
        facilitator=gaston.facilitator,
    )
    b_company = CompanyFactory(territory=territory, name="Plâtrerie du Lez")
    LotAwardFactory(territory=territory, lot=b.lot, company=b_company)
    on_pace = fanny.place("Bernard", "Bea", clause=b, employer=b_company)
    fanny.eligible(on_pace)
    fanny.line(on_pace, JANUARY, "40", status=StatementStatus.VALIDATED)  # 40 ≥ 80 % × 30 h expected by March
    fanny.line(on_pace, MARCH, "10", status=StatementStatus.DRAFT)  # B's March statement: a draft, missing
    return {"fanny": fanny, "gaston": gaston, "b": b, "c": c, "b_company": b_company}


def test_facilitator_dashboard_lists_own_late_clauses_and_missing_statements(client, dashboard):
    fanny = dashboard["fanny"]
    subcontractor = CompanyFactory(territory=fanny.territory, name="Sous-traitant du Sud")
    fanny.place("Leroy", "Inès", employer=subcontractor)  # active in March, no statement at all
    fanny.place("Ancien", "Jules", employer=CompanyFactory(territory=fanny.territory), end_date=date(2026, 2, 28))
    fanny.place("Futur", "Léa", employer=CompanyFactory(territory=fanny.territory), start_date=date(2026, 4, 1))
    provided = fanny.place("Petit", "Luc", inclusion=True)  # reported by the holder, whose March is submitted
    assert provided.employer_company is None
    client.force_login(fanny.facilitator.user)

    response = client.get(fanny.dashboard_url())

    assert response.status_code == 200
    assert [c.pk for c in response.context["late_clauses"]] == [fanny.clause.pk]
    late = response.context["late_clauses"][0]
    assert (late.counted, late.expected) == (Decimal(150), Decimal(300))
    missing = {
        (i["clause"].pk, i["company"].name): (i["placements"], i["status_label"]) for i in response.context["missing"]
    }
    assert missing == {
        (fanny.clause.pk, "Sous-traitant du Sud"): (1, "Aucun relevé"),
        (dashboard["b"].pk, "Plâtrerie du Lez"): (1, "Brouillon"),
    }
    html = response.content.decode()
    assert f'href="{fanny.grid_url(MARCH)}"' in html
    assert f'href="{fanny.progress_url()}"' in html
    assert "C-GASTON" not in html  # another facilitator's clause


def test_coordinator_dashboard_covers_the_whole_territory(client, dashboard):
    client.force_login(make_member(dashboard["fanny"].territory, Role.COORDINATOR).user)
    response = client.get(dashboard["fanny"].dashboard_url())
    late = {c.pk for c in response.context["late_clauses"]}
    assert late == {dashboard["fanny"].clause.pk, dashboard["c"].pk}
    assert "C-GASTON" in response.content.decode()


def test_a_submitted_statement_is_not_missing(client, dashboard):
    fanny = dashboard["fanny"]
    from clauses.models import Statement

    Statement.objects.filter(clause=dashboard["b"], month=MARCH).update(status=StatementStatus.SUBMITTED)
    client.force_login(fanny.facilitator.user)
    response = client.get(fanny.dashboard_url())
    assert response.context["missing"] == []
    assert "Aucun relevé manquant pour mars 2026." in response.content.decode()


@pytest.mark.parametrize(("role", "status"), [(Role.BUYER, 403), (Role.COMMITTEE, 403), (Role.COMPANY, 403)])
def test_dashboard_is_for_staff_only(client, territory, role, status):
    client.force_login(make_member(territory, role).user)
    assert client.get(reverse("clauses:hours_dashboard", kwargs={"territory_code": "34"})).status_code == status


def test_dashboard_queries_do_not_grow_with_clauses_and_placements(client, territory):
    coordinator = make_member(territory, Role.COORDINATOR)
    client.force_login(coordinator.user)
    url = reverse("clauses:hours_dashboard", kwargs={"territory_code": "34"})

    def add_clauses(count):
        """Clauses behind their pace, each with three placements active in March and no statement."""
        for _ in range(count):
            market = MarketFactory(territory=territory)
            lot = LotFactory(territory=territory, market=market)
            holder = CompanyFactory(territory=territory)
            LotAwardFactory(territory=territory, lot=lot, company=holder)
            clause = ClauseFactory(territory=territory, lot=lot, start_date=JANUARY, end_date=date(2026, 12, 31))
            site = Site(territory=territory, facilitator=None, holder=holder, market=market, lot=lot, clause=clause)
            site.place("Dupont", "Marie")
            site.place("Leroy", "Inès", inclusion=True)  # the holder reports it: same statement as Marie's
            site.place("Martin", "Paul", employer=CompanyFactory(territory=territory))

    add_clauses(2)
    client.get(url)
    response, few = queries_of(lambda: client.get(url))
    assert len(response.context["late_clauses"]) == 2 and len(response.context["missing"]) == 4
    add_clauses(10)
    response, many = queries_of(lambda: client.get(url))
    assert len(response.context["late_clauses"]) == 12 and len(response.context["missing"]) == 24
    assert few == many
    assert many <= 12


def test_nav_link_heures_for_staff_only(client, territory):
    url = reverse("clauses:hours_dashboard", kwargs={"territory_code": "34"})
    client.force_login(make_member(territory, Role.FACILITATOR).user)
    assert f'href="{url}"' in client.get(reverse("home", kwargs={"territory_code": "34"})).content.decode()
    client.force_login(make_member(territory, Role.BUYER).user)
    assert f'href="{url}"' not in client.get(reverse("home", kwargs={"territory_code": "34"})).content.decode()
