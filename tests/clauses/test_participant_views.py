"""The participants' pages as a facilitator or a coordinator uses them: register (with the duplicate warning), edit,
validate eligibility, place on a clause, add a training, read the pathway, list with filters, export, outcomes due.

Visibility for every role and the access journal are in ``test_privacy.py``; outcome rules in ``test_outcomes.py``.
"""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.enums import Role
from clauses.enums import AccessAction, ContractKind, ExecutionMode, OutcomeMilestone, OutcomeSituation, StatementStatus
from clauses.models import EligibilityValidation, Participant, PersonalDataAccess, Placement, Training
from clauses.participants import add_months_to_day
from tests.clauses.factories import (
    ClauseFactory,
    EligibilityValidationFactory,
    MonthlyHoursFactory,
    ParticipantFactory,
    PlacementFactory,
)
from tests.clauses.participant_helpers import OutcomeFactory, TrainingFactory, build_people_world, criterion, url
from tests.conftest import make_member
from tests.facilitators.factories import FacilitatorFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(territory):
    CommuneFactory(insee_code="34172", name="Montpellier", department=territory.department)
    CommuneFactory(insee_code="34301", name="Sète", department=territory.department)
    CommuneFactory(insee_code="34300", name="Saint-Thibéry", department=territory.department)
    return build_people_world(territory)


def login(client, membership):
    """Log in and make a first request: the session then holds the territory (no session write on later pages)."""
    client.force_login(membership.user)
    client.get(url("home", membership.territory))
    return client


@pytest.fixture
def facilitator_client(client, world):
    return login(client, world.facilitator)


@pytest.fixture
def coordinator_client(client, world):
    return login(client, world.coordinator)


def html(response):
    return response.content.decode()


def identity(**overrides):
    data = {
        "last_name": "Lefèvre",
        "first_name": "Hélène",
        "birth_date": "1988-04-02",
        "sex": "F",
        "qualification_level": "3",
        "commune": "Sète",
        "is_qpv_resident": "on",
        "prescriber": "france_travail",
        "referent": "",
    }
    data.update(overrides)
    return data


# --- Register and edit -------------------------------------------------------------------------------------------


class TestRegister:
    def test_the_form_proposes_the_facilitator_as_referent_and_the_departement_communes(
        self, facilitator_client, world
    ):
        response = facilitator_client.get(url("clauses:participant_create", world.territory))
        page = html(response)
        assert response.status_code == 200
        assert response.context["form"].initial["referent"] == world.facilitator.facilitator.pk
        assert '<option value="Sète (34301)">' in page and 'list="participant-commune-options"' in page
        assert "Enregistrer un participant" in page

    def test_a_facilitator_registers_a_participant(self, facilitator_client, world):
        referent = world.facilitator.facilitator
        response = facilitator_client.post(
            url("clauses:participant_create", world.territory), identity(referent=referent.pk)
        )
        person = Participant.objects.get()
        assert response.status_code == 302
        assert response.url == url("clauses:participant_detail", world.territory, pk=person.pk)
        assert (person.territory, person.birth_year, person.residence_commune_id, person.referent) == (
            world.territory,
            1988,
            "34301",
            referent,
        )
        assert person.is_qpv_resident and person.prescriber == "france_travail" and person.qualification_level == "3"
        assert "Participant enregistré." in html(facilitator_client.get(response.url))

    def test_the_commune_is_found_by_insee_code_or_by_its_suggestion(self, facilitator_client, world):
        facilitator_client.post(url("clauses:participant_create", world.territory), identity(commune="34172"))
        facilitator_client.post(
            url("clauses:participant_create", world.territory),
            identity(commune="Saint-Thibéry (34300)", first_name="Anne", last_name="Roux"),
        )
        assert sorted(Participant.objects.values_list("residence_commune_id", flat=True)) == ["34172", "34300"]

    def test_errors_are_french_and_what_was_typed_is_kept(self, facilitator_client, world):
        response = facilitator_client.post(
            url("clauses:participant_create", world.territory),
            identity(last_name="", birth_date="2999-01-01", commune="Paris", first_name="Hélène"),
        )
        page = html(response)
        assert response.status_code == 200
        assert "Indiquez le nom." in page
        assert "La date de naissance ne peut pas être dans le futur." in page
        assert "Aucune commune « Paris » dans le département" in page
        assert 'value="Hélène"' in page
        assert not Participant.objects.exists()

    def test_an_ambiguous_commune_asks_for_the_insee_code(self, facilitator_client, world):
        response = facilitator_client.post(url("clauses:participant_create", world.territory), identity(commune="S"))
        assert "Plusieurs communes correspondent à « S »" in html(response)


