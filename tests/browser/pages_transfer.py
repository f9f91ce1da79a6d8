"""Page objects of the import of monthly hours (upload, progress, preview) and of the export form."""

import io

from openpyxl import load_workbook

from tests.browser.pages import BasePage, TerritoryPage


class HoursImportPage(TerritoryPage):
    url_name = "clauses:hours_import"

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


class HoursExportPage(TerritoryPage):
    url_name = "clauses:hours_export_form"
    query_allowed = False

    def open(self, query=""):
        super().open(query)
        return self.expect_current()

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
