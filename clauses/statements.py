"""Monthly statements: entering hours, submitting, validating, sending back and reopening.

Each transition is one function, atomic, with the rows locked; the history (django-simple-history) keeps who, when and
why. Lines mirror their statement's status, so the counting rules (``clauses.hours``) read lines only.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from markets.enums import AwardRole
from markets.models import LotAward

from .enums import ContractKind, StatementStatus
from .hours import MAX_MONTHLY_HOURS, hours_label
from .models import HoursAllocation, MonthlyHours, Placement, Statement


class TransitionError(Exception):
    """A workflow step that is not allowed now; the message is for the user (French)."""


def first_of_month(day):
    return day.replace(day=1)


def next_month(month):
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month):
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def placements_active_in(clause, month):
    """Placements of a clause that overlap ``month``."""
    return clause.placements.filter(start_date__lt=next_month(month)).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=month)
    )


def holder_company_id(clause):
    award = (
        LotAward.objects.filter(territory_id=clause.territory_id, lot_id=clause.lot_id, role=AwardRole.HOLDER)
        .order_by("pk")
        .values_list("company_id", flat=True)
        .first()
    )
    return award


def reporting_company_id(placement, holder_id):
    """The company whose statement carries a placement's hours: its employer, or for staff provided by an inclusion
    employer (ETTI, AI, GEIQ…), the lot's holder — the hours count for the company that owes the clause."""
    return placement.employer_company_id or holder_id


def statement_for(clause, company_id, month):
    statement, _ = Statement.objects.get_or_create(
        territory_id=clause.territory_id, clause=clause, company_id=company_id, month=month
    )
    return statement


# --- Entering hours -------------------------------------------------------------------------------------------------


@dataclass
class Entry:
    """One row typed in a grid or read from a file."""

    placement_id: int
    hours_worked: object
    training_hours: object = "0"
    version: int | None = None  # the line's version the user started from (None: a new line)
    row: int | None = None  # line number in a file, for messages


@dataclass
class SaveResult:
    errors: dict = field(default_factory=dict)  # placement_id -> list of French messages
    conflicts: list = field(default_factory=list)  # placement_ids changed by someone else meanwhile
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self):
        return not self.errors and not self.conflicts


def parse_hours(value, label):
    """A number of hours typed by a person: '12', '12,5', '12.5', '' (zero). Returns (Decimal, error)."""
    text = str(value if value is not None else "").strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
    if text == "":
        return Decimal("0"), None
    try:
        hours = Decimal(text)
    except InvalidOperation:
        return None, f"{label} : « {value} » n'est pas un nombre d'heures."
    if not hours.is_finite():
        return None, f"{label} : « {value} » n'est pas un nombre d'heures."
    if hours < 0:
        return None, f"{label} : les heures ne peuvent pas être négatives."
    if hours > MAX_MONTHLY_HOURS:
        return None, f"{label} : {hours} h dépasse le maximum mensuel ({MAX_MONTHLY_HOURS} h)."
    if hours != hours.quantize(Decimal("0.01")):
        return None, f"{label} : deux décimales au plus."
    return hours, None