class TestDuplicateWarning:
    @pytest.fixture
    def existing(self, world):
        return ParticipantFactory(
            territory=world.territory, first_name="Hélène", last_name="Lefèvre", birth_date=date(1988, 4, 2)
        )

    def test_same_names_and_birth_date_warn_with_a_link_and_nothing_is_lost(self, facilitator_client, world, existing):
        data = identity(first_name="helene", last_name="LEFEVRE", commune="Montpellier")
        response = facilitator_client.post(url("clauses:participant_create", world.territory), data)
        page = html(response)
        assert response.status_code == 200
        assert 'id="duplicate-warning"' in page and "fr-alert--warning" in page
        assert "Cette personne est peut-être déjà enregistrée" in page
        assert url("clauses:participant_detail", world.territory, pk=existing.pk) in page
        assert "Il s&#x27;agit bien d&#x27;une autre personne" in page or "Il s'agit bien d'une autre personne" in page
        assert 'value="helene"' in page and 'value="LEFEVRE"' in page and 'value="Montpellier"' in page
        assert Participant.objects.count() == 1

    def test_confirming_another_person_registers_it(self, facilitator_client, world, existing):
        data = identity(first_name="helene", last_name="LEFEVRE", confirm_distinct="on")
        response = facilitator_client.post(url("clauses:participant_create", world.territory), data)
        assert response.status_code == 302
        assert Participant.objects.count() == 2

    def test_another_birth_date_or_another_territory_is_not_a_duplicate(
        self, facilitator_client, world, existing, other_territory
    ):
        ParticipantFactory(territory=other_territory, first_name="Paul", last_name="Roux", birth_date=date(1990, 1, 1))
        response = facilitator_client.post(
            url("clauses:participant_create", world.territory), identity(birth_date="1988-04-03")
        )
        assert response.status_code == 302
        response = facilitator_client.post(
            url("clauses:participant_create", world.territory),
            identity(first_name="Paul", last_name="Roux", birth_date="1990-01-01"),
        )
        assert response.status_code == 302

    def test_editing_into_a_duplicate_warns_too(self, facilitator_client, world, existing):
        other = ParticipantFactory(territory=world.territory, first_name="Hélène", last_name="Lefebvre")
        data = identity(last_name="Lefèvre", birth_date="1988-04-02")
        response = facilitator_client.post(url("clauses:participant_update", world.territory, pk=other.pk), data)
        assert 'id="duplicate-warning"' in html(response)
        other.refresh_from_db()
        assert other.last_name == "Lefebvre"


class TestEdit:
    def test_edit_shows_the_record_and_saves(self, facilitator_client, world):
        person = ParticipantFactory(territory=world.territory, first_name="Anne", last_name="Roux")
        person.residence_commune_id = "34172"
        person.save()
        edit = url("clauses:participant_update", world.territory, pk=person.pk)
        page = html(facilitator_client.get(edit))
        assert 'value="Montpellier (34172)"' in page and 'value="Roux"' in page
        data = identity(first_name="Anne", last_name="Roux-Martin", birth_date="1990-05-17", commune="")
        response = facilitator_client.post(edit, data)
        assert response.status_code == 302
        person.refresh_from_db()
        assert person.last_name == "Roux-Martin" and person.residence_commune_id is None

    def test_an_anonymised_record_cannot_be_edited(self, facilitator_client, world):
        person = ParticipantFactory(territory=world.territory, anonymised_at=timezone.now())
        edit = url("clauses:participant_update", world.territory, pk=person.pk)
        response = facilitator_client.get(edit)
        assert response.status_code == 302
        assert facilitator_client.post(edit, identity()).status_code == 302
        assert Participant.objects.get(pk=person.pk).first_name != "Hélène"


