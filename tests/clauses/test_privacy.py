"""Personal data of participants (RGPD): who sees what on every participant page and export, the access journal,
the right of access (JSON, PDF), anonymisation on request and the retention task (what is wiped, what statistics stay
equal, idempotency)."""

import datetime
import json
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import CharField, TextField
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from clauses.enums import AccessAction, OutcomeMilestone, OutcomeSituation, StatementStatus
from clauses.hours import counted_total, monthly_figures
from clauses.models import (
    Clause,
    EligibilityValidation,
    MonthlyHours,
    Outcome,
    Participant,
    PersonalDataAccess,
    Training,
)
from clauses.participants import participant_hours
from clauses.privacy import (
    ANONYMOUS,
    WIPED_REASON,
    anonymise,
    anonymise_inactive,
    name_pattern,
    name_terms,
    redact,
    right_of_access_data,
)
from clauses.statements import send_back
from clauses.tasks_privacy import anonymise_inactive_participants
from tests.clauses.factories import (
    ClauseFactory,
    EligibilityValidationFactory,
    MonthlyHoursFactory,
    ParticipantFactory,
    PlacementFactory,
    StatementFactory,
)
from tests.clauses.participant_helpers import OutcomeFactory, TrainingFactory, build_people_world, criterion, url
from tests.conftest import make_member
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db

FIRST, LAST = "Zéphyrine", "Quaresmolle"


# --- Visibility: every role, every participant page and export ---------------------------------------------------


@pytest.fixture
def world(territory, other_territory):
    people = build_people_world(territory)
    person = ParticipantFactory(territory=territory, first_name=FIRST, last_name=LAST, birth_date=date(1990, 5, 17))
    placement = PlacementFactory(
        territory=territory, participant=person, clause=people.clause, employer_company=people.company
    )
    statement = StatementFactory(
        territory=territory, clause=people.clause, company=people.company, status=StatementStatus.SUBMITTED
    )
    MonthlyHoursFactory(territory=territory, placement=placement, statement=statement, status=StatementStatus.SUBMITTED)
    members = {
        Role.COORDINATOR: people.coordinator,
        Role.FACILITATOR: people.facilitator,
        Role.BUYER: make_member(territory, Role.BUYER, people.clause.lot.market.buyer),
        Role.COMMITTEE: make_member(territory, Role.COMMITTEE),
        Role.COMPANY: make_member(territory, Role.COMPANY, people.company),  # the person's employer
    }
    foreign = ParticipantFactory(territory=other_territory, first_name="Odile", last_name="Étrangère")
    return {
        "people": people,
        "person": person,
        "statement": statement,
        "members": members,
        "foreign": foreign,
        "foreign_members": {role: make_member(other_territory, role) for role in Role},
    }


OK, FORBIDDEN, NOT_FOUND = 200, 403, 404
STAFF_OK = {Role.COORDINATOR: OK, Role.FACILITATOR: OK}
COORDINATOR_OK = {Role.COORDINATOR: OK, Role.FACILITATOR: FORBIDDEN}
# (URL name, takes the person's pk, statuses of the allowed roles, status of every other role)
PAGES = [
    ("clauses:participant_list", False, STAFF_OK, FORBIDDEN),
    ("clauses:participant_create", False, STAFF_OK, FORBIDDEN),
    ("clauses:participant_export", False, STAFF_OK, FORBIDDEN),
    ("clauses:participant_outcomes_due", False, STAFF_OK, FORBIDDEN),
    ("clauses:participant_access_log", False, {Role.COORDINATOR: OK}, FORBIDDEN),
    ("clauses:participant_detail", True, STAFF_OK, NOT_FOUND),
    ("clauses:participant_update", True, STAFF_OK, NOT_FOUND),
    ("clauses:participant_placement", True, STAFF_OK, NOT_FOUND),
    ("clauses:participant_data_json", True, COORDINATOR_OK, NOT_FOUND),
    ("clauses:participant_data_pdf", True, COORDINATOR_OK, NOT_FOUND),
    ("clauses:participant_anonymise", True, COORDINATOR_OK, NOT_FOUND),
]


def _page_url(name, with_pk, territory_code, pk):
    kwargs = {"territory_code": territory_code, **({"pk": pk} if with_pk else {})}
    return reverse(name, kwargs=kwargs)


