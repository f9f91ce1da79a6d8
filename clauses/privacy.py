"""Personal data of participants: the access journal, anonymisation (on request or at the end of the retention period)
and the right of access (what the app holds about a person).

Anonymising a participant wipes what identifies them and keeps what the statistics read:

- wiped: first and last names (replaced by « Anonyme »), birth date (the birth year stays), residence commune, the
  reasons written for their eligibility validations, the employer's name and notes of their outcomes, the providers
  of their trainings, the comments of their monthly hours lines — in the rows *and* in their history tables
  (``simple_history`` keeps every past version);
- redacted: free text shared with other people, which may name the person, has the person's names replaced by
  « [anonymisé] » (the rest stays readable for the others): the facilitator's comment on the company statements of
  the clauses they were placed on, the reasons of those statements' history (« Renvoyé pour correction : … »,
  « Rouvert : … ») and of their lines' history, the comments of the other people's lines on those statements, and
  the details of the person's own access-journal entries (the reason typed for an anonymisation on request);
- kept: birth year, sex, qualification level, QPV flag, prescriber, the criteria validated and their dates, placements
  and monthly hours (so the hours counted per clause do not move), outcomes' situations and categories, training
  titles, durations and whether they qualify;
- kept too: the referent facilitator. The link names a professional, not the person; once the person's identity is
  gone it identifies no one, and it keeps the per-facilitator figures (participants followed) true.
"""

import logging
import re
import unicodedata
from collections import defaultdict
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .enums import AccessAction
from .models import (
    EligibilityValidation,
    MonthlyHours,
    Outcome,
    Participant,
    PersonalDataAccess,
    Placement,
    Statement,
    Training,
)
from .participants import inactive_participants, participant_hours

logger = logging.getLogger(__name__)

ANONYMOUS = "Anonyme"
WIPED_REASON = "Motif effacé lors de l'anonymisation."
REDACTED = "[anonymisé]"
# Workflow reasons the application writes itself: they never name anybody, no need to read them.
FIXED_REASONS = ("Relevé transmis", "Relevé validé")
MIN_NAME_PART = 3  # shorter parts of a compound name (« de », « Li ») are only redacted as part of the full name


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


# --- Names in free text ------------------------------------------------------------------------------------------


def _fold(text):
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _letter_variants():
    """{'e': 'eEéÉèÈ…', …}: every Latin letter with its accented forms, so « Hélène » matches « HELENE »."""
    variants = defaultdict(set)
    for code in (*range(ord("A"), ord("Z") + 1), *range(0xC0, 0x250)):
        char = chr(code)
        base = _fold(char)
        if len(base) == 1 and base.isalpha():
            variants[base].update((char, char.lower(), char.upper()))
    return {base: "".join(sorted(chars)) for base, chars in variants.items()}


_VARIANTS = _letter_variants()
_SEPARATOR = re.compile(r"[\s\-'’]+")


def _term_pattern(term):
    out = []
    for word in _SEPARATOR.split(term.strip()):
        out.append(
            "".join(
                f"[{re.escape(_VARIANTS[_fold(char)])}]" if _fold(char) in _VARIANTS else re.escape(char)
                for char in word
            )
        )
    return r"[\s\-'’]+".join(out)


def name_terms(first_name, last_name):
    """What may name a person in free text: the first and last names, whole and word by word (long enough words)."""
    names = [name.strip() for name in (first_name, last_name) if name and name.strip() and name.strip() != ANONYMOUS]
    terms = set(names)
    if len(names) == 2:
        terms.update((f"{names[0]} {names[1]}", f"{names[1]} {names[0]}"))
    for name in names:
        terms.update(part for part in _SEPARATOR.split(name) if len(part) >= MIN_NAME_PART)
    return terms


def name_pattern(terms):
    """A regex matching any of ``terms`` as whole words, case- and accent-insensitively; None when no term."""
    terms = sorted({term for term in terms if term.strip()}, key=lambda term: (-len(term), term))
    if not terms:
        return None
    alternatives = "|".join(_term_pattern(term) for term in terms)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def redact(text, pattern):
    """``text`` with every match of ``pattern`` replaced by « [anonymisé] »."""
    if not text or pattern is None:
        return text
    return pattern.sub(REDACTED, text)


def _redact_rows(queryset, fields, key, patterns):
    """Redact the names in ``fields`` of the rows of ``queryset``: the pattern of a row is ``patterns[row's key]``.

    Reads only the rows with some text in one of the fields; writes only those whose text changed.
    """
    has_text = reduce(or_, (Q(**{f"{field}__gt": ""}) for field in fields))
    model = queryset.model
    limits = [model._meta.get_field(field).max_length for field in fields]  # « [anonymisé] » may be longer
    changed = []
    for pk, group, *texts in queryset.filter(has_text).values_list("pk", key, *fields).iterator(chunk_size=2000):
        pattern = patterns.get(group)
        new = [
            redacted[:limit] if limit and redacted else redacted
            for redacted, limit in zip((redact(text, pattern) for text in texts), limits, strict=True)
        ]
        if new != texts:
            changed.append(model(pk=pk, **dict(zip(fields, new, strict=True))))
    if changed:
        model.objects.bulk_update(changed, fields, batch_size=500)
    return len(changed)


