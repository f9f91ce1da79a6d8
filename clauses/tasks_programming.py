"""E-mails of the programming pipeline (issue 5): facilitators and coordinators see planned markets early.

- ``notify_market_declared``: a buyer (or a coordinator) declared a planned market → the buyer's lead facilitator and
  the territory's active coordinators (not the person who declared it);
- ``notify_facilitator_assigned``: a facilitator was put in charge by somebody else → that facilitator.

Each task receives ids, is queued on commit and sends once per event: it first claims the event with a compare-and-set
UPDATE of the market (``pipeline_notified_at`` still empty; ``facilitator_notified`` not yet the facilitator in
charge), then sends in the same transaction. A duplicate delivery finds nothing to claim and sends nothing; if sending
fails, the claim is rolled back with it and a retry sends again.
"""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from facilitators.models import Facilitator
from markets.enums import MarketStatus
from markets.models import Market

from .sizing import format_number
from .tasks_statements import absolute_url, coordinator_emails

# --- Recipients ----------------------------------------------------------------------------------------------------


def facilitator_email(facilitator):
    """The address of an active facilitator: their account's (when active), else the one recorded on their card."""
    if facilitator is None or not facilitator.is_active:
        return ""
    membership = facilitator.membership
    if membership is not None and membership.is_active and membership.user_id and membership.user.email:
        return membership.user.email
    return facilitator.email


def facilitator_has_account(facilitator):
    membership = facilitator.membership
    return membership is not None and membership.is_active and membership.user_id is not None


def is_self_assignment(facilitator, user):
    """Whether ``user`` put themselves in charge (a facilitator taking a market): they need no e-mail about it."""
    membership = facilitator.membership if facilitator.membership_id else None
    return membership is not None and membership.user_id is not None and membership.user_id == user.pk


def declaration_recipients(market):
    """[(address, is_lead)] told of a new planned market: the buyer's lead facilitator, then the territory's active
    coordinators; each address once, never the person who declared it."""
    declarer = (market.declared_by.email if market.declared_by_id else "").lower()
    seen, recipients = {declarer} - {""}, []
    lead = facilitator_email(market.buyer.lead_facilitator)
    candidates = [(lead, True)] + [(email, False) for email in coordinator_emails(market.territory_id)]
    for email, is_lead in candidates:
        if email and email.lower() not in seen:
            seen.add(email.lower())
            recipients.append((email, is_lead))
    return recipients


# --- Messages ------------------------------------------------------------------------------------------------------


def _person(user):
    if user is None:
        return ""
    return user.get_full_name() or user.email


def _market_context(market):
    return {
        "market": market,
        "buyer": market.buyer,
        "territory": market.territory,
        "amount": f"{format_number(market.amount_ht)} € HT" if market.amount_ht is not None else "",
        "url": absolute_url("programming:detail", territory_code=market.territory.code, pk=market.pk),
    }


def _message(template, subject, context, recipient):
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(f"clauses/email/{template}.txt", context)
    return EmailMessage(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", body=body, from_email=None, to=[recipient]
    )


def _planned_market(market_id):
    return (
        Market.objects.select_related(
            "territory",
            "buyer__lead_facilitator__membership__user",
            "facilitator__organisation",
            "execution_commune",
            "declared_by",
        )
        .filter(pk=market_id)
        .first()
    )


def _send(messages):
    if messages:
        get_connection().send_messages(messages)
    return len(messages)


# --- Queuing (called by the views, inside the request's transaction) ----------------------------------------------


def queue_declaration_email(market):
    notify_market_declared.delay_on_commit(market.pk)


def queue_assignment_email(market, assigned_by):
    notify_facilitator_assigned.delay_on_commit(market.pk, market.facilitator_id, assigned_by.pk)


# --- Tasks ---------------------------------------------------------------------------------------------------------


@shared_task
def notify_market_declared(market_id):
    """« Nouveau marché programmé » to the buyer's lead facilitator and the coordinators, once per planned market.

    Returns the number of e-mails sent (0 when already announced, or no longer a planned market).
    """
    with transaction.atomic():
        claimed = Market.objects.filter(
            pk=market_id, status=MarketStatus.PLANNED, pipeline_notified_at__isnull=True
        ).update(pipeline_notified_at=timezone.now())
        if not claimed:
            return 0
        market = _planned_market(market_id)
        lead = market.buyer.lead_facilitator
        context = {
            **_market_context(market),
            "declared_by": _person(market.declared_by),
            "lead": lead if lead is not None and lead.is_active else None,
        }
        subject = f"Nouveau marché programmé : {market.reference} — {market.object}"
        messages = [
            _message(
                "programming_declared",
                subject,
                {**context, "is_lead": is_lead, "can_take": is_lead and facilitator_has_account(lead)},
                email,
            )
            for email, is_lead in declaration_recipients(market)
        ]
        return _send(messages)


@shared_task
def notify_facilitator_assigned(market_id, facilitator_id, assigned_by_id=None):
    """« Vous êtes en charge du marché programmé » to the facilitator put in charge, once per assignment.

    Nothing when the facilitator is no longer the one in charge (reassigned meanwhile), was already told, or took the
    market themselves.
    """
    with transaction.atomic():
        claimed = (
            Market.objects.filter(pk=market_id, status=MarketStatus.PLANNED, facilitator_id=facilitator_id)
            .exclude(facilitator_notified_id=facilitator_id)
            .update(facilitator_notified_id=facilitator_id)
        )
        if not claimed:
            return 0
        market = _planned_market(market_id)
        facilitator = Facilitator.objects.select_related("membership__user").get(pk=facilitator_id)
        assigned_by = User.objects.filter(pk=assigned_by_id).first() if assigned_by_id else None
        email = facilitator_email(facilitator)
        if not email or (assigned_by is not None and is_self_assignment(facilitator, assigned_by)):
            return 0
        context = {
            **_market_context(market),
            "facilitator": facilitator,
            "assigned_by": _person(assigned_by),
            "has_account": facilitator_has_account(facilitator),
        }
        subject = f"Vous êtes en charge du marché programmé {market.reference} — {market.object}"
        return _send([_message("programming_assigned", subject, context, email)])