def _body(response):
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
@pytest.mark.parametrize(("name", "with_pk", "allowed", "refused"), PAGES, ids=[page[0] for page in PAGES])
def test_every_role_on_every_participant_page(client, world, role, name, with_pk, allowed, refused):
    client.force_login(world["members"][role].user)
    response = client.get(_page_url(name, with_pk, "34", world["person"].pk))
    expected = allowed.get(role, refused)
    assert response.status_code == expected
    if expected != OK:
        body = _body(response).decode(errors="replace").lower()
        assert LAST.lower() not in body and FIRST.lower() not in body
        assert not PersonalDataAccess.objects.exists(), "a refused request was logged as an access"


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
@pytest.mark.parametrize(("name", "with_pk"), [(p[0], p[1]) for p in PAGES], ids=[p[0] for p in PAGES])
def test_the_other_territory_is_a_404_both_ways(client, world, role, name, with_pk):
    # A member of 34 asking for 95's person under /34/, and a member of 95 asking /34/ pages.
    client.force_login(world["members"][role].user)
    if with_pk:
        response = client.get(_page_url(name, with_pk, "34", world["foreign"].pk))
        assert response.status_code == NOT_FOUND
        assert "étrangère" not in _body(response).decode().lower()
    client.force_login(world["foreign_members"][role].user)
    response = client.get(_page_url(name, with_pk, "34", world["person"].pk))
    assert response.status_code == NOT_FOUND
    assert not PersonalDataAccess.objects.exists()


def test_the_company_sees_the_name_on_its_statement_but_never_the_participant_pages(client, world):
    client.force_login(world["members"][Role.COMPANY].user)
    statement = client.get(url("clauses:statement_detail", world["people"].territory, pk=world["statement"].pk))
    assert statement.status_code == 200 and LAST.upper() in statement.content.decode().upper()
    detail = client.get(url("clauses:participant_detail", world["people"].territory, pk=world["person"].pk))
    assert detail.status_code == NOT_FOUND


@pytest.mark.parametrize("role", [Role.BUYER, Role.COMMITTEE, Role.COMPANY])
def test_roles_without_access_cannot_write_on_a_person(client, world, role):
    client.force_login(world["members"][role].user)
    territory, person = world["people"].territory, world["person"]
    posts = {
        "clauses:participant_eligibility": {"criterion": criterion(territory, "rsa").pk, "evidence_kind": "caf"},
        "clauses:participant_outcome": {"milestone": "end", "situation": "cdi", "observed_on": "2026-06-30"},
        "clauses:participant_training": {"title": "x", "start_date": "2026-01-01"},
        "clauses:participant_anonymise": {"reason": "x", "confirm": "on"},
        "clauses:participant_update": {"first_name": "X", "last_name": "Y", "birth_date": "1990-05-17", "sex": "F"},
    }
    for name, data in posts.items():
        assert client.post(url(name, territory, pk=person.pk), data).status_code == NOT_FOUND
    person.refresh_from_db()
    assert person.last_name == LAST and person.anonymised_at is None
    assert not EligibilityValidation.objects.exists() and not Outcome.objects.exists()


# --- The access journal ------------------------------------------------------------------------------------------