# --- Eligibility -------------------------------------------------------------------------------------------------


class TestEligibility:
    @pytest.fixture
    def person(self, world):
        return ParticipantFactory(territory=world.territory, first_name="Inès", last_name="Benali")

    def post(self, client, world, person, **data):
        payload = {"evidence_kind": "caf", "validated_on": "2026-01-05", **data}
        return client.post(url("clauses:participant_eligibility", world.territory, pk=person.pk), payload)

    def test_the_form_says_documents_are_not_stored(self, facilitator_client, world, person):
        page = html(facilitator_client.get(url("clauses:participant_detail", world.territory, pk=person.pk)))
        assert "Les pièces justificatives ne sont pas conservées" in page
        assert "La pièce n&#x27;est pas conservée par l&#x27;application" in page

    def test_a_criterion_is_validated_by_the_user_with_history(self, facilitator_client, world, person):
        rsa = criterion(world.territory, "rsa")
        response = self.post(facilitator_client, world, person, criterion=rsa.pk, valid_until="2026-12-31")
        assert response.status_code == 302 and response.url.endswith("#eligibility")
        validation = EligibilityValidation.objects.get(participant=person)
        assert (validation.criterion, validation.validated_by, validation.valid_until) == (
            rsa,
            world.facilitator.user,
            date(2026, 12, 31),
        )
        assert validation.history.get().history_user == world.facilitator.user
        qpv = criterion(world.territory, "qpv_resident")
        self.post(facilitator_client, world, person, criterion=qpv.pk, evidence_kind="address")
        page = html(facilitator_client.get(url("clauses:participant_detail", world.territory, pk=person.pk)))
        assert "Allocataire du RSA" in page and "Habitant d&#x27;un quartier prioritaire" in page
        assert EligibilityValidation.objects.filter(participant=person).count() == 2

    def test_the_facilitator_decision_requires_its_reason(self, facilitator_client, world, person):
        decision = criterion(world.territory, "facilitator_decision")
        response = self.post(facilitator_client, world, person, criterion=decision.pk, reason="  ")
        assert response.status_code == 200
        assert "exige un motif : décrivez la situation de la personne" in html(response)
        assert not EligibilityValidation.objects.exists()
        reason = "Sortie de détention, suivie par le SPIP ; avis favorable de la Mission locale."
        assert self.post(facilitator_client, world, person, criterion=decision.pk, reason=reason).status_code == 302
        assert EligibilityValidation.objects.get().reason == reason

    def test_validity_before_validation_and_future_dates_are_refused(self, facilitator_client, world, person):
        rsa = criterion(world.territory, "rsa")
        page = html(self.post(facilitator_client, world, person, criterion=rsa.pk, valid_until="2025-12-31"))
        assert "La fin de validité doit suivre la date de validation." in page
        page = html(self.post(facilitator_client, world, person, criterion=rsa.pk, validated_on="2999-01-01"))
        assert "La date de validation ne peut pas être dans le futur." in page
        assert not EligibilityValidation.objects.exists()

    def test_a_criterion_of_another_territory_is_refused(self, facilitator_client, world, person, other_territory):
        from clauses.models import ensure_default_criteria

        ensure_default_criteria(other_territory)
        foreign = criterion(other_territory, "rsa")
        response = self.post(facilitator_client, world, person, criterion=foreign.pk)
        assert response.status_code == 200
        assert not EligibilityValidation.objects.exists()

    def test_a_territory_without_criteria_gets_the_default_list(self, facilitator_client, world, person):
        from clauses.models import EligibilityCriterion

        EligibilityCriterion.objects.all().delete()
        facilitator_client.get(url("clauses:participant_detail", world.territory, pk=person.pk))
        assert EligibilityCriterion.objects.filter(territory=world.territory).count() == 11


