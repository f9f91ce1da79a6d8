"""Page objects of the monthly statements: the list (company portal / facilitator review) and a statement's page."""

from tests.browser.pages import BasePage, TerritoryPage, normalise


class StatementListPage(TerritoryPage):
    url_name = "clauses:statement_list"
    menu_link = "Relevés"

    def start(self, month_label, market_reference):
        """Click "Saisir <mois>" of a month owed on a market's clause."""
        name = f"Saisir le relevé de {month_label} — {market_reference}"
        self.main.get_by_role("button", name=name).click()
        return StatementPage(self.page).expect_loaded()

    def row(self, month_label, company=None):
        rows = self.main.locator("#statement-table tbody tr").filter(
            has=self.page.get_by_role("link", name=month_label, exact=False)
        )
        if company:
            rows = rows.filter(has_text=company)
        return rows.first

    def open_statement(self, month_label, company=None):
        self.row(month_label, company).get_by_role("link").first.click()
        return StatementPage(self.page).expect_loaded()


class StatementPage(BasePage):
    @property
    def status(self):
        return self.page.locator("#statement-status")

    @property
    def hours_inputs(self):
        return self.main.locator("#statement-lines input[type=text]")

    def hours_input(self, participant, field="Heures travaillées"):
        return self.main.get_by_label(f"{field} — {participant}", exact=True)

    def type_hours(self, participant, worked, training=None):
        self.hours_input(participant).fill(worked)
        if training is not None:
            self.hours_input(participant, "Heures de formation").fill(training)
        return self

    def shown_hours(self, participant):
        """The (worked, training) cells of a read-only row, as shown."""
        row = self.main.locator("#statement-lines tbody tr").filter(has_text=participant)
        return (
            normalise(row.locator("[data-field=hours_worked]").inner_text()),
            normalise(row.locator("[data-field=training_hours]").inner_text()),
        )

    def _click(self, name):
        self.main.get_by_role("button", name=name, exact=True).click()
        self.page.wait_for_load_state()
        return self.expect_loaded()

    def save_draft(self):
        return self._click("Enregistrer le brouillon")

    def submit(self):
        return self._click("Transmettre au facilitateur")

    def validate(self):
        return self._click("Valider")

    def send_back(self, comment):
        self.main.get_by_label("Commentaire pour l'entreprise").fill(comment)
        return self._click("Renvoyer à l'entreprise")

    def reopen(self, reason):
        self.main.get_by_label("Motif de la réouverture").fill(reason)
        return self._click("Rouvrir")

    @property
    def review_comment(self):
        return self.page.locator("#review-comment")

    @property
    def success(self):
        return self.page.locator(".fr-alert--success").first
