"""Globalisation agreements after creation: edit (name, period, clauses), end, deletion; and who may sign one.

Whatever was already allocated under an agreement is kept: a clause that received (or gave) hours cannot be removed,
the period cannot leave out an allocated month, an agreement with allocations cannot be deleted.
"""

import logging
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.enums import Role
from clauses.enums import LegalBasis
from clauses.forms_globalisation import agreement_allocations, company_clauses, pooling_companies
from clauses.hours import allocate
from clauses.models import Clause, GlobalisationAgreement, GlobalisationClause, HoursAllocation
from markets.enums import AwardRole
from tests.clauses.factories import ClauseFactory, MonthlyHoursFactory
from tests.clauses.test_globalisation_views import FEB, D, Setting, url
from tests.markets.factories import CompanyFactory, LotAwardFactory, LotFactory, MarketFactory

pytestmark = pytest.mark.django_db

MAR = date(2026, 3, 1)
REFUSED_ROLES = (Role.BUYER, Role.COMMITTEE, Role.COMPANY)


def lot_clause(territory, company, reference, role=AwardRole.HOLDER):
    market = MarketFactory(territory=territory, reference=reference)
    lot = LotFactory(territory=territory, market=market, number=1)
    LotAwardFactory(territory=territory, lot=lot, company=company, role=role)
    return ClauseFactory(territory=territory, lot=lot)


class Pool(Setting):
    """The setting of test_globalisation_views (agreement of A and B; a 100 h February line on A), plus a clause D the
    company co-contracts, a clause E it only subcontracts, and a company holding nothing."""

    def __init__(self, territory):
        super().__init__(territory)
        self.d = lot_clause(territory, self.company, "MTP-D", AwardRole.CO_CONTRACTOR)
        self.e = lot_clause(territory, self.company, "SUB-E", AwardRole.SUBCONTRACTOR)
        self.idle = CompanyFactory(territory=territory, name="Entreprise sans lot")

    def covered(self):
        return set(self.agreement.clauses.values_list("clause_id", flat=True))

    def reload(self):
        self.agreement.refresh_from_db()
        return self.agreement


@pytest.fixture
def pool(territory):
    return Pool(territory)


@pytest.fixture
def staff_client(client, territory, member):
    client.force_login(member(territory, Role.FACILITATOR).user)
    return client


def errors(response, field):
    assert response.status_code == 200
    return response.context["form"].errors.get(field, [])


def unchanged(pool, name="Accord Littoral 2026", start=date(2026, 1, 1), end=None, clauses=None):
    agreement = pool.reload()
    assert (agreement.name, agreement.start_date, agreement.end_date) == (name, start, end)
    assert pool.covered() == (clauses or {pool.a.pk, pool.b.pk})


# --- Who may sign an agreement ----------------------------------------------------------------------------------------


