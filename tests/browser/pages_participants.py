"""Page objects of the participants' pages (issue 4): the list, the registration form (with the duplicate warning),
the pathway page (eligibility and outcome forms), the placement form and the outcomes due."""

from tests.browser.pages import BasePage, TerritoryPage


class ParticipantListPage(TerritoryPage):
    url_name = "clauses:participant_list"
    menu_link = "Participants"

    def start_registration(self):
        self.main.get_by_role("link", name="Enregistrer un participant").click()
        return ParticipantFormPage(self.page).expect_loaded()

    def open_outcomes_due(self):
        self.main.get_by_role("link", name="Sorties à renseigner").click()
        return OutcomesDuePage(self.page).expect_loaded()


class ParticipantFormPage(BasePage):
    @property
    def form(self):
        return self.page.locator("#participant-form")

    @property
    def duplicate_warning(self):
        return self.page.locator("#duplicate-warning")

    def field(self, name):
        return self.form.locator(f"[name={name}]")

    def fill(self, *, last_name, first_name, birth_date, sex_label, commune="", prescriber_label=None):
        self.field("last_name").fill(last_name)
        self.field("first_name").fill(first_name)
        self.field("birth_date").fill(birth_date.isoformat())
        self.form.get_by_role("radio", name=sex_label, exact=True).check(force=True)
        if commune:
            self.field("commune").fill(commune)
        if prescriber_label:
            self.field("prescriber").select_option(label=prescriber_label)
        return self

    def confirm_another_person(self):
        self.form.get_by_label("Il s'agit bien d'une autre personne").check(force=True)
        return self

    def submit(self):
        self.form.get_by_role("button", name="Enregistrer", exact=True).click()
        self.page.wait_for_load_state()
        return self

    def submit_expecting_pathway(self):
        self.submit()
        return ParticipantPage(self.page).expect_loaded()


class ParticipantPage(BasePage):
    """The pathway page of one participant."""

    @property
    def success(self):
        return self.page.locator(".fr-alert--success")

    @property
    def timeline(self):
        return self.page.locator("#pathway-timeline")

    @property
    def eligibility_table(self):
        return self.page.locator("#eligibility-table")

    @property
    def outcome_due(self):
        return self.page.locator("#outcome-due")

    def outcome_card(self, slug):
        return self.page.locator(f"#outcome-{slug}")

    def validate_eligibility(self, *, criterion_label, evidence_label, reason=""):
        form = self.page.locator("#eligibility-form")
        form.locator("[name=criterion]").select_option(label=criterion_label)
        form.locator("[name=evidence_kind]").select_option(label=evidence_label)
        if reason:
            form.locator("[name=reason]").fill(reason)
        form.get_by_role("button", name="Valider l'éligibilité").click()
        self.page.wait_for_load_state()
        return self.expect_loaded()

    def start_placement(self):
        self.main.get_by_role("link", name="Placer sur une clause").click()
        return PlacementFormPage(self.page).expect_loaded()

    def record_outcome(self, *, milestone_label, situation_label, contract_months=None, employer=""):
        form = self.page.locator("#outcome-form")
        form.locator("[name=milestone]").select_option(label=milestone_label)
        form.locator("[name=situation]").select_option(label=situation_label)
        if contract_months is not None:
            form.locator("[name=contract_months]").fill(str(contract_months))
        if employer:
            form.locator("[name=employer_name]").fill(employer)
        form.get_by_role("button", name="Enregistrer la sortie").click()
        self.page.wait_for_load_state()
        return self.expect_loaded()


class PlacementFormPage(BasePage):
    @property
    def form(self):
        return self.page.locator("#placement-form")

    @property
    def company_select(self):
        return self.form.locator("[name=employer_company]")

    def company_option(self, name):
        return self.company_select.locator("option", has_text=name)

    def choose_clause(self, label):
        self.form.locator("[name=clause]").select_option(label=label)
        return self

    def fill(self, *, company, contract_label, start, end=None):
        self.company_select.select_option(label=company)
        self.form.locator("[name=contract_kind]").select_option(label=contract_label)
        self.form.locator("[name=start_date]").fill(start.isoformat())
        if end:
            self.form.locator("[name=end_date]").fill(end.isoformat())
        return self

    def submit(self):
        self.form.get_by_role("button", name="Enregistrer la mise en emploi").click()
        self.page.wait_for_load_state()
        return ParticipantPage(self.page).expect_loaded()


class OutcomesDuePage(BasePage):
    @property
    def table(self):
        return self.page.locator("#outcomes-due-table")

    def open(self, participant_label):
        self.table.get_by_role("link", name=participant_label).click()
        return ParticipantPage(self.page).expect_loaded()
