"""Page objects of the buyers' journey: dashboard of clauses, market detail, programming (declaration, feasibility),
sizing and clause text. Selectors live here, not in the tests."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.pages import BasePage, MarketDetailPage, TerritoryPage, normalise


class BuyerDashboardPage(TerritoryPage):
    """« Mes clauses »: the buyer's markets with a clause, late ones first."""

    url_name = "buyers:dashboard"

    @property
    def table(self):
        return self.page.locator("#buyer-market-table")

    def row(self, reference):
        return self.table.locator("tbody tr").filter(has=self.page.get_by_role("link", name=reference, exact=True))

    def status(self, reference):
        return normalise(self.row(reference).locator("[data-figure=status]").text_content())

    def open_market(self, reference):
        self.row(reference).get_by_role("link", name=reference, exact=True).click()
        return BuyerMarketDetailPage(self.page).expect_loaded()


class BuyerMarketDetailPage(MarketDetailPage):
    @property
    def late_badge(self):
        return self.page.locator("#market-late-badge")

    @property
    def chart(self):
        return self.page.locator("#market-chart")


class PlannedMarketListPage(TerritoryPage):
    url_name = "programming:list"

    def start_declaration(self):
        self.page.locator("#planned-market-create").click()
        return PlannedMarketFormPage(self.page).expect_loaded()


class PlannedMarketFormPage(BasePage):
    @property
    def form(self):
        return self.page.locator("#planned-market-form")

    def declare(self, *, object, trade_label, amount, tender_date, duration_months, commune):
        form = self.form
        form.locator("input[name=object]").fill(object)
        form.locator("select[name=trade]").select_option(label=trade_label)
        form.locator("input[name=amount_ht]").fill(amount)
        form.locator("input[name=expected_tender_date]").fill(tender_date.isoformat())
        form.locator("input[name=duration_months]").fill(str(duration_months))
        form.locator("input[name=commune]").fill(commune)
        form.get_by_role("button", name="Enregistrer").click()
        return PlannedMarketDetailPage(self.page).expect_loaded()


class PlannedMarketDetailPage(BasePage):
    @property
    def recommendation(self):
        return self.page.locator("#feasibility-recommendation")

    @property
    def recommended_form(self):
        return self.page.locator("#feasibility-recommended-form")

    def start_feasibility(self):
        self.main.get_by_role("link", name="Étudier la faisabilité").click()
        return FeasibilityPage(self.page).expect_loaded()

    def open_sizing(self):
        self.page.locator("#sizing-link").click()
        return SizingPage(self.page).expect_loaded()


class FeasibilityPage(BasePage):
    CRITERIA = ("duration", "amount", "technicality", "public")

    @property
    def form(self):
        return self.page.locator("#feasibility-form")

    def answer(self, answers):
        """``answers``: {criterion: (level label, reason)} for the four criteria."""
        for criterion in self.CRITERIA:
            level, reason = answers[criterion]
            self.form.locator(f"select[name={criterion}_level]").select_option(label=level)
            self.form.locator(f"textarea[name={criterion}_reason]").fill(reason)
        return self

    def submit(self):
        self.form.get_by_role("button", name="Enregistrer l'étude de faisabilité").click()
        return PlannedMarketDetailPage(self.page).expect_loaded()


class SizingPage(BasePage):
    """The sizing of a planned market's clause (``drafting:sizing``)."""

    @property
    def form(self):
        return self.page.locator("#sizing-form")

    def field(self, name):
        return self.form.locator(f"[name={name}]")

    def fill(self, **values):
        for name, value in values.items():
            self.field(name).fill(value)
        return self

    def choose_method(self, label):
        self.form.get_by_text(label).click()
        return self

    def calculate(self):
        self.page.locator("#sizing-calculate").click()
        self.page.wait_for_load_state()
        return self

    def save(self):
        self.page.locator("#sizing-save").click()
        self.page.wait_for_load_state()
        return self

    @property
    def result(self):
        return self.page.locator("#sizing-result")

    def result_hours(self):
        return normalise(self.page.locator("#sizing-hours").inner_text())

    def result_working(self):
        return normalise(self.page.locator("#sizing-working").inner_text())

    @property
    def saved(self):
        return self.page.locator("#saved-sizing")

    @property
    def errors(self):
        return self.page.locator("#sizing-errors")

    def field_error(self, name):
        return self.page.locator(f"#id_{name}-desc-error")

    def open_clause_text(self):
        self.page.get_by_role("navigation", name="Étapes de la préparation de la clause").get_by_role(
            "link", name="Rédaction de la clause"
        ).click()
        return ClauseTextPage(self.page).expect_loaded()


class ClauseTextPage(BasePage):
    """The parameters and preview of the clause text (``drafting:clause_text``), and its DOCX."""

    @property
    def form(self):
        return self.page.locator("#clause-text-form")

    def set_public(self, label, checked):
        box = self.form.get_by_label(label, exact=True)
        if box.is_checked() != checked:
            # DSFR draws the box on the label: click it, as a user does.
            self.form.locator(f"label[for='{box.get_attribute('id')}']").click()
        expect(box).to_be_checked(checked=checked)
        return self

    def set_penalty(self, amount):
        self.form.locator("input[name=penalty_per_missing_hour]").fill(amount)
        return self

    def save(self):
        self.form.get_by_role("button", name="Enregistrer les paramètres").click()
        return self.expect_loaded()

    @property
    def preview(self):
        return self.page.locator("#clause-preview")

    def preview_text(self):
        return normalise(self.preview.inner_text())

    def download_docx(self):
        """The downloaded file's bytes."""
        with self.page.expect_download() as info:
            self.page.locator("#clause-text-download").click()
        download = info.value
        with open(download.path(), "rb") as handle:
            return download.suggested_filename, handle.read()

    def expect_url_of(self, market):
        url = reverse("drafting:clause_text", kwargs={"territory_code": market.territory.code, "pk": market.pk})
        expect(self.page).to_have_url(re.compile(re.escape(url) + "$"))
        return self
