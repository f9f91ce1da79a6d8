"""The statement workflow as functions (``clauses.statements``): entering hours all or nothing, only a company's own
lines, optimistic locking, and the transitions with their history."""

from decimal import Decimal

import pytest

from clauses import statements
from clauses.enums import StatementStatus
from clauses.models import MonthlyHours, Statement
from clauses.statements import Entry, TransitionError, months_owed, save_month
from tests.clauses.statement_helpers import FEBRUARY, MARCH, build_statement_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(territory):
    return build_statement_world(territory)


def _line(placement, month=MARCH):
    return MonthlyHours.objects.get(placement=placement, month=month)


def _save(world, entries, user=None, **kwargs):
    kwargs.setdefault("company_id", world.company.pk)
    return save_month(world.clause, MARCH, entries, user or world.contact.user, **kwargs)


class TestSaveMonth:
    def test_saves_the_company_lines_on_its_statement(self, world):
        result = _save(world, [Entry(world.alice.pk, "120"), Entry(world.bruno.pk, "100,5", "35")])
        assert result.ok and result.created == 2
        alice, bruno = _line(world.alice), _line(world.bruno)
        assert (alice.hours_worked, alice.training_hours) == (Decimal("120"), Decimal("0"))
        assert (bruno.hours_worked, bruno.training_hours) == (Decimal("100.5"), Decimal("35"))
        statement = Statement.objects.get(clause=world.clause, company=world.company, month=MARCH)
        assert {alice.statement_id, bruno.statement_id} == {statement.pk}
        assert statement.status == StatementStatus.DRAFT
        assert alice.history.get().history_user == world.contact.user

    def test_staff_provided_by_an_etti_is_on_the_holder_statement(self, world):
        assert _save(world, [Entry(world.chloe.pk, "80")]).ok
        assert _line(world.chloe).statement.company == world.company

    def test_a_company_cannot_enter_another_company_line_and_nothing_is_written(self, world):
        result = _save(world, [Entry(world.alice.pk, "120"), Entry(world.didier.pk, "50")])
        assert not result.ok
        assert result.errors[world.didier.pk] == ["Cette mise en emploi n'est pas déclarée par votre entreprise."]
        assert not MonthlyHours.objects.exists()
        assert not Statement.objects.exists()

    def test_the_subcontractor_has_its_own_statement(self, world):
        assert _save(world, [Entry(world.didier.pk, "50")], world.other_contact.user, company_id=None).ok
        assert _line(world.didier).statement.company == world.other_company

    def test_bad_values_are_refused_all_or_nothing_with_french_messages(self, world):
        result = _save(
            world, [Entry(world.alice.pk, "120"), Entry(world.bruno.pk, "douze"), Entry(world.chloe.pk, "-3")]
        )
        assert result.errors[world.bruno.pk] == ["Heures travaillées : « douze » n'est pas un nombre d'heures."]
        assert result.errors[world.chloe.pk] == ["Heures travaillées : les heures ne peuvent pas être négatives."]
        assert world.alice.pk not in result.errors
        assert not MonthlyHours.objects.exists()

    def test_more_than_the_monthly_maximum_is_refused(self, world):
        result = _save(world, [Entry(world.alice.pk, "300")])
        assert "dépasse le maximum mensuel" in result.errors[world.alice.pk][0]

    def test_a_month_outside_the_placement_is_refused(self, world):
        result = save_month(world.clause, FEBRUARY.replace(month=1), [Entry(world.alice.pk, "10")], world.contact.user)
        assert result.errors[world.alice.pk] == ["Cette mise en emploi ne couvre pas ce mois sur cette clause."]

    def test_second_save_from_a_stale_version_is_a_conflict_and_keeps_the_first(self, world):
        assert _save(world, [Entry(world.alice.pk, "120", version=0)]).ok
        first = _line(world.alice)
        # Two people loaded version 1; the first saves 130, the second 90.
        assert _save(world, [Entry(world.alice.pk, "130", version=first.version)]).ok
        result = _save(world, [Entry(world.alice.pk, "90", version=first.version)], world.facilitator.user)
        assert result.conflicts == [world.alice.pk]
        assert _line(world.alice).hours_worked == Decimal("130")

    def test_two_people_creating_the_same_line(self, world):
        assert _save(world, [Entry(world.alice.pk, "120", version=0)]).ok
        result = _save(world, [Entry(world.alice.pk, "90", version=0)], world.facilitator.user)
        assert result.conflicts == [world.alice.pk]
        assert _line(world.alice).hours_worked == Decimal("120")

    def test_a_validated_statement_is_locked(self, world):
        assert _save(world, [Entry(world.alice.pk, "120")]).ok
        statement = _line(world.alice).statement
        statements.validate(statement, world.facilitator.user)
        result = _save(world, [Entry(world.alice.pk, "10")], world.facilitator.user, company_id=None)
        assert "il ne peut plus être modifié (rouvrez-le d'abord)" in result.errors[world.alice.pk][0]
        assert _line(world.alice).hours_worked == Decimal("120")

    def test_a_company_cannot_change_a_submitted_statement(self, world):
        assert _save(world, [Entry(world.alice.pk, "120")]).ok
        statements.submit(_line(world.alice).statement, world.contact.user)
        result = _save(
            world,
            [Entry(world.alice.pk, "10")],
            allowed_statuses=(StatementStatus.DRAFT, StatementStatus.RETURNED),
        )
        assert "transmis" in result.errors[world.alice.pk][0]
        assert _line(world.alice).hours_worked == Decimal("120")


