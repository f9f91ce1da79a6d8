"""Page objects of the observatory (territory and regional): filters, key figures, tables, XLSX exports."""

import re

from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.pages import BasePage, normalise


class ObservatoryPage(BasePage):
    def __init__(self, page: Page, url):
        super().__init__(page)
        self.url = url

    @classmethod
    def of_territory(cls, page, territory_code):
        return cls(page, reverse("observatory:indicators", kwargs={"territory_code": territory_code}))

    @classmethod
    def of_region(cls, page, region_code):
        return cls(page, reverse("regional:indicators", kwargs={"region_code": region_code}))

    def open(self, query=""):
        self.page.goto(self.url + query)
        return self.expect_loaded()

    def expect_current(self):
        expect(self.page).to_have_url(re.compile(re.escape(self.url) + r"(\?.*)?$"))
        return self.expect_loaded()

    @property
    def filters(self):
        return self.page.locator("#observatory-filters")

    def filter_by(self, label, option):
        self.filters.get_by_label(label, exact=False).select_option(label=option)
        return self

    def set_year(self, year):
        self.filters.locator("input[name=year]").fill(str(year))
        return self

    def apply(self):
        self.filters.get_by_role("button", name="Afficher").click()
        self.page.wait_for_load_state()
        return self.expect_loaded()

    def figure(self, key):
        return normalise(self.page.locator(f"[data-figure={key}] [data-value]").inner_text())

    def notice(self):
        return self.page.locator("#confidentiality-notice")

    def row(self, table_key, label):
        """The cells of a row of a table, as shown."""
        row = self.page.locator(f"#table-{table_key} table tr").filter(
            has=self.page.get_by_role("rowheader", name=label, exact=True)
        )
        return [normalise(text) for text in row.locator("td").all_inner_texts()]

    def export(self, table_key):
        """Clicks the table's « Exporter (XLSX) » link; returns the download."""
        with self.page.expect_download() as download:
            self.page.locator(f"[data-export={table_key}]").click()
        return download.value