class TestCompanies:
    def test_only_holders_and_co_contractors_of_a_lot_with_a_clause(self, pool):
        subcontractor = CompanyFactory(territory=pool.territory, name="Sous-traitant seulement")
        lot_clause(pool.territory, subcontractor, "SUB-ONLY", AwardRole.SUBCONTRACTOR)
        co_contractor = CompanyFactory(territory=pool.territory, name="Co-traitant")
        lot_clause(pool.territory, co_contractor, "CO-ONLY", AwardRole.CO_CONTRACTOR)
        holder_without_clause = CompanyFactory(territory=pool.territory, name="Titulaire sans clause")
        LotAwardFactory(territory=pool.territory, company=holder_without_clause)
        assert set(pooling_companies(pool.territory)) == {pool.company, pool.rival, co_contractor}

    def test_company_clauses_exclude_subcontracted_lots(self, pool):
        assert set(company_clauses(pool.territory, pool.company)) == {pool.a, pool.b, pool.d}

    def test_creation_form_offers_only_those_companies(self, staff_client, pool):
        response = staff_client.get(url("globalisation_create"))
        assert set(response.context["form"].fields["company"].queryset) == {pool.company, pool.rival}
        html = response.content.decode()
        assert "Entreprise sans lot" not in html
        # Each clause names the companies holding its lot, to pick the right ones.
        assert "RIVAL-C — lot 1" in html and "Peintures de l&#x27;Orb (titulaire)" in html
        assert "Bâtisseurs du Littoral (co-traitant)" in html

    def test_a_company_holding_nothing_is_refused(self, staff_client, pool):
        data = {"company": pool.idle.pk, "name": "Accord", "start_date": "2026-01-01", "clauses": [pool.a.pk]}
        response = staff_client.post(url("globalisation_create"), data)
        assert errors(response, "company") == [
            "Choisissez une entreprise titulaire ou co-traitante d'un lot portant une clause."
        ]
        assert not GlobalisationAgreement.objects.filter(name="Accord").exists()

    def test_a_co_contracted_clause_may_be_pooled(self, staff_client, pool):
        data = {
            "company": pool.company.pk,
            "name": "Accord D",
            "start_date": "2026-01-01",
            "clauses": [pool.a.pk, pool.d.pk],
        }
        response = staff_client.post(url("globalisation_create"), data)
        assert response.status_code == 302
        agreement = GlobalisationAgreement.objects.get(name="Accord D")
        assert set(agreement.clauses.values_list("clause_id", flat=True)) == {pool.a.pk, pool.d.pk}

    def test_a_subcontracted_clause_is_refused_with_its_reason(self, staff_client, pool):
        data = {
            "company": pool.company.pk,
            "name": "Accord E",
            "start_date": "2026-01-01",
            "clauses": [pool.a.pk, pool.e.pk],
        }
        response = staff_client.post(url("globalisation_create"), data)
        [message] = errors(response, "clauses")
        assert message.startswith("Bâtisseurs du Littoral n'est que sous-traitant du lot de la clause « SUB-E — lot 1")
        assert message.endswith("seuls le titulaire et les co-traitants d'un lot peuvent en globaliser la clause.")
        assert not GlobalisationAgreement.objects.filter(name="Accord E").exists()


# --- Edit -------------------------------------------------------------------------------------------------------------