def _redact_shared_text(territory_id, names):
    """Replace the names of the people ``names`` ({participant id: (first, last)}) in the free text they share with
    others: the comment and history reasons of the statements of the clauses they were placed on (any month: a
    comment may name someone before they start or after they leave), the reasons and comments of those statements'
    lines."""
    people_by_clause = defaultdict(set)
    placements = Placement.objects.filter(territory_id=territory_id, participant_id__in=list(names))
    for clause_id, participant_id in placements.values_list("clause_id", "participant_id").distinct():
        people_by_clause[clause_id].add(participant_id)
    people_by_statement = {
        statement_id: people_by_clause[clause_id]
        for statement_id, clause_id in Statement.objects.filter(
            territory_id=territory_id, clause_id__in=list(people_by_clause)
        ).values_list("pk", "clause_id")
    }
    if not people_by_statement:
        return
    patterns, cache = {}, {}
    for statement_id, people in people_by_statement.items():
        key = frozenset(people)
        if key not in cache:
            cache[key] = name_pattern(set().union(*(name_terms(*names[pk]) for pk in people)))
        patterns[statement_id] = cache[key]
    statement_ids = list(patterns)
    in_statements = {"territory_id": territory_id, "statement_id__in": statement_ids}
    _redact_rows(
        Statement.objects.filter(territory_id=territory_id, pk__in=statement_ids), ["review_comment"], "pk", patterns
    )
    _redact_rows(
        Statement.history.model.objects.filter(territory_id=territory_id, id__in=statement_ids).exclude(
            history_change_reason__in=FIXED_REASONS, review_comment=""
        ),
        ["review_comment", "history_change_reason"],
        "id",
        patterns,
    )
    _redact_rows(MonthlyHours.objects.filter(**in_statements), ["comment"], "statement_id", patterns)
    _redact_rows(
        MonthlyHours.history.model.objects.filter(**in_statements).exclude(
            history_change_reason__in=FIXED_REASONS, comment=""
        ),
        ["comment", "history_change_reason"],
        "statement_id",
        patterns,
    )


# --- Anonymisation -----------------------------------------------------------------------------------------------


@transaction.atomic
def anonymise_participants(territory_id, participant_ids, now=None):
    """Anonymise the given participants of a territory (those not already anonymised); returns their ids.

    A handful of UPDATE statements for the rows that belong to the people whatever their number; the text they share
    with others (statements) is read and rewritten only where it holds something. Idempotent: an anonymised
    participant is skipped.
    """
    now = now or timezone.now()
    names = {
        pk: (first, last)
        for pk, first, last in Participant.objects.select_for_update()
        .filter(territory_id=territory_id, pk__in=list(participant_ids), anonymised_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "first_name", "last_name")
    }
    ids = list(names)
    if not ids:
        return []
    # Shared text first: it is found through the names, which are wiped just after.
    _redact_shared_text(territory_id, names)
    patterns = {pk: name_pattern(name_terms(*name)) for pk, name in names.items()}
    _redact_rows(
        PersonalDataAccess.objects.filter(territory_id=territory_id, participant_id__in=ids),
        ["detail"],
        "participant_id",
        patterns,
    )
    Participant.objects.filter(territory_id=territory_id, pk__in=ids).update(
        first_name=ANONYMOUS, last_name=ANONYMOUS, birth_date=None, residence_commune=None, anonymised_at=now
    )
    mine = {"territory_id": territory_id, "participant_id__in": ids}
    for model in (EligibilityValidation, EligibilityValidation.history.model):
        model.objects.filter(**mine).exclude(reason="").update(reason=WIPED_REASON)
    for model in (Outcome, Outcome.history.model):
        model.objects.filter(**mine).update(employer_name="", notes="")
    Training.objects.filter(**mine).update(provider="")
    lines = {"territory_id": territory_id, "placement__participant_id__in": ids}
    for model in (MonthlyHours, MonthlyHours.history.model):
        model.objects.filter(**lines).exclude(comment="").update(comment="")
    return ids


def anonymise(participant, membership, reason):
    """A coordinator anonymises one person on request; logged (ANONYMISE) with the reason given, the person's names
    redacted from it. Returns False when the person was already anonymised (nothing done, nothing logged)."""
    pattern = name_pattern(name_terms(participant.first_name, participant.last_name))
    done = anonymise_participants(participant.territory_id, [participant.pk])
    if not done:
        return False
    log_access(membership, AccessAction.ANONYMISE, participant, detail=f"Motif : {redact(reason.strip(), pattern)}")
    participant.refresh_from_db()
    return True


def retention_detail(territory):
    years = territory.retention_years
    return f"Aucune activité depuis plus de {years} an{'s' if years > 1 else ''} (durée de conservation du territoire)"


def anonymise_inactive(territory, today=None, *, dry_run=False):
    """Anonymise the territory's participants whose last activity is older than its retention period, and record
    each one in the access journal as an automatic anonymisation (an entry without a user).

    Returns the ids concerned; with ``dry_run`` nothing is written (the ids are those that would be anonymised).
    """
    today = today or timezone.localdate()
    ids = list(inactive_participants(territory, today).values_list("pk", flat=True))
    if dry_run or not ids:
        return ids
    with transaction.atomic():
        done = anonymise_participants(territory.pk, ids)
        detail = retention_detail(territory)
        PersonalDataAccess.objects.bulk_create(
            [
                PersonalDataAccess(
                    territory_id=territory.pk,
                    user=None,
                    participant_id=pk,
                    action=AccessAction.ANONYMISE,
                    detail=detail,
                    row_count=1,
                )
                for pk in done
            ],
            batch_size=1000,
        )
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
            {"le": timezone.localtime(entry.at).replace(microsecond=0), "action": entry.action_label}
            for entry in access_log
        ],
    }
