"""Page objects of the import of monthly hours (upload, progress, preview) and of the export form."""

import io
import re

from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.pages import BasePage


class HoursImportPage(BasePage):
    def __init__(self, page: Page, territory_code):
        super().__init__(page)
        self.territory_code = territory_code

    @property
    def url(self):
        return reverse("clauses:hours_import", kwargs={"territory_code": self.territory_code})

    def open(self, query=""):
        self.page.goto(self.url + query)
        return self.expect_loaded()

    def download_template(self, month):
        """The template for ``month`` (AAAA-MM), as an openpyxl workbook."""
        self.page.get_by_label("Mois du relevé").fill(month)
        with self.page.expect_download() as download:
            self.page.get_by_role("button", name="Télécharger le modèle (.xlsx)").click()
        with open(download.value.path(), "rb") as handle:
            return load_workbook(io.BytesIO(handle.read()))

    def upload(self, path):
        self.page.get_by_label("Fichier des heures").set_input_files(path)
        self.page.get_by_role("button", name="Analyser le fichier").click()
        self.page.wait_for_load_state()
        return HoursImportDetailPage(self.page)


class HoursImportDetailPage(BasePage):
    @property
    def status(self):
        return self.page.locator("#import-status")

    @property
    def progress(self):
        return self.page.locator("#import-progress-bar")

    @property
    def summary(self):
        return self.page.locator("#import-summary")

    @property
    def errors(self):
        return self.page.locator("#import-errors")

    def error_row(self, line):
        return self.errors.locator("tbody tr").filter(has=self.page.locator(f'th:text-is("{line}")'))

    @property
    def preview(self):
        return self.page.locator("#import-preview")

    @property
    def result(self):
        return self.page.locator("#import-result")

    def confirm(self, valid_rows):
        label = f"Importer les {valid_rows} lignes valides" if valid_rows > 1 else "Importer la ligne valide"
        self.page.get_by_role("button", name=label).click()
        self.page.wait_for_load_state()
        return self


class HoursExportPage(BasePage):
    def __init__(self, page: Page, territory_code):
        super().__init__(page)
        self.territory_code = territory_code

    @property
    def url(self):
        return reverse("clauses:hours_export_form", kwargs={"territory_code": self.territory_code})

    def open(self):
        self.page.goto(self.url)
        expect(self.page).to_have_url(re.compile(re.escape(self.url) + r"$"))
        return self.expect_loaded()

    def download(self, **months):
        """Fill the period (``start`` / ``end``: AAAA-MM) and download: the rows of the first sheet."""
        labels = {"start": "Du mois", "end": "Au mois (inclus)"}
        for name, value in months.items():
            self.page.get_by_label(labels[name]).fill(value)
        with self.page.expect_download() as download:
            self.page.get_by_role("button", name="Télécharger le tableau (.xlsx)").click()
        with open(download.value.path(), "rb") as handle:
            workbook = load_workbook(io.BytesIO(handle.read()))
        return list(workbook.worksheets[0].iter_rows(values_only=True))