class TestTransitions:
    @pytest.fixture
    def statement(self, world):
        assert _save(world, [Entry(world.alice.pk, "120"), Entry(world.chloe.pk, "40")]).ok
        return Statement.objects.get(company=world.company, month=MARCH)

    def test_full_cycle_with_history(self, world, statement):
        contact, facilitator = world.contact.user, world.facilitator.user
        statement = statements.submit(statement, contact, expected_version=1)
        assert (statement.status, statement.version, statement.submitted_by) == ("submitted", 2, contact)
        assert set(statement.lines.values_list("status", flat=True)) == {"submitted"}

        statement = statements.send_back(statement, facilitator, "  Il manque les heures de Bruno.  ")
        assert statement.status == StatementStatus.RETURNED
        assert statement.review_comment == "Il manque les heures de Bruno."

        statement = statements.submit(statement, contact)
        statement = statements.validate(statement, facilitator)
        assert statement.is_locked and statement.review_comment == ""
        line = _line(world.alice)
        assert (line.status, line.validated_by) == (StatementStatus.VALIDATED, facilitator)

        statement = statements.reopen(statement, facilitator, "Erreur de saisie sur mars")
        assert statement.status == StatementStatus.DRAFT
        assert _line(world.alice).validated_at is None

        history = list(statement.history.order_by("history_date", "history_id"))
        assert [(h.status, h.history_user, h.history_change_reason) for h in history[1:]] == [
            ("submitted", contact, "Relevé transmis"),
            ("returned", facilitator, "Renvoyé pour correction : Il manque les heures de Bruno."),
            ("submitted", contact, "Relevé transmis"),
            ("validated", facilitator, "Relevé validé"),
            ("draft", facilitator, "Rouvert : Erreur de saisie sur mars"),
        ]
        # The lines' history carries the same reasons.
        assert _line(world.alice).history.first().history_change_reason == "Rouvert : Erreur de saisie sur mars"

    def test_a_stale_version_is_refused(self, world, statement):
        statements.submit(statement, world.contact.user, expected_version=1)
        with pytest.raises(TransitionError, match="modifié entre-temps par quelqu'un d'autre"):
            statements.validate(statement, world.facilitator.user, expected_version=1)
        assert Statement.objects.get(pk=statement.pk).status == StatementStatus.SUBMITTED

    @pytest.mark.parametrize(
        ("step", "message"),
        [
            (lambda s, u: statements.send_back(s, u, "   "), "Expliquez à l'entreprise ce qu'elle doit corriger."),
            (lambda s, u: statements.reopen(s, u, ""), "Indiquez pourquoi ce relevé validé doit être rouvert."),
        ],
    )
    def test_comment_and_reason_are_required(self, world, statement, step, message):
        with pytest.raises(TransitionError, match=message):
            step(statement, world.facilitator.user)

    def test_steps_out_of_order_are_refused(self, world, statement):
        with pytest.raises(TransitionError, match="brouillon : cette action n'est pas possible"):
            statements.send_back(statement, world.facilitator.user, "Non")
        with pytest.raises(TransitionError, match="brouillon"):
            statements.reopen(statement, world.facilitator.user, "Non")
        statements.validate(statement, world.facilitator.user)
        with pytest.raises(TransitionError, match="validé"):
            statements.submit(statement, world.contact.user)


class TestMonthsOwed:
    def test_months_from_the_placement_start_until_last_month(self, world):
        owed = months_owed(world.company, MARCH.replace(month=5, day=12))
        assert owed == [
            (world.clause.pk, FEBRUARY),
            (world.clause.pk, MARCH),
            (world.clause.pk, MARCH.replace(month=4)),
        ]

    def test_submitted_and_validated_months_are_no_longer_owed(self, world):
        feb = statements.statement_for(world.clause, world.company.pk, FEBRUARY)
        statements.submit(feb, world.contact.user)
        owed = months_owed(world.company, MARCH.replace(month=4, day=2))
        assert owed == [(world.clause.pk, MARCH)]

    def test_an_etti_placement_makes_the_holder_owe(self, world):
        world.alice.delete()
        world.bruno.delete()
        assert months_owed(world.company, MARCH.replace(day=20)) == [(world.clause.pk, FEBRUARY)]
        assert months_owed(world.other_company, MARCH.replace(day=20)) == [(world.clause.pk, FEBRUARY)]
