"""Every server-rendered page renders (strict template variables), in French, for the roles that may see it."""

import datetime
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from markets.enums import AwardRole, MarketStatus
from tests.accounts.factories import PASSWORD, MembershipFactory, UserFactory
from tests.clauses.factories import (
    ClauseFactory,
    EligibilityValidationFactory,
    MonthlyHoursFactory,
    ParticipantFactory,
    PlacementFactory,
)
from tests.facilitators.factories import FacilitatorFactory, FacilitatorOrganisationFactory
from tests.markets.factories import BuyerFactory, CompanyFactory, LotAwardFactory, LotFactory, MarketFactory

pytestmark = pytest.mark.django_db


def url(name, territory, **kwargs):
    return reverse(name, kwargs={"territory_code": territory.code, **kwargs})


def page(response, status=200):
    """The page's HTML, after the checks every page passes: status, one h1, tables with a caption and scoped headers."""
    assert response.status_code == status
    html = response.content.decode()
    assert html.count("<h1") == 1, "a page has exactly one h1"
    assert html.count("<table") == html.count("<caption"), "every table has a caption"
    assert len(re.findall(r"<th[ >]", html)) == html.count('<th scope="'), "every table header has a scope"
    assert '<html lang="fr"' in html
    return html


@pytest.fixture
def market_data(territory):
    """One market of one buyer, a lot awarded to a company, a clause with a placed participant and validated hours."""
    organisation = FacilitatorOrganisationFactory(territory=territory, name="PLIE de Montpellier")
    facilitator = FacilitatorFactory(territory=territory, organisation=organisation, first_name="Léa", last_name="Roux")
    buyer = BuyerFactory(territory=territory, name="Ville de Sète", lead_facilitator=facilitator)
    company = CompanyFactory(territory=territory, name="Bâtisseurs du Sud")
    market = MarketFactory(
        territory=territory, buyer=buyer, reference="2026-REHAB-01", object="Réhabilitation du lycée"
    )
    lot = LotFactory(territory=territory, market=market, number=1, title="Gros œuvre")
    LotAwardFactory(territory=territory, lot=lot, company=company, role=AwardRole.HOLDER)
    clause = ClauseFactory(territory=territory, lot=lot, hours_required=Decimal("400"), facilitator=facilitator)
    participant = ParticipantFactory(
        territory=territory, first_name="Philomène", last_name="Zylberstein", referent=facilitator
    )
    placement = PlacementFactory(territory=territory, participant=participant, clause=clause, employer_company=company)
    MonthlyHoursFactory(territory=territory, placement=placement, hours_worked=Decimal("169"))
    EligibilityValidationFactory(territory=territory, participant=participant)
    return {
        "buyer": buyer,
        "company": company,
        "market": market,
        "clause": clause,
        "participant": participant,
        "facilitator": facilitator,
    }


# Markets


def test_market_list_shows_filters_table_and_rate(client, territory, coordinator, market_data):
    client.force_login(coordinator.user)
    response = client.get(url("clauses:market_list", territory))
    html = page(response)
    assert "<h1>Marchés</h1>" in html
    assert "Filtrer</button>" in html
    assert 'for="id_q"' in html and 'for="id_buyer"' in html  # every filter has a label
    assert "1 marché trouvé" in html
    assert "2026-REHAB-01" in html and "Ville de Sète" in html
    assert "42,2\u00a0%" in html  # 169 h / 400 h, rounded half to even
    assert 'scope="col"' in html and "<caption>" in html


def test_market_list_empty_state_with_filters(client, territory, coordinator, market_data):
    client.force_login(coordinator.user)
    response = client.get(url("clauses:market_list", territory), {"q": "introuvable"})
    assert "Aucun marché ne correspond à ces filtres" in page(response)


def test_market_list_pagination_keeps_filters(client, territory, coordinator):
    buyer = BuyerFactory(territory=territory)
    MarketFactory.create_batch(51, territory=territory, buyer=buyer, status=MarketStatus.IN_PROGRESS)
    client.force_login(coordinator.user)
    response = client.get(url("clauses:market_list", territory), {"status": MarketStatus.IN_PROGRESS})
    html = page(response)
    assert "51 marchés trouvés" in html
    assert 'class="fr-pagination' in html
    assert "?status=in_progress&amp;page=2" in html
    response = client.get(url("clauses:market_list", territory), {"status": MarketStatus.IN_PROGRESS, "page": 2})
    assert 'aria-current="page" title="Page 2"' in page(response)


