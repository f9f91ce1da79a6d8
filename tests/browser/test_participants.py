"""The participant journey in a real browser: a facilitator registers a person, meets the duplicate warning (someone
with the same name and birth date exists), confirms it is another person, validates the eligibility, places the person
on a clause, and later — the contract over — records the outcome from the list of outcomes due. Axe checks the pages."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clauses.enums import AccessAction, OutcomeCategory
from clauses.models import EligibilityValidation, Outcome, Participant, PersonalDataAccess, Placement
from clauses.participants import add_months_to_day
from tests.accounts.factories import PASSWORD
from tests.browser.pages import LoginPage, TerritoryHomePage
from tests.browser.pages_participants import ParticipantListPage
from tests.clauses.factories import ParticipantFactory
from tests.clauses.participant_helpers import build_people_world
from tests.territories.factories import CommuneFactory

BORN = date(1988, 4, 2)
CLAUSE_LABEL = "34-2026-ECOLE — lot 1 — Réhabilitation de l'école"


@pytest.fixture
def world(territory):
    CommuneFactory(insee_code="34301", name="Sète", department=territory.department)
    people = build_people_world(territory)
    existing = ParticipantFactory(territory=territory, first_name="Hélène", last_name="Lefèvre", birth_date=BORN)
    return people, existing


def test_facilitator_registers_meets_the_duplicate_validates_places_and_records_the_outcome(page, axe, world):
    people, existing = world
    today = timezone.localdate()
    page.goto("/")
    LoginPage(page).log_in(people.facilitator.user.email, PASSWORD)
    TerritoryHomePage(page, "34").expect_current()

    # The list, then the registration form.
    participants = ParticipantListPage.from_menu(page, "34")
    axe(page)
    form = participants.start_registration()
    expect(form.heading).to_have_text("Enregistrer un participant")
    axe(page)
    form.fill(
        last_name="LEFEVRE",
        first_name="helene",
        birth_date=BORN,
        sex_label="Femme",
        commune="Sète (34301)",
        prescriber_label="France Travail",
    ).submit()

    # Same name (case and accents aside) and birth date: a warning links to the existing record; nothing is lost.
    expect(form.duplicate_warning).to_be_visible()
    expect(form.duplicate_warning.get_by_role("link")).to_contain_text("Hélène LEFÈVRE")
    expect(form.field("first_name")).to_have_value("helene")
    expect(form.field("commune")).to_have_value("Sète (34301)")
    assert Participant.objects.count() == 1
    axe(page)

    # It is another person: confirm and save.
    pathway = form.confirm_another_person().submit_expecting_pathway()
    expect(pathway.heading).to_have_text("helene LEFEVRE")
    expect(pathway.success).to_contain_text("Participant enregistré.")
    person = Participant.objects.exclude(pk=existing.pk).get()
    assert (person.residence_commune_id, person.referent) == ("34301", people.facilitator.facilitator)
    axe(page)

    # Eligibility: the RSA, seen on a CAF certificate.
    pathway.validate_eligibility(criterion_label="Allocataire du RSA", evidence_label="Attestation CAF / MSA")
    expect(pathway.success).to_contain_text("Éligibilité validée : Allocataire du RSA.")
    expect(pathway.eligibility_table).to_contain_text("Attestation CAF / MSA")
    assert EligibilityValidation.objects.get(participant=person).validated_by == people.facilitator.user

    # Placement on the school's clause: only the companies awarded that lot are offered.
    placement = pathway.start_placement()
    axe(page)
    placement.choose_clause(CLAUSE_LABEL)
    expect(placement.company_option("Routes du Midi")).to_be_disabled()
    start, end = add_months_to_day(today, -4), today - timedelta(days=3)
    pathway = placement.fill(company="Bâtisseurs du Sud", contract_label="CDD", start=start, end=end).submit()
    expect(pathway.success).to_contain_text("Mise en emploi enregistrée.")
    expect(pathway.timeline).to_contain_text("CDD chez Bâtisseurs du Sud")
    assert Placement.objects.get(participant=person).employer_company == people.company

    # Later: the contract is over, the person is among the outcomes due; the facilitator records it.
    due = ParticipantListPage.from_menu(page, "34").open_outcomes_due()
    expect(due.table).to_contain_text("LEFEVRE helene")
    expect(due.table).to_contain_text("À la fin du dernier contrat")
    axe(page)
    pathway = due.open("LEFEVRE helene")
    expect(pathway.outcome_due).to_contain_text("À la fin du dernier contrat")
    pathway.record_outcome(
        milestone_label="À la fin du dernier contrat",
        situation_label="CDD",
        contract_months=6,
        employer="Bâtisseurs du Sud",
    )
    expect(pathway.success).to_contain_text("Sortie enregistrée : Emploi durable.")
    expect(pathway.outcome_card("end")).to_contain_text("Emploi durable")
    expect(pathway.outcome_due).to_have_count(0)
    assert Outcome.objects.get(participant=person).category == OutcomeCategory.SUSTAINABLE
    axe(page)

    # Every display of the record was logged for the facilitator.
    views = PersonalDataAccess.objects.filter(participant=person, action=AccessAction.VIEW)
    assert views.count() >= 4 and set(views.values_list("user", flat=True)) == {people.facilitator.user.pk}
