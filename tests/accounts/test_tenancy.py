"""The tenant on the request (TerritoryMiddleware) and, on PostgreSQL, the isolation the database itself enforces."""

from datetime import date

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from accounts.enums import Role
from accounts.middleware import SESSION_TERRITORY_KEY
from markets.models import Lot
from territories.tenancy import tenant_foreign_keys
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.clauses.factories import ClauseFactory, MonthlyHoursFactory, ParticipantFactory, PlacementFactory
from tests.conftest import make_member
from tests.facilitators.factories import FacilitatorOrganisationFactory
from tests.markets.factories import BuyerFactory, CompanyFactory, LotFactory, MarketFactory
from tests.territories.factories import TerritoryFactory

pytestmark = pytest.mark.django_db


def url(name, code, **kwargs):
    return reverse(name, kwargs={"territory_code": code, **kwargs})


@pytest.fixture
def two_territory_user(territory, other_territory):
    """Coordinator in 34, facilitator in 95: one person, two memberships, two roles."""
    coordinator = make_member(territory, Role.COORDINATOR)
    user = coordinator.user
    organisation = FacilitatorOrganisationFactory(territory=other_territory)
    make_member(other_territory, Role.FACILITATOR, organisation, user=user)
    return user


# The membership of each territory applies in that territory ------------------------------------------------------


def test_each_membership_role_applies_in_its_own_territory(client, two_territory_user):
    client.force_login(two_territory_user)

    response = client.get(url("home", "34"))
    assert response.status_code == 200
    assert response.context["membership"].role == Role.COORDINATOR
    assert response.context["territory"].code == "34"
    assert client.get(url("members", "34")).status_code == 200

    response = client.get(url("home", "95"))
    assert response.status_code == 200
    assert response.context["membership"].role == Role.FACILITATOR
    assert response.context["territory"].code == "95"
    assert client.get(url("members", "95")).status_code == 403
    assert client.get(url("invite", "95")).status_code == 403
    # …and the facilitator's own rights do apply in 95.
    assert client.get(url("clauses:participant_list", "95")).status_code == 200


def test_switching_territory_is_remembered_for_the_root_url(client, two_territory_user):
    client.force_login(two_territory_user)
    assert client.get("/").status_code == 200  # no preference yet: the choice

    assert client.get(url("home", "95")).status_code == 200
    assert client.session[SESSION_TERRITORY_KEY] == "95"
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == url("home", "95")

    assert client.get(url("clauses:market_list", "34")).status_code == 200
    assert client.session[SESSION_TERRITORY_KEY] == "34"
    assert client.get("/").url == url("home", "34")


def test_data_of_one_membership_does_not_leak_into_the_other(client, two_territory_user, territory, other_territory):
    MarketFactory(territory=territory, reference="HERAULT-1")
    MarketFactory(territory=other_territory, reference="VALDOISE-1")
    client.force_login(two_territory_user)

    html_34 = client.get(url("clauses:market_list", "34")).content.decode()
    html_95 = client.get(url("clauses:market_list", "95")).content.decode()

    assert "HERAULT-1" in html_34 and "VALDOISE-1" not in html_34
    assert "VALDOISE-1" in html_95 and "HERAULT-1" not in html_95


def test_the_switcher_offers_the_other_territory(client, two_territory_user):
    client.force_login(two_territory_user)
    html = client.get(url("home", "34")).content.decode()
    assert url("home", "95") in html


# Unknown territories and inactive memberships ---------------------------------------------------------------------


@pytest.mark.parametrize("code", ["00", "2A", "2a", "971", "95"])
def test_unknown_or_foreign_territory_is_404(client, coordinator, other_territory, code):
    """00 is no département; 2A and 971 are valid codes without a coordination here; 95 exists, not for this user."""
    client.force_login(coordinator.user)
    assert client.get(f"/{code}/").status_code == 404
    assert client.get(f"/{code}/marches/").status_code == 404


