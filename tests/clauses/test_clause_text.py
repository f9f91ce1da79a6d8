"""Clause text of a planned market: the paragraphs per form (hours, legal basis, facilitator's contact, publics, modes,
reporting duty, penalty), the DOCX the buyer edits, and the drafting page."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document

from accounts.enums import Role
from clauses.clause_text import MISSING_HOURS, MISSING_PENALTY, draft_clause_text, facilitator_contact
from clauses.documents import DOCX_CONTENT_TYPE, clause_text_docx
from clauses.enums import ClauseForm, ExecutionMode, FeasibilityLevel, SizingMethod
from clauses.models import ClausePlan, EligibilityCriterion, ensure_default_criteria
from tests.clauses.factories_programming import ClausePlanFactory, PlannedMarketFactory
from tests.conftest import make_member
from tests.facilitators.factories import FacilitatorFactory, FacilitatorOrganisationFactory

pytestmark = pytest.mark.django_db

NNBSP = "\N{NARROW NO-BREAK SPACE}"
HOURS_TEXT = f"1{NNBSP}250 heures"

# The article(s) each form must cite.
ARTICLES = {
    ClauseForm.EXECUTION_CONDITION: ["L2112-2 "],
    ClauseForm.CONDITION_AND_CRITERION: ["L2112-2 ", "L2152-7"],
    ClauseForm.AWARD_CRITERION: ["L2152-7"],
    ClauseForm.RESERVED_SIAE: ["L2113-13", "L5132-4"],
    ClauseForm.RESERVED_DISABILITY: ["L2113-12", "L5213-13"],
}
DOCUMENTS = [
    "Avis de publicité",
    "Règlement de la consultation",
    "Cahier des clauses administratives particulières (CCAP)",
    "Acte d'engagement",
]


@pytest.fixture
def facilitator(territory):
    organisation = FacilitatorOrganisationFactory(territory=territory, name="PLIE du Bassin de Thau")
    return FacilitatorFactory(
        territory=territory,
        organisation=organisation,
        first_name="Inès",
        last_name="Castellan",
        email="ines.castellan@plie-thau.example.org",
        phone="04 67 00 11 22",
    )


@pytest.fixture
def plan(territory, facilitator):
    ensure_default_criteria(territory)
    market = PlannedMarketFactory(
        territory=territory, reference="SETE-2027-010", facilitator=facilitator, duration_months=18
    )
    return ClausePlanFactory(
        territory=territory,
        market=market,
        sizing_method=SizingMethod.LABOUR_SHARE,
        sizing_amount_ht=Decimal("750000"),
        labour_share=Decimal("0.5"),
        insertion_rate=Decimal("0.1"),
        hourly_cost=Decimal("30"),
        hours=Decimal("1250"),
        sizing_working=f"750{NNBSP}000 € × 50 % × 10 % ÷ 30 €/h = 1{NNBSP}250 h",
        penalty_per_missing_hour=Decimal("45"),
    )


def _text(plan, form):
    plan.chosen_form = form
    return draft_clause_text(plan)


@pytest.mark.parametrize("form", list(ARTICLES), ids=str)
def test_each_form_states_the_hours_its_legal_basis_and_the_facilitator(plan, form):
    text = _text(plan, form)
    body = text.plain_text()
    assert HOURS_TEXT in body
    for article in ARTICLES[form]:
        assert article in body, article
    assert "Inès Castellan (PLIE du Bassin de Thau)" in body
    assert "ines.castellan@plie-thau.example.org" in body
    assert "04 67 00 11 22" in body
    assert [section.title for section in text.sections] == DOCUMENTS
    assert text.form == form and not text.form_is_default
    # Reporting duty (monthly statements, by the territory's day) and the penalty per missing hour.
    assert f"au plus tard le {plan.territory.statement_reminder_day} du mois suivant" in body
    assert "relevé mensuel des heures" in body
    assert "pénalité de 45 € HT par heure d'insertion non réalisée" in body
    assert text.gaps == ()


def test_forms_are_written_differently(plan):
    bodies = {form: _text(plan, form).plain_text() for form in ARTICLES}
    assert len(set(bodies.values())) == len(ARTICLES)
    # The execution condition alone is not an award criterion; the reserved markets are not open to every company.
    assert "L2152-7" not in bodies[ClauseForm.EXECUTION_CONDITION]
    assert "Marché réservé" not in bodies[ClauseForm.EXECUTION_CONDITION]
    assert "réservée aux structures d'insertion par l'activité économique" in bodies[ClauseForm.RESERVED_SIAE]
    assert "travailleurs handicapés" in bodies[ClauseForm.RESERVED_DISABILITY]


@pytest.mark.parametrize("form", [ClauseForm.AWARD_CRITERION, ClauseForm.CONDITION_AND_CRITERION], ids=str)
def test_award_criterion_comes_with_its_scoring_sub_criteria(plan, form):
    body = _text(plan, form).plain_text()
    assert "Performance en matière d'insertion professionnelle des publics en difficulté" in body
    assert "noté sur 10 points" in body
    assert "(6 points)" in body and "(4 points)" in body
    if form == ClauseForm.CONDITION_AND_CRITERION:
        assert f"au-delà du minimum de {HOURS_TEXT}" in body


def test_execution_condition_states_the_fte_duration_and_the_working(plan):
    body = _text(plan, ClauseForm.EXECUTION_CONDITION).plain_text()
    assert "pendant toute la durée du marché (18 mois)" in body
    assert "0,78 équivalent temps plein" in body  # 1,250 / 1,607
    assert f"750{NNBSP}000 € × 50 % × 10 % ÷ 30 €/h = 1{NNBSP}250 h" in body


def test_no_clause_justifies_the_exception(plan):
    plan.chosen_form = ClauseForm.NONE
    plan.duration_level = FeasibilityLevel.UNFAVOURABLE
    plan.duration_reason = "Six semaines d'exécution seulement."
    plan.choice_reason = "Chantier d'urgence."
    text = draft_clause_text(plan)
    body = text.plain_text()
    assert "L2112-2-1-1" in body
    assert "Durée du marché : défavorable — Six semaines d'exécution seulement." in body
    assert "Chantier d'urgence." in body
    assert "ines.castellan@plie-thau.example.org" in body
    assert text.sections[0].title == "Justification de l'absence de clause sociale"
    assert "Acte d'engagement" not in [section.title for section in text.sections]
    assert text.gaps == ()


def test_below_the_eu_threshold_no_clause_is_not_presented_as_an_exception(plan):
    plan.chosen_form = ClauseForm.NONE
    plan.duration_level = FeasibilityLevel.UNFAVOURABLE
    plan.market.amount_ht = Decimal("150000")  # green spaces of a commune: under 216,000 €
    body = draft_clause_text(plan).plain_text()
    assert "Par exception" not in body and "rapport de présentation" not in body
    assert f"inférieur au seuil européen (216{NNBSP}000 € HT)" in body
    assert "ne lui impose pas de condition d'exécution à caractère social" in body
    plan.market.amount_ht = Decimal("216000")
    body = draft_clause_text(plan).plain_text()
    assert "Par exception à l'article L2112-2-1-1" in body and "rapport de présentation" in body


def test_the_award_criterion_cites_the_regulatory_article_that_names_it(plan):
    for form in (ClauseForm.AWARD_CRITERION, ClauseForm.CONDITION_AND_CRITERION):
        body = _text(plan, form).plain_text()
        assert "articles L2152-7 et R2152-7 du code de la commande publique" in body
        assert "Performance en matière d'insertion professionnelle des publics en difficulté" in body


def test_recommended_form_when_none_is_chosen_then_the_execution_condition(plan):
    plan.chosen_form = ""
    plan.recommended_form = ClauseForm.RESERVED_SIAE
    assert draft_clause_text(plan).form == ClauseForm.RESERVED_SIAE
    plan.recommended_form = ""
    text = draft_clause_text(plan)
    assert text.form == ClauseForm.EXECUTION_CONDITION and text.form_is_default


def test_eligible_publics_default_to_every_active_criterion(plan, territory):
    EligibilityCriterion.objects.filter(territory=territory, code="epide_e2c").update(is_active=False)
    body = draft_clause_text(plan).plain_text()
    assert "– Allocataire du RSA" in body
    assert "– Travailleur reconnu handicapé (RQTH)" in body
    assert "EPIDE" not in body


def test_only_the_chosen_publics_and_modes_are_listed(plan):
    plan.eligible_publics = ["rsa", "qpv_resident"]
    plan.execution_modes = [ExecutionMode.STAFF_PROVISION, ExecutionMode.TRAINING]
    body = _text(plan, ClauseForm.EXECUTION_CONDITION).plain_text()
    assert "– Allocataire du RSA" in body
    assert "– Habitant d'un quartier prioritaire (QPV) éloigné de l'emploi" in body
    assert "RQTH" not in body
    assert "ETTI" in body and "formation" in body
    assert "embauche directe" not in body
    assert "entreprise d'insertion (EI)" not in body


def test_missing_hours_and_penalty_are_left_to_fill_in_and_reported(plan):
    plan.hours = None
    plan.sizing_working = ""
    plan.penalty_per_missing_hour = None
    text = _text(plan, ClauseForm.EXECUTION_CONDITION)
    body = text.plain_text()
    assert MISSING_HOURS in body and MISSING_PENALTY in body
    assert text.gaps == (
        "Le nombre d'heures n'est pas encore dimensionné.",
        "La pénalité par heure non réalisée n'est pas fixée.",
    )


def test_contact_is_the_facilitator_then_the_lead_facilitator_then_the_coordination(territory, facilitator):
    territory.contact_email = "clauses@herault.example.org"
    territory.contact_phone = "04 67 99 99 99"
    territory.save()
    market = PlannedMarketFactory(territory=territory, facilitator=facilitator)
    assert facilitator_contact(market).email == "ines.castellan@plie-thau.example.org"

    lead = FacilitatorFactory(
        territory=territory, first_name="Paul", last_name="Rouvière", email="paul@mde.example.org"
    )
    market.facilitator = None
    market.buyer.lead_facilitator = lead
    assert facilitator_contact(market).text.startswith("Paul Rouvière (")
    assert facilitator_contact(market).email == "paul@mde.example.org"

    market.buyer.lead_facilitator = None
    contact = facilitator_contact(market)
    assert contact.text == (
        f"Coordination départementale des clauses sociales — {territory.name} — clauses@herault.example.org — "
        "04 67 99 99 99"
    )


def test_facilitator_without_own_address_gives_the_organisation_s(territory):
    organisation = FacilitatorOrganisationFactory(territory=territory, email="contact@plie.example.org")
    facilitator = FacilitatorFactory(territory=territory, organisation=organisation, email="")
    market = PlannedMarketFactory(territory=territory, facilitator=facilitator)
    assert facilitator_contact(market).email == "contact@plie.example.org"


def _docx_text(content):
    document = Document(BytesIO(content))
    return "\n".join(paragraph.text for paragraph in document.paragraphs), document


@pytest.mark.parametrize("form", [*ARTICLES, ClauseForm.NONE], ids=str)
def test_docx_opens_and_holds_the_same_text(plan, form):
    text = _text(plan, form)
    body, document = _docx_text(clause_text_docx(text, subtitle="Acheteur : Ville de Sète"))
    assert document.core_properties.title == text.title
    assert "Acheteur : Ville de Sète" in body
    assert "ines.castellan@plie-thau.example.org" in body
    for section in text.sections:
        assert section.title in body
        for paragraph in section.paragraphs:
            assert paragraph.text in body
    if form != ClauseForm.NONE:
        assert HOURS_TEXT in body
        for article in ARTICLES[form]:
            assert article in body
        bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
        reserved = form in (ClauseForm.RESERVED_SIAE, ClauseForm.RESERVED_DISABILITY)
        assert ("Allocataire du RSA" in bullets) is not reserved  # a reserved market's public is the statutory one
    else:
        assert "L2112-2-1-1" in body


# --- The drafting page and the download ------------------------------------------------------------------------------


def _url(name, market):
    return reverse(f"drafting:{name}", kwargs={"territory_code": market.territory.code, "pk": market.pk})


@pytest.fixture
def buyer_member(territory, plan):
    return make_member(territory, Role.BUYER, plan.market.buyer)


def test_page_shows_the_parameters_and_the_preview(client, plan, buyer_member):
    client.force_login(buyer_member.user)
    response = client.get(_url("clause_text", plan.market))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="clause-text-form"' in html
    assert HOURS_TEXT in html
    assert "ines.castellan@plie-thau.example.org" in html
    assert "Règlement de la consultation" in html
    assert _url("clause_text_docx", plan.market) in html
    # Every active criterion and every mode is checked by default.
    form = response.context["form"]
    assert "rsa" in form.initial["eligible_publics"] and len(form.initial["execution_modes"]) == len(ExecutionMode)


def test_saving_the_parameters_changes_the_text(client, plan, buyer_member):
    client.force_login(buyer_member.user)
    url = _url("clause_text", plan.market)
    response = client.post(
        url,
        {"eligible_publics": ["rsa", "rqth"], "execution_modes": ["subcontracting"], "penalty_per_missing_hour": "60"},
    )
    assert response.status_code == 302 and response.url == url
    plan.refresh_from_db()
    assert plan.eligible_publics == ["rsa", "rqth"]
    assert plan.execution_modes == ["subcontracting"]
    assert plan.penalty_per_missing_hour == Decimal("60")
    html = client.get(url).content.decode()
    assert "pénalité de 60 € HT par heure" in html
    assert "Les paramètres de la clause sont enregistrés" in html
    assert "Allocataire de l&#x27;ASS" not in html.split('id="clause-preview"')[1]


def test_invalid_parameters_are_refused_in_french_with_the_values_kept(client, plan, buyer_member):
    client.force_login(buyer_member.user)
    response = client.post(
        _url("clause_text", plan.market),
        {"eligible_publics": [], "execution_modes": ["direct_hiring"], "penalty_per_missing_hour": "cinquante"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cochez au moins un public éligible." in html
    assert "Saisissez un montant en chiffres" in html
    assert 'value="cinquante"' in html
    plan.refresh_from_db()
    assert plan.penalty_per_missing_hour == Decimal("45")


def test_first_save_creates_the_plan_of_a_market_without_one(client, territory, facilitator):
    ensure_default_criteria(territory)
    market = PlannedMarketFactory(territory=territory, facilitator=facilitator)
    coordinator = make_member(territory, Role.COORDINATOR)
    client.force_login(coordinator.user)
    assert client.get(_url("clause_text", market)).status_code == 200
    assert not ClausePlan.objects.filter(market=market).exists()  # a GET writes nothing
    client.post(_url("clause_text", market), {"eligible_publics": ["rsa"], "execution_modes": ["training"]})
    plan = ClausePlan.objects.get(market=market)
    assert plan.eligible_publics == ["rsa"] and plan.penalty_per_missing_hour is None


def test_committee_reads_the_text_without_the_form(client, territory, plan):
    committee = make_member(territory, Role.COMMITTEE)
    client.force_login(committee.user)
    response = client.get(_url("clause_text", plan.market))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="clause-text-form"' not in html and HOURS_TEXT in html
    assert client.post(_url("clause_text", plan.market), {"eligible_publics": ["rsa"]}).status_code == 403


def test_docx_download(client, plan, buyer_member):
    client.force_login(buyer_member.user)
    response = client.get(_url("clause_text_docx", plan.market))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="clause-sociale-sete-2027-010.docx"'
    body, _ = _docx_text(response.content)
    assert HOURS_TEXT in body
    assert "L2112-2 " in body
    assert "ines.castellan@plie-thau.example.org" in body
    assert f"Acheteur : {plan.market.buyer.name}" in body


def test_pages_of_a_market_not_planned_are_404(client, territory, plan):
    plan.market.status = "in_progress"
    plan.market.save()
    coordinator = make_member(territory, Role.COORDINATOR)
    client.force_login(coordinator.user)
    for name in ("clause_text", "clause_text_docx", "sizing"):
        assert client.get(_url(name, plan.market)).status_code == 404


def test_a_territory_without_criteria_can_still_save_and_gets_a_general_public(client, territory, facilitator):
    market = PlannedMarketFactory(territory=territory, facilitator=facilitator)
    coordinator = make_member(territory, Role.COORDINATOR)
    client.force_login(coordinator.user)
    response = client.post(_url("clause_text", market), {"execution_modes": ["training"]})
    assert response.status_code == 302
    html = client.get(_url("clause_text", market)).content.decode()
    assert "toute personne rencontrant des difficultés sociales ou professionnelles particulières" in html