def save_month(clause, month, entries, user, *, company_id=None, allowed_statuses=None):
    """Save the hours typed for ``clause`` and ``month`` (all or nothing).

    ``company_id`` limits the entries to that company's placements (a company contact); ``allowed_statuses`` are the
    statement statuses that may be edited (a validated statement is locked: reopen it first). Returns a SaveResult;
    nothing is written unless it is ``ok``. A line changed by someone else since the user loaded it is a conflict: the
    other person's values are kept.
    """
    allowed_statuses = allowed_statuses or (StatementStatus.DRAFT, StatementStatus.RETURNED, StatementStatus.SUBMITTED)
    result = SaveResult()
    month = first_of_month(month)
    placements = {
        p.pk: p
        # clause_id too: the related manager sets the known clause on each row, a deferred key costs a query per row.
        for p in placements_active_in(clause, month).only("pk", "clause_id", "employer_company_id", "contract_kind")
    }
    holder_id = holder_company_id(clause)
    parsed = {}
    for entry in entries:
        placement = placements.get(entry.placement_id)
        messages = []
        if placement is None:
            messages.append("Cette mise en emploi ne couvre pas ce mois sur cette clause.")
        elif company_id is not None and reporting_company_id(placement, holder_id) != company_id:
            messages.append("Cette mise en emploi n'est pas déclarée par votre entreprise.")
        worked, error = parse_hours(entry.hours_worked, "Heures travaillées")
        if error:
            messages.append(error)
        training, error = parse_hours(entry.training_hours, "Heures de formation")
        if error:
            messages.append(error)
        if entry.placement_id in parsed:
            messages.append("Cette mise en emploi apparaît deux fois.")
        if messages:
            result.errors.setdefault(entry.placement_id, []).extend(messages)
        else:
            parsed[entry.placement_id] = (entry, worked, training)
    if result.errors:
        return result

    with transaction.atomic():
        existing = {
            line.placement_id: line
            for line in MonthlyHours.objects.select_for_update().filter(
                territory_id=clause.territory_id, placement_id__in=list(parsed), month=month
            )
        }
        statements = {}
        to_create, to_update = [], []
        for placement_id, (entry, worked, training) in parsed.items():
            placement = placements[placement_id]
            line = existing.get(placement_id)
            if line is not None and entry.version is not None and line.version != entry.version:
                result.conflicts.append(placement_id)
                continue
            if line is None and entry.version not in (None, 0):
                result.conflicts.append(placement_id)  # deleted meanwhile
                continue
            company = reporting_company_id(placement, holder_id)
            if company is None:
                result.errors[placement_id] = ["Aucune entreprise titulaire : impossible de rattacher ces heures."]
                continue
            if company not in statements:
                statements[company] = statement_for(clause, company, month)
            statement = statements[company]
            if statement.status not in allowed_statuses:
                result.errors[placement_id] = [
                    f"Le relevé de {month:%m/%Y} est {statement.get_status_display().lower()} : "
                    "il ne peut plus être modifié (rouvrez-le d'abord)."
                ]
                continue
            if line is None:
                to_create.append(
                    MonthlyHours(
                        territory_id=clause.territory_id,
                        placement_id=placement_id,
                        statement=statement,
                        month=month,
                        hours_worked=worked,
                        training_hours=training,
                        status=statement.status,
                    )
                )
            elif line.hours_worked != worked or line.training_hours != training or line.statement_id != statement.pk:
                line.hours_worked, line.training_hours = worked, training
                line.statement, line.status = statement, statement.status
                line.version += 1
                to_update.append(line)
            else:
                result.unchanged += 1
        _check_allocations(to_update, placements, result)
        if not result.ok:
            transaction.set_rollback(True)
            return result
        try:
            with transaction.atomic():
                bulk_create_with_history(to_create, MonthlyHours, default_user=user, batch_size=1000)
        except IntegrityError:
            # Someone created the same lines at the same moment: theirs are kept.
            result.conflicts.extend(line.placement_id for line in to_create)
            transaction.set_rollback(True)
            return result
        bulk_update_with_history(
            to_update,
            MonthlyHours,
            ["hours_worked", "training_hours", "statement", "status", "version", "updated_at"],
            default_user=user,
            batch_size=1000,
        )
        result.created, result.updated = len(to_create), len(to_update)
    return result


def _check_allocations(to_update, placements, result):
    """A line shared out by globalisation may not fall below the hours it credits: reduce the shares first."""
    if not to_update:
        return
    allocated = dict(
        HoursAllocation.objects.filter(territory_id=to_update[0].territory_id, line__in=[line.pk for line in to_update])
        .values("line_id")
        .annotate(total=Sum("hours"))
        .values_list("line_id", "total")
    )
    for line in to_update:
        shared = allocated.get(line.pk)
        if shared is None:
            continue
        kind = placements[line.placement_id].contract_kind
        available = line.hours_worked + (line.training_hours if kind in ContractKind.work_study() else 0)
        if available < shared:
            result.errors[line.placement_id] = [
                f"{hours_label(shared)} h de cette ligne sont réparties entre plusieurs clauses (accord de "
                f"globalisation) : réduisez d'abord la répartition pour passer à {hours_label(available)} h."
            ]


# --- Workflow ---------------------------------------------------------------------------------------------------