class TestUpdate:
    def data(self, pool, **overrides):
        return {
            "name": "Accord Littoral 2026",
            "start_date": "2026-01-01",
            "end_date": "",
            "clauses": [pool.a.pk, pool.b.pk],
            **overrides,
        }

    def post(self, client, pool, **overrides):
        return client.post(url("globalisation_update", pk=pool.agreement.pk), self.data(pool, **overrides))

    def test_detail_page_links_to_edit_end_and_delete(self, staff_client, pool):
        html = staff_client.get(url("globalisation_detail", pk=pool.agreement.pk)).content.decode()
        assert url("globalisation_update", pk=pool.agreement.pk) in html
        assert url("globalisation_end", pk=pool.agreement.pk) in html
        assert url("globalisation_delete", pk=pool.agreement.pk) in html
        assert "Mettre fin à l'accord" in html

    def test_form_is_prefilled_and_offers_the_company_clauses_only(self, staff_client, pool):
        response = staff_client.get(url("globalisation_update", pk=pool.agreement.pk))
        assert response.status_code == 200
        form = response.context["form"]
        assert "company" not in form.fields  # another company is another agreement
        assert set(form.fields["clauses"].queryset) == {pool.a, pool.b, pool.d}
        html = response.content.decode()
        assert "Modifier l'accord « Accord Littoral 2026 »" in html
        assert "Bâtisseurs du Littoral" in html
        assert 'value="Accord Littoral 2026"' in html and 'value="2026-01-01"' in html
        for clause in (pool.a, pool.b):
            assert re.search(rf'<input type="checkbox" name="clauses" value="{clause.pk}"[^>]* checked>', html)
        assert not re.search(rf'<input type="checkbox" name="clauses" value="{pool.d.pk}"[^>]* checked>', html)
        assert "RIVAL-C" not in html and "SUB-E" not in html

    def test_renames_changes_the_period_and_adds_a_clause(self, staff_client, pool, caplog):
        with caplog.at_level(logging.INFO, logger="clauses.views_globalisation"):
            response = self.post(
                staff_client,
                pool,
                name="Accord Littoral (avenant)",
                end_date="2027-06-30",
                clauses=[pool.a.pk, pool.b.pk, pool.d.pk],
            )
        assert response.status_code == 302
        assert response.url == url("globalisation_detail", pk=pool.agreement.pk)
        agreement = pool.reload()
        assert (agreement.name, agreement.end_date) == ("Accord Littoral (avenant)", date(2027, 6, 30))
        assert pool.covered() == {pool.a.pk, pool.b.pk, pool.d.pk}
        assert set(agreement.clauses.values_list("territory_id", flat=True)) == {pool.territory.pk}
        html = staff_client.get(response.url).content.decode()
        assert "L&#x27;accord « Accord Littoral (avenant) » est modifié" in html
        assert "intitulé « Accord Littoral 2026 » → « Accord Littoral (avenant) »" in html
        assert "période depuis le 01/01/2026, sans date de fin → du 01/01/2026 au 30/06/2027" in html
        assert "clauses ajoutées : MTP-D — lot 1" in html
        # No history table for agreements: the change is logged with its author.
        [record] = [r for r in caplog.records if "changed by user" in r.getMessage()]
        assert str(response.wsgi_request.user.pk) in record.getMessage()
        assert "MTP-D" in record.getMessage()

    def test_a_clause_without_allocation_may_be_removed(self, staff_client, pool):
        self.post(staff_client, pool, clauses=[pool.a.pk, pool.d.pk])
        assert pool.covered() == {pool.a.pk, pool.d.pk}
        assert Clause.objects.filter(pk=pool.b.pk).exists()  # only taken out of the agreement

    def test_removing_a_clause_that_received_hours_is_refused_naming_the_months(self, staff_client, pool):
        allocate(pool.line, {pool.a: D(60), pool.b: D(40)})
        march = MonthlyHoursFactory(
            territory=pool.territory, placement=pool.placement, month=MAR, hours_worked=D(50), status="validated"
        )
        allocate(march, {pool.b: D(50)})
        response = self.post(staff_client, pool, name="Renommé", clauses=[pool.a.pk, pool.d.pk])
        [message] = errors(response, "clauses")
        assert message.startswith("La clause « HH-B — lot 1 (HH)")
        assert "ne peut pas être retirée de l'accord" in message
        assert "en février 2026 et mars 2026" in message
        assert "Modifiez d'abord ces répartitions" in message
        unchanged(pool)
        assert HoursAllocation.objects.count() == 3
        html = response.content.decode()
        assert "L'accord n'est pas modifié : corrigez les champs signalés." in html
        assert 'value="Renommé"' in html

    def test_removing_the_clause_whose_lines_were_allocated_elsewhere_is_refused(self, staff_client, pool):
        allocate(pool.line, {pool.b: D(100)})  # the line is on A: its hours moved to B
        response = self.post(staff_client, pool, clauses=[pool.b.pk, pool.d.pk])
        [message] = errors(response, "clauses")
        assert message.startswith("La clause « SETE-A — lot 1 (Sète)")
        assert "février 2026" in message
        unchanged(pool)

    def test_allocations_of_another_company_or_outside_the_period_do_not_block(self, staff_client, pool):
        rival_on_a = pool.new_placement(pool.a, employer_company=pool.rival)
        rival_line = MonthlyHoursFactory(
            territory=pool.territory, placement=rival_on_a, month=FEB, hours_worked=D(10), status="validated"
        )
        HoursAllocation.objects.create(territory=pool.territory, line=rival_line, clause=pool.b, hours=D(10))
        before = MonthlyHoursFactory(
            territory=pool.territory, placement=pool.placement, month=date(2025, 12, 1), status="validated"
        )
        HoursAllocation.objects.create(territory=pool.territory, line=before, clause=pool.b, hours=D(5))
        assert not agreement_allocations(pool.agreement, pool.territory).exists()
        response = self.post(staff_client, pool, clauses=[pool.a.pk, pool.d.pk])
        assert response.status_code == 302
        assert pool.covered() == {pool.a.pk, pool.d.pk}

    def test_end_date_before_an_allocated_month_is_refused(self, staff_client, pool):
        allocate(pool.line, {pool.a: D(60), pool.b: D(40)})
        response = self.post(staff_client, pool, end_date="2026-01-31")
        assert errors(response, "end_date") == [
            "La date de fin ne peut pas précéder février 2026 : des heures de ce mois sont déjà réparties au titre de "
            "l'accord. Choisissez une date en février 2026 ou après, ou modifiez d'abord ces répartitions."
        ]
        unchanged(pool)
        # In force on one day of February is enough (the rule of hours.applicable_agreement_clauses).
        assert self.post(staff_client, pool, end_date="2026-02-01").status_code == 302
        assert pool.reload().end_date == date(2026, 2, 1)

    def test_start_after_an_allocated_month_is_refused(self, staff_client, pool):
        allocate(pool.line, {pool.a: D(60), pool.b: D(40)})
        response = self.post(staff_client, pool, start_date="2026-03-01")
        [message] = errors(response, "start_date")
        assert message.startswith("Le début ne peut pas être postérieur à février 2026")
        unchanged(pool)
        assert self.post(staff_client, pool, start_date="2026-02-28").status_code == 302

    def test_dates_in_the_wrong_order_are_refused(self, staff_client, pool):
        response = self.post(staff_client, pool, end_date="2025-12-31")
        assert errors(response, "end_date") == ["La date de fin doit être postérieure ou égale à la date de début."]
        unchanged(pool)

    def test_at_least_two_clauses_and_only_the_company_ones(self, staff_client, pool):
        response = self.post(staff_client, pool, clauses=[pool.a.pk])
        assert errors(response, "clauses") == ["Un accord de globalisation met en commun au moins deux clauses."]
        response = self.post(staff_client, pool, clauses=[pool.a.pk, pool.b.pk, pool.c.pk])
        assert errors(response, "clauses") == [
            "Une clause cochée n'est pas proposée : cochez uniquement des clauses de la liste."
        ]
        unchanged(pool)

    def test_a_covered_clause_whose_award_changed_must_go(self, staff_client, pool):
        pool.b.lot.awards.update(role=AwardRole.SUBCONTRACTOR)
        response = self.post(staff_client, pool)
        [message] = errors(response, "clauses")
        assert message.startswith("Bâtisseurs du Littoral n'est que sous-traitant du lot de la clause « HH-B")
        assert self.post(staff_client, pool, clauses=[pool.a.pk, pool.d.pk]).status_code == 302

    def test_nothing_changed(self, staff_client, pool):
        response = self.post(staff_client, pool)
        assert response.status_code == 302
        assert "Aucune modification : l&#x27;accord est inchangé." in staff_client.get(response.url).content.decode()

    def test_another_territory_agreement_is_404(self, staff_client, pool, other_territory):
        foreign = GlobalisationAgreement.objects.create(
            territory=other_territory, company=CompanyFactory(territory=other_territory), name="Cergy", start_date=FEB
        )
        assert staff_client.get(url("globalisation_update", pk=foreign.pk)).status_code == 404
        response = staff_client.post(url("globalisation_update", pk=foreign.pk), self.data(pool, name="Volé"))
        assert response.status_code == 404
        foreign.refresh_from_db()
        assert foreign.name == "Cergy"

    @pytest.mark.parametrize("role", REFUSED_ROLES)
    def test_other_roles_are_refused_and_nothing_changes(self, client, pool, member, role):
        organisation = pool.company if role == Role.COMPANY else None
        client.force_login(member(pool.territory, role, organisation).user)
        assert client.get(url("globalisation_update", pk=pool.agreement.pk)).status_code == 403
        assert self.post(client, pool, name="Renommé", clauses=[pool.a.pk, pool.d.pk]).status_code == 403
        unchanged(pool)

    def test_coordinators_may_edit(self, client, pool, member):
        client.force_login(member(pool.territory, Role.COORDINATOR).user)
        assert self.post(client, pool, name="Par la coordination").status_code == 302
        assert pool.reload().name == "Par la coordination"


