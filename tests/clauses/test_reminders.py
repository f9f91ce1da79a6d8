"""Monthly reminders of missing statements, and the idempotence of the statement e-mails."""

from datetime import date

import pytest
from django.conf import settings

from accounts.enums import Role
from clauses import statements
from clauses.enums import StatementStatus
from clauses.models import Statement, StatementNotification, StatementNotificationKind
from clauses.tasks_statements import notify_statement_event, send_statement_reminder, send_statement_reminders
from tests.clauses.factories import ClauseFactory, PlacementFactory
from tests.clauses.statement_helpers import MARCH, build_statement_world
from tests.conftest import make_member
from tests.markets.factories import LotAwardFactory

pytestmark = pytest.mark.django_db

COMPANY = "contact@batisseurs.example.org"
SUBCONTRACTOR = "contact@orb.example.org"
FACILITATOR = "facilitatrice@plie.example.org"


@pytest.fixture
def world(territory):
    territory.statement_reminder_day = 10
    territory.save()
    return build_statement_world(territory)


def recipients(mailoutbox):
    return sorted(tuple(mail.to) for mail in mailoutbox)


def march_status(world, status, company=None):
    statement = statements.statement_for(world.clause, (company or world.company).pk, MARCH)
    Statement.objects.filter(pk=statement.pk).update(status=status)


def test_the_task_is_scheduled_daily():
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "clauses.tasks_statements.send_statement_reminders" in entries


def test_nothing_before_the_reminder_day(world, mailoutbox):
    assert send_statement_reminders("2026-04-09") == 0
    assert mailoutbox == []


def test_on_the_reminder_day_each_company_missing_last_month_is_reminded(world, mailoutbox):
    assert send_statement_reminders("2026-04-10") == 2
    assert recipients(mailoutbox) == [(COMPANY,), (SUBCONTRACTOR,), (FACILITATOR,), (FACILITATOR,)]
    to_company = next(mail for mail in mailoutbox if mail.to == [COMPANY])
    assert to_company.subject == "[Clauses sociales] Relevé mensuel de mars 2026 à transmettre"
    assert "SETE-2026-001" in to_company.body
    assert "http://localhost:8000/34/releves/" in to_company.body
    assert "avant le 10 de chaque mois" in to_company.body
    to_facilitator = next(mail for mail in mailoutbox if "Bâtisseurs du Littoral" in mail.subject)
    assert to_facilitator.to == [FACILITATOR]
    assert to_facilitator.subject == "[Clauses sociales] Relevé manquant — Bâtisseurs du Littoral — mars 2026"
    assert "Elle vient d'être relancée par e-mail." in to_facilitator.body
    assert set(
        StatementNotification.objects.filter(kind=StatementNotificationKind.REMINDER).values_list("company", "month")
    ) == {(world.company.pk, MARCH), (world.other_company.pk, MARCH)}


def test_later_in_the_month_too_but_once(world, mailoutbox):
    send_statement_reminders("2026-04-10")
    sent = len(mailoutbox)
    assert send_statement_reminders("2026-04-10") == 0
    assert send_statement_reminders("2026-04-28") == 0
    assert len(mailoutbox) == sent
    # Even when a per-company task is delivered twice.
    assert send_statement_reminder(world.company.pk, "2026-04-11") == 0
    assert len(mailoutbox) == sent


def test_first_run_after_the_day_reminds(world, mailoutbox):
    """The beat was down on the 10th: the run of the 15th still reminds."""
    assert send_statement_reminders("2026-04-15") == 2


def test_next_month_reminds_again_for_the_new_month(world, mailoutbox):
    send_statement_reminders("2026-04-10")
    mailoutbox.clear()
    assert send_statement_reminders("2026-05-02") == 0
    assert send_statement_reminders("2026-05-10") == 2
    assert all("avril 2026" in mail.subject for mail in mailoutbox)


@pytest.mark.parametrize("status", [StatementStatus.SUBMITTED, StatementStatus.VALIDATED])
def test_nothing_for_a_submitted_or_validated_statement(world, mailoutbox, status):
    march_status(world, status)
    send_statement_reminders("2026-04-10")
    assert recipients(mailoutbox) == [(SUBCONTRACTOR,), (FACILITATOR,)]


@pytest.mark.parametrize("status", [StatementStatus.DRAFT, StatementStatus.RETURNED])
def test_a_draft_or_returned_statement_is_still_missing(world, mailoutbox, status):
    march_status(world, status)
    send_statement_reminders("2026-04-10")
    assert (COMPANY,) in recipients(mailoutbox)


