"""Every territory-scoped view × every role, against the table of ``tests/authorization.py``."""

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from accounts.enums import Role
from clauses.models import Participant
from markets.enums import MarketStatus
from markets.models import Market
from tests.authorization import (
    FORBIDDEN,
    NOT_FOUND,
    OTHER_TERRITORY_CODE,
    PARTICIPANT_LAST_NAME,
    ROLES,
    TERRITORY_VIEWS,
    build_world,
    database_snapshot,
    territory_url_names,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One world for the whole module, rolled back at its end; each test still runs in its own savepoint.

    Building it costs ~100 queries: once per module instead of once per test (the module has ~250 tests).
    """
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            built = build_world()
        yield built
        transaction.set_rollback(True)


def _cases(select):
    return [
        pytest.param(view, role, id=f"{view.id}-{role.value}")
        for view in TERRITORY_VIEWS
        for role in ROLES
        if select(view, role)
    ]


def _snapshot(view):
    """The database before a POST (GET views are not expected to write: no need to pay for the snapshot)."""
    return database_snapshot() if view.method == "POST" else None


def _assert_refused(response, expected, before):
    assert response.status_code == expected, f"expected {expected}, got {response.status_code}"
    if before is not None:
        assert database_snapshot() == before, "a refused request changed the database"


def test_table_declares_every_role_with_a_known_status():
    for view in TERRITORY_VIEWS:
        assert set(view.expected) == set(ROLES), view.id
        assert set(view.expected.values()) <= {200, 302, 403, 404}, view.id
        assert view.method in {"GET", "POST"}, view.id
    ids = [view.id for view in TERRITORY_VIEWS]
    assert len(ids) == len(set(ids))


def test_every_territory_view_is_in_the_table():
    """Guard: a new view under ``/<territory>/`` must be declared in ``tests/authorization.py``."""
    declared = {view.url_name for view in TERRITORY_VIEWS}
    missing = territory_url_names() - declared
    assert not missing, f"Territory views missing from TERRITORY_VIEWS in tests/authorization.py: {sorted(missing)}"
    assert declared <= territory_url_names(), f"Unknown URL names in the table: {declared - territory_url_names()}"


@pytest.mark.parametrize(("view", "role"), _cases(lambda view, role: role in view.allowed_roles))
def test_allowed_role_succeeds(client, world, view, role):
    client.force_login(world.members[role].user)
    before = _snapshot(view)
    response = view.request(client, world)
    assert response.status_code == view.expected[role]
    if before is not None:
        # The allowed POST does write: proof that the snapshot would see a refused one writing.
        assert database_snapshot() != before
    if response.status_code == 302:
        assert not response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(("view", "role"), _cases(lambda view, role: role in view.refused_roles))
def test_other_roles_are_refused_and_nothing_changes(client, world, view, role):
    client.force_login(world.members[role].user)
    before = _snapshot(view)
    response = view.request(client, world)
    _assert_refused(response, view.expected[role], before)


@pytest.mark.parametrize("view", TERRITORY_VIEWS, ids=lambda view: view.id)
def test_anonymous_is_sent_to_login(client, world, view):
    before = _snapshot(view)
    url = view.url(world)
    response = view.request(client, world)
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={url}"
    if before is not None:
        assert database_snapshot() == before


@pytest.mark.parametrize(("view", "role"), _cases(lambda view, role: True))
def test_member_of_another_territory_gets_404(client, world, view, role):
    client.force_login(world.foreign_members[role].user)
    before = _snapshot(view)
    response = view.request(client, world)
    _assert_refused(response, NOT_FOUND, before)


@pytest.mark.parametrize(("view", "role"), _cases(lambda view, role: view.foreign_kwargs is not None))
def test_object_of_another_territory_is_404_under_this_territory(client, world, view, role):
    client.force_login(world.members[role].user)
    before = _snapshot(view)
    response = view.request(client, world, foreign_object=True)
    _assert_refused(response, NOT_FOUND, before)


@pytest.mark.parametrize(("view", "role"), _cases(lambda view, role: True))
def test_territory_url_of_another_territory_is_404_for_a_member_of_this_one(client, world, view, role):
    """The mirror of the above: a member of 34 asking /95/… (with 34's objects) learns nothing."""
    client.force_login(world.members[role].user)
    before = _snapshot(view)
    response = view.request(client, world, territory_code=OTHER_TERRITORY_CODE)
    _assert_refused(response, NOT_FOUND, before)


# Specific rules of visibility -----------------------------------------------------------------------------------


def _market_list(client, world, role):
    client.force_login(world.members[role].user)
    response = client.get(reverse("clauses:market_list", kwargs={"territory_code": "34"}))
    assert response.status_code == 200
    return response


def test_buyer_lists_only_its_own_markets(client, world):
    response = _market_list(client, world, Role.BUYER)
    assert {m.pk for m in response.context["markets"]} == {world.market.pk}
    html = response.content.decode()
    assert world.market.reference in html
    assert world.other_market.reference not in html
    assert world.other_buyer.name not in html  # not even in the buyer filter


def test_company_lists_only_the_markets_it_was_awarded(client, world):
    response = _market_list(client, world, Role.COMPANY)
    assert {m.pk for m in response.context["markets"]} == {world.market.pk}
    assert world.other_market.reference not in response.content.decode()


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FACILITATOR, Role.COMMITTEE])
def test_territory_wide_roles_list_every_market_of_the_territory(client, world, role):
    response = _market_list(client, world, role)
    assert {m.pk for m in response.context["markets"]} == {world.market.pk, world.other_market.pk}
    assert world.foreign_market.reference not in response.content.decode()


