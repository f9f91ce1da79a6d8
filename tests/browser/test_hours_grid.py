"""Browser journey: a facilitator fills a month of hours with the keyboard only, saves, then mistypes a value and
gets the French error with everything typed kept."""

from datetime import date
from decimal import Decimal

from playwright.sync_api import expect

from clauses.enums import StatementStatus
from clauses.models import MonthlyHours
from tests.accounts.factories import PASSWORD
from tests.browser.pages import LoginPage, TerritoryHomePage
from tests.browser.pages_grid import HoursGridPage
from tests.clauses.grid_helpers import FEBRUARY, MONTH, build_site


def test_facilitator_fills_a_month_with_the_keyboard_and_sees_errors_without_losing_typing(page, axe, territory):
    site = build_site(territory)
    marie = site.place("Dupont", "Marie")
    paul = site.place("Martin", "Paul")
    ines = site.place("Leroy", "Inès", inclusion=True)
    site.line(marie, FEBRUARY, "118", status=StatementStatus.VALIDATED)

    LoginPage(page).open().log_in(site.facilitator.user.email, PASSWORD)
    TerritoryHomePage(page, territory.code).expect_current()
    grid = HoursGridPage(page, territory.code, site.clause.pk, MONTH).open()
    expect(grid.heading).to_have_text("Heures de mars 2026")
    expect(page.locator(f"#row-{marie.pk}")).to_contain_text("118 h / 0 h")  # February, beside
    axe(page)

    # Keyboard only (rows by name: Dupont, Leroy, Martin): Enter goes down the column, Shift+Enter up, Tab to the
    # next cell; Enter on the last row reaches the save button.
    grid.worked("DUPONT Marie").focus()
    page.keyboard.type("120")
    page.keyboard.press("Enter")
    expect(grid.worked("LEROY Inès")).to_be_focused()
    page.keyboard.type("35")
    page.keyboard.press("Enter")
    expect(grid.worked("MARTIN Paul")).to_be_focused()
    page.keyboard.type("12,5")
    page.keyboard.press("Tab")
    expect(grid.training("MARTIN Paul")).to_be_focused()
    page.keyboard.type("2")
    page.keyboard.press("Shift+Enter")
    expect(grid.training("LEROY Inès")).to_be_focused()
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    expect(grid.training("MARTIN Paul")).to_be_focused()
    page.keyboard.press("Enter")
    expect(grid.save_button).to_be_focused()
    page.keyboard.press("Enter")

    grid.expect_current()
    expect(grid.success).to_contain_text("Heures de mars 2026 enregistrées (3 lignes ajoutées).")
    expect(grid.worked("DUPONT Marie")).to_have_value("120")
    expect(grid.worked("MARTIN Paul")).to_have_value("12,5")
    expect(grid.training("LEROY Inès")).to_have_value("4")
    saved = {
        line.placement_id: (line.hours_worked, line.training_hours) for line in MonthlyHours.objects.filter(month=MONTH)
    }
    assert saved == {
        marie.pk: (Decimal("120"), Decimal("0")),
        ines.pk: (Decimal("35"), Decimal("4")),
        paul.pk: (Decimal("12.5"), Decimal("2")),
    }

    # A mistake: nothing is saved, the French message sits by the cell and in the summary, the typing is kept.
    grid.worked("DUPONT Marie").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("douze")
    page.keyboard.press("Enter")  # moves down, selecting the next value: typing replaces it
    expect(grid.worked("LEROY Inès")).to_be_focused()
    page.keyboard.type("13")
    grid.save_button.focus()
    page.keyboard.press("Enter")

    message = "Heures travaillées : « douze » n'est pas un nombre d'heures."
    expect(grid.error_summary).to_be_focused()
    expect(grid.error_summary).to_contain_text("Rien n'a été enregistré")
    expect(grid.error_summary).to_contain_text(message)
    expect(grid.error_of(f"worked-{marie.pk}")).to_have_text(message)
    expect(grid.worked("DUPONT Marie")).to_have_value("douze")
    expect(grid.worked("LEROY Inès")).to_have_value("13")
    expect(grid.worked("DUPONT Marie")).to_have_attribute("aria-invalid", "true")
    assert MonthlyHours.objects.get(placement=marie, month=MONTH).hours_worked == Decimal("120")
    assert MonthlyHours.objects.get(placement=ines, month=MONTH).hours_worked == Decimal("35")
    axe(page)

    # The summary's link takes the keyboard to the cell in error.
    grid.error_summary.get_by_role("link").first.press("Enter")
    expect(grid.worked("DUPONT Marie")).to_be_focused()


def test_grid_month_navigation_and_copy_previous_month(page, axe, territory):
    site = build_site(territory)
    marie = site.place("Dupont", "Marie")
    site.line(marie, FEBRUARY, "118")
    LoginPage(page).open().log_in(site.facilitator.user.email, PASSWORD)
    TerritoryHomePage(page, territory.code).expect_current()
    grid = HoursGridPage(page, territory.code, site.clause.pk, MONTH).open()

    page.get_by_role("button", name="Copier le mois précédent").click()
    expect(grid.worked("DUPONT Marie")).to_have_value("118")
    expect(page.locator("#grid-notice")).to_contain_text("Rien n'est enregistré pour l'instant")
    assert not MonthlyHours.objects.filter(month=MONTH).exists()
    axe(page)

    page.locator("#previous-month").click()
    HoursGridPage(page, territory.code, site.clause.pk, date(2026, 2, 1)).expect_current()
    expect(page.locator("h1")).to_have_text("Heures de février 2026")


def test_dashboard_and_progress_pages_are_reachable_and_accessible(page, axe, territory):
    site = build_site(territory)
    marie = site.place("Dupont", "Marie")
    site.eligible(marie)
    site.line(marie, date(2026, 1, 1), "100", status=StatementStatus.VALIDATED)
    LoginPage(page).open().log_in(site.facilitator.user.email, PASSWORD)
    TerritoryHomePage(page, territory.code).expect_current()

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Heures").click()
    expect(page.locator("h1")).to_have_text("Suivi des heures")
    axe(page)

    page.goto(site.progress_url())
    expect(page.locator("h1")).to_have_text("Avancement de la clause")
    expect(page.locator("[data-figure=counted]")).to_contain_text("100 h")
    expect(page.get_by_role("img", name="Cumul des heures comptabilisées et en attente")).to_be_visible()
    axe(page)