class TestAccessJournal:
    def test_every_display_of_a_record_is_logged(self, client, world):
        facilitator = world["members"][Role.FACILITATOR]
        territory, person = world["people"].territory, world["person"]
        client.force_login(facilitator.user)
        client.get(url("clauses:participant_detail", territory, pk=person.pk))
        client.get(url("clauses:participant_update", territory, pk=person.pk))
        entries = list(PersonalDataAccess.objects.order_by("at", "pk"))
        assert [(e.action, e.user, e.participant, e.row_count) for e in entries] == [
            (AccessAction.VIEW, facilitator.user, person, 1),
            (AccessAction.VIEW, facilitator.user, person, 1),
        ]
        assert entries[0].territory == territory

    def test_an_invalid_form_re_renders_the_record_and_logs_it(self, client, world):
        client.force_login(world["members"][Role.FACILITATOR].user)
        territory, person = world["people"].territory, world["person"]
        client.post(url("clauses:participant_training", territory, pk=person.pk), {"title": ""})
        assert PersonalDataAccess.objects.filter(action=AccessAction.VIEW).count() == 1

    def test_lists_do_not_log_but_exports_do(self, client, world):
        client.force_login(world["members"][Role.FACILITATOR].user)
        territory = world["people"].territory
        client.get(url("clauses:participant_list", territory))
        assert not PersonalDataAccess.objects.exists()
        response = client.get(url("clauses:participant_export", territory))
        b"".join(response.streaming_content)
        entry = PersonalDataAccess.objects.get()
        assert (entry.action, entry.row_count, entry.participant) == (AccessAction.EXPORT, 1, None)

    def test_the_coordinator_reads_and_filters_the_journal(self, client, world):
        territory, person = world["people"].territory, world["person"]
        coordinator, facilitator = world["members"][Role.COORDINATOR], world["members"][Role.FACILITATOR]
        other = ParticipantFactory(territory=territory, first_name="Paul", last_name="Roux")
        client.force_login(facilitator.user)
        client.get(url("clauses:participant_detail", territory, pk=person.pk))
        client.get(url("clauses:participant_detail", territory, pk=other.pk))
        old = PersonalDataAccess.objects.get(participant=other)
        PersonalDataAccess.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=40))
        client.force_login(coordinator.user)
        client.get(url("clauses:participant_data_json", territory, pk=person.pk))
        journal = url("clauses:participant_access_log", territory)

        def rows(**params):
            response = client.get(journal, params)
            assert response.status_code == 200
            return [(e.user, e.participant, e.action) for e in response.context["entries"]]

        assert len(rows()) == 3
        assert rows(user=facilitator.user.pk) == [
            (facilitator.user, person, AccessAction.VIEW),
            (facilitator.user, other, AccessAction.VIEW),
        ]
        assert rows(participant=str(other.pk)) == [(facilitator.user, other, AccessAction.VIEW)]
        assert rows(participant="roux") == [(facilitator.user, other, AccessAction.VIEW)]
        assert rows(action="access_request") == [(coordinator.user, person, AccessAction.ACCESS_REQUEST)]
        since = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
        assert {participant for _, participant, _ in rows(start=since)} == {person}
        page = client.get(journal).content.decode()
        assert "Export au titre du droit d&#x27;accès" in page and "Droit d&#x27;accès : JSON" in page

    def test_journal_query_count_is_flat(self, client, world, django_assert_max_num_queries):
        coordinator = world["members"][Role.COORDINATOR]
        client.force_login(coordinator.user)
        journal = url("clauses:participant_access_log", world["people"].territory)
        client.get(journal)
        for _ in range(30):
            person = ParticipantFactory(territory=world["people"].territory)
            PersonalDataAccess.objects.create(
                territory=person.territory, user=coordinator.user, participant=person, action=AccessAction.VIEW
            )
        with django_assert_max_num_queries(9):
            response = client.get(journal)
        assert response.context["paginator"].count == 30


# --- Right of access ---------------------------------------------------------------------------------------------


@pytest.fixture
def full_record(world):
    """The person with a commune, a referent, two validations (one reasoned), hours, a training and an outcome."""
    people, person = world["people"], world["person"]
    territory = people.territory
    commune = CommuneFactory(insee_code="34301", name="Sète", department=territory.department)
    person.residence_commune = commune
    person.referent = people.facilitator.facilitator
    person.prescriber = "mission_locale"
    person.save()
    EligibilityValidationFactory(
        territory=territory,
        participant=person,
        criterion=criterion(territory, "rsa"),
        validated_by=people.facilitator.user,
        validated_on=date(2026, 1, 5),
    )
    EligibilityValidationFactory(
        territory=territory,
        participant=person,
        criterion=criterion(territory, "facilitator_decision"),
        validated_by=people.facilitator.user,
        validated_on=date(2026, 1, 6),
        reason="Suivie par le SPIP après une incarcération",
    )
    TrainingFactory(territory=territory, participant=person, title="CACES R482", provider="Formations Dupont-Sète")
    OutcomeFactory(
        territory=territory,
        participant=person,
        situation=OutcomeSituation.CDD,
        contract_months=7,
        employer_name="Boulangerie Quaresmolle",
        notes="Embauchée chez son oncle",
    )
    return person


