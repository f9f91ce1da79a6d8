"""Accessibility of every page of the buyers' area (issue 5), as the roles that use them: axe-core must report no
serious or critical violation.

The buyer: its dashboard, a market with its curve, the programming pipeline, declaring and editing a planned market,
its feasibility study, the sizing, the clause text, the calculator and the notification of the market (with its
errors). The coordinator: the labour shares, the DECP import (form, then the report of a real-shaped file), a market
with its participants.
"""

import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.enums import Role
from clauses.models import ensure_default_criteria
from clauses.progress import add_months, first_of_month
from tests.accounts.factories import PASSWORD
from tests.browser.pages import LoginPage
from tests.clauses.factories_buyers import build_scene
from tests.clauses.factories_programming import ClausePlanFactory, PlannedMarketFactory
from tests.conftest import make_member
from tests.facilitators.factories import FacilitatorFactory
from tests.territories.factories import CommuneFactory

DECP_FILE = Path(__file__).resolve().parent.parent / "markets" / "decp_files" / "herault_2025.json"


def territory_url(name, **kwargs):
    return reverse(name, kwargs={"territory_code": "34", **kwargs})


@pytest.fixture
def scene(territory):
    CommuneFactory(insee_code="34301", name="Sète", department=territory.department)
    CommuneFactory(insee_code="34172", name="Montpellier", department=territory.department)
    ensure_default_criteria(territory)
    scene = build_scene(territory)
    facilitator = FacilitatorFactory(territory=territory, first_name="Inès", last_name="Castellan")
    start = add_months(first_of_month(timezone.localdate()), -10)
    market = scene.market("SETE-2026-LATE", object="Réhabilitation du groupe scolaire")
    clause = scene.clause(market, "1200", start, add_months(start, 24) - timedelta(days=1))
    scene.line(scene.place(clause), add_months(start, 1), "10")
    scene.followed = market
    scene.planned = PlannedMarketFactory(territory=territory, buyer=scene.buyer, facilitator=facilitator)
    scene.plan = ClausePlanFactory(territory=territory, market=scene.planned, hours=Decimal("420"))
    scene.fresh = PlannedMarketFactory(territory=territory, buyer=scene.buyer, object="Nettoyage des écoles")
    return scene


def log_in(page, user):
    page.context.clear_cookies()
    page.goto("/")
    LoginPage(page).log_in(user.email, PASSWORD)


def check(page, axe, url):
    response = page.goto(url)
    assert response.status == 200, url
    axe(page)


def test_every_page_of_the_buyer_is_accessible(page, axe, scene):
    log_in(page, scene.buyer_member.user)
    planned, fresh = scene.planned.pk, scene.fresh.pk
    for url in [
        territory_url("buyers:dashboard"),
        territory_url("clauses:market_detail", pk=scene.followed.pk),
        territory_url("programming:list"),
        territory_url("programming:create"),
        territory_url("programming:detail", pk=planned),
        territory_url("programming:detail", pk=fresh),
        territory_url("programming:update", pk=planned),
        territory_url("programming:feasibility", pk=fresh),
        territory_url("programming:feasibility", pk=planned),
        territory_url("drafting:sizing", pk=planned),
        territory_url("drafting:clause_text", pk=planned),
        territory_url("drafting:calculator"),
        territory_url("drafting:calculator") + "?method=labour_share&trade=cleaning&amount_ht=450000"
        "&labour_share=60&insertion_rate=5&hourly_cost=30",
        territory_url("programming:notify", pk=planned),
    ]:
        check(page, axe, url)

    # Forms shown again with their errors.
    page.goto(territory_url("programming:create"))
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#planned-market-errors")).to_be_visible()
    axe(page)
    page.goto(territory_url("programming:feasibility", pk=fresh))
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(".fr-error-text").first).to_be_visible()
    axe(page)
    page.goto(territory_url("programming:notify", pk=planned))
    page.get_by_label("Heures d'insertion exigées").fill("beaucoup")
    page.get_by_role("button", name="Enregistrer la notification et créer la clause").click()
    expect(page.locator("#notify-errors")).to_be_visible()
    axe(page)

    # The notification recorded: the market's page, now followed.
    page.get_by_label("Date de notification").fill(timezone.localdate().isoformat())
    page.get_by_label("Heures d'insertion exigées").fill("420")
    page.get_by_role("button", name="Enregistrer la notification et créer la clause").click()
    expect(page.locator("h1")).to_contain_text(scene.planned.reference)
    axe(page)


def test_every_page_of_the_coordinator_is_accessible(page, axe, scene, territory, tmp_path):
    log_in(page, make_member(territory, Role.COORDINATOR).user)
    for url in [
        territory_url("programming:labour_shares"),
        territory_url("programming:list"),
        territory_url("programming:detail", pk=scene.planned.pk),
        territory_url("clauses:market_detail", pk=scene.followed.pk),
        territory_url("decp:import"),
    ]:
        check(page, axe, url)

    # A DECP file shaped like the official examples, with dirty rows: the report page.
    upload = tmp_path / "decp-herault-2025.json"
    shutil.copy(DECP_FILE, upload)
    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_role("button", name="Importer le fichier").click()
    expect(page.locator("h1")).to_be_visible()
    page.wait_for_url("**/marches/import-decp/*/")
    page.reload()
    axe(page)