def test_a_url_that_is_not_a_territory_code_is_404(client, coordinator):
    client.force_login(coordinator.user)
    assert client.get("/3/").status_code == 404
    assert client.get("/XYZ/").status_code == 404


def test_inactive_membership_is_404(client, territory):
    membership = make_member(territory, Role.COORDINATOR, is_active=False)
    client.force_login(membership.user)
    assert client.get(url("home", "34")).status_code == 404
    assert client.get(url("clauses:market_list", "34")).status_code == 404
    response = client.get("/")
    assert response.status_code == 200
    assert "accounts/no_territory.html" in [t.name for t in response.templates]


def test_inactive_territory_is_404(client, coordinator, territory):
    territory.is_active = False
    territory.save(update_fields=["is_active"])
    client.force_login(coordinator.user)
    assert client.get(url("home", "34")).status_code == 404


def test_pending_invitation_gives_no_access(client, territory):
    """An invitation not yet accepted is a membership without a user: nobody gets in through it."""
    user = UserFactory()
    MembershipFactory(territory=territory, pending=True, email=user.email, role=Role.COORDINATOR)
    client.force_login(user)
    assert client.get(url("home", "34")).status_code == 404


# The root URL ------------------------------------------------------------------------------------------------------


def test_root_redirects_to_the_single_territory(client, coordinator):
    client.force_login(coordinator.user)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == url("home", "34")


def test_root_offers_a_choice_between_several_territories(client, two_territory_user):
    client.force_login(two_territory_user)
    response = client.get("/")
    assert response.status_code == 200
    assert [m.territory.code for m in response.context["memberships"]] == ["34", "95"]
    html = response.content.decode()
    assert url("home", "34") in html and url("home", "95") in html


def test_root_without_any_territory(client, db):
    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 200
    assert "accounts/no_territory.html" in [t.name for t in response.templates]


def test_root_sends_an_anonymous_visitor_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# PostgreSQL: the database itself refuses cross-tenant rows ---------------------------------------------------------


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "Composite (territory_id, id) foreign keys exist on PostgreSQL only (EnforceTenantIsolation is a no-op "
            "on SQLite): run with DATABASE_URL=postgres://…"
        )


def _cross_tenant_children(here, elsewhere):
    """(constraint expected to refuse, a function creating a row of ``elsewhere`` pointing at a parent of ``here``)."""
    market = MarketFactory(territory=here)
    lot = LotFactory(territory=here, market=market)
    clause = ClauseFactory(territory=here, lot=lot)
    participant = ParticipantFactory(territory=here)
    placement = PlacementFactory(territory=here, participant=participant, clause=clause)
    foreign_company = CompanyFactory(territory=elsewhere)
    foreign_participant = ParticipantFactory(territory=elsewhere)
    return {
        "lot→market": ("markets_lot_market_id_tenant_fk", lambda: LotFactory(territory=elsewhere, market=market)),
        "market→buyer": (
            "markets_market_buyer_id_tenant_fk",
            lambda: MarketFactory(territory=elsewhere, buyer=BuyerFactory(territory=here)),
        ),
        "clause→lot": ("clauses_clause_lot_id_tenant_fk", lambda: ClauseFactory(territory=elsewhere, lot=lot)),
        "placement→clause": (
            "clauses_placement_clause_id_tenant_fk",
            lambda: PlacementFactory(
                territory=elsewhere, clause=clause, participant=foreign_participant, employer_company=foreign_company
            ),
        ),
        "monthlyhours→placement": (
            "clauses_monthlyhours_placement_id_tenant_fk",
            lambda: MonthlyHoursFactory(territory=elsewhere, placement=placement, month=date(2026, 3, 1)),
        ),
    }


CROSS_TENANT_CASES = ["lot→market", "market→buyer", "clause→lot", "placement→clause", "monthlyhours→placement"]