# --- Placement ---------------------------------------------------------------------------------------------------


class TestPlacement:
    @pytest.fixture
    def person(self, world):
        return ParticipantFactory(territory=world.territory, first_name="Inès", last_name="Benali")

    def post(self, client, world, person, **data):
        payload = {
            "clause": world.clause.pk,
            "employer_company": world.company.pk,
            "employer_inclusion": "",
            "contract_kind": "cdd",
            "mode": "direct_hiring",
            "start_date": "2026-03-02",
            "end_date": "2026-08-31",
            **data,
        }
        return client.post(url("clauses:participant_placement", world.territory, pk=person.pk), payload)

    def test_the_form_offers_the_clauses_and_the_awarded_companies(self, facilitator_client, world, person):
        response = facilitator_client.get(url("clauses:participant_placement", world.territory, pk=person.pk))
        form = response.context["form"]
        assert world.clause in form.fields["clause"].queryset
        assert set(form.fields["employer_company"].queryset) == {
            world.company,
            world.subcontractor,
            world.stranger_company,
        }
        assert form.companies_by_clause()[str(world.clause.pk)] == sorted([world.company.pk, world.subcontractor.pk])
        assert 'id="placement-companies-by-clause"' in html(response)
        assert "js/participant_placement.js" in html(response)

    def test_a_placement_with_an_awarded_company(self, facilitator_client, world, person):
        response = self.post(facilitator_client, world, person, employer_company=world.subcontractor.pk)
        assert response.status_code == 302
        placement = Placement.objects.get(participant=person)
        assert (placement.clause, placement.employer_company, placement.end_date) == (
            world.clause,
            world.subcontractor,
            date(2026, 8, 31),
        )

    def test_staff_provided_by_an_inclusion_employer(self, facilitator_client, world, person):
        response = self.post(
            facilitator_client,
            world,
            person,
            employer_company="",
            employer_inclusion=world.etti.pk,
            mode=ExecutionMode.STAFF_PROVISION,
            contract_kind=ContractKind.TEMPORARY,
        )
        assert response.status_code == 302
        assert Placement.objects.get(participant=person).employer_inclusion == world.etti

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"end_date": "2026-03-01"}, "La date de fin doit être postérieure ou égale à la date de début."),
            ({"employer_company": ""}, "Indiquez l&#x27;employeur : une entreprise attributaire ou un employeur"),
            ({"employer_inclusion": "ETTI"}, "Indiquez un seul employeur"),
            ({"mode": "staff_provision"}, "Une mise à disposition se fait par un employeur inclusif"),
            ({"start_date": "2028-02-01", "end_date": ""}, "La clause se termine le 31/12/2027"),
        ],
    )
    def test_french_errors(self, facilitator_client, world, person, data, message):
        if data.get("employer_inclusion") == "ETTI":
            data = {**data, "employer_inclusion": world.etti.pk}
        response = self.post(facilitator_client, world, person, **data)
        assert response.status_code == 200
        assert message in html(response)
        assert not Placement.objects.exists()

    def test_a_company_not_awarded_the_clause_lot_is_refused(self, facilitator_client, world, person):
        response = self.post(facilitator_client, world, person, employer_company=world.stranger_company.pk)
        assert "« Routes du Midi » n&#x27;est pas attributaire du lot de cette clause" in html(response)
        assert not Placement.objects.exists()

    def test_a_clause_of_another_territory_is_refused(self, facilitator_client, world, person, other_territory):
        foreign = ClauseFactory(territory=other_territory)
        response = self.post(facilitator_client, world, person, clause=foreign.pk)
        assert response.status_code == 200
        assert not Placement.objects.exists()


# --- Training ----------------------------------------------------------------------------------------------------


