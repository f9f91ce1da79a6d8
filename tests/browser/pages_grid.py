"""Page objects of the monthly hours grid (clauses/hours_grid.html)."""

import re

from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.pages import BasePage


class HoursGridPage(BasePage):
    def __init__(self, page: Page, territory_code, clause_pk, month):
        super().__init__(page)
        self.territory_code, self.clause_pk, self.month = territory_code, clause_pk, month

    @property
    def url(self):
        return reverse(
            "clauses:hours_grid",
            kwargs={"territory_code": self.territory_code, "pk": self.clause_pk, "month": self.month},
        )

    def open(self):
        self.page.goto(self.url)
        return self.expect_loaded()

    def expect_current(self):
        expect(self.page).to_have_url(re.compile(re.escape(self.url) + r"$"))
        return self.expect_loaded()

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
