"""The buyer's journey in a real browser (issue 5): a buyer logs in and checks a late market (dashboard, then the market
with its curve), declares a planned market, answers the four feasibility criteria, sizes the clause (a wrong value
first, then the calculation, then the saved sizing) and downloads the drafted text (DOCX) it will edit. Axe checks the
sizing and clause-text pages."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from docx import Document
from playwright.sync_api import expect

from clauses.enums import ClauseForm, SizingMethod
from clauses.models import ClausePlan, ensure_default_criteria
from clauses.progress import add_months, first_of_month
from markets.enums import MarketStatus
from markets.models import Market
from tests.accounts.factories import PASSWORD
from tests.browser.pages import LoginPage
from tests.browser.pages_buyers import BuyerDashboardPage, PlannedMarketListPage
from tests.clauses.factories_buyers import build_scene
from tests.facilitators.factories import FacilitatorFactory
from tests.territories.factories import CommuneFactory

NNBSP = "\N{NARROW NO-BREAK SPACE}"
LATE_REFERENCE = "SETE-2026-LATE"
FAVOURABLE = "Favorable"


@pytest.fixture
def scene(territory):
    CommuneFactory(insee_code="34301", name="Sète", department=territory.department)
    ensure_default_criteria(territory)
    scene = build_scene(territory)
    scene.buyer.lead_facilitator = FacilitatorFactory(
        territory=territory, first_name="Inès", last_name="Castellan", email="ines.castellan@plie-thau.example.org"
    )
    scene.buyer.save()
    # A clause that started ten months ago, 1,200 hours over two years, with only 10 hours validated: late.
    start = add_months(first_of_month(timezone.localdate()), -10)
    market = scene.market(LATE_REFERENCE, object="Réhabilitation du groupe scolaire")
    clause = scene.clause(market, "1200", start, add_months(start, 24) - timedelta(days=1))
    scene.line(scene.place(clause), add_months(start, 1), "10")
    return scene


def test_buyer_checks_a_late_market_then_prepares_the_clause_of_a_planned_one(page, axe, scene):
    page.goto("/")
    LoginPage(page).log_in(scene.buyer_member.user.email, PASSWORD)

    # 1. The dashboard flags the late market; its page shows the badge and the monthly curve.
    dashboard = BuyerDashboardPage(page, "34").open()
    assert dashboard.status(LATE_REFERENCE).startswith("En retard")
    detail = dashboard.open_market(LATE_REFERENCE)
    detail.expect_reference(LATE_REFERENCE)
    expect(detail.late_badge).to_have_text("En retard")
    expect(detail.chart).to_be_visible()

    # 2. A planned market: declared, then its feasibility answered (all favourable → an execution condition).
    form = PlannedMarketListPage(page, "34").open().start_declaration()
    planned = form.declare(
        object="Peinture de l'école Jean-Moulin",
        trade_label="Peinture, revêtements",
        amount="600000",
        tender_date=date.today() + timedelta(days=90),
        duration_months=12,
        commune="Sète",
    )
    market = Market.objects.get(status=MarketStatus.PLANNED, buyer=scene.buyer)
    feasibility = planned.start_feasibility()
    planned = feasibility.answer(
        {
            "duration": (FAVOURABLE, "Douze mois de chantier."),
            "amount": (FAVOURABLE, "600 000 € HT, de quoi accueillir et encadrer."),
            "technicality": (FAVOURABLE, "Peinture intérieure, technicité faible."),
            "public": (FAVOURABLE, "Deux quartiers prioritaires à Sète."),
        }
    ).submit()
    expect(planned.recommendation).to_be_visible()
    expect(planned.recommended_form).to_have_text(ClauseForm.EXECUTION_CONDITION.label)

    # 3. Sizing: the defaults are the market's amount, the painting labour share and the coordination's rate and cost.
    sizing = planned.open_sizing()
    axe(page)
    expect(sizing.field("amount_ht")).to_have_value("600000")
    expect(sizing.field("labour_share")).to_have_value("70")
    expect(sizing.field("insertion_rate")).to_have_value("5")
    expect(sizing.field("hourly_cost")).to_have_value("30")
    expect(page.locator("#sizing-tranche")).to_be_hidden()  # the framework-agreement fields: another method

    # A wrong value: a French message, what was typed is kept, nothing is saved.
    sizing.fill(insertion_rate="sept").calculate()
    expect(sizing.field_error("insertion_rate")).to_contain_text("Saisissez un pourcentage en chiffres")
    expect(sizing.field("insertion_rate")).to_have_value("sept")
    axe(page)

    # « Calculer » shows the hours, the FTE and the working without saving them.
    sizing.fill(insertion_rate="7,5").calculate()
    expect(sizing.result).to_be_visible()
    assert sizing.result_hours() == "1 050 heures"  # 600,000 × 70 % × 7.5 % ÷ 30
    assert sizing.result_working() == "600 000 € × 70 % × 7,5 % ÷ 30 €/h = 1 050 h"
    expect(sizing.result).to_contain_text("0,65")  # FTE: 1,050 / 1,607
    assert not ClausePlan.objects.filter(market=market, hours__isnull=False).exists()
    axe(page)

    # « Enregistrer le dimensionnement » keeps it on the plan, next to the feasibility study.
    sizing.save()
    expect(sizing.saved).to_contain_text("1 050 heures")
    plan = ClausePlan.objects.get(market=market)
    assert (plan.hours, plan.insertion_rate, plan.sizing_method) == (
        Decimal("1050"),
        Decimal("0.075"),
        SizingMethod.LABOUR_SHARE,
    )
    assert plan.recommended_form == ClauseForm.EXECUTION_CONDITION

    # 4. The clause text: publics and penalty chosen, the preview follows, then the DOCX to edit.
    text = sizing.open_clause_text()
    axe(page)
    text.set_public("Demandeur d'emploi de plus de 50 ans", False).set_penalty("50").save()
    preview = text.preview_text()
    assert "1 050 heures" in preview
    assert "L2112-2" in preview
    assert "Inès Castellan" in preview and "ines.castellan@plie-thau.example.org" in preview
    assert "pénalité de 50 € HT par heure" in preview
    assert "Demandeur d'emploi de plus de 50 ans" not in preview
    axe(page)

    filename, content = text.download_docx()
    assert filename == f"clause-sociale-{market.reference.lower()}.docx"
    document = Document(BytesIO(content))
    body = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert f"1{NNBSP}050 heures" in body
    assert "article L2112-2 du code de la commande publique" in body
    assert "ines.castellan@plie-thau.example.org" in body
    assert "pénalité de 50 € HT par heure" in body
