"""The monthly statement journey in a real browser: the company enters and submits its hours, the facilitator sends
them back with a comment, the company corrects and submits again, the facilitator validates and the hours are locked."""

import pytest
from playwright.sync_api import expect

from clauses.enums import StatementStatus
from clauses.models import MonthlyHours, Statement
from tests.browser.pages import log_in_as
from tests.browser.pages_statements import StatementListPage
from tests.clauses.statement_helpers import MARCH, build_statement_world

COMMENT = "Il manque les heures de Bruno Bellerive."


@pytest.fixture
def world(territory):
    return build_statement_world(territory)


def log_in(page, membership):
    log_in_as(page, membership)
    return StatementListPage.from_menu(page, membership.territory.code)


def test_company_submits_facilitator_sends_back_company_corrects_facilitator_validates(page, axe, world, mailoutbox):
    # The company contact opens "Relevés", starts March and submits the hours of two of its people.
    statements = log_in(page, world.contact)
    expect(statements.main.locator("#owed-table")).to_contain_text("SETE-2026-001")
    axe(page)
    statement = statements.start("mars 2026", "SETE-2026-001")
    expect(statement.heading).to_have_text("Relevé de mars 2026 — Bâtisseurs du Littoral")
    expect(statement.main).not_to_contain_text("DOURBIE")  # the subcontractor's employee
    axe(page)
    statement.type_hours("AMARANTE Alice", "120").type_hours("CAZALIS Chloé", "35")
    statement.submit()
    expect(statement.status).to_have_text("Transmis")
    expect(statement.success).to_contain_text("Relevé transmis au facilitateur")
    expect(statement.hours_inputs).to_have_count(0)

    # The facilitator opens it from the list and sends it back with a comment.
    statements = log_in(page, world.facilitator)
    expect(statements.row("Mars 2026", "Bâtisseurs du Littoral")).to_contain_text("Transmis")
    axe(page)
    statement = statements.open_statement("Mars 2026", "Bâtisseurs du Littoral")
    assert statement.hours_input("AMARANTE Alice").input_value() == "120"
    axe(page)
    statement.send_back(COMMENT)
    expect(statement.status).to_have_text("Renvoyé pour correction")

    # The company sees the comment, corrects and submits again.
    statements = log_in(page, world.contact)
    expect(statements.row("Mars 2026")).to_contain_text(COMMENT)
    statement = statements.open_statement("Mars 2026")
    expect(statement.review_comment).to_contain_text(COMMENT)
    assert statement.hours_input("CAZALIS Chloé").input_value() == "35"
    statement.type_hours("BELLERIVE Bruno", "90", "20").submit()
    expect(statement.status).to_have_text("Transmis")

    # The facilitator validates: the statement is validated and its hours are locked.
    statements = log_in(page, world.facilitator)
    statement = statements.open_statement("Mars 2026", "Bâtisseurs du Littoral")
    statement.validate()
    expect(statement.status).to_have_text("Validé")
    expect(statement.hours_inputs).to_have_count(0)
    assert statement.shown_hours("BELLERIVE Bruno") == ("90 h", "20 h")
    expect(statement.main.locator("#statement-history")).to_contain_text(f"Renvoyé pour correction : {COMMENT}")

    # The company sees it validated, read-only.
    statements = log_in(page, world.contact)
    expect(statements.row("Mars 2026")).to_contain_text("Validé")
    statement = statements.open_statement("Mars 2026")
    expect(statement.hours_inputs).to_have_count(0)
    expect(statement.main).to_contain_text("ses heures sont verrouillées")
    assert statement.shown_hours("AMARANTE Alice") == ("120 h", "0 h")

    saved = Statement.objects.get(company=world.company, month=MARCH)
    assert saved.status == StatementStatus.VALIDATED
    assert sorted(MonthlyHours.objects.filter(statement=saved).values_list("hours_worked", flat=True)) == [35, 90, 120]
    assert [mail.to for mail in mailoutbox] == [
        ["facilitatrice@plie.example.org"],
        ["contact@batisseurs.example.org"],
        ["facilitatrice@plie.example.org"],
        ["contact@batisseurs.example.org"],
    ]


def test_typed_hours_are_kept_when_a_value_is_wrong(page, world):
    statement = log_in(page, world.contact).start("mars 2026", "SETE-2026-001")
    statement.type_hours("AMARANTE Alice", "120").type_hours("BELLERIVE Bruno", "douze")
    statement.save_draft()
    expect(statement.main.locator("#statement-errors")).to_contain_text("rien n'a été enregistré")
    expect(statement.main).to_contain_text("« douze » n'est pas un nombre d'heures.")
    assert statement.hours_input("AMARANTE Alice").input_value() == "120"
    assert statement.hours_input("BELLERIVE Bruno").input_value() == "douze"
    assert not MonthlyHours.objects.exists()