class TestTraining:
    def test_add_a_training_and_refuse_an_end_before_its_start(self, facilitator_client, world):
        person = ParticipantFactory(territory=world.territory)
        add = url("clauses:participant_training", world.territory, pk=person.pk)
        data = {"title": "Titre pro maçon", "provider": "AFPA", "start_date": "2026-02-02", "is_qualifying": "on"}
        response = facilitator_client.post(add, {**data, "end_date": "2026-01-30"})
        assert "La date de fin doit être postérieure ou égale à la date de début." in html(response)
        response = facilitator_client.post(add, {**data, "end_date": "2026-06-30", "hours": "420"})
        assert response.status_code == 302
        training = Training.objects.get()
        assert (training.title, training.hours, training.is_qualifying) == ("Titre pro maçon", Decimal("420"), True)

    def test_get_on_a_form_url_goes_back_to_the_page(self, facilitator_client, world):
        person = ParticipantFactory(territory=world.territory)
        response = facilitator_client.get(url("clauses:participant_training", world.territory, pk=person.pk))
        assert response.status_code == 302
        assert response.url.endswith("#trainings")


# --- The pathway page --------------------------------------------------------------------------------------------


def _pathway(world, person, placements=1):
    """``placements`` placements with validated hours, a training, a validation and an outcome."""
    EligibilityValidationFactory(territory=world.territory, participant=person, validated_on=date(2026, 1, 5))
    TrainingFactory(territory=world.territory, participant=person)
    for n in range(placements):
        clause = world.clause if n == 0 else ClauseFactory(territory=world.territory)
        placement = PlacementFactory(
            territory=world.territory,
            participant=person,
            clause=clause,
            employer_company=world.company,
            start_date=date(2026, 2, 1),
            end_date=date(2026, 4, 30),
        )
        MonthlyHoursFactory(territory=world.territory, placement=placement, month=date(2026, 2, 1))
        MonthlyHoursFactory(
            territory=world.territory,
            placement=placement,
            month=date(2026, 3, 1),
            hours_worked=Decimal("35"),
            status=StatementStatus.SUBMITTED,
        )
    OutcomeFactory(
        territory=world.territory,
        participant=person,
        milestone=OutcomeMilestone.END,
        situation=OutcomeSituation.CDD,
        contract_months=4,
    )


class TestPathwayPage:
    def test_timeline_hours_and_outcomes(self, facilitator_client, world):
        person = ParticipantFactory(territory=world.territory, first_name="Inès", last_name="Benali")
        _pathway(world, person)
        response = facilitator_client.get(url("clauses:participant_detail", world.territory, pk=person.pk))
        page = html(response)
        assert "<h1>Inès BENALI</h1>" in page
        kinds = [event.kind for event in response.context["events"]]
        assert kinds == ["eligibility", "placement", "training"]
        assert "34-2026-ECOLE" in page and "CDD chez Bâtisseurs du Sud" in page
        assert "CACES R482 catégorie A" in page
        [row] = response.context["clause_hours"]
        assert (row.clause, row.counted, row.pending) == (world.clause, Decimal("120"), Decimal("35"))
        assert "Emploi de transition" in page and 'data-category="transition"' in page
        assert "Six mois après" in page and "Non renseignée." in page

    def test_an_outcome_due_is_announced(self, facilitator_client, world):
        person = ParticipantFactory(territory=world.territory)
        PlacementFactory(
            territory=world.territory,
            participant=person,
            clause=world.clause,
            employer_company=world.company,
            start_date=date(2026, 1, 5),
            end_date=date(2026, 2, 27),
        )
        page = html(facilitator_client.get(url("clauses:participant_detail", world.territory, pk=person.pk)))
        assert 'id="outcome-due"' in page and "due depuis le 27/02/2026" in page

    def test_query_count_does_not_grow_with_the_pathway(self, facilitator_client, world, django_assert_max_num_queries):
        small = ParticipantFactory(territory=world.territory)
        _pathway(world, small, placements=1)
        big = ParticipantFactory(territory=world.territory)
        _pathway(world, big, placements=6)
        counts = []
        for person in (small, big):
            with django_assert_max_num_queries(18) as captured:
                facilitator_client.get(url("clauses:participant_detail", world.territory, pk=person.pk))
            counts.append(len(captured))
        assert counts[0] == counts[1], counts