# --- End --------------------------------------------------------------------------------------------------------------


class TestEnd:
    def post(self, client, pool, end_date):
        return client.post(url("globalisation_end", pk=pool.agreement.pk), {"end_date": end_date})

    def test_form_proposes_today(self, staff_client, pool):
        response = staff_client.get(url("globalisation_end", pk=pool.agreement.pk))
        assert response.status_code == 200
        html = response.content.decode()
        assert f'value="{timezone.localdate():%Y-%m-%d}"' in html
        assert "Aucune heure répartie au titre de l'accord" in html
        assert '<label for="id_end_date" class="fr-label">' in html

    def test_sets_the_end_date(self, staff_client, pool):
        response = self.post(staff_client, pool, "2026-12-31")
        assert response.status_code == 302
        assert response.url == url("globalisation_detail", pk=pool.agreement.pk)
        assert pool.reload().end_date == date(2026, 12, 31)
        html = staff_client.get(response.url).content.decode()
        assert "L&#x27;accord « Accord Littoral 2026 » prend fin le 31/12/2026." in html
        assert "Du 1 janvier 2026 au 31 décembre 2026" in html
        assert "Changer la date de fin" in html

    def test_end_before_an_allocated_month_is_refused(self, staff_client, pool):
        allocate(pool.line, {pool.a: D(60), pool.b: D(40)})
        response = staff_client.get(url("globalisation_end", pk=pool.agreement.pk))
        assert "février 2026" in response.content.decode()  # the last allocated month is shown
        response = self.post(staff_client, pool, "2026-01-31")
        [message] = errors(response, "end_date")
        assert message.startswith("La date de fin ne peut pas précéder février 2026")
        assert 'value="2026-01-31"' in response.content.decode()
        assert pool.reload().end_date is None
        assert self.post(staff_client, pool, "2026-02-15").status_code == 302
        assert pool.reload().end_date == date(2026, 2, 15)

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("", "Indiquez la date de fin de l'accord."),
            ("31/02/2026", "Saisissez une date valide (JJ/MM/AAAA)."),
            ("2025-12-31", "La date de fin doit être postérieure ou égale à la date de début (01/01/2026)."),
        ],
    )
    def test_bad_dates_are_refused_in_french(self, staff_client, pool, typed, message):
        assert errors(self.post(staff_client, pool, typed), "end_date") == [message]
        assert pool.reload().end_date is None

    @pytest.mark.parametrize("role", REFUSED_ROLES)
    def test_other_roles_are_refused_and_nothing_changes(self, client, pool, member, role):
        organisation = pool.company if role == Role.COMPANY else None
        client.force_login(member(pool.territory, role, organisation).user)
        assert client.get(url("globalisation_end", pk=pool.agreement.pk)).status_code == 403
        assert self.post(client, pool, "2026-12-31").status_code == 403
        assert pool.reload().end_date is None


