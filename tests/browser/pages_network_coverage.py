"""Page objects of the network's coverage journeys: the public directory and the coverage page."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.pages import TerritoryPage, as_number, normalise


class DirectoryPage(TerritoryPage):
    """``/annuaire/<code>/``: public, no login."""

    @property
    def url(self):
        return reverse("directory:territory", kwargs={"code": self.territory_code})

    @property
    def search_input(self):
        return self.main.get_by_label("Votre commune")

    def search(self, commune):
        self.search_input.fill(commune)
        self.main.get_by_role("button", name="Trouver mon facilitateur").click()
        expect(self.page).to_have_url(re.compile(re.escape(self.url) + r"\?commune="))
        expect(self.result).to_be_visible()
        return self

    @property
    def result(self):
        return self.page.locator("#directory-result")

    def result_text(self):
        return normalise(self.result.inner_text())

    def facilitators_in_result(self):
        return [normalise(name) for name in self.result.locator("[data-facilitator] strong").all_inner_texts()]

    def organisations_in_result(self):
        return self.result.locator("[data-organisation]").evaluate_all(
            "nodes => nodes.map(n => n.dataset.organisation)"
        )


class CoveragePage(TerritoryPage):
    """``/<territory>/couverture/``."""

    url_name = "coverage:coverage"
    query_allowed = False
    menu_link = "Couverture"

    def figure(self, name):
        locator = self.page.locator(f"[data-figure={name}]")
        expect(locator).to_have_count(1)
        return as_number(locator.inner_text())

    @property
    def form(self):
        return self.page.locator("#coverage-assign-form")

    def assign_epci(self, organisation, epci_label):
        self.form.get_by_role("combobox", name=re.compile("^Structure porteuse")).select_option(label=organisation)
        self.form.get_by_role("combobox", name=re.compile("^EPCI entier")).select_option(label=epci_label)
        self.form.get_by_role("button", name="Affecter").click()
        expect(self.page).to_have_url(re.compile(re.escape(self.url) + r"#organisation-\d+$"))
        return self.expect_loaded()

    def assign_commune(self, organisation, commune):
        self.form.get_by_role("combobox", name=re.compile("^Structure porteuse")).select_option(label=organisation)
        self.commune_input.fill(commune)
        self.form.get_by_role("button", name="Affecter").click()
        return self.expect_loaded()

    @property
    def commune_input(self):
        return self.form.get_by_role("combobox", name=re.compile("^Ou une commune"))

    def success_message(self):
        return self.page.locator(".fr-alert--success").first

    def white_zone_group(self, epci_name):
        return self.page.locator("#coverage-white-zones h3").filter(has_text=epci_name)

    def commune_status(self, insee_code):
        """The status (``covered``, ``overlap``, ``white-zone``) of the group listing the commune."""
        group = self.page.locator("#coverage-list li[data-status]").filter(has_text=f"({insee_code})")
        expect(group).to_have_count(1)
        return group.get_attribute("data-status")
