"""E-mails of the programming pipeline: a declared planned market, a facilitator put in charge — each sent once."""

import pytest
from django.urls import reverse

from accounts.enums import Role
from clauses.tasks_programming import notify_facilitator_assigned, notify_market_declared
from markets.enums import Trade
from markets.models import Market
from tests.clauses.factories_programming import PlannedMarketFactory
from tests.conftest import make_member
from tests.facilitators.factories import FacilitatorFactory
from tests.markets.factories import BuyerFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://clauses.example.org"
COORDINATOR = "coordination@herault.example.org"
SECOND_COORDINATOR = "cheffe@herault.example.org"
LEAD = "lead@plie-sete.example.org"
FACILITATOR = "facilitatrice@plie-sete.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def world(territory, other_territory):
    """Two active coordinators, an inactive one and an invitation; a buyer with its lead facilitator; another
    territory's coordinator."""
    CommuneFactory(insee_code="34301", name="Sète", department=territory.department)
    make_member(territory, Role.COORDINATOR, user__email=COORDINATOR)
    make_member(territory, Role.COORDINATOR, user__email=SECOND_COORDINATOR)
    make_member(territory, Role.COORDINATOR, user__email="ancienne@herault.example.org", is_active=False)
    make_member(territory, Role.COORDINATOR, pending=True, email="invitee@herault.example.org")
    make_member(other_territory, Role.COORDINATOR, user__email="coordination@val-doise.example.org")
    lead = make_member(territory, Role.FACILITATOR, user__email=LEAD).facilitator
    buyer = BuyerFactory(territory=territory, name="Ville de Sète", lead_facilitator=lead)
    buyer_member = make_member(territory, Role.BUYER, buyer, user__email="achats@sete.example.org")
    return {"territory": territory, "buyer": buyer, "buyer_member": buyer_member, "lead": lead}


def url(name, **kwargs):
    return reverse(f"programming:{name}", kwargs={"territory_code": "34", **kwargs})


def declare(client, user, capture, **overrides):
    data = {
        "object": "Nettoyage des écoles",
        "reference": "",
        "trade": Trade.CLEANING,
        "amount_ht": "450000",
        "expected_tender_date": "2027-03-01",
        "duration_months": "12",
        "commune": "Sète",
        **overrides,
    }
    client.force_login(user)
    with capture(execute=True):
        response = client.post(url("create"), data)
    assert response.status_code == 302, response.content.decode()
    return Market.objects.get(object=data["object"])


def recipients(mailoutbox):
    return sorted(address for mail in mailoutbox for address in mail.to)