def test_market_list_for_a_buyer(client, territory, member, market_data):
    buyer_member = member(territory, Role.BUYER, organisation=market_data["buyer"])
    client.force_login(buyer_member.user)
    response = client.get(url("clauses:market_list", territory))
    assert "2026-REHAB-01" in page(response)


def test_market_detail_for_a_facilitator_lists_placements(client, territory, member, market_data):
    facilitator = member(territory, Role.FACILITATOR)
    client.force_login(facilitator.user)
    response = client.get(url("clauses:market_detail", territory, pk=market_data["market"].pk))
    html = page(response)
    assert "Synthèse du marché" in html
    assert "Lot 1 — Gros œuvre" in html
    assert "Bâtisseurs du Sud" in html and "Titulaire" in html
    assert "Léa Roux (PLIE de Montpellier)" in html
    assert "Condition d&#x27;exécution (L2112-2)" in html
    assert "1\u00a0000\u00a0000 € × 50\u00a0% de main-d'œuvre × 5\u00a0% d'insertion ÷ 30 €/h" in html
    assert '<progress class="cs-progress" id="clause-' in html and 'value="42.2"' in html
    assert "Mises en emploi" in html
    participant = market_data["participant"]
    assert "ZYLBERSTEIN Philomène" in html
    assert url("clauses:participant_detail", territory, pk=participant.pk) in html


@pytest.mark.parametrize("role", [Role.BUYER, Role.COMMITTEE, Role.COMPANY])
def test_market_detail_never_names_participants_for_other_roles(client, territory, member, market_data, role):
    organisation = {Role.BUYER: market_data["buyer"], Role.COMPANY: market_data["company"]}.get(role)
    someone = member(territory, role, organisation=organisation)
    client.force_login(someone.user)
    response = client.get(url("clauses:market_detail", territory, pk=market_data["market"].pk))
    html = page(response)
    assert "Taux de réalisation" in html
    assert "Zylberstein" not in html and "ZYLBERSTEIN" not in html and "Philomène" not in html
    assert "placement-table" not in html


# Participants


def test_participant_list_with_search(client, territory, member, market_data):
    facilitator = member(territory, Role.FACILITATOR)
    ParticipantFactory(territory=territory, first_name="Alain", last_name="Dupuis")
    client.force_login(facilitator.user)
    response = client.get(url("clauses:participant_list", territory))
    html = page(response)
    assert '<label class="fr-label" for="participant-search">Rechercher un participant' in html
    assert "2 participants" in html and "ZYLBERSTEIN" in html and "DUPUIS" in html
    response = client.get(url("clauses:participant_list", territory), {"q": "dupu"})
    html = page(response)
    assert "1 participant pour « dupu »" in html and "ZYLBERSTEIN" not in html
    response = client.get(url("clauses:participant_list", territory), {"q": "personne"})
    assert "Aucun participant ne correspond" in page(response)


def test_participant_detail(client, territory, coordinator, market_data):
    client.force_login(coordinator.user)
    response = client.get(url("clauses:participant_detail", territory, pk=market_data["participant"].pk))
    html = page(response)
    assert "<h1>Philomène ZYLBERSTEIN</h1>" in html
    assert "Validations d'éligibilité" in html and "Allocataire du RSA" in html and "Attestation CAF / MSA" in html
    assert "2026-REHAB-01" in html and "Bâtisseurs du Sud" in html and "CDD" in html


# Members and invitations