@pytest.mark.parametrize("case", CROSS_TENANT_CASES)
def test_database_refuses_a_child_whose_parent_is_in_another_territory(postgresql, territory, other_territory, case):
    constraint, create = _cross_tenant_children(territory, other_territory)[case]
    # The composite keys are DEFERRABLE INITIALLY DEFERRED: checked at commit, or when asked to (SET CONSTRAINTS).
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        create()
        connection.check_constraints()


def test_database_accepts_a_child_in_the_same_territory(postgresql, territory):
    market = MarketFactory(territory=territory)
    with transaction.atomic():
        LotFactory(territory=territory, market=market)
        connection.check_constraints()
    assert Lot.objects.filter(market=market).count() == 1


def test_database_refuses_moving_a_child_under_a_parent_of_another_territory(postgresql, territory, other_territory):
    lot = LotFactory(territory=territory)
    foreign_market = MarketFactory(territory=other_territory)
    with pytest.raises(IntegrityError, match="markets_lot_market_id_tenant_fk"), transaction.atomic():
        Lot.objects.filter(pk=lot.pk).update(market=foreign_market)
        connection.check_constraints()


@pytest.mark.django_db(transaction=True)
def test_database_refuses_the_commit_of_a_cross_tenant_row(postgresql):
    """Without any explicit check: the COMMIT itself fails and nothing is written."""
    here, elsewhere = TerritoryFactory(code="34"), TerritoryFactory(code="95")
    market = MarketFactory(territory=here)
    with pytest.raises(IntegrityError, match="markets_lot_market_id_tenant_fk"), transaction.atomic():
        Lot.objects.create(territory=elsewhere, market=market, number=7, title="Lot pirate")
    assert not Lot.objects.filter(number=7).exists()


def _foreign_keys_in_database():
    """conname → (table, columns, parent table, parent columns, deferrable, initially deferred), from pg_constraint."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conname, rel.relname,
                   ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
                         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n),
                   frel.relname,
                   ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, n)
                         JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n),
                   c.condeferrable, c.condeferred
            FROM pg_constraint c
            JOIN pg_class rel ON rel.oid = c.conrelid
            JOIN pg_class frel ON frel.oid = c.confrelid
            JOIN pg_namespace ns ON ns.oid = rel.relnamespace
            WHERE c.contype = 'f' AND ns.nspname = current_schema()
            """
        )
        return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}


def _expected_tenant_keys():
    return [
        (model._meta.label, model._meta.db_table, key)
        for model in apps.get_models()
        for key in tenant_foreign_keys(model)
    ]


def _composite_key_problems():
    in_database = _foreign_keys_in_database()
    problems = []
    for label, table, (name, column, parent_table, parent_column) in _expected_tenant_keys():
        wanted = (table, ["territory_id", column], parent_table, ["territory_id", parent_column], True, True)
        found = in_database.get(name)
        if found != wanted:
            problems.append(f"{label}.{column} → {parent_table}: expected {name} {wanted}, found {found}")
    return problems


def test_every_foreign_key_between_tenant_models_is_composite_in_the_database(postgresql):
    expected = _expected_tenant_keys()
    # A guard against a helper that silently finds nothing: the domain has many parent/child tenant tables.
    assert len(expected) >= 20, expected
    names = [key[0] for _, _, key in expected]
    assert len(names) == len(set(names)), "two tenant foreign keys share a constraint name"
    problems = _composite_key_problems()
    assert not problems, "Missing or wrong composite tenant foreign keys (run EnforceTenantIsolation):\n" + "\n".join(
        problems
    )


def test_the_introspection_would_see_a_missing_composite_key(postgresql):
    """Self-check of the test above: drop one key inside a savepoint, it must be reported."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute('ALTER TABLE "markets_lot" DROP CONSTRAINT "markets_lot_market_id_tenant_fk"')
        problems = _composite_key_problems()
        transaction.set_rollback(True)
    assert len(problems) == 1 and problems[0].startswith("markets.Lot.market_id"), problems
    assert not _composite_key_problems()