class TestRightOfAccess:
    def test_json_holds_everything_and_is_logged(self, client, world, full_record):
        coordinator = world["members"][Role.COORDINATOR]
        client.force_login(coordinator.user)
        response = client.get(url("clauses:participant_data_json", world["people"].territory, pk=full_record.pk))
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="donnees-participant-{full_record.pk}.json"'
        data = json.loads(response.content)
        assert data["identite"]["nom"] == LAST and data["identite"]["prenom"] == FIRST
        assert data["identite"]["date_de_naissance"] == "1990-05-17"
        assert data["identite"]["commune_de_residence"] == "Sète (34301)"
        assert data["identite"]["prescripteur"] == "Mission locale"
        assert [row["critere"] for row in data["eligibilite"]] == [
            "Allocataire du RSA",
            "Décision motivée du facilitateur (avis d'un prescripteur)",
        ]
        assert data["eligibilite"][1]["motif"] == "Suivie par le SPIP après une incarcération"
        assert "Aucune pièce justificative n'est conservée" in data["pieces_justificatives"]
        [placement] = data["mises_en_emploi"]
        assert placement["employeur"] == "Bâtisseurs du Sud" and placement["type_de_contrat"] == "CDD"
        assert placement["heures_mensuelles"] == [
            {"mois": "2026-02", "heures_travaillees": 120.0, "heures_de_formation": 0.0, "statut": "Transmis"}
        ]
        assert data["heures_par_clause"][0]["en_attente"] == 120.0
        assert data["formations"][0]["organisme"] == "Formations Dupont-Sète"
        assert data["sorties"][0]["type_de_sortie"] == "Emploi durable"
        assert data["sorties"][0]["employeur"] == "Boulangerie Quaresmolle"
        entry = PersonalDataAccess.objects.get()
        assert (entry.action, entry.user, entry.participant) == (
            AccessAction.ACCESS_REQUEST,
            coordinator.user,
            full_record,
        )
        assert data["consultations_de_la_fiche"][0]["action"] == "Export au titre du droit d'accès"

    def test_pdf_holds_the_same_data_and_is_logged(self, client, world, full_record):
        client.force_login(world["members"][Role.COORDINATOR].user)
        response = client.get(url("clauses:participant_data_pdf", world["people"].territory, pk=full_record.pk))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert PersonalDataAccess.objects.get().detail == "Droit d'accès : PDF"
        if shutil.which("pdftotext") is None:
            pytest.skip("pdftotext (poppler-utils) is not installed")
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
        text = " ".join(text.split())  # table cells wrap their text over several lines
        for expected in (
            "Vos données personnelles",
            LAST,
            FIRST,
            "17/05/1990",
            "Allocataire du RSA",
            "Suivie par le SPIP",
            "Bâtisseurs du Sud",
            "CACES R482",
            "Emploi durable",
            "Aucune pièce justificative n'est conservée",
        ):
            assert expected in text, expected


# --- Anonymisation on request ------------------------------------------------------------------------------------


