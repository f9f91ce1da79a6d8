"""E-mails of the monthly statements: the workflow (submitted, sent back, validated) and the monthly reminders.

Every task receives ids (and ISO dates), is queued on commit and is idempotent: an e-mail is recorded as a
``StatementNotification`` in the same transaction as it is sent, and a unique constraint refuses a second one (once per
statement version for the workflow, once per company and month for a reminder). If sending fails, the record is rolled
back with it and a retry sends again.
"""

from datetime import date

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format

from accounts.enums import Role
from accounts.models import Membership
from markets.enums import AwardRole
from markets.models import Company
from territories.models import Territory

from .enums import StatementStatus
from .models import Clause, Placement, Statement, StatementNotification, StatementNotificationKind
from .statements import first_of_month, months_owed, next_month, previous_month

# The statement status a workflow e-mail announces.
EVENT_STATUS = {
    StatementNotificationKind.SUBMITTED: StatementStatus.SUBMITTED,
    StatementNotificationKind.RETURNED: StatementStatus.RETURNED,
    StatementNotificationKind.VALIDATED: StatementStatus.VALIDATED,
}


# --- Recipients ----------------------------------------------------------------------------------------------------


def company_contact_emails(company):
    """The e-mail addresses of the company's active contacts (accepted company memberships)."""
    emails = (
        Membership.objects.active()
        .filter(territory_id=company.territory_id, role=Role.COMPANY, company_member__company_id=company.pk)
        .values_list("user__email", flat=True)
    )
    return sorted({email for email in emails if email})


def facilitator_emails(clauses):
    """The e-mail addresses of the active facilitators in charge of ``clauses`` (their account's, else their own)."""
    emails = set()
    for clause in clauses:
        facilitator = clause.facilitator
        if facilitator is None or not facilitator.is_active:
            continue
        membership = facilitator.membership
        if membership is not None and membership.is_active and membership.user_id and membership.user.email:
            emails.add(membership.user.email)
        elif facilitator.email:
            emails.add(facilitator.email)
    return sorted(emails)


def coordinator_emails(territory_id):
    emails = (
        Membership.objects.active()
        .filter(territory_id=territory_id, role=Role.COORDINATOR)
        .values_list("user__email", flat=True)
    )
    return sorted({email for email in emails if email})


def review_emails(clause):
    """Who reviews a statement of ``clause``: its facilitator, or the territory's coordinators when it has none."""
    return facilitator_emails([clause]) or coordinator_emails(clause.territory_id)


# --- Sending once -----------------------------------------------------------------------------------------------------


def absolute_url(name, **kwargs):
    return f"{settings.SITE_URL}{reverse(name, kwargs=kwargs)}"


def _message(template, subject, context, recipients):
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(f"clauses/email/{template}.txt", context)
    return EmailMessage(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=body,
        from_email=None,
        to=recipients,
    )


def _send_once(notification, messages):
    """Record ``notification`` and send ``messages`` in one transaction; nothing if it was already recorded.

    Returns the number of e-mails sent. A concurrent duplicate waits on the unique index, then finds the row.
    """
    messages = [message for message in messages if message.to]
    with transaction.atomic():
        try:
            with transaction.atomic():
                notification.recipients = sum(len(message.to) for message in messages)
                notification.save()
        except IntegrityError:
            return 0
        if messages:
            get_connection().send_messages(messages)
    return len(messages)


def _month_label(month):
    with translation.override(settings.LANGUAGE_CODE):
        return date_format(month, "F Y")


# --- Workflow e-mails ------------------------------------------------------------------------------------------------


def queue_statement_email(statement, kind):
    """Queue the e-mail announcing ``statement``'s new status once the current transaction commits."""
    notify_statement_event.delay_on_commit(statement.pk, str(kind), statement.version)