def _transition(statement, user, *, allowed_from, to, reason="", expected_version=None, **fields):
    with transaction.atomic():
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        if expected_version is not None and statement.version != expected_version:
            raise TransitionError("Ce relevé a été modifié entre-temps par quelqu'un d'autre : rechargez la page.")
        if statement.status not in allowed_from:
            raise TransitionError(
                f"Ce relevé est {statement.get_status_display().lower()} : cette action n'est pas possible."
            )
        statement.status = to
        statement.version += 1
        for name, value in fields.items():
            setattr(statement, name, value)
        statement._change_reason = reason
        statement._history_user = user
        statement.save()
        lines = list(statement.lines.select_for_update())
        now = timezone.now()
        for line in lines:
            line.status = to
            line.version += 1
            if to == StatementStatus.VALIDATED:
                line.validated_by, line.validated_at = user, now
            elif line.validated_at:
                line.validated_by, line.validated_at = None, None
        bulk_update_with_history(
            lines,
            MonthlyHours,
            ["status", "version", "validated_by", "validated_at"],
            default_user=user,
            default_change_reason=reason,
        )
    return statement


def submit(statement, user, expected_version=None):
    """The company (or a facilitator for it) sends its statement for validation."""
    return _transition(
        statement,
        user,
        allowed_from=(StatementStatus.DRAFT, StatementStatus.RETURNED),
        to=StatementStatus.SUBMITTED,
        reason="Relevé transmis",
        expected_version=expected_version,
        submitted_by=user,
        submitted_at=timezone.now(),
    )


def validate(statement, user, expected_version=None):
    """A facilitator validates a statement: its hours count (eligibility permitting) and it is locked."""
    return _transition(
        statement,
        user,
        allowed_from=(StatementStatus.SUBMITTED, StatementStatus.DRAFT),
        to=StatementStatus.VALIDATED,
        reason="Relevé validé",
        expected_version=expected_version,
        reviewed_by=user,
        reviewed_at=timezone.now(),
        review_comment="",
    )


def send_back(statement, user, comment, expected_version=None):
    """A facilitator returns a submitted statement to the company with a comment (required)."""
    comment = (comment or "").strip()
    if not comment:
        raise TransitionError("Expliquez à l'entreprise ce qu'elle doit corriger.")
    return _transition(
        statement,
        user,
        allowed_from=(StatementStatus.SUBMITTED,),
        to=StatementStatus.RETURNED,
        reason=f"Renvoyé pour correction : {comment}",
        expected_version=expected_version,
        reviewed_by=user,
        reviewed_at=timezone.now(),
        review_comment=comment,
    )


def reopen(statement, user, reason, expected_version=None):
    """A facilitator unlocks a validated statement to correct it; the reason is kept in the history."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError("Indiquez pourquoi ce relevé validé doit être rouvert.")
    return _transition(
        statement,
        user,
        allowed_from=(StatementStatus.VALIDATED,),
        to=StatementStatus.DRAFT,
        reason=f"Rouvert : {reason}",
        expected_version=expected_version,
        reviewed_by=user,
        reviewed_at=timezone.now(),
    )


def months_owed(company, today, clauses=None):
    """(clause, month) pairs for which ``company`` owes a statement that is not yet submitted or validated: months
    from each placement's start up to last month, for the clauses where the company reports placements."""
    last_month = previous_month(first_of_month(today))
    placements = Placement.objects.filter(territory_id=company.territory_id, start_date__lte=last_month.replace(day=28))
    placements = placements.filter(
        Q(employer_company=company)
        | Q(
            employer_company__isnull=True,
            clause__lot__awards__company=company,
            clause__lot__awards__role=AwardRole.HOLDER,
        )
    )
    if clauses is not None:
        placements = placements.filter(clause__in=clauses)
    due = set()
    for clause_id, start, end in placements.values_list("clause_id", "start_date", "end_date"):
        month = first_of_month(start)
        last = min(first_of_month(end), last_month) if end else last_month
        while month <= last:
            due.add((clause_id, month))
            month = next_month(month)
    done = set(
        Statement.objects.filter(
            territory_id=company.territory_id,
            company=company,
            status__in=(StatementStatus.SUBMITTED, StatementStatus.VALIDATED),
        ).values_list("clause_id", "month")
    )
    return sorted(due - done, key=lambda pair: (pair[1], pair[0]))
