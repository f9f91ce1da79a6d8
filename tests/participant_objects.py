"""Objects of the participants' pages (issue 4) for the authorization suite's world, and the data of their POSTs.

The world's participant (Zéphyrine Quaresmolle, 34) has a CDD on the world's clause since February 2026; the
territory gets its default eligibility criteria so that no page has to create them during a request.
"""

from dataclasses import dataclass

from clauses.models import EligibilityCriterion, ensure_default_criteria


@dataclass
class ParticipantObjects:
    criterion: object  # « Allocataire du RSA », of territory 34


def build_participant_objects(territory):
    ensure_default_criteria(territory)
    return ParticipantObjects(criterion=EligibilityCriterion.objects.get(territory=territory, code="rsa"))


def participant_create_data(world):
    return {
        "last_name": "Nouvelle",
        "first_name": "Personne",
        "birth_date": "1995-03-02",
        "sex": "F",
        "qualification_level": "",
        "commune": "",
        "prescriber": "mission_locale",
        "referent": "",
    }


def participant_update_data(world):
    participant = world.participant
    return {
        "last_name": participant.last_name,
        "first_name": participant.first_name,
        "birth_date": participant.birth_date.isoformat(),
        "sex": participant.sex,
        "qualification_level": "3",
        "commune": "",
        "prescriber": "plie",
        "referent": "",
    }


def eligibility_data(world):
    return {"criterion": world.participants.criterion.pk, "evidence_kind": "caf", "validated_on": "2026-01-05"}


def training_data(world):
    return {"title": "CACES R482 catégorie A", "provider": "AFPA", "start_date": "2026-03-02", "hours": "35"}


def outcome_data(world):
    return {"milestone": "end", "situation": "cdi", "observed_on": "2026-06-30"}


def placement_data(world):
    return {
        "clause": world.clause.pk,
        "employer_company": world.company.pk,
        "employer_inclusion": "",
        "contract_kind": "cdi",
        "mode": "direct_hiring",
        "start_date": "2026-04-01",
        "end_date": "",
    }


def anonymise_data(world):
    return {"reason": "Demande d'effacement de la personne", "confirm": "on"}
