"""Joining a coordination: invitations by a coordinator, acceptance, resend, revocation, purge; no open sign-up."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from accounts.models import Membership, User
from accounts.tasks import purge_expired_invitations
from tests.accounts.factories import PASSWORD, MembershipFactory
from tests.conftest import make_member
from tests.facilitators.factories import FacilitatorOrganisationFactory
from tests.markets.factories import BuyerFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Un-mot-de-passe-solide-2026"
LINK_RE = re.compile(r"http://testserver(/invitation/[^/\s]+/)")


def url(name, **kwargs):
    return reverse(name, kwargs={"territory_code": "34", **kwargs})


@pytest.fixture
def organisation(territory):
    return FacilitatorOrganisationFactory(territory=territory, name="PLIE Cœur d'Hérault")


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator.user)
    return client


def invite(client, capture, **data):
    """POST the invitation form, running the after-commit callbacks (the e-mail) like a real request would."""
    payload = {"email": "camille.martin@example.org", "first_name": "Camille", "last_name": "Martin", **data}
    with capture(execute=True):
        return client.post(url("invite"), payload)


def link_in(mail):
    match = LINK_RE.search(mail.body)
    assert match, mail.body
    return match.group(1)


@pytest.fixture
def invited_facilitator(coordinator_client, organisation, django_capture_on_commit_callbacks, mailoutbox):
    """A facilitator invited by the coordinator; returns the path of the link in the e-mail."""
    response = invite(
        coordinator_client,
        django_capture_on_commit_callbacks,
        role=Role.FACILITATOR,
        organisation=f"{Role.FACILITATOR}:{organisation.pk}",
    )
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    coordinator_client.logout()
    return link_in(mailoutbox[0])


# Inviting ---------------------------------------------------------------------------------------------------------


def test_coordinator_invites_a_facilitator_and_the_email_leaves_after_commit(
    coordinator_client, coordinator, organisation, django_capture_on_commit_callbacks, mailoutbox
):
    payload = {
        "email": "Camille.Martin@Example.org",
        "first_name": "Camille",
        "last_name": "Martin",
        "role": Role.FACILITATOR,
        "organisation": f"{Role.FACILITATOR}:{organisation.pk}",
    }
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = coordinator_client.post(url("invite"), payload)
    assert response.status_code == 302
    assert response.url == url("members")
    assert mailoutbox == []  # nothing is sent before the transaction commits
    assert len(callbacks) == 1
    callbacks[0]()

    invitation = Membership.objects.get(email="camille.martin@example.org")
    assert invitation.is_pending and invitation.is_active
    assert invitation.territory.code == "34"
    assert invitation.role == Role.FACILITATOR
    assert invitation.invited_by == coordinator.user
    assert invitation.invitation_expires_at > timezone.now() + timedelta(days=13)
    assert invitation.facilitator.organisation == organisation

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["camille.martin@example.org"]
    assert "Invitation" in mail.subject and "Hérault" in mail.subject
    path = link_in(mail)
    token = path.split("/")[2]
    # Only the hash of the secret is stored.
    assert invitation.invitation_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.invitation_token_hash


def test_organisation_is_required_for_a_facilitator(coordinator_client, django_capture_on_commit_callbacks, mailoutbox):
    response = invite(coordinator_client, django_capture_on_commit_callbacks, role=Role.FACILITATOR, organisation="")
    assert response.status_code == 200
    assert response.context["form"].errors["organisation"] == [
        "Choisissez l'organisation de la personne (Facilitateur·rice)."
    ]
    assert not Membership.objects.filter(email="camille.martin@example.org").exists()
    assert mailoutbox == []


def test_organisation_of_another_role_is_refused(
    coordinator_client, territory, django_capture_on_commit_callbacks, mailoutbox
):
    buyer = BuyerFactory(territory=territory)
    response = invite(
        coordinator_client, django_capture_on_commit_callbacks, role=Role.FACILITATOR, organisation=f"buyer:{buyer.pk}"
    )
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert mailoutbox == []


def test_organisation_of_another_territory_is_refused(
    coordinator_client, other_territory, django_capture_on_commit_callbacks, mailoutbox
):
    foreign = FacilitatorOrganisationFactory(territory=other_territory)
    response = invite(
        coordinator_client,
        django_capture_on_commit_callbacks,
        role=Role.FACILITATOR,
        organisation=f"{Role.FACILITATOR}:{foreign.pk}",
    )
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors  # not even among the choices
    assert not Membership.objects.filter(email="camille.martin@example.org").exists()
    assert mailoutbox == []


def test_a_role_without_organisation_needs_none(coordinator_client, django_capture_on_commit_callbacks, mailoutbox):
    response = invite(coordinator_client, django_capture_on_commit_callbacks, role=Role.COMMITTEE, organisation="")
    assert response.status_code == 302
    assert Membership.objects.get(email="camille.martin@example.org").role == Role.COMMITTEE
    assert len(mailoutbox) == 1


def test_duplicate_pending_invitation_is_refused(
    coordinator_client, territory, django_capture_on_commit_callbacks, mailoutbox
):
    MembershipFactory(territory=territory, pending=True, email="camille.martin@example.org", role=Role.COMMITTEE)
    response = invite(
        coordinator_client, django_capture_on_commit_callbacks, email="CAMILLE.martin@example.org", role=Role.COMMITTEE
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "Une invitation est déjà en attente pour cette adresse : renvoyez-la depuis la liste des membres."
    ]
    assert Membership.objects.filter(email__iexact="camille.martin@example.org").count() == 1
    assert mailoutbox == []


def test_inviting_an_existing_member_is_refused(
    coordinator_client, territory, django_capture_on_commit_callbacks, mailoutbox
):
    member = make_member(territory, Role.COMMITTEE)
    response = invite(
        coordinator_client, django_capture_on_commit_callbacks, email=member.user.email.upper(), role=Role.COMMITTEE
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Cette personne est déjà membre de la coordination."]
    assert mailoutbox == []


def test_member_of_another_territory_can_be_invited(
    coordinator_client, other_territory, django_capture_on_commit_callbacks, mailoutbox
):
    elsewhere = make_member(other_territory, Role.COORDINATOR)
    response = invite(
        coordinator_client, django_capture_on_commit_callbacks, email=elsewhere.user.email, role=Role.COMMITTEE
    )
    assert response.status_code == 302
    assert len(mailoutbox) == 1


def test_invalid_email_keeps_the_typed_values(
    coordinator_client, organisation, django_capture_on_commit_callbacks, mailoutbox
):
    organisation_value = f"{Role.FACILITATOR}:{organisation.pk}"
    response = invite(
        coordinator_client,
        django_capture_on_commit_callbacks,
        email="pas-une-adresse",
        first_name="Éloïse",
        last_name="Garnier-Dupont",
        role=Role.FACILITATOR,
        organisation=organisation_value,
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Saisissez une adresse de courriel valide."]
    html = response.content.decode()
    assert 'value="pas-une-adresse"' in html
    assert 'value="Éloïse"' in html
    assert 'value="Garnier-Dupont"' in html
    assert re.search(rf'<option value="{organisation_value}"[^>]*selected', html)
    assert re.search(rf'<option value="{Role.FACILITATOR}"[^>]*selected', html)
    assert not Membership.objects.filter(first_name="Éloïse").exists()
    assert mailoutbox == []


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.BUYER, Role.COMMITTEE, Role.COMPANY])
def test_only_a_coordinator_may_invite(client, territory, role, django_capture_on_commit_callbacks, mailoutbox):
    client.force_login(make_member(territory, role).user)
    assert client.get(url("invite")).status_code == 403
    before = Membership.objects.count()
    response = invite(client, django_capture_on_commit_callbacks, role=Role.COORDINATOR, organisation="")
    assert response.status_code == 403
    assert Membership.objects.count() == before
    assert mailoutbox == []


# Accepting --------------------------------------------------------------------------------------------------------


def test_new_person_accepts_and_lands_home_as_a_facilitator_of_the_organisation(
    client, invited_facilitator, organisation
):
    response = client.get(invited_facilitator)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Camille"' in html and 'value="Martin"' in html  # the coordinator's typing, as initial values
    assert "camille.martin@example.org" in html

    response = client.post(
        invited_facilitator,
        {"first_name": "Camille", "last_name": "Martin-Roux", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == url("home")

    user = User.objects.get(email="camille.martin@example.org")
    assert user.check_password(NEW_PASSWORD)
    assert (user.first_name, user.last_name) == ("Camille", "Martin-Roux")
    assert user.emailaddress_set.get().verified
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.FACILITATOR and membership.accepted_at is not None
    assert membership.invitation_token_hash == ""
    assert membership.facilitator.organisation == organisation

    # Logged in, at home, as a facilitator.
    response = client.get(response.url)
    assert response.status_code == 200
    assert response.context["membership"] == membership
    assert response.context["user"] == user
    assert client.get(reverse("clauses:participant_list", kwargs={"territory_code": "34"})).status_code == 200
    assert client.get(url("members")).status_code == 403


def test_password_mismatch_is_a_french_error_and_keeps_the_names(client, invited_facilitator):
    response = client.post(
        invited_facilitator,
        {"first_name": "Anaïs", "last_name": "Le Goff", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password2"] == ["Les deux mots de passe ne correspondent pas."]
    html = response.content.decode()
    assert 'value="Anaïs"' in html and 'value="Le Goff"' in html
    assert NEW_PASSWORD not in html  # passwords are never echoed back
    assert not User.objects.filter(email="camille.martin@example.org").exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("court", "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."),
        ("123456789012", "Ce mot de passe est entièrement numérique."),
        ("password1234", "Ce mot de passe est trop courant."),
        (
            "camille.martin",
            "Le mot de passe est trop semblable au champ «\N{NO-BREAK SPACE}adresse e-mail\N{NO-BREAK SPACE}».",
        ),
    ],
    ids=["too-short", "numeric", "common", "similar-to-email"],
)
def test_weak_password_is_a_french_error_and_keeps_the_names(client, invited_facilitator, password, message):
    response = client.post(
        invited_facilitator,
        {"first_name": "Anaïs", "last_name": "Le Goff", "password1": password, "password2": password},
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors["password1"]
    html = response.content.decode()
    assert 'value="Anaïs"' in html and 'value="Le Goff"' in html
    assert not User.objects.filter(email="camille.martin@example.org").exists()


def test_the_link_cannot_be_used_twice(client, invited_facilitator):
    data = {"first_name": "Camille", "last_name": "Martin", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(invited_facilitator, data).status_code == 302
    client.logout()

    response = client.get(invited_facilitator)
    assert response.status_code == 404
    assert "accounts/invitation_invalid.html" in [t.name for t in response.templates]
    response = client.post(invited_facilitator, {**data, "first_name": "Intrus"})
    assert response.status_code == 404
    assert User.objects.filter(email="camille.martin@example.org").count() == 1
    assert User.objects.get(email="camille.martin@example.org").first_name == "Camille"


def test_an_expired_link_is_a_404_page(client, invited_facilitator):
    Membership.objects.filter(email="camille.martin@example.org").update(
        invitation_expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.get(invited_facilitator)
    assert response.status_code == 404
    assert "accounts/invitation_invalid.html" in [t.name for t in response.templates]
    assert "pas valable" in response.content.decode()
    data = {"first_name": "Camille", "last_name": "Martin", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(invited_facilitator, data).status_code == 404
    assert not User.objects.filter(email="camille.martin@example.org").exists()


def test_an_unknown_token_is_a_404_page(client, db):
    response = client.get(reverse("accept_invitation", kwargs={"token": "n-importe-quoi"}))
    assert response.status_code == 404


def test_an_existing_user_logs_in_then_confirms(
    client, coordinator, territory, other_territory, django_capture_on_commit_callbacks, mailoutbox
):
    existing = make_member(other_territory, Role.FACILITATOR).user
    client.force_login(coordinator.user)
    invite(client, django_capture_on_commit_callbacks, email=existing.email, role=Role.COMMITTEE)
    path = link_in(mailoutbox[0])
    client.logout()

    response = client.get(path)
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={path}"

    # Through the real login form, which follows ``next`` back to the invitation.
    response = client.post(reverse("account_login"), {"login": existing.email, "password": PASSWORD, "next": path})
    assert response.status_code == 302
    assert response.url == path

    response = client.get(path)
    assert response.status_code == 200
    assert "accounts/accept_existing.html" in [t.name for t in response.templates]
    assert not Membership.objects.filter(territory=territory, user=existing).exists()  # a GET accepts nothing

    response = client.post(path)
    assert response.status_code == 302
    assert response.url == url("home")
    membership = Membership.objects.get(territory=territory, user=existing)
    assert membership.role == Role.COMMITTEE and membership.accepted_at is not None
    assert client.get(url("home")).context["membership"] == membership
    assert User.objects.filter(email=existing.email).count() == 1
    assert client.get(path).status_code == 404


def test_an_invitation_for_someone_else_is_refused_to_a_logged_in_user(
    client, coordinator, other_territory, django_capture_on_commit_callbacks, mailoutbox
):
    invitee = make_member(other_territory, Role.FACILITATOR).user
    client.force_login(coordinator.user)
    invite(client, django_capture_on_commit_callbacks, email=invitee.email, role=Role.COMMITTEE)
    path = link_in(mailoutbox[0])
    intruder = make_member(other_territory, Role.BUYER).user
    client.force_login(intruder)
    assert client.get(path).status_code == 403
    assert client.post(path).status_code == 403
    assert Membership.objects.get(email=invitee.email, territory__code="34").is_pending


# Resending, revoking ----------------------------------------------------------------------------------------------


def test_resend_gives_a_new_token_and_the_old_link_stops_working(
    client, coordinator, invited_facilitator, django_capture_on_commit_callbacks, mailoutbox
):
    invitation = Membership.objects.get(email="camille.martin@example.org")
    Membership.objects.filter(pk=invitation.pk).update(invitation_expires_at=timezone.now() + timedelta(days=1))
    client.force_login(coordinator.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("resend_invitation", pk=invitation.pk))
    assert response.status_code == 302
    assert response.url == url("members")
    assert len(mailoutbox) == 2
    new_link = link_in(mailoutbox[1])
    assert new_link != invited_facilitator
    invitation.refresh_from_db()
    assert invitation.invitation_expires_at > timezone.now() + timedelta(days=13)  # validity starts again
    client.logout()

    assert client.get(invited_facilitator).status_code == 404
    assert client.get(new_link).status_code == 200


def test_resend_is_only_for_a_pending_invitation(client, coordinator, territory, django_capture_on_commit_callbacks):
    member = make_member(territory, Role.COMMITTEE)
    client.force_login(coordinator.user)
    assert client.post(url("resend_invitation", pk=member.pk)).status_code == 404
    assert client.get(url("resend_invitation", pk=member.pk)).status_code == 405


def test_revoke_an_invitation_deactivates_it_and_its_link(client, coordinator, invited_facilitator):
    invitation = Membership.objects.get(email="camille.martin@example.org")
    client.force_login(coordinator.user)
    response = client.post(url("revoke_membership", pk=invitation.pk))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert not invitation.is_active
    assert invitation.invitation_token_hash == ""
    client.logout()
    assert client.get(invited_facilitator).status_code == 404


def test_revoke_a_member_closes_the_territory_to_them(client, coordinator, territory):
    member = make_member(territory, Role.COMMITTEE)
    client.force_login(coordinator.user)
    assert client.post(url("revoke_membership", pk=member.pk)).status_code == 302
    member.refresh_from_db()
    assert not member.is_active
    client.force_login(member.user)
    assert client.get(url("home")).status_code == 404
    # …and the same person may be invited again later.
    client.force_login(coordinator.user)
    assert client.post(url("invite"), {"email": member.user.email, "role": Role.COMMITTEE}).status_code == 302


def test_a_coordinator_cannot_revoke_themselves(client, coordinator):
    client.force_login(coordinator.user)
    response = client.post(url("revoke_membership", pk=coordinator.pk), follow=True)
    assert response.status_code == 200
    coordinator.refresh_from_db()
    assert coordinator.is_active
    assert "Vous ne pouvez pas retirer votre propre accès." in response.content.decode()


# Purging expired invitations --------------------------------------------------------------------------------------


def test_purge_deactivates_only_expired_invitations_and_is_idempotent(territory):
    past = timezone.now() - timedelta(days=1)
    expired = MembershipFactory(territory=territory, pending=True, invitation_expires_at=past)
    expired.invitation_token_hash = "0" * 64
    expired.save(update_fields=["invitation_token_hash"])
    pending = MembershipFactory(territory=territory, pending=True)
    accepted = make_member(territory, Role.COMMITTEE, invitation_expires_at=past)  # accepted in time: untouched

    assert purge_expired_invitations() == 1
    for membership in (expired, pending, accepted):
        membership.refresh_from_db()
    assert not expired.is_active and expired.invitation_token_hash == ""
    assert pending.is_active and pending.is_pending
    assert accepted.is_active

    assert purge_expired_invitations() == 0
    assert purge_expired_invitations.delay().get() == 0  # also through Celery (eager in tests)


# No open sign-up; login throttling --------------------------------------------------------------------------------


def test_open_sign_up_is_closed(client, db):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    response = client.post(
        reverse("account_signup"),
        {"email": "intrus@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert not User.objects.filter(email="intrus@example.org").exists()
    assert "_auth_user_id" not in client.session


def test_repeated_failed_logins_are_throttled(client, coordinator):
    cache.clear()  # allauth counts attempts in the (locmem) cache
    email = coordinator.user.email
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": email, "password": "mauvais-mot-de-passe"})
        assert response.status_code == 200
        assert "Trop de tentatives" not in response.content.decode()

    # Even the right password is refused now.
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Trop de tentatives de connexion échouées" in response.content.decode()
    assert "_auth_user_id" not in client.session
    cache.clear()