class TestAnonymiseOnRequest:
    def test_a_coordinator_anonymises_with_a_reason_and_confirmation(self, client, world, full_record):
        coordinator = world["members"][Role.COORDINATOR]
        territory = world["people"].territory
        client.force_login(coordinator.user)
        anonymise_url = url("clauses:participant_anonymise", territory, pk=full_record.pk)
        assert "Cette action est définitive" in client.get(anonymise_url).content.decode()
        response = client.post(anonymise_url, {"reason": ""})
        page = response.content.decode()
        assert "Indiquez le motif de l&#x27;anonymisation." in page
        assert "Cochez la case pour confirmer l&#x27;anonymisation." in page
        assert Participant.objects.get(pk=full_record.pk).anonymised_at is None
        response = client.post(anonymise_url, {"reason": "Demande de la personne du 3 mars", "confirm": "on"})
        assert response.status_code == 302
        person = Participant.objects.get(pk=full_record.pk)
        assert (person.first_name, person.last_name, person.birth_date) == (ANONYMOUS, ANONYMOUS, None)
        entry = PersonalDataAccess.objects.get(action=AccessAction.ANONYMISE)
        assert (entry.user, entry.participant, entry.detail) == (
            coordinator.user,
            person,
            "Motif : Demande de la personne du 3 mars",
        )
        page = client.get(response.url).content.decode()
        assert "Données anonymisées le" in page and LAST not in page
        assert 'id="eligibility-form"' not in page and "Placer sur une clause" not in page

    def test_what_is_wiped_and_what_is_kept_including_the_history(self, world, full_record):
        person = full_record
        assert anonymise(person, world["members"][Role.COORDINATOR], "Demande")
        person.refresh_from_db()
        assert (person.first_name, person.last_name, person.birth_date, person.residence_commune) == (
            ANONYMOUS,
            ANONYMOUS,
            None,
            None,
        )
        assert (person.birth_year, person.sex, person.prescriber) == (1990, "F", "mission_locale")
        assert person.referent == world["people"].facilitator.facilitator  # kept: see clauses.privacy
        reasons = set(EligibilityValidation.objects.filter(participant=person).values_list("reason", flat=True))
        assert reasons == {"", WIPED_REASON}
        history = EligibilityValidation.history.filter(participant_id=person.pk)
        assert "Suivie par le SPIP après une incarcération" not in set(history.values_list("reason", flat=True))
        outcome = Outcome.objects.get(participant=person)
        assert (outcome.employer_name, outcome.notes, outcome.category) == ("", "", "sustainable")
        assert not Outcome.history.filter(participant_id=person.pk).exclude(employer_name="").exists()
        training = Training.objects.get(participant=person)
        assert (training.title, training.provider) == ("CACES R482", "")
        dump = json.dumps(right_of_access_data(person), cls=DjangoJSONEncoder, ensure_ascii=False)
        for secret in (LAST, FIRST, "1990-05-17", "Sète", "SPIP", "oncle", "Dupont"):
            assert secret not in dump, secret

    def test_anonymising_twice_does_nothing_the_second_time(self, world, full_record):
        coordinator = world["members"][Role.COORDINATOR]
        assert anonymise(full_record, coordinator, "Demande") is True
        stamp = Participant.objects.get(pk=full_record.pk).anonymised_at
        assert anonymise(full_record, coordinator, "Encore") is False
        assert Participant.objects.get(pk=full_record.pk).anonymised_at == stamp
        assert PersonalDataAccess.objects.filter(action=AccessAction.ANONYMISE).count() == 1


# --- Retention ---------------------------------------------------------------------------------------------------


def _set_created(participant, day):
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    Participant.objects.filter(pk=participant.pk).update(created_at=moment)


@pytest.fixture
def archive(territory, other_territory):
    """On 15 June 2026 with a five-year retention: Anna's last activity is in 2020 (anonymised); Boris worked until
    2019 but his six-month outcome was recorded in 2022 (kept); Carla is active; Dora (95, retention 10 years) too old
    for 34's rule but not for hers."""
    other_territory.retention_years = 10
    other_territory.save()
    people = build_people_world(territory)
    rsa, rqth = criterion(territory, "rsa"), criterion(territory, "rqth")
    old_clause = ClauseFactory(territory=territory, start_date=date(2018, 1, 1), end_date=date(2020, 12, 31))

    def person(first, last, born, created, start, end, sex="F"):
        participant = ParticipantFactory(
            territory=territory, first_name=first, last_name=last, birth_date=born, sex=sex
        )
        _set_created(participant, created)
        EligibilityValidationFactory(
            territory=territory,
            participant=participant,
            criterion=rsa,
            validated_on=start,
            reason="Motif personnel",
        )
        placement = PlacementFactory(
            territory=territory,
            participant=participant,
            clause=old_clause,
            employer_company=people.company,
            start_date=start,
            end_date=end,
        )
        month = start.replace(day=1)
        while month <= end:
            MonthlyHoursFactory(territory=territory, placement=placement, month=month, hours_worked=Decimal("100"))
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        return participant

    anna = person("Anna", "Ancienne", date(1970, 2, 3), date(2018, 3, 1), date(2018, 3, 1), date(2020, 4, 30))
    EligibilityValidationFactory(territory=territory, participant=anna, criterion=rqth, validated_on=date(2018, 3, 2))
    OutcomeFactory(
        territory=territory,
        participant=anna,
        situation=OutcomeSituation.SUBSIDISED,
        observed_on=date(2020, 5, 2),
        employer_name="Mairie",
    )
    TrainingFactory(territory=territory, participant=anna, start_date=date(2019, 1, 7), end_date=date(2019, 2, 8))
    boris = person("Boris", "Bertin", date(1999, 7, 8), date(2018, 5, 1), date(2018, 5, 1), date(2019, 6, 30), "M")
    OutcomeFactory(territory=territory, participant=boris, observed_on=date(2019, 7, 1))
    OutcomeFactory(
        territory=territory,
        participant=boris,
        milestone=OutcomeMilestone.SIX_MONTHS,
        situation=OutcomeSituation.CDD,
        contract_months=3,
        observed_on=date(2022, 1, 10),
    )
    carla = person("Carla", "Costa", date(1985, 1, 1), date(2025, 9, 1), date(2020, 1, 1), date(2020, 6, 30))
    PlacementFactory(
        territory=territory, participant=carla, clause=people.clause, start_date=date(2026, 1, 5), end_date=None
    )
    dora = ParticipantFactory(territory=other_territory, first_name="Dora", last_name="Durand")
    _set_created(dora, date(2018, 1, 1))
    return {"territory": territory, "anna": anna, "boris": boris, "carla": carla, "dora": dora, "clause": old_clause}


