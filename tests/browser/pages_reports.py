"""Page objects of the bilans: the list (with the request form) and a bilan's page (progress, error, download)."""

from playwright.sync_api import expect

from tests.browser.pages import BasePage, TerritoryPage


class ReportListPage(TerritoryPage):
    url_name = "reports:list"

    @property
    def form(self):
        return self.page.locator("#report-request-form")

    @property
    def table(self):
        return self.page.locator("#report-table")

    def row(self, title):
        return self.table.locator("tbody tr").filter(has_text=title)

    def request_year(self, year):
        self.form.get_by_label("Année", exact=True).check(force=True)
        self.form.get_by_label("Année civile").fill(str(year))
        return self._submit()

    def request_quarter(self, year, quarter_label):
        self.form.get_by_label("Trimestre", exact=True).check(force=True)
        self.form.get_by_label("Année civile").fill(str(year))
        self.form.get_by_label("Trimestre de l'année").select_option(label=quarter_label)
        return self._submit()

    def _submit(self):
        self.form.get_by_role("button", name="Produire le bilan").click()
        self.page.wait_for_load_state()
        return ReportDetailPage(self.page)

    def download(self, title):
        """Click the row's download link; returns Playwright's ``Download``."""
        with self.page.expect_download() as download:
            self.row(title).get_by_role("link", name="Télécharger").click()
        return download.value


class ReportDetailPage(BasePage):
    @property
    def status(self):
        return self.page.locator("#import-status")

    @property
    def progress(self):
        return self.page.locator("#import-progress-bar")

    @property
    def error(self):
        return self.page.locator("#report-error")

    @property
    def download_button(self):
        return self.page.locator("#report-download")

    def expect_available(self, timeout=20_000):
        expect(self.status).to_have_text("Disponible", timeout=timeout)
        expect(self.download_button).to_be_visible()
        return self