# --- List, filters and export ------------------------------------------------------------------------------------


@pytest.fixture
def people(world):
    """Four people of 34 with different profiles (ages this year: Alice 25, Bruno 40, Chloé 55, Denis 30). Alice's
    placement ended a month ago (her end outcome is due), Chloé's in 2025 (both outcomes recorded)."""
    today = timezone.localdate()
    today_year = today.year
    other_facilitator = FacilitatorFactory(territory=world.territory, first_name="Yann", last_name="Kerbrat")
    alice = ParticipantFactory(
        territory=world.territory,
        first_name="Alice",
        last_name="Arnaud",
        birth_date=date(today_year - 25, 3, 1),
        sex="F",
        is_qpv_resident=True,
        prescriber="mission_locale",
        referent=world.facilitator.facilitator,
    )
    bruno = ParticipantFactory(
        territory=world.territory,
        first_name="Bruno",
        last_name="Barre",
        birth_date=date(today_year - 40, 3, 1),
        sex="M",
        prescriber="france_travail",
        referent=other_facilitator,
    )
    chloe = ParticipantFactory(
        territory=world.territory,
        first_name="Chloé",
        last_name="Carré",
        birth_date=date(today_year - 55, 3, 1),
        sex="F",
        prescriber="cap_emploi",
    )
    denis = ParticipantFactory(
        territory=world.territory,
        first_name="Denis",
        last_name="Dupuis",
        birth_date=date(today_year - 30, 3, 1),
        sex="M",
    )
    EligibilityValidationFactory(
        territory=world.territory, participant=alice, criterion=criterion(world.territory, "young_unqualified")
    )
    EligibilityValidationFactory(
        territory=world.territory, participant=bruno, criterion=criterion(world.territory, "rsa")
    )
    PlacementFactory(
        territory=world.territory,
        participant=alice,
        clause=world.clause,
        employer_company=world.company,
        start_date=add_months_to_day(today, -3),
        end_date=add_months_to_day(today, -1),
    )
    other_clause = ClauseFactory(territory=world.territory)
    PlacementFactory(
        territory=world.territory,
        participant=bruno,
        clause=other_clause,
        employer_company=world.subcontractor,
        start_date=date(2026, 1, 5),
    )
    PlacementFactory(
        territory=world.territory,
        participant=chloe,
        clause=world.clause,
        employer_company=world.subcontractor,
        start_date=date(2025, 1, 6),
        end_date=date(2025, 6, 30),
    )
    OutcomeFactory(territory=world.territory, participant=chloe, situation=OutcomeSituation.CDI)
    OutcomeFactory(
        territory=world.territory,
        participant=chloe,
        milestone=OutcomeMilestone.SIX_MONTHS,
        situation=OutcomeSituation.SUBSIDISED,
    )
    return {"alice": alice, "bruno": bruno, "chloe": chloe, "denis": denis, "other_clause": other_clause}