def _statistics(territory, clause):
    """What the committee reads, which anonymisation must leave equal."""
    people = Participant.objects.in_territory(territory).order_by("pk")
    return {
        "counted_total": counted_total(territory, Clause.objects.filter(pk=clause.pk)),
        "monthly_figures": monthly_figures(clause),
        "hours_per_person": [
            [(row.clause.pk, row.counted, row.pending) for row in participant_hours(person)] for person in people
        ],
        "birth_years": list(people.values_list("birth_year", flat=True)),
        "sexes": list(people.values_list("sex", flat=True)),
        "criteria": sorted(
            EligibilityValidation.objects.filter(territory=territory).values_list(
                "criterion__code", "participant_id", "validated_on"
            )
        ),
        "outcomes": sorted(
            Outcome.objects.filter(territory=territory).values_list(
                "participant_id", "milestone", "situation", "category"
            )
        ),
        "trainings": list(
            Training.objects.filter(territory=territory).values_list(
                "participant_id", "title", "hours", "is_qualifying"
            )
        ),
    }


class TestRetention:
    TODAY = date(2026, 6, 15)

    def test_dry_run_lists_without_writing(self, archive):
        assert anonymise_inactive(archive["territory"], self.TODAY, dry_run=True) == [archive["anna"].pk]
        assert not Participant.objects.filter(anonymised_at__isnull=False).exists()

    def test_the_task_anonymises_the_inactive_and_keeps_the_statistics(self, archive):
        territory = archive["territory"]
        before = _statistics(territory, archive["clause"])
        assert anonymise_inactive_participants.delay(self.TODAY.isoformat()).get() == 1
        anna = Participant.objects.get(pk=archive["anna"].pk)
        assert (anna.first_name, anna.last_name, anna.birth_date, anna.birth_year) == (ANONYMOUS, ANONYMOUS, None, 1970)
        assert anna.anonymised_at is not None
        assert set(
            EligibilityValidation.objects.filter(participant=anna).exclude(reason="").values_list("reason", flat=True)
        ) == {WIPED_REASON}
        assert Outcome.objects.get(participant=anna).employer_name == ""
        for kept in ("boris", "carla", "dora"):
            person = Participant.objects.get(pk=archive[kept].pk)
            assert person.anonymised_at is None and person.last_name == archive[kept].last_name, kept
        assert EligibilityValidation.objects.filter(participant=archive["boris"]).get().reason == "Motif personnel"
        assert _statistics(territory, archive["clause"]) == before
        # The automatic anonymisation is in the journal: one entry per person, by no one.
        entry = PersonalDataAccess.objects.get()
        assert (entry.territory, entry.participant, entry.action, entry.user, entry.row_count) == (
            territory,
            anna,
            AccessAction.ANONYMISE,
            None,
            1,
        )
        assert entry.action_label == "Anonymisation automatique (durée de conservation)"
        assert entry.detail == "Aucune activité depuis plus de 5 ans (durée de conservation du territoire)"

    def test_the_task_is_idempotent(self, archive):
        assert anonymise_inactive_participants(self.TODAY.isoformat()) == 1
        stamp = Participant.objects.get(pk=archive["anna"].pk).anonymised_at
        assert anonymise_inactive_participants(self.TODAY.isoformat()) == 0
        assert Participant.objects.get(pk=archive["anna"].pk).anonymised_at == stamp
        assert PersonalDataAccess.objects.count() == 1

    def test_later_the_others_follow_each_with_its_territory_period(self, archive):
        # 2027-01-11: Boris's last activity (10 January 2022) is more than five years old; Dora (95) keeps ten years.
        anonymise_inactive_participants("2027-01-11")
        anonymised = set(Participant.objects.filter(anonymised_at__isnull=False).values_list("first_name", flat=True))
        assert anonymised == {ANONYMOUS}
        assert set(Participant.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True)) == {
            archive["anna"].pk,
            archive["boris"].pk,
        }
        entries = PersonalDataAccess.objects.filter(user__isnull=True)
        assert sorted(entries.values_list("participant_id", "territory_id")) == sorted(
            [(archive["anna"].pk, archive["territory"].pk), (archive["boris"].pk, archive["territory"].pk)]
        )

    def test_the_task_is_scheduled_daily(self):
        entry = settings.CELERY_BEAT_SCHEDULE["anonymise-inactive-participants"]
        assert entry["task"] == "clauses.tasks_privacy.anonymise_inactive_participants"
        assert entry["schedule"].hour == {2} and entry["schedule"].day_of_week == set(range(7))

    def test_an_anonymised_person_is_no_longer_proposed_as_a_duplicate(self, archive):
        from clauses.participants import find_duplicates

        anonymise_inactive_participants(self.TODAY.isoformat())
        assert find_duplicates(archive["territory"], "Anna", "Ancienne", date(1970, 2, 3)) == []

    def test_the_coordinator_sees_the_automatic_anonymisations_in_the_journal(
        self, client, archive, django_assert_max_num_queries
    ):
        territory = archive["territory"]
        coordinator = make_member(territory, Role.COORDINATOR)
        PersonalDataAccess.objects.create(
            territory=territory, user=coordinator.user, participant=archive["carla"], action=AccessAction.VIEW
        )
        anonymise_inactive_participants("2027-01-11")  # Anna and Boris
        client.force_login(coordinator.user)
        journal = url("clauses:participant_access_log", territory)
        client.get(journal)
        with django_assert_max_num_queries(9):
            response = client.get(journal)
        assert [(e.user, e.participant_id, e.action) for e in response.context["entries"]] == [
            (None, archive["boris"].pk, AccessAction.ANONYMISE),
            (None, archive["anna"].pk, AccessAction.ANONYMISE),
            (coordinator.user, archive["carla"].pk, AccessAction.VIEW),
        ]
        page = response.content.decode()
        assert page.count("Anonymisation automatique (durée de conservation)") == 2
        assert page.count('data-automatic="true"') == 2 and "Automatique (application)" in page
        assert "Aucune activité depuis plus de 5 ans" in page
        assert "Ancienne" not in page and "Bertin" not in page
        # The action filter finds them; filtering on a person's user leaves them out.
        response = client.get(journal, {"action": "anonymise"})
        assert [e.participant_id for e in response.context["entries"]] == [archive["boris"].pk, archive["anna"].pk]
        response = client.get(journal, {"user": coordinator.user.pk})
        assert [e.participant_id for e in response.context["entries"]] == [archive["carla"].pk]
        # The person's right of access lists it too.
        anna = Participant.objects.get(pk=archive["anna"].pk)
        assert right_of_access_data(anna)["consultations_de_la_fiche"][0]["action"] == (
            "Anonymisation automatique (durée de conservation)"
        )

    def test_only_the_automatic_anonymisation_goes_without_a_user(self, archive):
        with pytest.raises(IntegrityError), transaction.atomic():
            PersonalDataAccess.objects.create(
                territory=archive["territory"], participant=archive["carla"], action=AccessAction.VIEW
            )

    def test_retention_wipes_the_comments_of_the_monthly_lines(self, archive):
        anna, boris = archive["anna"], archive["boris"]
        line = MonthlyHours.objects.filter(placement__participant=anna).order_by("month").first()
        line.comment = "Anna en arrêt maladie une semaine"
        line.save()
        kept = MonthlyHours.objects.filter(placement__participant=boris).order_by("month").first()
        kept.comment = "Boris en formation"
        kept.save()
        anonymise_inactive_participants(self.TODAY.isoformat())
        assert MonthlyHours.objects.get(pk=line.pk).comment == ""
        assert not MonthlyHours.history.filter(id=line.pk).exclude(comment="").exists()
        assert MonthlyHours.objects.get(pk=kept.pk).comment == "Boris en formation"