def test_member_list_shows_roles_organisations_and_statuses(
    client, territory, coordinator, member, django_assert_max_num_queries
):
    organisation = FacilitatorOrganisationFactory(territory=territory, name="Maison de l'emploi de Béziers")
    member(territory, Role.FACILITATOR, organisation=organisation)
    member(territory, Role.BUYER, organisation=BuyerFactory(territory=territory, name="Hérault Habitat"))
    member(territory, Role.COMPANY, organisation=CompanyFactory(territory=territory, name="Routes du Midi"))
    member(territory, Role.COMMITTEE)
    MembershipFactory(territory=territory, role=Role.COMMITTEE, pending=True, email="attente@example.org")
    MembershipFactory(
        territory=territory,
        role=Role.COMMITTEE,
        pending=True,
        email="expiree@example.org",
        invitation_expires_at=timezone.now() - timedelta(days=1),
    )
    client.force_login(coordinator.user)
    # Session, user, membership, the members (one query, organisations included), the header's territories, the
    # session write and the request's savepoints: no query per member.
    with django_assert_max_num_queries(10):
        response = client.get(url("members", territory))
    html = page(response)
    assert "Inviter un membre" in html
    assert "Maison de l&#x27;emploi de Béziers" in html and "Hérault Habitat" in html and "Routes du Midi" in html
    assert "Invitation en attente" in html and "Invitation expirée" in html and "Actif" in html
    assert html.count("Renvoyer<span") == 2
    assert "Confirmer le retrait" in html


def test_member_list_is_forbidden_to_other_roles(client, territory, member):
    committee = member(territory, Role.COMMITTEE)
    client.force_login(committee.user)
    response = client.get(url("members", territory))
    assert "Accès refusé" in page(response, 403)


def test_invite_page_groups_organisations_by_role(client, territory, coordinator):
    FacilitatorOrganisationFactory(territory=territory, name="PLIE Est Hérault")
    BuyerFactory(territory=territory, name="Département de l'Hérault")
    client.force_login(coordinator.user)
    response = client.get(url("invite", territory))
    html = page(response)
    assert "<h1>Inviter un membre</h1>" in html
    assert '<optgroup label="Facilitateur·rice">' in html and '<optgroup label="Donneur d&#x27;ordre">' in html
    assert 'for="id_email"' in html and 'for="id_organisation"' in html
    response = client.post(url("invite", territory), {"email": "", "role": Role.BUYER})
    html = page(response)
    assert "fr-input-group--error" in html and '<li class="fr-error-text">' in html