# --- Deletion ---------------------------------------------------------------------------------------------------------


class TestDelete:
    def test_confirmation_page(self, staff_client, pool):
        response = staff_client.get(url("globalisation_delete", pk=pool.agreement.pk))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Supprimer l'accord « Accord Littoral 2026 »" in html
        assert "Supprimer définitivement l'accord" in html
        assert GlobalisationAgreement.objects.filter(pk=pool.agreement.pk).exists()  # a GET deletes nothing

    def test_deletes_an_agreement_without_allocation(self, staff_client, pool, caplog):
        with caplog.at_level(logging.INFO, logger="clauses.views_globalisation"):
            response = staff_client.post(url("globalisation_delete", pk=pool.agreement.pk))
        assert response.status_code == 302
        assert response.url == url("globalisation_list")
        assert not GlobalisationAgreement.objects.filter(pk=pool.agreement.pk).exists()
        assert not GlobalisationClause.objects.filter(agreement_id=pool.agreement.pk).exists()
        assert Clause.objects.filter(pk__in=[pool.a.pk, pool.b.pk]).count() == 2
        html = staff_client.get(response.url).content.decode()
        assert "L&#x27;accord de globalisation « Accord Littoral 2026 » est supprimé." in html
        assert any("deleted by user" in r.getMessage() for r in caplog.records)

    def test_an_agreement_with_allocations_is_kept_with_the_reason(self, staff_client, pool):
        allocate(pool.line, {pool.a: D(60), pool.b: D(40)})
        response = staff_client.get(url("globalisation_delete", pk=pool.agreement.pk))
        html = response.content.decode()
        assert "Cet accord ne peut pas être supprimé" in html
        assert "Des heures sont réparties au titre de l'accord en février 2026." in html
        assert "Supprimer définitivement" not in html
        assert url("globalisation_end", pk=pool.agreement.pk) in html
        response = staff_client.post(url("globalisation_delete", pk=pool.agreement.pk))
        assert response.status_code == 200
        assert "Cet accord ne peut pas être supprimé" in response.content.decode()
        assert pool.covered() == {pool.a.pk, pool.b.pk}
        assert HoursAllocation.objects.count() == 2

    def test_another_territory_agreement_is_404(self, staff_client, pool, other_territory):
        foreign = GlobalisationAgreement.objects.create(
            territory=other_territory, company=CompanyFactory(territory=other_territory), name="Cergy", start_date=FEB
        )
        assert staff_client.post(url("globalisation_delete", pk=foreign.pk)).status_code == 404
        assert GlobalisationAgreement.objects.filter(pk=foreign.pk).exists()

    @pytest.mark.parametrize("role", REFUSED_ROLES)
    def test_other_roles_are_refused_and_nothing_is_deleted(self, client, pool, member, role):
        organisation = pool.company if role == Role.COMPANY else None
        client.force_login(member(pool.territory, role, organisation).user)
        assert client.get(url("globalisation_delete", pk=pool.agreement.pk)).status_code == 403
        assert client.post(url("globalisation_delete", pk=pool.agreement.pk)).status_code == 403
        assert GlobalisationAgreement.objects.filter(pk=pool.agreement.pk).exists()


def test_a_clause_of_the_second_legal_basis_on_the_same_lot_is_the_company_clause_too(pool):
    """A lot may carry several clauses (one per legal basis): each is one of the lot holder's clauses."""
    second = ClauseFactory(territory=pool.territory, lot=pool.a.lot, legal_basis=LegalBasis.AWARD_CRITERION)
    assert second in set(company_clauses(pool.territory, pool.company))


@pytest.mark.parametrize("name", ["globalisation_create", "globalisation_update"])
def test_form_queries_do_not_grow_with_clauses(staff_client, pool, name):
    kwargs = {"pk": pool.agreement.pk} if name == "globalisation_update" else {}
    staff_client.get(url(name, **kwargs))  # the first request of a session also saves it
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(url(name, **kwargs)).status_code == 200
    for n in range(6):
        lot_clause(pool.territory, pool.company, f"MORE-{n}", AwardRole.CO_CONTRACTOR)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(url(name, **kwargs))
    assert "MORE-5" in response.content.decode()
    assert len(many) == len(few)
