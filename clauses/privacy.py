"""Personal data of participants: the access journal, anonymisation (on request or at the end of the retention period)
and the right of access (what the app holds about a person).

Anonymising a participant wipes what identifies them and keeps what the statistics read:

- wiped: first and last names (replaced by « Anonyme »), birth date (the birth year stays), residence commune, the
  reasons written for their eligibility validations, the employer's name and notes of their outcomes, the providers
  of their trainings — in the rows *and* in their history tables (``simple_history`` keeps every past version);
- kept: birth year, sex, qualification level, QPV flag, prescriber, the criteria validated and their dates, placements
  and monthly hours (so the hours counted per clause do not move), outcomes' situations and categories, training
  titles, durations and whether they qualify;
- kept too: the referent facilitator. The link names a professional, not the person; once the person's identity is
  gone it identifies no one, and it keeps the per-facilitator figures (participants followed) true.
"""

import logging

from django.db import transaction
from django.utils import timezone

from .enums import AccessAction
from .models import EligibilityValidation, Outcome, Participant, PersonalDataAccess, Training
from .participants import inactive_participants, participant_hours

logger = logging.getLogger(__name__)

ANONYMOUS = "Anonyme"
WIPED_REASON = "Motif effacé lors de l'anonymisation."


def log_access(membership, action, participant=None, detail="", row_count=1):
    """Record that ``membership``'s user displayed or exported participants' identities."""
    return PersonalDataAccess.objects.create(
        territory_id=membership.territory_id,
        user_id=membership.user_id,
        participant=participant,
        action=action,
        detail=detail[:300],
        row_count=row_count,
    )


# --- Anonymisation -----------------------------------------------------------------------------------------------


