"""Page objects of the network's employers, partners and resources journeys."""

import re

from playwright.sync_api import Page

from tests.browser.pages import TerritoryPage, normalise


class NetworkMenu:
    """The "Réseau" drop-down of the main navigation."""

    def __init__(self, page: Page):
        self.page = page

    def open(self, link_name):
        navigation = self.page.get_by_role("navigation", name="Menu principal")
        navigation.get_by_role("button", name="Réseau").click()
        navigation.get_by_role("link", name=link_name).click()
        self.page.wait_for_load_state()


class NetworkPage(TerritoryPage):
    def alert(self, kind):
        return self.page.locator(f".fr-alert--{kind}").first


class EmployerListPage(NetworkPage):
    url_name = "network:employer_list"

    def names(self):
        return [normalise(name) for name in self.page.locator("#employer-table tbody th").all_inner_texts()]

    def filter(self, **choices):
        form = self.page.get_by_role("search")
        for label, option in choices.items():
            form.get_by_label(label).select_option(label=option)
        form.get_by_role("button", name="Filtrer").click()
        return self.expect_current()

    def go_to_import(self):
        self.main.get_by_role("link", name="Importer un fichier CSV").click()
        return EmployerImportPage(self.page, self.territory_code).expect_current()


class EmployerImportPage(NetworkPage):
    url_name = "network:employer_import"

    def upload(self, name, content: bytes):
        self.main.get_by_label("Fichier CSV").set_input_files({"name": name, "mimeType": "text/csv", "buffer": content})
        self.main.get_by_role("button", name="Voir l'aperçu").click()
        return EmployerImportPreviewPage(self.page, self.territory_code).expect_current()


class EmployerImportPreviewPage(NetworkPage):
    url_name = "network:employer_import_preview"

    def errors(self):
        """(line, column, message) of each row of the errors table."""
        rows = self.page.locator("#import-errors tbody tr")
        return [tuple(normalise(cell) for cell in row.locator("th, td").all_inner_texts()) for row in rows.all()]

    def created_names(self):
        return [normalise(name) for name in self.page.locator("#import-create tbody td:nth-child(2)").all_inner_texts()]

    def confirm(self):
        self.main.get_by_role("button", name=re.compile("^Confirmer l'import")).click()
        return EmployerListPage(self.page, self.territory_code).expect_current()


class MeetingListPage(NetworkPage):
    url_name = "partners:meeting_list"

    def figure(self, element_id):
        return int(normalise(self.page.locator(f"#{element_id}").inner_text()))

    def record(self):
        self.main.get_by_role("link", name="Enregistrer une rencontre").click()
        return MeetingFormPage(self.page, self.territory_code).expect_current()


class MeetingFormPage(NetworkPage):
    url_name = "partners:meeting_create"

    def fill(self, *, date, partner, topic, follow_up_due=""):
        form = self.main.locator("form")
        form.get_by_label("Date", exact=True).fill(date)
        form.get_by_label("Partenaire", exact=True).select_option(label=partner)
        form.get_by_label("Objet", exact=True).fill(topic)
        form.get_by_label("Échéance des suites").fill(follow_up_due)
        form.get_by_role("button", name="Enregistrer").click()
        self.page.wait_for_load_state()
        return self

    def field_error(self, label):
        field_id = self.main.get_by_label(label).get_attribute("id")
        return normalise(self.page.locator(f"#{field_id}-desc-error").inner_text())


class ResourceListPage(NetworkPage):
    url_name = "network:resource_list"

    def add(self):
        self.main.get_by_role("link", name="Ajouter une ressource").click()
        return ResourceFormPage(self.page, self.territory_code).expect_current()

    def download(self, title):
        with self.page.expect_download() as info:
            self.main.get_by_role("link", name=f"Télécharger « {title} »").click()
        return info.value


class ResourceFormPage(NetworkPage):
    url_name = "network:resource_create"

    def submit(self, *, title, kind, name, content: bytes):
        form = self.main.locator("form")
        form.get_by_label("Titre", exact=True).fill(title)
        form.get_by_label("Type", exact=True).select_option(label=kind)
        form.get_by_label("Fichier").set_input_files({"name": name, "mimeType": "application/pdf", "buffer": content})
        form.get_by_role("button", name="Enregistrer").click()
        return ResourceListPage(self.page, self.territory_code).expect_current()