class TestListAndFilters:
    def names(self, client, world, **params):
        response = client.get(url("clauses:participant_list", world.territory), params)
        assert response.status_code == 200
        return {p.first_name for p in response.context["participants"]}

    def test_every_filter(self, facilitator_client, world, people):
        names = lambda **params: self.names(facilitator_client, world, **params)  # noqa: E731
        everyone = {"Alice", "Bruno", "Chloé", "Denis"}
        assert names() == everyone
        assert names(q="dup") == {"Denis"}
        assert names(q="alice arnaud") == {"Alice"}
        assert names(criterion=criterion(world.territory, "rsa").pk) == {"Bruno"}
        assert names(age_band="under_26") == {"Alice"}
        assert names(age_band="26_49") == {"Bruno", "Denis"}
        assert names(age_band="50_plus") == {"Chloé"}
        assert names(sex="M") == {"Bruno", "Denis"}
        assert names(is_qpv_resident="true") == {"Alice"}
        assert names(is_qpv_resident="false") == everyone - {"Alice"}
        assert names(prescriber="cap_emploi") == {"Chloé"}
        assert names(referent=world.facilitator.facilitator.pk) == {"Alice"}
        assert names(company=world.subcontractor.pk) == {"Bruno", "Chloé"}
        assert names(clause=world.clause.pk) == {"Alice", "Chloé"}
        assert names(clause=people["other_clause"].pk) == {"Bruno"}
        assert names(outcome_status="missing") == {"Alice"}
        assert names(outcome_status="transition") == {"Chloé"}  # the latest outcome: a subsidised contract
        assert names(outcome_status="sustainable") == set()
        assert names(sex="F", age_band="50_plus") == {"Chloé"}

    def test_the_list_shows_badges_and_keeps_the_old_search(self, facilitator_client, world, people):
        page = html(facilitator_client.get(url("clauses:participant_list", world.territory), {"q": "dupu"}))
        assert "1 participant pour « dupu »" in page and "DUPUIS" in page
        page = html(facilitator_client.get(url("clauses:participant_list", world.territory)))
        assert "Sortie à renseigner" in page and "Emploi de transition" in page

    def test_an_invalid_filter_shows_nobody(self, facilitator_client, world, people):
        assert self.names(facilitator_client, world, age_band="toddler") == set()

    def test_query_count_does_not_grow(self, facilitator_client, world, people, django_assert_max_num_queries):
        with django_assert_max_num_queries(12):
            facilitator_client.get(url("clauses:participant_list", world.territory), {"sex": "F"})
        for _ in range(25):
            person = ParticipantFactory(territory=world.territory, referent=world.facilitator.facilitator)
            PlacementFactory(territory=world.territory, participant=person, clause=world.clause)
            OutcomeFactory(territory=world.territory, participant=person)
        with django_assert_max_num_queries(12):
            response = facilitator_client.get(url("clauses:participant_list", world.territory))
        assert response.context["paginator"].count == 29


