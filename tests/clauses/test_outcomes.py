"""Outcome rules (domain notes, "Outcomes"): which situations make an « emploi durable », an « emploi de transition »,
a « sortie positive »; the category is computed on save, one outcome per milestone, and the pathway page shows it."""

import datetime

import pytest
from django.db import IntegrityError

from clauses.enums import OutcomeCategory, OutcomeMilestone
from clauses.enums import OutcomeSituation as S
from clauses.models import Outcome
from clauses.outcomes import outcome_category
from tests.clauses.factories import ParticipantFactory, PlacementFactory
from tests.clauses.participant_helpers import OutcomeFactory, build_people_world, url

SUSTAINABLE, TRANSITION, POSITIVE, NONE, UNKNOWN = (
    OutcomeCategory.SUSTAINABLE,
    OutcomeCategory.TRANSITION,
    OutcomeCategory.POSITIVE,
    OutcomeCategory.NONE,
    OutcomeCategory.UNKNOWN,
)


@pytest.mark.parametrize(
    ("situation", "months", "expected"),
    [
        (S.CDI, None, SUSTAINABLE),
        (S.CDD, 6, SUSTAINABLE),
        (S.CDD, 12, SUSTAINABLE),
        (S.CDD, 5, TRANSITION),
        (S.CDD, 1, TRANSITION),
        (S.CDD, None, TRANSITION),  # length unknown: not proven durable
        (S.TEMPORARY, 6, SUSTAINABLE),
        (S.TEMPORARY, 8, SUSTAINABLE),
        (S.TEMPORARY, 3, TRANSITION),
        (S.CIVIL_SERVICE, None, SUSTAINABLE),
        (S.BUSINESS_CREATION, None, SUSTAINABLE),
        (S.SUBSIDISED, None, TRANSITION),
        (S.SUBSIDISED, 12, TRANSITION),  # a subsidised contract stays a transition, however long
        (S.QUALIFYING_TRAINING, None, POSITIVE),
        (S.SIAE_HIRING, None, POSITIVE),
        (S.JOBSEEKER, None, NONE),
        (S.OTHER, None, NONE),
        (S.UNKNOWN, None, UNKNOWN),
    ],
)
def test_outcome_category(situation, months, expected):
    assert outcome_category(situation, months) == expected


def test_every_situation_has_a_category():
    for situation in S:
        assert outcome_category(situation, None) in OutcomeCategory.values


@pytest.mark.django_db
class TestOutcomeRows:
    def test_category_is_computed_on_save_and_follows_a_change(self, territory):
        outcome = OutcomeFactory(territory=territory, situation=S.CDD, contract_months=4)
        assert outcome.category == TRANSITION
        outcome.contract_months = 9
        outcome.save()
        assert Outcome.objects.get(pk=outcome.pk).category == SUSTAINABLE

    def test_one_outcome_per_milestone_in_the_database(self, territory):
        person = ParticipantFactory(territory=territory)
        OutcomeFactory(territory=territory, participant=person, milestone=OutcomeMilestone.END)
        OutcomeFactory(territory=territory, participant=person, milestone=OutcomeMilestone.SIX_MONTHS)
        with pytest.raises(IntegrityError):
            OutcomeFactory(territory=territory, participant=person, milestone=OutcomeMilestone.END)


@pytest.mark.django_db
class TestOutcomeForm:
    @pytest.fixture
    def world(self, territory):
        return build_people_world(territory)

    @pytest.fixture
    def person(self, world):
        person = ParticipantFactory(territory=world.territory, first_name="Inès", last_name="Benali")
        PlacementFactory(
            territory=world.territory,
            participant=person,
            clause=world.clause,
            employer_company=world.company,
            start_date=datetime.date(2026, 1, 5),
            end_date=datetime.date(2026, 6, 30),
        )
        return person

    def post(self, client, world, person, **data):
        client.force_login(world.facilitator.user)
        payload = {"milestone": "end", "situation": "cdi", "observed_on": "2026-07-01", **data}
        return client.post(url("clauses:participant_outcome", world.territory, pk=person.pk), payload)

    def test_a_cdd_of_six_months_is_recorded_as_sustainable_employment_with_its_badge(self, client, world, person):
        response = self.post(client, world, person, situation="cdd", contract_months="6", employer_name="Sud BTP")
        assert response.status_code == 302
        assert response.url.endswith("#outcomes")
        outcome = Outcome.objects.get(participant=person)
        assert (outcome.category, outcome.contract_months, outcome.recorded_by) == (
            SUSTAINABLE,
            6,
            world.facilitator.user,
        )
        page = client.get(response.url).content.decode()
        assert "Sortie enregistrée : Emploi durable." in page
        assert 'data-category="sustainable"' in page and "fr-badge--success" in page

    def test_a_cdd_without_its_length_is_refused_in_french(self, client, world, person):
        response = self.post(client, world, person, situation="cdd")
        assert response.status_code == 200
        assert "Indiquez la durée du contrat en mois" in response.content.decode()
        assert not Outcome.objects.exists()

    def test_months_given_for_a_cdi_are_ignored(self, client, world, person):
        self.post(client, world, person, contract_months="3")
        assert Outcome.objects.get(participant=person).contract_months is None

    def test_a_second_outcome_for_the_same_milestone_is_refused_in_french_and_the_first_is_kept(
        self, client, world, person
    ):
        assert self.post(client, world, person).status_code == 302
        response = self.post(client, world, person, situation="jobseeker")
        html = response.content.decode()
        assert response.status_code == 200
        assert "La sortie « À la fin du dernier contrat » est déjà enregistrée pour cette personne" in html
        assert Outcome.objects.get(participant=person).situation == S.CDI

    def test_the_six_months_outcome_is_recorded_after_the_end_one(self, client, world, person):
        self.post(client, world, person)
        response = self.post(client, world, person, milestone="six_months", situation="qualifying_training")
        assert response.status_code == 302
        categories = dict(Outcome.objects.filter(participant=person).values_list("milestone", "category"))
        assert categories == {"end": SUSTAINABLE, "six_months": POSITIVE}

    def test_a_date_in_the_future_is_refused(self, client, world, person):
        response = self.post(client, world, person, observed_on="2999-01-01")
        assert "La date constatée ne peut pas être dans le futur." in response.content.decode()