def test_a_company_without_placement_last_month_is_not_reminded(world, mailoutbox):
    for placement in (world.alice, world.bruno, world.chloe, world.didier):
        placement.start_date = date(2026, 4, 1)
        placement.save()
    assert send_statement_reminders("2026-04-10") == 0
    assert mailoutbox == []


def test_the_holder_is_reminded_for_staff_provided_by_an_etti(world, mailoutbox):
    world.alice.delete()
    world.bruno.delete()
    world.didier.delete()
    send_statement_reminders("2026-04-10")
    assert recipients(mailoutbox) == [(COMPANY,), (FACILITATOR,)]


def test_inactive_territory_and_other_territories(world, other_territory, mailoutbox):
    other_territory.statement_reminder_day = 20
    other_territory.save()
    foreign_clause = ClauseFactory(territory=other_territory)
    placement = PlacementFactory(territory=other_territory, clause=foreign_clause, start_date=MARCH)
    LotAwardFactory(territory=other_territory, lot=foreign_clause.lot, company=placement.employer_company)
    make_member(other_territory, Role.COMPANY, placement.employer_company, user__email="contact@val-doise.example.org")
    send_statement_reminders("2026-04-10")
    assert ("contact@val-doise.example.org",) not in recipients(mailoutbox)
    mailoutbox.clear()
    world.territory.is_active = False
    world.territory.save()
    send_statement_reminders("2026-04-20")
    assert recipients(mailoutbox) == [("contact@val-doise.example.org",)]


def test_nobody_to_tell_records_nothing_and_a_later_run_reminds(world, mailoutbox):
    world.clause.facilitator = None
    world.clause.save()
    world.contact.delete()
    world.other_contact.delete()
    send_statement_reminders("2026-04-10")
    assert mailoutbox == []
    assert not StatementNotification.objects.exists()
    make_member(world.territory, Role.COMPANY, world.company, user__email="nouveau@batisseurs.example.org")
    send_statement_reminders("2026-04-11")
    assert recipients(mailoutbox) == [("nouveau@batisseurs.example.org",)]


class TestWorkflowEmailsAreIdempotent:
    @pytest.fixture
    def submitted(self, world):
        statement = statements.statement_for(world.clause, world.company.pk, MARCH)
        return statements.submit(statement, world.contact.user)

    def test_the_same_event_is_sent_once(self, world, submitted, mailoutbox):
        assert notify_statement_event(submitted.pk, "submitted", submitted.version) == 1
        assert notify_statement_event(submitted.pk, "submitted", submitted.version) == 0
        assert recipients(mailoutbox) == [(FACILITATOR,)]

    def test_a_new_submission_is_a_new_event(self, world, submitted, mailoutbox):
        notify_statement_event(submitted.pk, "submitted", submitted.version)
        returned = statements.send_back(submitted, world.facilitator.user, "Bruno manque.")
        assert notify_statement_event(returned.pk, "returned", returned.version) == 1
        again = statements.submit(returned, world.contact.user)
        assert notify_statement_event(again.pk, "submitted", again.version) == 1
        assert [mail.to for mail in mailoutbox] == [[FACILITATOR], [COMPANY], [FACILITATOR]]
        assert "Bruno manque." in mailoutbox[1].body

    def test_the_comment_sent_is_the_one_of_that_step(self, world, submitted, mailoutbox):
        returned = statements.send_back(submitted, world.facilitator.user, "Premier commentaire.")
        statements.submit(returned, world.contact.user)
        statements.send_back(Statement.objects.get(pk=returned.pk), world.facilitator.user, "Second commentaire.")
        notify_statement_event(returned.pk, "returned", returned.version)
        assert "Premier commentaire." in mailoutbox[0].body
        assert "Second commentaire." not in mailoutbox[0].body

    def test_an_event_that_did_not_happen_sends_nothing(self, world, submitted, mailoutbox):
        assert notify_statement_event(submitted.pk, "validated", submitted.version) == 0
        assert notify_statement_event(submitted.pk, "submitted", submitted.version + 5) == 0
        assert notify_statement_event(0, "submitted", 1) == 0
        assert mailoutbox == []

    def test_a_failed_send_is_not_recorded_and_can_be_retried(self, world, submitted, mailoutbox, monkeypatch):
        from django.core.mail.backends.locmem import EmailBackend

        def broken(self, messages):
            raise ConnectionError("SMTP indisponible")

        monkeypatch.setattr(EmailBackend, "send_messages", broken)
        with pytest.raises(ConnectionError):
            notify_statement_event(submitted.pk, "submitted", submitted.version)
        assert not StatementNotification.objects.exists()
        monkeypatch.undo()
        assert notify_statement_event(submitted.pk, "submitted", submitted.version) == 1
