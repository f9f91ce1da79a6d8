"""The statement pages: the company's portal (months owed, entering and submitting hours) and the facilitator's review
(validate, send back with a comment, reopen with a reason), with the e-mails each step sends."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clauses import statements
from clauses.enums import StatementStatus
from clauses.models import MonthlyHours, Statement
from clauses.statements import Entry, save_month
from tests.clauses.factories import ClauseFactory, PlacementFactory, StatementFactory
from tests.clauses.statement_helpers import FEBRUARY, MARCH, build_statement_world
from tests.markets.factories import CompanyFactory, LotAwardFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(territory):
    return build_statement_world(territory)


def url(name, **kwargs):
    return reverse(name, kwargs={"territory_code": "34", **kwargs})


def detail_url(statement):
    return url("clauses:statement_detail", pk=statement.pk)


def login(client, membership):
    client.force_login(membership.user)
    return client


def march_statement(world, status=StatementStatus.DRAFT, company=None):
    statement = statements.statement_for(world.clause, (company or world.company).pk, MARCH)
    if status != StatementStatus.DRAFT:
        Statement.objects.filter(pk=statement.pk).update(status=status)
        statement.refresh_from_db()
    return statement


def hours_form(statement, action, values):
    """POST data of the hours form: ``values`` maps a placement to (worked, training); versions from the database."""
    data = {"action": action, "version": str(Statement.objects.get(pk=statement.pk).version)}
    for placement, (worked, training) in values.items():
        line = MonthlyHours.objects.filter(placement=placement, month=statement.month).first()
        data[f"hours_worked-{placement.pk}"] = worked
        data[f"training_hours-{placement.pk}"] = training
        data[f"version-{placement.pk}"] = str(line.version if line else 0)
    return data


# Session, user, membership, the user's memberships (menu), savepoints of the atomic request, then the page's own.
STAFF_LIST_QUERIES = 11
COMPANY_LIST_QUERIES = 12
DETAIL_QUERIES = 12


def count_queries(client, path, params=None):
    """Queries of one page view, the session already warm (the first visit of a territory writes it)."""
    client.get(path, params)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(queries)


def hours(placement, month=MARCH):
    line = MonthlyHours.objects.get(placement=placement, month=month)
    return line.hours_worked, line.training_hours


# --- List -------------------------------------------------------------------------------------------------------------


class TestStatementList:
    def test_company_sees_the_months_it_owes_and_its_statements(self, client, world):
        february = statements.statement_for(world.clause, world.company.pk, FEBRUARY)
        Statement.objects.filter(pk=february.pk).update(
            status=StatementStatus.RETURNED, review_comment="Les heures d'Alice manquent."
        )
        StatementFactory(territory=world.territory, clause=world.clause, company=world.other_company, month=MARCH)
        response = login(client, world.contact).get(url("clauses:statement_list"))
        assert response.status_code == 200
        owed = response.context["owed"]
        assert [item["clause"] for item in owed] == [world.clause]
        assert FEBRUARY in owed[0]["months"] and MARCH in owed[0]["months"]
        html = response.content.decode()
        start = url("clauses:statement_start", clause_pk=world.clause.pk, month=MARCH)
        assert f'action="{start}"' in html
        assert "Saisir mars 2026" in html
        # Its statements only, with the status and the facilitator's comment.
        assert list(response.context["statements"]) == [february]
        assert "Renvoyé pour correction" in html and "Les heures d&#x27;Alice manquent." in html
        assert "Peintures de l" not in html
        assert 'id="statement-filters-title"' not in html

    def test_nothing_owed(self, client, world):
        for placement in (world.alice, world.bruno, world.chloe):
            placement.delete()
        response = login(client, world.contact).get(url("clauses:statement_list"))
        assert response.context["owed"] == []
        assert "Aucun relevé à saisir" in response.content.decode()

    def test_staff_see_submitted_first_and_filter(self, client, world):
        march = march_statement(world, StatementStatus.SUBMITTED)
        february = StatementFactory(
            territory=world.territory, clause=world.clause, company=world.company, month=FEBRUARY
        )
        other = StatementFactory(
            territory=world.territory,
            clause=world.clause,
            company=world.other_company,
            month=date(2026, 4, 1),
            status=StatementStatus.VALIDATED,
        )
        client = login(client, world.facilitator)
        listed = client.get(url("clauses:statement_list")).context["statements"]
        assert list(listed) == [march, other, february]

        def filtered(**params):
            return list(client.get(url("clauses:statement_list"), params).context["statements"])

        assert filtered(status="validated") == [other]
        assert filtered(month="2026-02") == [february]
        assert filtered(company=world.other_company.pk) == [other]
        assert filtered(clause=world.clause.pk, status="submitted") == [march]
        response = client.get(url("clauses:statement_list"), {"month": "mars"})
        assert "Indiquez un mois au format AAAA-MM" in response.content.decode()

    def test_filter_choices_offer_only_companies_and_clauses_with_statements(self, client, world):
        march_statement(world)
        CompanyFactory(territory=world.territory, name="Sans Relevé SARL")
        html = login(client, world.coordinator).get(url("clauses:statement_list")).content.decode()
        assert "Bâtisseurs du Littoral" in html
        assert "Sans Relevé SARL" not in html
        assert "SETE-2026-001 — lot 1" in html

    @pytest.mark.parametrize("role", ["buyer_member", "committee_member"])
    def test_buyer_and_committee_are_refused(self, client, world, role):
        assert login(client, getattr(world, role)).get(url("clauses:statement_list")).status_code == 403

    def test_query_count_does_not_grow_with_statements(self, client, world):
        client = login(client, world.facilitator)
        march_statement(world, StatementStatus.SUBMITTED)
        few = count_queries(client, url("clauses:statement_list"))
        for _ in range(30):
            company = CompanyFactory(territory=world.territory)
            LotAwardFactory(territory=world.territory, lot=world.clause.lot, company=company, role="subcontractor")
            StatementFactory(territory=world.territory, clause=world.clause, company=company, month=MARCH)
            StatementFactory(
                territory=world.territory, clause=ClauseFactory(territory=world.territory), company=company
            )
        many = count_queries(client, url("clauses:statement_list"), {"status": "draft"})
        assert few == many <= STAFF_LIST_QUERIES

    def test_company_query_count_does_not_grow(self, client, world):
        client = login(client, world.contact)
        march_statement(world)
        few = count_queries(client, url("clauses:statement_list"))
        for month in range(4, 12):
            StatementFactory(
                territory=world.territory, clause=world.clause, company=world.company, month=date(2026, month, 1)
            )
        for _ in range(10):
            PlacementFactory(territory=world.territory, clause=world.clause, employer_company=world.company)
        other_clause = ClauseFactory(territory=world.territory)
        LotAwardFactory(territory=world.territory, lot=other_clause.lot, company=world.company)
        PlacementFactory(territory=world.territory, clause=other_clause, employer_company=world.company)
        many = count_queries(client, url("clauses:statement_list"))
        assert few == many <= COMPANY_LIST_QUERIES


# --- Start ------------------------------------------------------------------------------------------------------------


class TestStatementStart:
    def test_company_opens_an_owed_month(self, client, world):
        client = login(client, world.contact)
        response = client.post(url("clauses:statement_start", clause_pk=world.clause.pk, month=MARCH))
        statement = Statement.objects.get(clause=world.clause, company=world.company, month=MARCH)
        assert response.status_code == 302 and response.url == detail_url(statement)
        assert statement.status == StatementStatus.DRAFT
        # Again: the same statement.
        client.post(url("clauses:statement_start", clause_pk=world.clause.pk, month=MARCH))
        assert Statement.objects.count() == 1

    def test_subcontractor_opens_its_own_statement(self, client, world):
        client = login(client, world.other_contact)
        client.post(url("clauses:statement_start", clause_pk=world.clause.pk, month=MARCH))
        assert Statement.objects.get().company == world.other_company

    def test_a_month_not_owed_is_404(self, client, world):
        statements.submit(statements.statement_for(world.clause, world.company.pk, FEBRUARY), world.contact.user)
        client = login(client, world.contact)
        this_month = timezone.localdate().replace(day=1)
        for month in (FEBRUARY, date(2026, 1, 1), this_month):
            response = client.post(url("clauses:statement_start", clause_pk=world.clause.pk, month=month))
            assert response.status_code == 404, month
        assert Statement.objects.count() == 1

    def test_a_clause_the_company_does_not_hold_is_404(self, client, world):
        other_clause = ClauseFactory(territory=world.territory)
        PlacementFactory(territory=world.territory, clause=other_clause, employer_company=world.company)
        response = login(client, world.contact).post(
            url("clauses:statement_start", clause_pk=other_clause.pk, month=MARCH)
        )
        assert response.status_code == 404
        assert not Statement.objects.exists()

    def test_staff_open_the_statement_of_a_reporting_company(self, client, world):
        client = login(client, world.facilitator)
        start = url("clauses:statement_start", clause_pk=world.clause.pk, month=MARCH)
        stranger = CompanyFactory(territory=world.territory)
        assert client.post(start, {"company": stranger.pk}).status_code == 404
        assert client.post(start).status_code == 404  # two companies report: which one?
        response = client.post(start, {"company": world.other_company.pk})
        statement = Statement.objects.get()
        assert statement.company == world.other_company and response.url == detail_url(statement)

    def test_get_is_not_allowed(self, client, world):
        response = login(client, world.contact).get(
            url("clauses:statement_start", clause_pk=world.clause.pk, month=MARCH)
        )
        assert response.status_code == 405


# --- Detail -----------------------------------------------------------------------------------------------------------


class TestStatementDetail:
    def test_company_sees_only_its_own_employees(self, client, world):
        statement = march_statement(world)
        response = login(client, world.contact).get(detail_url(statement))
        assert response.status_code == 200
        rows = response.context["rows"]
        assert [row.placement for row in rows] == [world.alice, world.bruno, world.chloe]
        assert all(row.editable for row in rows)
        html = response.content.decode()
        assert "AMARANTE Alice" in html and "CAZALIS Chloé" in html
        assert "ETTI Hérault Intérim" in html and "mise à disposition" in html
        assert "Dourbie" not in html and "DOURBIE" not in html
        assert f'name="hours_worked-{world.didier.pk}"' not in html

    def test_staff_see_the_statement_company_lines_only(self, client, world):
        statement = march_statement(world, company=world.other_company)
        response = login(client, world.facilitator).get(detail_url(statement))
        assert [row.placement for row in response.context["rows"]] == [world.didier]

    def test_another_company_statement_is_404(self, client, world):
        statement = march_statement(world, company=world.other_company)
        client = login(client, world.contact)
        assert client.get(detail_url(statement)).status_code == 404
        data = hours_form(statement, "save", {world.didier: ("10", "0")})
        assert client.post(detail_url(statement), data).status_code == 404
        assert not MonthlyHours.objects.exists()

    def test_another_territory_statement_is_404(self, client, world, other_territory):
        foreign = StatementFactory(territory=other_territory)
        for member in (world.contact, world.facilitator, world.coordinator):
            assert login(client, member).get(detail_url(foreign)).status_code == 404

    @pytest.mark.parametrize("role", ["buyer_member", "committee_member"])
    def test_buyer_and_committee_get_404(self, client, world, role):
        statement = march_statement(world, StatementStatus.SUBMITTED)
        client = login(client, getattr(world, role))
        assert client.get(detail_url(statement)).status_code == 404
        assert client.post(detail_url(statement), {"action": "validate", "version": "1"}).status_code == 404
        assert Statement.objects.get(pk=statement.pk).status == StatementStatus.SUBMITTED

    def test_company_saves_a_draft(self, client, world):
        statement = march_statement(world)
        data = hours_form(statement, "save", {world.alice: ("120", ""), world.bruno: ("100,5", "35")})
        response = login(client, world.contact).post(detail_url(statement), data, follow=True)
        assert response.redirect_chain == [(detail_url(statement), 302)]
        assert "Relevé enregistré." in response.content.decode()
        assert hours(world.alice) == (Decimal("120"), Decimal("0"))
        assert hours(world.bruno) == (Decimal("100.5"), Decimal("35"))
        assert Statement.objects.get(pk=statement.pk).status == StatementStatus.DRAFT
        # The inputs show the saved values as typed.
        rows = {row.placement: row for row in response.context["rows"]}
        assert (rows[world.bruno].hours_worked, rows[world.bruno].training_hours) == ("100,5", "35")

    def test_typed_values_are_kept_on_error_and_nothing_is_saved(self, client, world):
        statement = march_statement(world)
        data = hours_form(statement, "submit", {world.alice: ("120", "0"), world.bruno: ("douze", "0")})
        response = login(client, world.contact).post(detail_url(statement), data)
        assert response.status_code == 200
        html = response.content.decode()
        assert "1 ligne à corriger : rien n&#x27;a été enregistré." in html
        assert "« douze » n&#x27;est pas un nombre d&#x27;heures." in html
        assert f'id="hours_worked-{world.bruno.pk}" name="hours_worked-{world.bruno.pk}" value="douze"' in html
        assert f'id="hours_worked-{world.alice.pk}" name="hours_worked-{world.alice.pk}" value="120"' in html
        assert not MonthlyHours.objects.exists()
        assert Statement.objects.get(pk=statement.pk).status == StatementStatus.DRAFT

    def test_a_stale_version_is_refused(self, client, world):
        statement = march_statement(world)
        data = hours_form(statement, "submit", {world.alice: ("120", "0")})
        statements.validate(statement, world.facilitator.user)  # meanwhile
        response = login(client, world.contact).post(detail_url(statement), data)
        assert response.status_code == 409
        assert "Ce relevé a été modifié entre-temps par quelqu&#x27;un d&#x27;autre" in response.content.decode()
        assert not MonthlyHours.objects.exists()
        assert Statement.objects.get(pk=statement.pk).status == StatementStatus.VALIDATED

    def test_a_line_changed_meanwhile_is_a_conflict(self, client, world):
        statement = march_statement(world)
        assert save_month(world.clause, MARCH, [Entry(world.alice.pk, "120")], world.contact.user).ok
        loaded = hours_form(statement, "save", {world.alice: ("100", "0")})
        assert save_month(world.clause, MARCH, [Entry(world.alice.pk, "130", version=1)], world.facilitator.user).ok
        client = login(client, world.contact)
        response = client.post(detail_url(statement), loaded)
        html = response.content.decode()
        assert "Quelqu&#x27;un d&#x27;autre a modifié ces heures pendant votre saisie" in html
        assert "130 h travaillées, 0 h de formation" in html
        assert hours(world.alice)[0] == Decimal("130")
        # Saving again, knowingly, replaces them.
        row = next(row for row in response.context["rows"] if row.placement == world.alice)
        loaded[f"version-{world.alice.pk}"] = str(row.version)
        assert client.post(detail_url(statement), loaded).status_code == 302
        assert hours(world.alice)[0] == Decimal("100")

    def test_company_may_not_validate_its_statement(self, client, world):
        statement = march_statement(world, StatementStatus.SUBMITTED)
        response = login(client, world.contact).post(detail_url(statement), {"action": "validate", "version": "1"})
        assert response.status_code == 403
        assert Statement.objects.get(pk=statement.pk).status == StatementStatus.SUBMITTED

    def test_a_submitted_statement_is_read_only_for_the_company(self, client, world):
        statement = march_statement(world)
        save_month(world.clause, MARCH, [Entry(world.alice.pk, "120")], world.contact.user)
        statements.submit(statement, world.contact.user)
        client = login(client, world.contact)
        html = client.get(detail_url(statement)).content.decode()
        assert 'name="hours_worked-' not in html and 'value="save"' not in html
        assert "en attente de validation par le facilitateur" in html
        response = client.post(detail_url(statement), hours_form(statement, "save", {world.alice: ("1", "0")}))
        assert "ses heures ne peuvent pas être modifiées" in response.content.decode()
        assert hours(world.alice)[0] == Decimal("120")

    def test_send_back_requires_a_comment_and_keeps_nothing(self, client, world, mailoutbox):
        statement = march_statement(world, StatementStatus.SUBMITTED)
        client = login(client, world.facilitator)
        response = client.post(detail_url(statement), {"action": "send_back", "version": "1", "send_back-comment": " "})
        assert response.status_code == 200
        assert "Expliquez à l&#x27;entreprise ce qu&#x27;elle doit corriger." in response.content.decode()
        assert Statement.objects.get(pk=statement.pk).status == StatementStatus.SUBMITTED
        assert mailoutbox == []

    def test_a_stale_send_back_keeps_the_comment_typed(self, client, world):
        statement = march_statement(world, StatementStatus.SUBMITTED)
        data = {"action": "send_back", "version": "1", "send_back-comment": "Bruno manque."}
        statements.validate(statement, world.coordinator.user)  # meanwhile
        statements.reopen(Statement.objects.get(pk=statement.pk), world.coordinator.user, "Erreur")
        statements.submit(Statement.objects.get(pk=statement.pk), world.contact.user)
        response = login(client, world.facilitator).post(detail_url(statement), data)
        assert response.status_code == 409
        assert ">\nBruno manque.</textarea>" in response.content.decode()
        assert Statement.objects.get(pk=statement.pk).review_comment == ""

    def test_query_count_does_not_grow_with_lines(self, client, world):
        statement = march_statement(world)
        client = login(client, world.facilitator)
        entries = [Entry(p.pk, "10") for p in (world.alice, world.bruno, world.chloe)]
        assert save_month(world.clause, MARCH, entries, world.contact.user).ok
        statements.submit(statement, world.contact.user)
        few = count_queries(client, detail_url(statement))
        statements.send_back(Statement.objects.get(pk=statement.pk), world.facilitator.user, "Encore")
        more = [
            PlacementFactory(territory=world.territory, clause=world.clause, employer_company=world.company)
            for _ in range(4)
        ]
        more_entries = [Entry(p.pk, "20") for p in more] + [Entry(e.placement_id, "15") for e in entries]
        assert save_month(world.clause, MARCH, more_entries, world.contact.user).ok
        statements.submit(Statement.objects.get(pk=statement.pk), world.contact.user)
        many = count_queries(client, detail_url(statement))
        assert Statement.objects.get(pk=statement.pk).lines.count() == 7
        assert few == many <= DETAIL_QUERIES

    def test_a_long_send_back_comment_and_reopen_reason_are_kept_in_full(self, client, world):
        """Comments longer than 100 characters once failed on PostgreSQL (the history reason was a short column)."""
        statement = march_statement(world, StatementStatus.SUBMITTED)
        comment = "Il manque les heures de Bruno pour la semaine du 10 mars ; " * 5
        response = login(client, world.facilitator).post(
            detail_url(statement), {"action": "send_back", "version": "1", "send_back-comment": comment}
        )
        assert response.status_code == 302
        statement = Statement.objects.get(pk=statement.pk)
        assert statement.status == StatementStatus.RETURNED
        assert statement.history.first().history_change_reason == f"Renvoyé pour correction : {comment.strip()}"
        statements.submit(statement, world.contact.user)
        statements.validate(Statement.objects.get(pk=statement.pk), world.facilitator.user)
        reason = (
            "Le chantier a déclaré des heures en double pour deux participants ; correction demandée par l'acheteur "
            * 2
        )
        statements.reopen(Statement.objects.get(pk=statement.pk), world.coordinator.user, reason)
        assert (
            Statement.objects.get(pk=statement.pk).history.first().history_change_reason
            == f"Rouvert : {reason.strip()}"
        )

    def test_reopen_requires_a_reason(self, client, world):
        statement = march_statement(world, StatementStatus.VALIDATED)
        response = login(client, world.coordinator).post(
            detail_url(statement), {"action": "reopen", "version": "1", "reopen-reason": ""}
        )
        assert "Indiquez pourquoi ce relevé validé doit être rouvert." in response.content.decode()
        assert Statement.objects.get(pk=statement.pk).status == StatementStatus.VALIDATED

    def test_staff_validating_from_a_page_without_inputs_changes_no_hours(self, client, world):
        statement = march_statement(world)
        save_month(world.clause, MARCH, [Entry(world.alice.pk, "120")], world.contact.user)
        statements.submit(statement, world.contact.user)
        response = login(client, world.facilitator).post(detail_url(statement), {"action": "validate", "version": "2"})
        assert response.status_code == 302
        assert hours(world.alice)[0] == Decimal("120")

    def test_submitted_email_goes_to_coordinators_when_the_clause_has_no_facilitator(
        self, client, world, mailoutbox, django_capture_on_commit_callbacks
    ):
        world.clause.facilitator = None
        world.clause.save()
        statement = march_statement(world)
        with django_capture_on_commit_callbacks(execute=True):
            login(client, world.contact).post(detail_url(statement), hours_form(statement, "submit", {}))
        assert [mail.to for mail in mailoutbox] == [["coordination@herault.example.org"]]


# --- The whole workflow -------------------------------------------------------------------------------------------


def test_workflow_end_to_end(client, world, mailoutbox, django_capture_on_commit_callbacks):
    contact, facilitator = world.contact, world.facilitator
    client.force_login(contact.user)
    client.post(url("clauses:statement_start", clause_pk=world.clause.pk, month=MARCH))
    statement = Statement.objects.get()
    page = detail_url(statement)

    # The company saves a draft, then submits (the submit saves what was typed first).
    client.post(page, hours_form(statement, "save", {world.alice: ("120", "0")}))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page, hours_form(statement, "submit", {world.alice: ("120", "0"), world.chloe: ("35", "0")})
        )
    assert response.status_code == 302
    assert hours(world.chloe) == (Decimal("35"), Decimal("0"))
    statement.refresh_from_db()
    assert statement.status == StatementStatus.SUBMITTED and statement.submitted_by == contact.user
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["facilitatrice@plie.example.org"]
    assert mail.subject == "[Clauses sociales] Relevé transmis — Bâtisseurs du Littoral — mars 2026"
    assert f"http://localhost:8000{page}" in mail.body
    assert "SETE-2026-001" in mail.body

    # The facilitator sends it back with a comment.
    client.force_login(facilitator.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            page,
            {"action": "send_back", "version": str(statement.version), "send_back-comment": "Il manque Bruno."},
        )
    statement.refresh_from_db()
    assert statement.status == StatementStatus.RETURNED
    mail = mailoutbox[1]
    assert mail.to == ["contact@batisseurs.example.org"]
    assert mail.subject == "[Clauses sociales] Relevé de mars 2026 à corriger — SETE-2026-001"
    assert "Il manque Bruno." in mail.body and f"http://localhost:8000{page}" in mail.body

    # The company sees the comment, corrects and submits again.
    client.force_login(contact.user)
    assert "Il manque Bruno." in client.get(url("clauses:statement_list")).content.decode()
    html = client.get(page).content.decode()
    assert "Relevé renvoyé pour correction" in html and "Il manque Bruno." in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            page,
            hours_form(
                statement, "submit", {world.alice: ("120", "0"), world.bruno: ("90", "20"), world.chloe: ("35", "0")}
            ),
        )
    statement.refresh_from_db()
    assert statement.status == StatementStatus.SUBMITTED
    assert hours(world.bruno) == (Decimal("90"), Decimal("20"))
    assert mailoutbox[2].to == ["facilitatrice@plie.example.org"]

    # The facilitator validates: locked, the company is told.
    client.force_login(facilitator.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page, {"action": "validate", "version": str(statement.version)})
    statement.refresh_from_db()
    assert statement.status == StatementStatus.VALIDATED
    assert set(statement.lines.values_list("status", flat=True)) == {StatementStatus.VALIDATED}
    assert mailoutbox[3].to == ["contact@batisseurs.example.org"]
    assert mailoutbox[3].subject == "[Clauses sociales] Relevé de mars 2026 validé — SETE-2026-001"
    assert len(mailoutbox) == 4

    client.force_login(contact.user)
    html = client.get(page).content.decode()
    assert "ses heures sont verrouillées" in html and 'name="hours_worked-' not in html

    # The facilitator reopens it with a reason; the history tells who, when, what and why.
    client.force_login(facilitator.user)
    response = client.post(
        page, {"action": "reopen", "version": str(statement.version), "reopen-reason": "Heures de Bruno erronées"}
    )
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.status == StatementStatus.DRAFT
    response = client.get(page)
    history = response.context["history"]
    assert [(entry["action"], entry["user"], entry["reason"]) for entry in history] == [
        ("Brouillon", facilitator.user, "Rouvert : Heures de Bruno erronées"),
        ("Validé", facilitator.user, "Relevé validé"),
        ("Transmis", contact.user, "Relevé transmis"),
        ("Renvoyé pour correction", facilitator.user, "Renvoyé pour correction : Il manque Bruno."),
        ("Transmis", contact.user, "Relevé transmis"),
        ("Relevé ouvert", contact.user, ""),
    ]
    assert all(entry["date"] for entry in history)
    changes = response.context["lines_history"]
    assert {(change["participant"].last_name, change["after"][0]) for change in changes} == {
        ("Amarante", Decimal("120")),
        ("Cazalis", Decimal("35")),
        ("Bellerive", Decimal("90")),
    }
    html = response.content.decode()
    assert "Rouvert : Heures de Bruno erronées" in html
    assert facilitator.user.get_full_name() in html
    # No e-mail for a reopening.
    assert len(mailoutbox) == 4