class TestExport:
    def workbook(self, response):
        return load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)

    def test_the_filtered_list_as_xlsx_logged_with_its_row_count(self, coordinator_client, world, people):
        response = coordinator_client.get(url("clauses:participant_export", world.territory), {"sex": "F"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert 'filename="participants-34-' in response["Content-Disposition"]
        book = self.workbook(response)
        rows = list(book["Participants"].iter_rows(values_only=True))
        header = rows[0]
        assert header[:6] == (
            "N° de fiche",
            "Nom",
            "Prénom",
            "Date de naissance",
            "Année de naissance",
            "Tranche d'âge",
        )
        # Trailing empty cells are not written: pad the rows to the header's width.
        by_name = {row[2]: dict(zip(header, row + (None,) * (len(header) - len(row)), strict=True)) for row in rows[1:]}
        assert set(by_name) == {"Alice", "Chloé"}
        alice, chloe = by_name["Alice"], by_name["Chloé"]
        assert alice["Nom"] == "ARNAUD" and alice["Tranche d'âge"] == "Moins de 26 ans"
        assert alice["Habite un QPV"] == "Oui" and alice["Sortie à renseigner"] == "Oui"
        assert alice["Publics validés"].startswith("Jeune de moins de 26 ans")
        assert chloe["Sortie à la fin du contrat"] == "Emploi durable"
        assert chloe["Sortie à six mois"] == "Emploi de transition" and chloe["Mises en emploi"] == 1
        parameters = dict(row[:2] for row in book["Paramètres"].iter_rows(values_only=True))
        assert parameters["Sexe"] == "Femme" and parameters["Personnes"] == 2
        entry = PersonalDataAccess.objects.get()
        assert (entry.action, entry.row_count, entry.user, entry.participant) == (
            AccessAction.EXPORT,
            2,
            world.coordinator.user,
            None,
        )
        assert "Sexe = Femme" in entry.detail

    def test_a_name_starting_with_an_equals_sign_is_exported_as_text(self, coordinator_client, world, people):
        """Typed text never becomes a live formula in the spreadsheet (formula injection)."""
        ParticipantFactory(territory=world.territory, first_name="=1+1", last_name="=HYPERLINK(1)")
        response = coordinator_client.get(url("clauses:participant_export", world.territory))
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        cells = [
            cell for row in book["Participants"].iter_rows() for cell in row if cell.value in ("=1+1", "=HYPERLINK(1)")
        ]
        assert len(cells) == 2
        assert all(cell.data_type == "s" for cell in cells)

    def test_the_name_searched_is_not_written_in_the_journal(self, coordinator_client, world, people):
        coordinator_client.get(url("clauses:participant_export", world.territory), {"q": "Dupuis"})
        entry = PersonalDataAccess.objects.get()
        assert entry.row_count == 1
        assert "Dupuis" not in entry.detail and "recherche par nom" in entry.detail

    def test_export_query_count_is_flat(self, facilitator_client, world, people, django_assert_max_num_queries):
        with django_assert_max_num_queries(14):
            response = facilitator_client.get(url("clauses:participant_export", world.territory))
            b"".join(response.streaming_content)
        for _ in range(20):
            person = ParticipantFactory(territory=world.territory)
            EligibilityValidationFactory(territory=world.territory, participant=person)
        with django_assert_max_num_queries(14):
            response = facilitator_client.get(url("clauses:participant_export", world.territory))
            b"".join(response.streaming_content)

    def test_the_list_links_to_the_export_with_its_filters(self, facilitator_client, world, people):
        page = html(facilitator_client.get(url("clauses:participant_list", world.territory), {"sex": "F", "page": "1"}))
        assert url("clauses:participant_export", world.territory) + "?sex=F" in page


# --- Outcomes due ------------------------------------------------------------------------------------------------


class TestOutcomesDue:
    def test_a_facilitator_sees_the_people_they_refer_a_coordinator_everyone(self, client, world, people):
        # Alice (the facilitator's) ended in February without outcome; Chloé (no referent) is complete; add one more
        # due person referred by someone else.
        other = ParticipantFactory(territory=world.territory, first_name="Eve", last_name="Estève")
        PlacementFactory(
            territory=world.territory,
            participant=other,
            clause=world.clause,
            employer_company=world.company,
            start_date=date(2025, 1, 6),
            end_date=date(2025, 3, 31),
        )
        due_url = url("clauses:participant_outcomes_due", world.territory)
        login(client, world.facilitator)
        response = client.get(due_url)
        assert [p.first_name for p in response.context["participants"]] == ["Alice"]
        assert "À la fin du dernier contrat" in html(response)
        login(client, world.coordinator)
        response = client.get(due_url)
        rows = {p.first_name: [m.value for m, _ in due] for p, due in response.context["rows"]}
        assert rows == {"Eve": ["end", "six_months"], "Alice": ["end"]}

    def test_a_facilitator_account_without_facilitator_record_sees_nobody(self, client, world, people):
        membership = make_member(world.territory, Role.FACILITATOR)
        membership.facilitator.delete()
        client.force_login(membership.user)
        response = client.get(url("clauses:participant_outcomes_due", world.territory))
        assert response.status_code == 200 and not response.context["participants"]

    def test_query_count_does_not_grow(self, coordinator_client, world, django_assert_max_num_queries):
        due_url = url("clauses:participant_outcomes_due", world.territory)
        counts = []
        for n in (2, 25):
            while Participant.objects.count() < n:
                person = ParticipantFactory(territory=world.territory, referent=world.facilitator.facilitator)
                PlacementFactory(
                    territory=world.territory,
                    participant=person,
                    clause=world.clause,
                    end_date=date(2026, 3, 31),
                )
            with django_assert_max_num_queries(10) as captured:
                response = coordinator_client.get(due_url)
            counts.append(len(captured))
            assert len(response.context["rows"]) == n
        assert counts[0] == counts[1]
