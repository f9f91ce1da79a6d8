"""Page objects of the monthly hours grid (clauses/hours_grid.html)."""

from playwright.sync_api import Page

from tests.browser.pages import TerritoryPage


class HoursGridPage(TerritoryPage):
    url_name = "clauses:hours_grid"
    query_allowed = False

    def __init__(self, page: Page, territory_code, clause_pk, month):
        super().__init__(page, territory_code)
        self.clause_pk, self.month = clause_pk, month

    def url_kwargs(self):
        return {"pk": self.clause_pk, "month": self.month}

    def worked(self, participant):
        """The "hours worked" cell of a participant's row, found by its (visually hidden) label."""
        return self.page.get_by_label(f"Heures travaillées — {participant}", exact=True)

    def training(self, participant):
        return self.page.get_by_label(f"Heures de formation — {participant}", exact=True)

    @property
    def save_button(self):
        return self.page.get_by_role("button", name="Enregistrer les heures")

    @property
    def success(self):
        return self.page.locator(".fr-alert--success")

    @property
    def error_summary(self):
        return self.page.locator("#grid-errors")

    def error_of(self, input_id):
        return self.page.locator(f"#{input_id}-error")