@shared_task
def notify_statement_event(statement_id, kind, version):
    """E-mail for one step of a statement's workflow, described by the statement's history at ``version``:

    - ``submitted``: to the clause's facilitator (the territory's coordinators when it has none);
    - ``returned``: to the company's contacts, with the facilitator's comment and a link;
    - ``validated``: to the company's contacts.
    """
    kind = StatementNotificationKind(kind)
    statement = (
        Statement.objects.select_related(
            "territory", "company", "clause__lot__market__buyer", "clause__facilitator__membership__user"
        )
        .filter(pk=statement_id)
        .first()
    )
    if statement is None:
        return 0
    record = statement.history.filter(version=version).select_related("history_user").order_by("-history_id").first()
    if record is None or record.status != EVENT_STATUS[kind]:
        return 0  # not the step this e-mail is about: never announce what did not happen
    clause = statement.clause
    context = {
        "statement": statement,
        "company": statement.company,
        "clause": clause,
        "market": clause.lot.market,
        "lot": clause.lot,
        "territory": statement.territory,
        "month": statement.month,
        "author": record.history_user,
        "comment": record.review_comment,
        "url": absolute_url("clauses:statement_detail", territory_code=statement.territory.code, pk=statement.pk),
    }
    month = _month_label(statement.month)
    if kind == StatementNotificationKind.SUBMITTED:
        recipients = review_emails(clause)
        subject = f"Relevé transmis — {statement.company.name} — {month}"
    elif kind == StatementNotificationKind.RETURNED:
        recipients = company_contact_emails(statement.company)
        subject = f"Relevé de {month} à corriger — {clause.lot.market.reference}"
    else:
        recipients = company_contact_emails(statement.company)
        subject = f"Relevé de {month} validé — {clause.lot.market.reference}"
    notification = StatementNotification(
        territory_id=statement.territory_id,
        kind=kind,
        company_id=statement.company_id,
        month=statement.month,
        statement=statement,
        statement_version=version,
    )
    return _send_once(notification, [_message(f"statement_{kind}", subject, context, recipients)])


# --- Reminders -------------------------------------------------------------------------------------------------------


def companies_reporting_in(territory, month):
    """Companies of ``territory`` that report at least one placement active in ``month`` (as its employer, or as the
    lot's holder for staff provided by an inclusion employer): the companies that may owe that month's statement."""
    active = Placement.objects.in_territory(territory).filter(start_date__lt=next_month(month))
    active = active.filter(Q(end_date__isnull=True) | Q(end_date__gte=month))
    employs = active.filter(employer_company_id=OuterRef("pk"))
    holds = active.filter(
        employer_company__isnull=True,
        clause__lot__awards__company_id=OuterRef("pk"),
        clause__lot__awards__role=AwardRole.HOLDER,
    )
    return Company.objects.in_territory(territory).filter(Exists(employs) | Exists(holds))


@shared_task
def send_statement_reminders(today=None):
    """Daily: in each active territory whose reminder day has come this month, remind every company whose statement for
    last month is missing (owed, neither submitted nor validated) — at most once per company and month.

    Returns the number of companies for which a reminder was queued.
    """
    today = date.fromisoformat(today) if today else timezone.localdate()
    month = previous_month(first_of_month(today))
    queued = 0
    for territory in Territory.objects.filter(is_active=True, statement_reminder_day__lte=today.day):
        reminded = StatementNotification.objects.in_territory(territory).filter(
            kind=StatementNotificationKind.REMINDER, month=month
        )
        companies = companies_reporting_in(territory, month).exclude(pk__in=reminded.values("company_id"))
        for company_id in companies.values_list("pk", flat=True):
            send_statement_reminder.delay(company_id, today.isoformat())
            queued += 1
    return queued


@shared_task
def send_statement_reminder(company_id, today):
    """Remind one company (and the facilitators of the clauses concerned) of its missing statements for last month.

    Idempotent: nothing when the company was already reminded for that month, or owes nothing any more.
    """
    today = date.fromisoformat(today)
    month = previous_month(first_of_month(today))
    company = Company.objects.select_related("territory").filter(pk=company_id).first()
    if company is None:
        return 0
    if StatementNotification.objects.filter(
        territory_id=company.territory_id, kind=StatementNotificationKind.REMINDER, company=company, month=month
    ).exists():
        return 0
    clause_ids = [clause_id for clause_id, owed_month in months_owed(company, today) if owed_month == month]
    if not clause_ids:
        return 0
    clauses = list(
        Clause.objects.in_territory(company.territory)
        .filter(pk__in=clause_ids)
        .select_related("lot__market__buyer", "facilitator__membership__user")
        .order_by("lot__market__reference", "lot__number", "pk")
    )
    territory = company.territory
    contacts = company_contact_emails(company)
    context = {
        "company": company,
        "territory": territory,
        "month": month,
        "clauses": clauses,
        "reminder_day": territory.statement_reminder_day,
        "company_contacted": bool(contacts),
        "url": absolute_url("clauses:statement_list", territory_code=territory.code),
    }
    label = _month_label(month)
    messages = [
        _message(
            "statement_reminder_company",
            f"Relevé mensuel de {label} à transmettre",
            context,
            contacts,
        ),
        _message(
            "statement_reminder_facilitator",
            f"Relevé manquant — {company.name} — {label}",
            context,
            facilitator_emails(clauses),
        ),
    ]
    if not any(message.to for message in messages):
        return 0  # nobody to tell yet: a later run may remind once someone is there
    notification = StatementNotification(
        territory_id=company.territory_id, kind=StatementNotificationKind.REMINDER, company=company, month=month
    )
    return _send_once(notification, messages)