def test_a_declared_market_is_announced_once_to_the_coordinators_and_the_lead_facilitator(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    market = declare(client, world["buyer_member"].user, django_capture_on_commit_callbacks)

    # One e-mail each, addressed to them alone; never the other territory's coordination nor inactive members.
    assert [len(mail.to) for mail in mailoutbox] == [1, 1, 1]
    assert recipients(mailoutbox) == sorted([COORDINATOR, SECOND_COORDINATOR, LEAD])
    link = f"{SITE_URL}/34/programmation/{market.pk}/"
    assert link == f"{SITE_URL}{url('detail', pk=market.pk)}"
    for mail in mailoutbox:
        assert mail.subject == "[Clauses sociales] Nouveau marché programmé : PREV-2027-001 — Nettoyage des écoles"
        body = mail.body
        assert link in body
        assert "Donneur d'ordre : Ville de Sète" in body
        assert "Montant estimé : 450\u202f000 € HT" in body
        assert "Date prévisionnelle de la consultation : 1 mars 2027" in body
        assert "Corps d'état / type de prestation : Propreté, nettoyage" in body
        assert "Lieu d'exécution : Sète (34301)" in body
        assert "Personne n'est encore en charge de ce marché." in body
    to_lead = next(mail for mail in mailoutbox if mail.to == [LEAD])
    assert "dont vous êtes le·la facilitateur·rice chef de file" in to_lead.body
    assert "Vous pouvez le prendre en charge depuis sa fiche." in to_lead.body
    to_coordinator = next(mail for mail in mailoutbox if mail.to == [COORDINATOR])
    assert "Désignez le·la facilitateur·rice en charge depuis sa fiche" in to_coordinator.body
    market.refresh_from_db()
    assert market.pipeline_notified_at is not None

    # A second delivery of the same task sends nothing.
    assert notify_market_declared.delay(market.pk).get() == 0
    assert len(mailoutbox) == 3


def test_without_a_lead_facilitator_only_the_coordinators_are_told(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    buyer = world["buyer"]
    buyer.lead_facilitator = None
    buyer.save()
    declare(client, world["buyer_member"].user, django_capture_on_commit_callbacks)
    assert recipients(mailoutbox) == sorted([COORDINATOR, SECOND_COORDINATOR])


def test_a_lead_facilitator_without_account_is_told_at_the_address_of_their_card(territory, mailoutbox):
    lead = FacilitatorFactory(territory=territory, email="sans-compte@plie.example.org")
    market = PlannedMarketFactory(territory=territory, buyer=BuyerFactory(territory=territory, lead_facilitator=lead))
    assert notify_market_declared(market.pk) == 1
    assert recipients(mailoutbox) == ["sans-compte@plie.example.org"]
    assert "Vous pouvez le prendre en charge" not in mailoutbox[0].body


def test_an_inactive_lead_facilitator_is_not_told(territory, mailoutbox):
    lead = FacilitatorFactory(territory=territory, is_active=False)
    market = PlannedMarketFactory(territory=territory, buyer=BuyerFactory(territory=territory, lead_facilitator=lead))
    assert notify_market_declared(market.pk) == 0
    assert mailoutbox == []


def test_a_coordinator_who_declares_is_not_told_of_their_own_declaration(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    coordinator = make_member(world["territory"], Role.COORDINATOR, user__email="declarante@herault.example.org")
    declare(client, coordinator.user, django_capture_on_commit_callbacks, buyer=world["buyer"].pk)
    assert recipients(mailoutbox) == sorted([COORDINATOR, SECOND_COORDINATOR, LEAD])


def test_a_facilitator_put_in_charge_is_told_once(client, world, mailoutbox, django_capture_on_commit_callbacks):
    market = PlannedMarketFactory(territory=world["territory"], buyer=world["buyer"], trade=Trade.CLEANING)
    facilitator = make_member(world["territory"], Role.FACILITATOR, user__email=FACILITATOR).facilitator
    coordinator = make_member(world["territory"], Role.COORDINATOR, user__first_name="Inès", user__last_name="Garcia")
    client.force_login(coordinator.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("assign", pk=market.pk), {"facilitator": facilitator.pk})
    assert response.status_code == 302

    assert recipients(mailoutbox) == [FACILITATOR]
    mail = mailoutbox[0]
    assert (
        mail.subject
        == f"[Clauses sociales] Vous êtes en charge du marché programmé {market.reference} — {market.object}"
    )
    assert f"Bonjour {facilitator.full_name}," in mail.body
    assert "Inès Garcia vous l'a confié" in mail.body
    assert "Donneur d'ordre : Ville de Sète" in mail.body
    assert f"{SITE_URL}{url('detail', pk=market.pk)}" in mail.body

    # A second delivery sends nothing; nor does submitting the same facilitator again.
    assert notify_facilitator_assigned.delay(market.pk, facilitator.pk, coordinator.user.pk).get() == 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("assign", pk=market.pk), {"facilitator": facilitator.pk})
    assert len(mailoutbox) == 1

    # Taken off the market then put in charge again: a new assignment, told again.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("assign", pk=market.pk), {"facilitator": ""})
        client.post(url("assign", pk=market.pk), {"facilitator": facilitator.pk})
    assert recipients(mailoutbox) == [FACILITATOR, FACILITATOR]


def test_a_facilitator_taking_a_market_is_not_told_of_it(client, world, mailoutbox, django_capture_on_commit_callbacks):
    market = PlannedMarketFactory(territory=world["territory"], buyer=world["buyer"])
    facilitator = make_member(world["territory"], Role.FACILITATOR, user__email=FACILITATOR)
    client.force_login(facilitator.user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("assign", pk=market.pk)).status_code == 302
    market.refresh_from_db()
    assert market.facilitator == facilitator.facilitator
    assert mailoutbox == []
    # Even a delivery queued by mistake does not tell them what they did themselves.
    assert notify_facilitator_assigned(market.pk, facilitator.facilitator.pk, facilitator.user.pk) == 0
    assert mailoutbox == []


def test_a_reassignment_before_delivery_tells_only_the_facilitator_now_in_charge(world, mailoutbox):
    first = FacilitatorFactory(territory=world["territory"], email="premier@plie.example.org")
    second = FacilitatorFactory(territory=world["territory"], email="second@plie.example.org")
    market = PlannedMarketFactory(territory=world["territory"], buyer=world["buyer"], facilitator=second)
    assert notify_facilitator_assigned(market.pk, first.pk) == 0
    assert notify_facilitator_assigned(market.pk, second.pk) == 1
    assert recipients(mailoutbox) == ["second@plie.example.org"]