def test_visibility_rules_of_the_querysets(world):
    """The same rules, at the queryset level every page reuses."""
    expected = {
        Role.COORDINATOR: {world.market.pk, world.other_market.pk},
        Role.FACILITATOR: {world.market.pk, world.other_market.pk},
        Role.COMMITTEE: {world.market.pk, world.other_market.pk},
        Role.BUYER: {world.market.pk},
        Role.COMPANY: {world.market.pk},
    }
    for role, markets in expected.items():
        membership = world.members[role]
        # Planned markets (the programming area's objects) follow the same rules: tests/clauses/test_programming.py.
        followed = Market.objects.visible_to(membership).exclude(status=MarketStatus.PLANNED)
        assert set(followed.values_list("pk", flat=True)) == markets, role
        participants = set(Participant.objects.visible_to(membership).values_list("pk", flat=True))
        assert participants == ({world.participant.pk} if membership.sees_participants else set()), role
        assert world.market.can_be_seen_by(membership)
        assert not world.foreign_market.can_be_seen_by(membership)
    assert not Market.objects.visible_to(None).exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.BUYER, FORBIDDEN), (Role.COMMITTEE, FORBIDDEN), (Role.COMPANY, FORBIDDEN)],
)
def test_roles_without_access_to_people_get_403_on_the_participant_list(client, world, role, status):
    client.force_login(world.members[role].user)
    response = client.get(reverse("clauses:participant_list", kwargs={"territory_code": "34"}))
    assert response.status_code == status
    assert PARTICIPANT_LAST_NAME.lower() not in response.content.decode().lower()


@pytest.mark.parametrize("role", [Role.BUYER, Role.COMMITTEE, Role.COMPANY])
def test_roles_without_access_to_people_get_404_on_a_participant(client, world, role):
    client.force_login(world.members[role].user)
    url = reverse("clauses:participant_detail", kwargs={"territory_code": "34", "pk": world.participant.pk})
    response = client.get(url)
    assert response.status_code == NOT_FOUND
    assert PARTICIPANT_LAST_NAME.lower() not in response.content.decode().lower()


@pytest.mark.parametrize(
    ("role", "shows_names"),
    [
        (Role.COORDINATOR, True),
        (Role.FACILITATOR, True),
        (Role.BUYER, False),
        (Role.COMMITTEE, False),
        (Role.COMPANY, False),
    ],
)
def test_participant_names_on_the_market_page_only_for_facilitators_and_coordinators(client, world, role, shows_names):
    client.force_login(world.members[role].user)
    response = client.get(reverse("clauses:market_detail", kwargs={"territory_code": "34", "pk": world.market.pk}))
    assert response.status_code == 200
    html = response.content.decode().lower()
    assert (PARTICIPANT_LAST_NAME.lower() in html) is shows_names
    assert ("placements" in response.context) is shows_names


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FACILITATOR])
def test_staff_list_the_participants_of_their_territory_only(client, world, role):
    client.force_login(world.members[role].user)
    response = client.get(reverse("clauses:participant_list", kwargs={"territory_code": "34"}))
    assert response.status_code == 200
    assert [p.pk for p in response.context["participants"]] == [world.participant.pk]
    html = response.content.decode().lower()
    assert PARTICIPANT_LAST_NAME.lower() in html
    assert "etrangère" not in html