def test_invitation_email_is_in_french(client, territory, coordinator, django_capture_on_commit_callbacks):
    client.force_login(coordinator.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("invite", territory),
            {"email": "nouveau@example.org", "first_name": "Inès", "last_name": "Petit", "role": Role.COMMITTEE},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Bonjour Inès," in body
    assert "vous invite à rejoindre la coordination départementale des clauses sociales Hérault (34)" in body
    assert "Membre du comité départemental" in body
    assert "/invitation/" in body and "valable 14 jours" in body


def _invitation(territory, **kwargs):
    invitation = MembershipFactory(territory=territory, role=Role.BUYER, pending=True, **kwargs)
    token = invitation.new_invitation_token()
    invitation.save()
    return invitation, token


def test_accept_invitation_page_for_a_new_person(client, territory):
    _, token = _invitation(territory)
    response = client.get(reverse("accept_invitation", kwargs={"token": token}))
    html = page(response)
    assert "Bienvenue" in html and "Hérault (34)" in html and "Donneur d&#x27;ordre" in html
    assert 'for="id_password1"' in html and 'for="id_first_name"' in html


def test_accept_invitation_page_for_an_existing_account(client, territory):
    user = UserFactory()
    _, token = _invitation(territory, email=user.email)
    client.force_login(user)
    response = client.get(reverse("accept_invitation", kwargs={"token": token}))
    assert "Rejoindre la coordination Hérault" in page(response)


def test_invitation_for_another_account(client, territory):
    invited = UserFactory()
    _, token = _invitation(territory, email=invited.email)
    client.force_login(UserFactory())
    response = client.get(reverse("accept_invitation", kwargs={"token": token}))
    assert "Cette invitation est destinée à un autre compte" in page(response, 403)


def test_invalid_invitation(client, db):
    response = client.get(reverse("accept_invitation", kwargs={"token": "inconnu"}))
    assert "Ce lien d'invitation n'est pas valable" in page(response, 404)


def test_no_territory_page(client, db):
    client.force_login(UserFactory())
    response = client.get(reverse("root"))
    assert "Votre compte n'est rattaché à aucune coordination" in page(response)


def test_choose_territory_page(client, territory, other_territory):
    user = UserFactory()
    MembershipFactory(territory=territory, user=user, role=Role.COORDINATOR)
    MembershipFactory(territory=other_territory, user=user, role=Role.COMMITTEE)
    client.force_login(user)
    response = client.get(reverse("root"))
    html = page(response)
    assert "Choisir une coordination" in html
    assert "Hérault (34)" in html and "Val-d&#x27;Oise (95)" in html
    assert url("home", other_territory) in html


# Error pages


def test_unknown_territory_is_a_french_404(client, coordinator):
    client.force_login(coordinator.user)
    response = client.get("/00/")
    assert "Page non trouvée" in page(response, 404)


def test_500_page_is_standalone():
    html = render_to_string("500.html")
    assert "Erreur inattendue" in html and "dsfr.min.css" in html


# django-allauth pages


def test_login_page(client, db):
    response = client.get(reverse("account_login"))
    html = page(response)
    assert '<label class="fr-label" for="id_login">' in html and "Adresse e-mail" in html
    assert '<label class="fr-label" for="id_password">' in html and "Mot de passe" in html
    assert "Mot de passe oublié ?" in html
    assert 'class="fr-input"' in html
    assert "inscri" not in html.lower().replace("inscription fermée", "")  # no sign-up link


def test_login_page_shows_the_messages(client, territory):
    """An invitee who already has an account is sent to the login page with a message, shown under the title."""
    user = UserFactory()
    _, token = _invitation(territory, email=user.email)
    response = client.get(reverse("accept_invitation", kwargs={"token": token}), follow=True)
    html = page(response)
    assert "Vous avez déjà un compte : connectez-vous pour accepter l&#x27;invitation." in html
    assert html.index("</h1>") < html.index("Vous avez déjà un compte")


def test_sign_up_is_closed(client, db):
    assert "l'accès se fait sur invitation" in page(client.get(reverse("account_signup")))


def test_login_error_is_shown(client, db):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": "mauvais"})
    html = page(response)
    assert "fr-alert--error" in html and "incorrect" in html


def test_password_reset_pages(client, db):
    response = client.get(reverse("account_reset_password"))
    assert "Réinitialisation du mot de passe" in page(response)
    response = client.get(reverse("account_reset_password_done"))
    assert "Nous vous avons envoyé un e-mail" in page(response)
    response = client.get(reverse("account_reset_password_from_key", kwargs={"uidb36": "0", "key": "faux-jeton"}))
    assert "Mauvais jeton d'identification" in page(response)


def test_account_management_pages(client, db):
    client.force_login(UserFactory())
    for name, text in [
        ("account_email", "Adresses e-mail"),
        ("account_change_password", "Modifier le mot de passe"),
        ("account_logout", "Se déconnecter"),
    ]:
        assert text in page(client.get(reverse(name))), name


def _login(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def _reauthenticate(client, next_url):
    """Sensitive MFA pages first ask for the password again."""
    response = client.get(next_url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.get(response["Location"])
    html = page(response)
    assert "Confirmer l'accès" in html and 'for="id_password"' in html
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def test_mfa_index_and_totp_activation_pages(client, db):
    user = UserFactory()
    _login(client, user)
    response = client.get(reverse("mfa_index"))
    html = page(response)
    assert "Authentification à deux facteurs" in html and "Aucune application d'authentification" in html
    _reauthenticate(client, reverse("mfa_activate_totp"))
    response = client.get(reverse("mfa_activate_totp"))
    html = page(response)
    assert "Activer" in html and 'for="id_code"' in html and "data:image/svg+xml" in html


def test_mfa_pages_with_totp(client, db):
    user = UserFactory()
    TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(user)
    response = _login(client, user)
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.get(reverse("mfa_authenticate"))
    assert "Authentification à deux facteurs" in page(response)
    client.force_login(user)
    _reauthenticate(client, reverse("mfa_deactivate_totp"))
    for name, text in [
        ("mfa_index", "10 codes de récupération disponibles sur 10"),
        ("mfa_deactivate_totp", "Désactiver l'application d'authentification"),
        ("mfa_view_recovery_codes", "Codes inutilisés"),
        ("mfa_generate_recovery_codes", "Codes de récupération"),
    ]:
        assert text in page(client.get(reverse(name))), name


def test_dates_are_french(client, territory, coordinator, market_data):
    market_data["clause"].end_date = datetime.date(2027, 12, 31)
    market_data["clause"].save()
    client.force_login(coordinator.user)
    response = client.get(url("clauses:market_detail", territory, pk=market_data["market"].pk))
    assert "au 31 décembre 2027" in page(response)