@transaction.atomic
def anonymise_participants(territory_id, participant_ids, now=None):
    """Anonymise the given participants of a territory (those not already anonymised); returns their ids.

    A handful of UPDATE statements whatever the number of people. Idempotent: an anonymised participant is skipped.
    """
    now = now or timezone.now()
    ids = list(
        Participant.objects.select_for_update()
        .filter(territory_id=territory_id, pk__in=list(participant_ids), anonymised_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return []
    Participant.objects.filter(territory_id=territory_id, pk__in=ids).update(
        first_name=ANONYMOUS, last_name=ANONYMOUS, birth_date=None, residence_commune=None, anonymised_at=now
    )
    mine = {"territory_id": territory_id, "participant_id__in": ids}
    for model in (EligibilityValidation, EligibilityValidation.history.model):
        model.objects.filter(**mine).exclude(reason="").update(reason=WIPED_REASON)
    for model in (Outcome, Outcome.history.model):
        model.objects.filter(**mine).update(employer_name="", notes="")
    Training.objects.filter(**mine).update(provider="")
    return ids


def anonymise(participant, membership, reason):
    """A coordinator anonymises one person on request; logged (ANONYMISE) with the reason given. Returns False when the
    person was already anonymised (nothing done, nothing logged)."""
    done = anonymise_participants(participant.territory_id, [participant.pk])
    if not done:
        return False
    log_access(membership, AccessAction.ANONYMISE, participant, detail=f"Motif : {reason.strip()}")
    participant.refresh_from_db()
    return True


def anonymise_inactive(territory, today=None, *, dry_run=False):
    """Anonymise the territory's participants whose last activity is older than its retention period.

    Returns the ids concerned; with ``dry_run`` nothing is written (the ids are those that would be anonymised).
    """
    today = today or timezone.localdate()
    ids = list(inactive_participants(territory, today).values_list("pk", flat=True))
    if dry_run or not ids:
        return ids
    done = anonymise_participants(territory.pk, ids)
    logger.info("Retention: %s participant(s) of %s anonymised.", len(done), territory.code)
    return done


# --- Right of access ---------------------------------------------------------------------------------------------


def _day(value):
    return value or None


def _hours(value):
    return float(value) if value is not None else None


def _clause_label(clause):
    market = clause.lot.market
    return f"{market.reference} — lot {clause.lot.number} — {market.object} ({market.buyer.name})"


def right_of_access_data(participant):
    """Everything the app holds about a person, in French, for a right-of-access request (JSON or PDF). Dates are
    ``date`` / ``datetime`` values (``DjangoJSONEncoder`` writes them in ISO 8601), hours are floats.

    Evidence documents are not stored: only the kind of evidence seen and the date, which are listed.
    """
    participant = (
        Participant.objects.select_related("territory", "residence_commune", "referent__organisation")
        .prefetch_related("eligibilities__criterion", "eligibilities__validated_by", "trainings", "outcomes")
        .get(pk=participant.pk)
    )
    placements = list(
        participant.placements.select_related(
            "clause__lot__market__buyer", "employer_company", "employer_inclusion"
        ).prefetch_related("monthly_hours")
    )
    referent = participant.referent
    access_log = PersonalDataAccess.objects.filter(
        territory_id=participant.territory_id, participant=participant
    ).order_by("at")
    return {
        "responsable_du_traitement": participant.territory.name,
        "produit_le": timezone.localtime().replace(microsecond=0),
        "pieces_justificatives": (
            "Aucune pièce justificative n'est conservée : seuls le type de pièce vue et la date de validation sont "
            "enregistrés."
        ),
        "identite": {
            "numero_de_fiche": participant.pk,
            "nom": participant.last_name,
            "prenom": participant.first_name,
            "date_de_naissance": _day(participant.birth_date),
            "annee_de_naissance": participant.birth_year,
            "sexe": participant.get_sex_display(),
            "niveau_de_qualification": participant.get_qualification_level_display() or None,
            "commune_de_residence": str(participant.residence_commune) if participant.residence_commune else None,
            "habite_un_qpv": participant.is_qpv_resident,
            "prescripteur": participant.get_prescriber_display() or None,
            "facilitateur_referent": (
                f"{referent.full_name} ({referent.organisation.name})" if referent is not None else None
            ),
            "fiche_creee_le": timezone.localtime(participant.created_at).date(),
            "anonymisee_le": timezone.localtime(participant.anonymised_at).date()
            if participant.anonymised_at
            else None,
        },
        "eligibilite": [
            {
                "critere": validation.criterion.label,
                "piece_vue": validation.get_evidence_kind_display(),
                "validee_le": _day(validation.validated_on),
                "valable_jusqu_au": _day(validation.valid_until),
                "motif": validation.reason or None,
                "validee_par": validation.validated_by.get_full_name() or validation.validated_by.email,
            }
            for validation in sorted(participant.eligibilities.all(), key=lambda v: (v.validated_on, v.pk))
        ],
        "mises_en_emploi": [
            {
                "clause": _clause_label(placement.clause),
                "employeur": str(placement.employer),
                "type_de_contrat": placement.get_contract_kind_display(),
                "modalite": placement.get_mode_display(),
                "debut": _day(placement.start_date),
                "fin": _day(placement.end_date),
                "heures_mensuelles": [
                    {
                        "mois": f"{line.month:%Y-%m}",
                        "heures_travaillees": _hours(line.hours_worked),
                        "heures_de_formation": _hours(line.training_hours),
                        "statut": line.get_status_display(),
                    }
                    for line in sorted(placement.monthly_hours.all(), key=lambda line: line.month)
                ],
            }
            for placement in placements
        ],
        "heures_par_clause": [
            {
                "clause": _clause_label(row.clause),
                "comptabilisees": _hours(row.counted),
                "en_attente": _hours(row.pending),
            }
            for row in participant_hours(participant, placements)
        ],
        "formations": [
            {
                "intitule": training.title,
                "organisme": training.provider or None,
                "debut": _day(training.start_date),
                "fin": _day(training.end_date),
                "duree_heures": _hours(training.hours),
                "qualifiante": training.is_qualifying,
            }
            for training in sorted(participant.trainings.all(), key=lambda t: (t.start_date, t.pk))
        ],
        "sorties": [
            {
                "echeance": outcome.get_milestone_display(),
                "situation": outcome.get_situation_display(),
                "duree_du_contrat_mois": outcome.contract_months,
                "type_de_sortie": outcome.get_category_display(),
                "constatee_le": _day(outcome.observed_on),
                "employeur": outcome.employer_name or None,
                "commentaire": outcome.notes or None,
            }
            for outcome in sorted(participant.outcomes.all(), key=lambda o: (o.observed_on, o.pk))
        ],
        "consultations_de_la_fiche": [
            {"le": timezone.localtime(entry.at).replace(microsecond=0), "action": entry.get_action_display()}
            for entry in access_log
        ],
    }
