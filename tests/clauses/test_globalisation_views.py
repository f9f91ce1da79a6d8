"""Globalisation pages: agreements (list, creation, detail) and the allocation of a line's hours across clauses."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.enums import Role
from clauses.enums import ContractKind, StatementStatus
from clauses.hours import allocate, counted_total
from clauses.models import Clause, GlobalisationAgreement, GlobalisationClause, HoursAllocation, MonthlyHours
from tests.clauses.factories import (
    ClauseFactory,
    EligibilityCriterionFactory,
    EligibilityValidationFactory,
    MonthlyHoursFactory,
    ParticipantFactory,
    PlacementFactory,
)
from tests.facilitators.factories import InclusionEmployerFactory
from tests.markets.factories import BuyerFactory, CompanyFactory, LotAwardFactory, LotFactory, MarketFactory

pytestmark = pytest.mark.django_db

D = Decimal
FEB = date(2026, 2, 1)
REFUSED_ROLES = (Role.BUYER, Role.COMMITTEE, Role.COMPANY)


def url(name, **kwargs):
    return reverse(f"clauses:{name}", kwargs={"territory_code": "34", **kwargs})


def awarded_clause(territory, company, reference, buyer=None):
    market = MarketFactory(territory=territory, reference=reference, **({"buyer": buyer} if buyer else {}))
    lot = LotFactory(territory=territory, market=market, number=1)
    LotAwardFactory(territory=territory, lot=lot, company=company)
    return ClauseFactory(territory=territory, lot=lot, start_date=date(2026, 1, 1), end_date=date(2027, 12, 31))


class Setting:
    """A company holding clauses A (Ville de Sète) and B (Hérault Habitat), pooled by an agreement; C is held by a
    rival. A participant on A worked 100 h in February 2026 (validated, eligible)."""

    def __init__(self, territory):
        self.territory = territory
        self.company = CompanyFactory(territory=territory, name="Bâtisseurs du Littoral")
        self.rival = CompanyFactory(territory=territory, name="Peintures de l'Orb")
        self.a = awarded_clause(territory, self.company, "SETE-A", BuyerFactory(territory=territory, name="Sète"))
        self.b = awarded_clause(territory, self.company, "HH-B", BuyerFactory(territory=territory, name="HH"))
        self.c = awarded_clause(territory, self.rival, "RIVAL-C")
        self.agreement = GlobalisationAgreement.objects.create(
            territory=territory, company=self.company, name="Accord Littoral 2026", start_date=date(2026, 1, 1)
        )
        for clause in (self.a, self.b):
            GlobalisationClause.objects.create(territory=territory, agreement=self.agreement, clause=clause)
        self.rsa = EligibilityCriterionFactory(territory=territory, code="rsa")
        self.placement = self.new_placement(self.a, last_name="Quaresmolle")
        self.line = MonthlyHoursFactory(
            territory=territory, placement=self.placement, month=FEB, hours_worked=D(100), status="validated"
        )

    def new_placement(self, clause, last_name="Martin", **kwargs):
        participant = ParticipantFactory(territory=self.territory, last_name=last_name)
        EligibilityValidationFactory(
            territory=self.territory, participant=participant, criterion=self.rsa, validated_on=date(2026, 1, 5)
        )
        kwargs.setdefault("employer_company", self.company)
        return PlacementFactory(
            territory=self.territory, participant=participant, clause=clause, start_date=date(2026, 1, 1), **kwargs
        )

    def counted(self, clause):
        return counted_total(self.territory, Clause.objects.filter(pk=clause.pk))


@pytest.fixture
def world(territory):
    return Setting(territory)


@pytest.fixture
def staff_client(client, territory, member):
    client.force_login(member(territory, Role.FACILITATOR).user)
    return client


# --- List -------------------------------------------------------------------------------------------------------------


class TestList:
    @pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FACILITATOR])
    def test_staff_see_the_agreements_with_their_company_and_clauses(self, client, world, member, role):
        client.force_login(member(world.territory, role).user)
        response = client.get(url("globalisation_list"))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Accord Littoral 2026" in html
        assert "Bâtisseurs du Littoral" in html
        assert "SETE-A" in html and "HH-B" in html
        assert "RIVAL-C" not in html
        assert url("globalisation_detail", pk=world.agreement.pk) in html
        assert url("globalisation_create") in html

    @pytest.mark.parametrize("role", REFUSED_ROLES)
    def test_other_roles_are_refused(self, client, world, member, role):
        organisation = world.company if role == Role.COMPANY else None
        client.force_login(member(world.territory, role, organisation).user)
        assert client.get(url("globalisation_list")).status_code == 403

    def test_another_territory_agreement_is_not_listed(self, staff_client, world, other_territory):
        foreign_company = CompanyFactory(territory=other_territory, name="Entreprise du Val-d'Oise")
        GlobalisationAgreement.objects.create(
            territory=other_territory, company=foreign_company, name="Accord de Cergy", start_date=date(2026, 1, 1)
        )
        html = staff_client.get(url("globalisation_list")).content.decode()
        assert "Accord de Cergy" not in html
        assert "Accord Littoral 2026" in html

    def test_member_of_another_territory_gets_404(self, client, world, other_territory, member):
        client.force_login(member(other_territory, Role.COORDINATOR).user)
        assert client.get(url("globalisation_list")).status_code == 404

    def test_query_count_does_not_grow_with_agreements_and_clauses(self, staff_client, world):
        staff_client.get(url("globalisation_list"))  # the first request of a session also saves it
        with CaptureQueriesContext(connection) as one:
            assert staff_client.get(url("globalisation_list")).status_code == 200
        for n in range(8):
            company = CompanyFactory(territory=world.territory)
            agreement = GlobalisationAgreement.objects.create(
                territory=world.territory, company=company, name=f"Accord {n}", start_date=date(2026, 1, 1)
            )
            for k in range(3):
                clause = awarded_clause(world.territory, company, f"M-{n}-{k}")
                GlobalisationClause.objects.create(territory=world.territory, agreement=agreement, clause=clause)
        with CaptureQueriesContext(connection) as many:
            response = staff_client.get(url("globalisation_list"))
        assert len(response.context["agreements"]) == 9
        assert len(many) == len(one) <= 9


# --- Creation ---------------------------------------------------------------------------------------------------------


class TestCreate:
    def data(self, world, **overrides):
        return {
            "company": world.company.pk,
            "name": "Accord 2027",
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "clauses": [world.a.pk, world.b.pk],
            **overrides,
        }

    def test_form_offers_the_territory_companies_and_clauses_only(self, staff_client, world, other_territory):
        CompanyFactory(territory=other_territory, name="Entreprise du Val-d'Oise")
        foreign = ClauseFactory(territory=other_territory)
        response = staff_client.get(url("globalisation_create"))
        assert response.status_code == 200
        form = response.context["form"]
        assert set(form.fields["company"].queryset) == {world.company, world.rival}
        assert set(form.fields["clauses"].queryset) == {world.a, world.b, world.c}
        html = response.content.decode()
        assert "Entreprise du Val-d'Oise" not in html
        assert foreign.lot.market.reference not in html
        assert 'type="checkbox"' in html
        assert "SETE-A — lot 1 (Sète)" in html

    def test_creates_the_agreement_and_its_clauses(self, staff_client, world):
        response = staff_client.post(url("globalisation_create"), self.data(world))
        agreement = GlobalisationAgreement.objects.get(name="Accord 2027")
        assert response.status_code == 302
        assert response.url == url("globalisation_detail", pk=agreement.pk)
        assert agreement.territory == world.territory
        assert agreement.company == world.company
        assert (agreement.start_date, agreement.end_date) == (date(2027, 1, 1), date(2027, 12, 31))
        assert set(agreement.clauses.values_list("clause_id", flat=True)) == {world.a.pk, world.b.pk}
        assert set(agreement.clauses.values_list("territory_id", flat=True)) == {world.territory.pk}
        page = staff_client.get(response.url)
        assert "L&#x27;accord de globalisation « Accord 2027 » est enregistré." in page.content.decode()

    def test_end_date_is_optional(self, staff_client, world):
        staff_client.post(url("globalisation_create"), self.data(world, end_date=""))
        assert GlobalisationAgreement.objects.get(name="Accord 2027").end_date is None

    def assert_refused(self, response, field, message):
        assert response.status_code == 200
        assert message in response.context["form"].errors[field]
        assert GlobalisationAgreement.objects.filter(name__in=["Accord 2027", "Accord tapé"]).count() == 0
        assert GlobalisationClause.objects.count() == 2  # the setting's agreement only

    def test_end_before_start_is_refused_and_typed_values_are_kept(self, staff_client, world):
        response = staff_client.post(
            url("globalisation_create"), self.data(world, name="Accord tapé", end_date="2026-12-31")
        )
        self.assert_refused(response, "end_date", "La date de fin doit être postérieure ou égale à la date de début.")
        html = response.content.decode()
        assert 'value="Accord tapé"' in html
        assert 'value="2026-12-31"' in html
        assert 'value="2027-01-01"' in html
        assert re.search(rf'<input type="checkbox" name="clauses" value="{world.a.pk}"[^>]* checked>', html)
        assert not re.search(rf'<input type="checkbox" name="clauses" value="{world.c.pk}"[^>]* checked>', html)

    def test_at_least_two_clauses(self, staff_client, world):
        response = staff_client.post(url("globalisation_create"), self.data(world, clauses=[world.a.pk]))
        self.assert_refused(response, "clauses", "Un accord de globalisation met en commun au moins deux clauses.")
        response = staff_client.post(url("globalisation_create"), self.data(world, clauses=[]))
        self.assert_refused(response, "clauses", "Cochez au moins deux clauses.")

    def test_each_clause_must_be_awarded_to_the_company(self, staff_client, world):
        response = staff_client.post(url("globalisation_create"), self.data(world, clauses=[world.a.pk, world.c.pk]))
        errors = response.context["form"].errors["clauses"]
        assert len(errors) == 1
        assert errors[0].startswith("Bâtisseurs du Littoral n'est pas attributaire du lot de la clause « RIVAL-C")
        self.assert_refused(response, "clauses", errors[0])

    def test_clause_of_another_territory_is_refused(self, staff_client, world, other_territory):
        foreign = ClauseFactory(territory=other_territory)
        response = staff_client.post(url("globalisation_create"), self.data(world, clauses=[world.a.pk, foreign.pk]))
        assert response.status_code == 200
        assert "clauses" in response.context["form"].errors
        assert not GlobalisationAgreement.objects.filter(name="Accord 2027").exists()

    def test_company_of_another_territory_is_refused(self, staff_client, world, other_territory):
        foreign = CompanyFactory(territory=other_territory)
        response = staff_client.post(url("globalisation_create"), self.data(world, company=foreign.pk))
        assert response.status_code == 200
        assert "company" in response.context["form"].errors
        assert not GlobalisationAgreement.objects.filter(name="Accord 2027").exists()

    def test_all_or_nothing(self, staff_client, world, monkeypatch):
        def broken(*args, **kwargs):
            raise IntegrityError("simulated failure")

        monkeypatch.setattr(GlobalisationClause.objects, "bulk_create", broken)
        with pytest.raises(IntegrityError):
            staff_client.post(url("globalisation_create"), self.data(world))
        assert not GlobalisationAgreement.objects.filter(name="Accord 2027").exists()

    @pytest.mark.parametrize("role", REFUSED_ROLES)
    def test_other_roles_are_refused_and_nothing_is_created(self, client, world, member, role):
        organisation = world.company if role == Role.COMPANY else None
        client.force_login(member(world.territory, role, organisation).user)
        assert client.get(url("globalisation_create")).status_code == 403
        assert client.post(url("globalisation_create"), self.data(world)).status_code == 403
        assert not GlobalisationAgreement.objects.filter(name="Accord 2027").exists()


# --- Detail -----------------------------------------------------------------------------------------------------------


class TestDetail:
    def get(self, client, world):
        response = client.get(url("globalisation_detail", pk=world.agreement.pk))
        assert response.status_code == 200
        return response

    def test_shows_the_clauses_with_their_counted_hours_and_the_lines(self, staff_client, world):
        response = self.get(staff_client, world)
        counted = {c.pk: c.hours_achieved for c in response.context["clauses"]}
        assert counted == {world.a.pk: D(100), world.b.pk: D(0)}  # not allocated yet: counts on its own clause
        assert [line.pk for line in response.context["lines"]] == [world.line.pk]
        html = response.content.decode()
        assert "QUARESMOLLE" in html
        assert "Non répartie : compte sur sa clause" in html
        assert f"{url('hours_allocation', pk=world.line.pk)}?accord={world.agreement.pk}" in html

    def test_allocations_are_shown_and_move_the_counted_hours(self, staff_client, world):
        allocate(world.line, {world.a: D(60), world.b: D(40)})
        response = self.get(staff_client, world)
        counted = {c.pk: c.hours_achieved for c in response.context["clauses"]}
        assert counted == {world.a.pk: D(60), world.b.pk: D(40)}
        html = response.content.decode()
        assert "HH-B — lot 1 : 40 h" in html
        assert "SETE-A — lot 1 : 60 h" in html

    def test_lines_are_those_of_the_company_on_the_agreement_clauses_within_its_period(self, staff_client, world):
        rival_on_a = world.new_placement(world.a, employer_company=world.rival)
        MonthlyHoursFactory(territory=world.territory, placement=rival_on_a, month=FEB)
        on_c = world.new_placement(world.c)
        MonthlyHoursFactory(territory=world.territory, placement=on_c, month=FEB)
        before = MonthlyHoursFactory(territory=world.territory, placement=world.placement, month=date(2025, 12, 1))
        provided = world.new_placement(
            world.b, employer_company=None, employer_inclusion=InclusionEmployerFactory(territory=world.territory)
        )
        provided_line = MonthlyHoursFactory(territory=world.territory, placement=provided, month=FEB)
        lines = {line.pk for line in self.get(staff_client, world).context["lines"]}
        # The company's own placement and staff provided on a lot it holds; not the rival's, not clause C, not the
        # month before the agreement.
        assert lines == {world.line.pk, provided_line.pk}
        assert before.pk not in lines

    def test_only_the_six_latest_months_are_shown(self, staff_client, world):
        for month in range(3, 13):  # March → December 2026
            MonthlyHoursFactory(territory=world.territory, placement=world.placement, month=date(2026, month, 1))
        response = self.get(staff_client, world)
        months = [line.month for line in response.context["lines"]]
        assert months == [date(2026, m, 1) for m in range(12, 6, -1)]  # December → July, latest first
        assert "juillet 2026 à décembre 2026" in response.content.decode()

    def test_pending_reason_is_shown(self, staff_client, world):
        MonthlyHours.objects.filter(pk=world.line.pk).update(status=StatementStatus.SUBMITTED)
        html = self.get(staff_client, world).content.decode()
        assert "Relevé transmis, en attente de validation" in html

    def test_agreement_without_lines(self, staff_client, world):
        MonthlyHours.objects.all().delete()
        response = self.get(staff_client, world)
        assert response.context["lines"] == []
        assert "Aucune heure n'est encore déclarée" in response.content.decode()

    def test_another_territory_agreement_is_404(self, staff_client, world, other_territory):
        foreign = GlobalisationAgreement.objects.create(
            territory=other_territory,
            company=CompanyFactory(territory=other_territory),
            name="Accord de Cergy",
            start_date=date(2026, 1, 1),
        )
        assert staff_client.get(url("globalisation_detail", pk=foreign.pk)).status_code == 404

    @pytest.mark.parametrize("role", REFUSED_ROLES)
    def test_other_roles_are_refused(self, client, world, member, role):
        organisation = world.company if role == Role.COMPANY else None
        client.force_login(member(world.territory, role, organisation).user)
        assert client.get(url("globalisation_detail", pk=world.agreement.pk)).status_code == 403

    def test_query_count_does_not_grow_with_lines_placements_and_allocations(self, staff_client, world):
        allocate(world.line, {world.a: D(50), world.b: D(50)})
        self.get(staff_client, world)  # the first request of a session also saves it
        with CaptureQueriesContext(connection) as one:
            self.get(staff_client, world)
        for n in range(15):
            placement = world.new_placement(world.a if n % 2 else world.b)
            for month in (FEB, date(2026, 3, 1), date(2026, 4, 1)):
                line = MonthlyHoursFactory(territory=world.territory, placement=placement, month=month)
                allocate(line, {world.a: D(60), world.b: D(60)})
        with CaptureQueriesContext(connection) as many:
            response = self.get(staff_client, world)
        assert len(response.context["lines"]) == 46
        assert len(many) == len(one) <= 12


# --- Allocation -------------------------------------------------------------------------------------------------------


class TestAllocation:
    def page(self, world, line=None):
        return url("hours_allocation", pk=(line or world.line).pk) + f"?accord={world.agreement.pk}"

    def test_one_input_per_clause_of_the_agreement_prefilled(self, staff_client, world):
        allocate(world.line, {world.a: D("59.5"), world.b: D("40.5")})
        response = staff_client.get(self.page(world))
        assert response.status_code == 200
        form = response.context["form"]
        assert list(form.fields) == [f"clause_{world.b.pk}", f"clause_{world.a.pk}"]  # by market reference
        html = response.content.decode()
        assert f'name="clause_{world.a.pk}" value="59,50"' in html
        assert f'name="clause_{world.b.pk}" value="40,50"' in html
        assert f'name="clause_{world.c.pk}"' not in html
        assert "HH-B — lot 1 (HH)" in html  # each input is labelled with its clause
        assert "Accord Littoral 2026" in html

    def test_saving_allocates_and_moves_the_counted_hours(self, staff_client, world):
        response = staff_client.post(self.page(world), {f"clause_{world.a.pk}": "59,5", f"clause_{world.b.pk}": "40.5"})
        assert response.status_code == 302
        assert response.url == url("globalisation_detail", pk=world.agreement.pk)
        assert world.counted(world.a) == D("59.5")
        assert world.counted(world.b) == D("40.5")
        assert counted_total(world.territory, Clause.objects.filter(territory=world.territory)) == D(100)
        follow = staff_client.get(response.url)
        assert "La répartition des heures est enregistrée." in follow.content.decode()
        assert {c.pk: c.hours_achieved for c in follow.context["clauses"]} == {
            world.a.pk: D("59.5"),
            world.b.pk: D("40.5"),
        }

    def test_history_keeps_who_allocated(self, client, world, member):
        facilitator = member(world.territory, Role.FACILITATOR)
        client.force_login(facilitator.user)
        client.post(self.page(world), {f"clause_{world.a.pk}": "70", f"clause_{world.b.pk}": "30"})
        users = set(HoursAllocation.history.filter(line_id=world.line.pk).values_list("history_user_id", flat=True))
        assert users == {facilitator.user_id}

    def test_total_over_the_line_hours_is_refused_with_typed_values_kept(self, staff_client, world):
        allocate(world.line, {world.a: D(60), world.b: D(40)})
        response = staff_client.post(self.page(world), {f"clause_{world.a.pk}": "70", f"clause_{world.b.pk}": "40,25"})
        assert response.status_code == 200
        html = response.content.decode()
        assert (
            "La répartition (110,25 h) dépasse les heures de la ligne (100 h) : une heure ne compte qu&#x27;une fois."
            in html
        )
        assert f'name="clause_{world.a.pk}" value="70"' in html
        assert f'name="clause_{world.b.pk}" value="40,25"' in html
        assert {a.clause_id: a.hours for a in HoursAllocation.objects.filter(line=world.line)} == {
            world.a.pk: D(60),
            world.b.pk: D(40),
        }

    def test_work_study_training_hours_may_be_allocated(self, staff_client, world):
        world.placement.contract_kind = ContractKind.APPRENTICESHIP
        world.placement.save()
        MonthlyHours.objects.filter(pk=world.line.pk).update(training_hours=D(20))
        response = staff_client.post(self.page(world), {f"clause_{world.a.pk}": "70", f"clause_{world.b.pk}": "50"})
        assert response.status_code == 302
        assert world.counted(world.a) + world.counted(world.b) == D(120)

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("douze", "Saisissez un nombre d'heures (par exemple 12,5)."),
            ("-5", "Les heures ne peuvent pas être négatives."),
            ("12,345", "Deux décimales au plus."),
        ],
    )
    def test_bad_numbers_are_refused_in_french(self, staff_client, world, typed, message):
        response = staff_client.post(self.page(world), {f"clause_{world.a.pk}": typed, f"clause_{world.b.pk}": "10"})
        assert response.status_code == 200
        assert message in response.context["form"].errors[f"clause_{world.a.pk}"]
        assert f'value="{typed}"' in response.content.decode()
        assert not HoursAllocation.objects.exists()

    def test_emptying_every_share_restores_direct_counting(self, staff_client, world):
        allocate(world.line, {world.a: D(60), world.b: D(40)})
        response = staff_client.post(self.page(world), {f"clause_{world.a.pk}": "", f"clause_{world.b.pk}": "0"})
        assert response.status_code == 302
        assert not HoursAllocation.objects.exists()
        assert world.counted(world.a) == D(100)

    def test_line_without_an_applicable_agreement(self, staff_client, world):
        line = MonthlyHoursFactory(
            territory=world.territory, placement=world.new_placement(world.c, employer_company=world.rival), month=FEB
        )
        response = staff_client.get(self.page(world, line))
        assert response.status_code == 200
        assert response.context["clauses"] == []
        assert "Aucun accord de globalisation en vigueur en février 2026" in response.content.decode()
        response = staff_client.post(self.page(world, line), {f"clause_{world.c.pk}": "10"})
        assert response.status_code == 200
        assert "rien à répartir" in response.content.decode()
        assert not HoursAllocation.objects.exists()

    def test_line_outside_the_agreement_period(self, staff_client, world):
        world.agreement.start_date = date(2026, 3, 1)
        world.agreement.save()
        response = staff_client.get(self.page(world))
        assert response.context["clauses"] == []

    def test_two_agreements_offer_the_union_of_their_clauses_once(self, staff_client, world):
        d = awarded_clause(world.territory, world.company, "AGDE-D")
        second = GlobalisationAgreement.objects.create(
            territory=world.territory, company=world.company, name="Accord Agde", start_date=date(2026, 1, 1)
        )
        for clause in (world.a, d):
            GlobalisationClause.objects.create(territory=world.territory, agreement=second, clause=clause)
        form = staff_client.get(self.page(world)).context["form"]
        assert sorted(form.fields) == sorted(f"clause_{c.pk}" for c in (world.a, world.b, d))
        response = staff_client.post(
            url("hours_allocation", pk=world.line.pk) + f"?accord={second.pk}",
            {f"clause_{world.b.pk}": "50", f"clause_{d.pk}": "50"},
        )
        assert response.url == url("globalisation_detail", pk=second.pk)  # back where the user came from
        assert world.counted(d) == D(50)

    def test_return_to_an_unrelated_agreement_is_ignored(self, staff_client, world):
        response = staff_client.post(
            url("hours_allocation", pk=world.line.pk) + "?accord=999999", {f"clause_{world.a.pk}": "100"}
        )
        assert response.url == url("globalisation_detail", pk=world.agreement.pk)

    def test_another_territory_line_is_404(self, staff_client, world, other_territory):
        foreign = MonthlyHoursFactory(territory=other_territory)
        assert staff_client.get(url("hours_allocation", pk=foreign.pk)).status_code == 404
        assert staff_client.post(url("hours_allocation", pk=foreign.pk), {}).status_code == 404

    @pytest.mark.parametrize(("role", "status"), [(Role.COMPANY, 403), (Role.BUYER, 404), (Role.COMMITTEE, 404)])
    def test_other_roles_are_refused_and_nothing_changes(self, client, world, member, role, status):
        organisation = world.company if role == Role.COMPANY else None
        client.force_login(member(world.territory, role, organisation).user)
        assert client.get(self.page(world)).status_code == status
        response = client.post(self.page(world), {f"clause_{world.a.pk}": "50", f"clause_{world.b.pk}": "50"})
        assert response.status_code == status
        assert not HoursAllocation.objects.exists()

    def test_query_count_is_bounded(self, staff_client, world, django_assert_max_num_queries):
        allocate(world.line, {world.a: D(60), world.b: D(40)})
        staff_client.get(self.page(world))  # the first request of a session also saves it
        with django_assert_max_num_queries(12):
            assert staff_client.get(self.page(world)).status_code == 200