# --- Free text naming the person ---------------------------------------------------------------------------------


def _text_holding(*words):
    """Every (model, field, value) of the clauses app, history tables included, whose text holds one of ``words``."""
    found = []
    for model in apps.get_app_config("clauses").get_models():
        for field in model._meta.get_fields():
            if not isinstance(field, CharField | TextField) or field.choices:
                continue
            for word in words:
                for value in model.objects.filter(**{f"{field.name}__icontains": word}).values_list(
                    field.name, flat=True
                ):
                    found.append((model.__name__, field.name, value))
    return found


class TestFreeTextAtAnonymisation:
    @pytest.fixture
    def texts(self, world, full_record):
        """The person's line commented; a coworker's line on the same statement, commenting on her; the statement
        sent back with a comment naming both; another statement of the clause, without her hours, naming her."""
        people, statement = world["people"], world["statement"]
        territory = people.territory
        line = MonthlyHours.objects.get(placement__participant=full_record)
        line.comment = "Zéphyrine absente trois jours"
        line.save()
        coworker = PlacementFactory(
            territory=territory,
            participant=ParticipantFactory(territory=territory, first_name="Paul", last_name="Roux"),
            clause=people.clause,
            employer_company=people.company,
        )
        coworker_line = MonthlyHoursFactory(
            territory=territory,
            placement=coworker,
            statement=statement,
            status=StatementStatus.SUBMITTED,
            comment="Remplace QUARESMOLLE pendant son absence",
        )
        send_back(
            statement,
            people.facilitator.user,
            "Mme QUARESMOLLE Zephyrine : trop d'heures. Paul Roux : juste.",
        )
        elsewhere = StatementFactory(
            territory=territory,
            clause=people.clause,
            company=people.company,
            month=date(2025, 12, 1),
            review_comment="Mme Quaresmolle commence en février.",
        )
        return {"line": line, "coworker_line": coworker_line, "elsewhere": elsewhere}

    def test_on_request_what_names_her_is_wiped_or_redacted(self, world, full_record, texts):
        statement = world["statement"]
        before = _statistics(world["people"].territory, world["people"].clause)
        holding = {(model, field) for model, field, _ in _text_holding(LAST, FIRST, "Zephyrine")}
        assert {("Participant", "last_name"), ("HistoricalStatement", "history_change_reason")} < holding
        assert anonymise(
            full_record, world["members"][Role.COORDINATOR], "Demande de Zéphyrine Quaresmolle par courrier"
        )
        # Her own line: the comment is wiped, in the history too.
        assert MonthlyHours.objects.get(pk=texts["line"].pk).comment == ""
        assert not MonthlyHours.history.filter(id=texts["line"].pk).exclude(comment="").exists()
        # Shared text: her names are replaced, what concerns the others stays readable.
        statement.refresh_from_db()
        assert statement.review_comment == "Mme [anonymisé] : trop d'heures. Paul Roux : juste."
        reason = "Renvoyé pour correction : Mme [anonymisé] : trop d'heures. Paul Roux : juste."
        assert statement.history.latest().history_change_reason == reason
        assert MonthlyHours.history.filter(id=texts["coworker_line"].pk).latest().history_change_reason == reason
        assert (
            MonthlyHours.objects.get(pk=texts["coworker_line"].pk).comment == "Remplace [anonymisé] pendant son absence"
        )
        entry = PersonalDataAccess.objects.get(action=AccessAction.ANONYMISE)
        assert entry.detail == "Motif : Demande de [anonymisé] par courrier"
        # A statement of the clause she has no hours on, which names her, is redacted too.
        texts["elsewhere"].refresh_from_db()
        assert texts["elsewhere"].review_comment == "Mme [anonymisé] commence en février."
        # No text of the clauses app holds her names any more, in the history neither.
        assert _text_holding(LAST, FIRST, "Zephyrine") == []
        assert _statistics(world["people"].territory, world["people"].clause) == before

    def test_the_names_match_whatever_the_case_accents_and_hyphens(self):
        pattern = name_pattern(name_terms("Jean-Noël", "Le Bihan"))
        assert redact("JEAN NOEL absent ; le bihan aussi ; Noël et Bihan ; Jeanne, Noëlle, Le Pen", pattern) == (
            "[anonymisé] absent ; [anonymisé] aussi ; [anonymisé] et [anonymisé] ; Jeanne, Noëlle, Le Pen"
        )
        assert name_pattern(name_terms(ANONYMOUS, ANONYMOUS)) is None
