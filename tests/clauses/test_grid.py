"""The facilitator's monthly grid: rows, saving, typing kept on errors, locks, conflicts, copy, navigation, queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from accounts.enums import Role
from clauses.enums import ContractKind, ExecutionMode, StatementStatus
from clauses.models import MonthlyHours, Participant, Placement, Statement
from tests.clauses.factories import ClauseFactory
from tests.clauses.grid_helpers import FEBRUARY, MONTH, build_site, grid_form, queries_of
from tests.conftest import make_member
from tests.markets.factories import CompanyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(territory):
    return build_site(territory)


@pytest.fixture
def facilitator_client(client, site):
    client.force_login(site.facilitator.user)
    return client


def html_of(response):
    return response.content.decode()


def flash(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- What the grid shows ------------------------------------------------------------------------------------------


def test_grid_lists_only_the_placements_active_in_the_month(facilitator_client, site):
    active = site.place("Dupont", "Marie")
    ending = site.place("Martin", "Paul", start_date=date(2025, 10, 1), end_date=date(2026, 3, 3))
    site.place("Ancien", "Jules", start_date=date(2025, 6, 1), end_date=date(2026, 2, 28))
    site.place("Futur", "Léa", start_date=date(2026, 4, 1))
    site.place("Ailleurs", "Zoé", clause=ClauseFactory(territory=site.territory))

    response = facilitator_client.get(site.grid_url())

    assert response.status_code == 200
    assert [row.pk for row in response.context["rows"]] == [active.pk, ending.pk]  # by name
    html = html_of(response)
    assert "DUPONT Marie" in html and "MARTIN Paul" in html
    for absent in ("ANCIEN", "FUTUR", "AILLEURS"):
        assert absent not in html


def test_each_row_has_labelled_inputs_the_previous_month_and_its_status(facilitator_client, site):
    marie = site.place("Dupont", "Marie", contract_kind=ContractKind.APPRENTICESHIP)
    site.line(marie, FEBRUARY, "120", training="14.5", status=StatementStatus.VALIDATED)
    site.line(marie, MONTH, "100", status=StatementStatus.SUBMITTED)

    html = html_of(facilitator_client.get(site.grid_url()))

    assert (
        f'<label class="fr-label fr-sr-only" for="worked-{marie.pk}">Heures travaillées — DUPONT Marie</label>' in html
    )
    assert (
        f'<label class="fr-label fr-sr-only" for="training-{marie.pk}">Heures de formation — DUPONT Marie</label>'
        in html
    )
    assert f'id="worked-{marie.pk}" name="worked-{marie.pk}" value="100"' in html
    assert "120 h / 14,5 h" in html  # February, beside
    assert "Contrat d&#x27;apprentissage" in html
    assert f'href="/34/participants/{marie.participant.pk}/"' in html
    assert "Transmis" in html
    assert "Relevé transmis, en attente de validation" in html  # why it does not count yet
    assert f'name="version-{marie.pk}" value="1"' in html
    assert "Bâtisseurs du Littoral" in html


def test_a_validated_line_without_eligibility_says_why_it_does_not_count(facilitator_client, site):
    counted, waiting = site.place("Dupont", "Marie"), site.place("Martin", "Paul")
    site.eligible(counted)
    site.line(counted, MONTH, "100", status=StatementStatus.VALIDATED)
    site.line(waiting, MONTH, "80", status=StatementStatus.VALIDATED)

    response = facilitator_client.get(site.grid_url())

    rows = {row.pk: row for row in response.context["rows"]}
    assert rows[counted.pk].counts and rows[counted.pk].pending_reason is None
    assert rows[waiting.pk].pending_reason == "Éligibilité du participant non validée pour ce mois"
    assert "Éligibilité du participant non validée pour ce mois" in html_of(response)


def test_month_navigation_and_picker(facilitator_client, site):
    response = facilitator_client.get(site.grid_url())
    html = html_of(response)
    assert f'href="{site.grid_url(FEBRUARY)}"' in html
    assert f'href="{site.grid_url(date(2026, 4, 1))}"' in html
    assert 'type="month" id="month-picker" name="mois" value="2026-03"' in html

    response = facilitator_client.get(site.grid_url(), {"mois": "2026-07"})
    assert response.status_code == 302 and response.url == site.grid_url(date(2026, 7, 1))

    response = facilitator_client.get(site.grid_url(), {"mois": "juillet"})
    assert response.status_code == 200
    assert "Indiquez un mois au format AAAA-MM, par exemple 2026-03." in html_of(response)


def test_a_month_outside_the_clause_is_flagged(facilitator_client, site):
    response = facilitator_client.get(site.grid_url(date(2027, 2, 1)))
    assert response.status_code == 200
    assert "en dehors de la période d'exécution" in html_of(response)
    assert "Aucune mise en emploi en février 2027" in html_of(response)


# --- Saving -------------------------------------------------------------------------------------------------------


def test_save_creates_lines_on_the_reporting_companys_statement(facilitator_client, site):
    other_employer = CompanyFactory(territory=site.territory, name="Sous-traitant du Sud")
    marie = site.place("Dupont", "Marie")
    paul = site.place("Martin", "Paul", employer=other_employer)
    provided = site.place("Leroy", "Inès", inclusion=True)  # staff provision: the holder reports it
    untouched = site.place("Petit", "Luc")

    loaded = facilitator_client.get(site.grid_url())
    data = grid_form(
        loaded,
        **{f"worked_{marie.pk}": "120", f"training_{marie.pk}": "7", f"worked_{paul.pk}": "12,5"},
        **{f"worked_{provided.pk}": "35.25"},
    )
    response = facilitator_client.post(site.grid_url(), data)

    assert response.status_code == 302 and response.url == site.grid_url()
    assert flash(response) == ["Heures de mars 2026 enregistrées (3 lignes ajoutées)."]
    lines = {line.placement_id: line for line in MonthlyHours.objects.filter(month=MONTH)}
    assert set(lines) == {marie.pk, paul.pk, provided.pk}  # a row left empty creates nothing
    assert (lines[marie.pk].hours_worked, lines[marie.pk].training_hours) == (Decimal("120"), Decimal("7"))
    assert lines[paul.pk].hours_worked == Decimal("12.5")
    assert lines[provided.pk].hours_worked == Decimal("35.25")
    assert lines[marie.pk].statement.company == site.holder
    assert lines[paul.pk].statement.company == other_employer
    assert lines[provided.pk].statement.company == site.holder
    assert lines[marie.pk].statement_id == lines[provided.pk].statement_id
    assert all(line.status == StatementStatus.DRAFT for line in lines.values())
    assert lines[marie.pk].history.first().history_user == site.facilitator.user
    assert untouched.pk not in lines

    html = html_of(facilitator_client.get(site.grid_url()))
    assert f'name="worked-{paul.pk}" value="12,5"' in html


def test_saving_again_updates_only_what_changed(facilitator_client, site):
    marie, paul = site.place("Dupont", "Marie"), site.place("Martin", "Paul")
    site.line(marie, MONTH, "100")
    site.line(paul, MONTH, "50")

    loaded = facilitator_client.get(site.grid_url())
    response = facilitator_client.post(site.grid_url(), grid_form(loaded, **{f"worked_{marie.pk}": "101"}))

    assert flash(response) == ["Heures de mars 2026 enregistrées (1 ligne modifiée)."]
    marie_line, paul_line = MonthlyHours.objects.get(placement=marie), MonthlyHours.objects.get(placement=paul)
    assert (marie_line.hours_worked, marie_line.version) == (Decimal("101"), 2)
    assert (paul_line.hours_worked, paul_line.version) == (Decimal("50"), 1)

    response = facilitator_client.post(site.grid_url(), grid_form(facilitator_client.get(site.grid_url())))
    assert flash(response) == ["Aucune modification à enregistrer."]


def test_invalid_input_keeps_everything_typed_with_french_messages(facilitator_client, site):
    rows = [site.place(name, "A") for name in ("Alpha", "Bravo", "Charlie", "Delta", "Echo")]
    alpha, bravo, charlie, delta, echo = rows
    loaded = facilitator_client.get(site.grid_url())
    typed = {
        f"worked_{alpha.pk}": "douze",
        f"worked_{bravo.pk}": "-3",
        f"worked_{charlie.pk}": "300",
        f"training_{charlie.pk}": "2",
        f"worked_{delta.pk}": "12,5",
        f"training_{echo.pk}": "1,234",
    }

    response = facilitator_client.post(site.grid_url(), grid_form(loaded, **typed))

    assert response.status_code == 200
    assert not MonthlyHours.objects.exists()  # all or nothing
    html = html_of(response)
    for key, value in typed.items():
        field, pk = key.split("_")
        assert f'name="{field}-{pk}" value="{value}"' in html, key
    assert "Rien n'a été enregistré" in html
    assert "4 erreurs à corriger" in html
    by_pk = {row.pk: row for row in response.context["rows"]}
    assert by_pk[alpha.pk].worked_error == "Heures travaillées : « douze » n'est pas un nombre d'heures."
    assert by_pk[bravo.pk].worked_error == "Heures travaillées : les heures ne peuvent pas être négatives."
    assert by_pk[charlie.pk].worked_error == "Heures travaillées : 300 h dépasse le maximum mensuel (208 h)."
    assert by_pk[echo.pk].training_error == "Heures de formation : deux décimales au plus."
    assert not by_pk[delta.pk].has_errors  # "12,5" is a number
    # Each message sits next to its cell, and the summary at the top links to the cell.
    assert f'id="worked-{alpha.pk}-error"' in html
    assert f'aria-describedby="worked-{alpha.pk}-error"' in html
    assert f'<a href="#worked-{alpha.pk}">ALPHA A — Heures travaillées : « douze » n&#x27;est pas' in html
    assert f'<a href="#training-{echo.pk}">' in html
    assert html.index('id="grid-errors"') < html.index('id="hours-grid"')

    # Corrected, the same form saves, "12,5" included.
    fixed = grid_form(
        response, **{f"worked_{alpha.pk}": "12", f"worked_{bravo.pk}": "3", f"worked_{charlie.pk}": "200"}
    )
    fixed[f"training-{echo.pk}"] = "1,25"
    response = facilitator_client.post(site.grid_url(), fixed)
    assert response.status_code == 302
    assert MonthlyHours.objects.get(placement=delta).hours_worked == Decimal("12.5")
    assert MonthlyHours.objects.get(placement=echo).training_hours == Decimal("1.25")


# --- Locks and conflicts ------------------------------------------------------------------------------------------


def test_a_validated_line_is_read_only_and_points_to_a_reopen(facilitator_client, site):
    marie, paul = site.place("Dupont", "Marie"), site.place("Martin", "Paul", inclusion=True)
    line = site.line(marie, MONTH, "100", status=StatementStatus.VALIDATED)

    response = facilitator_client.get(site.grid_url())
    rows = {row.pk: row for row in response.context["rows"]}
    html = html_of(response)

    # Paul has no line yet, but his hours go on the holder's statement, which is validated: locked too.
    assert rows[marie.pk].locked and rows[paul.pk].locked
    assert f'name="worked-{marie.pk}"' not in html and f'name="worked-{paul.pk}"' not in html
    assert "Relevé validé : ligne verrouillée. Pour la corriger, rouvrez le relevé." in html
    assert "Toutes les lignes de ce mois sont verrouillées." in html
    assert 'id="save-hours"' not in html

    # A forged post changes nothing.
    forged = {"action": "save", f"worked-{marie.pk}": "1", f"version-{marie.pk}": "1", f"orig-{marie.pk}": ""}
    response = facilitator_client.post(site.grid_url(), forged)
    line.refresh_from_db()
    assert (line.hours_worked, line.version) == (Decimal("100"), 1)


def test_the_lock_note_links_to_the_statement_page_when_it_exists(facilitator_client, site):
    from django.urls import NoReverseMatch, reverse

    marie = site.place("Dupont", "Marie")
    line = site.line(marie, MONTH, "100", status=StatementStatus.VALIDATED)
    html = html_of(facilitator_client.get(site.grid_url()))
    try:
        url = reverse("clauses:statement_detail", kwargs={"territory_code": "34", "pk": line.statement_id})
    except NoReverseMatch:  # pragma: no cover - the statement page is built by another part of the issue
        pytest.skip("clauses:statement_detail n'existe pas encore")
    assert f'<a href="{url}">Ouvrir le relevé' in html


def test_a_statement_validated_while_typing_refuses_the_save(facilitator_client, site):
    marie = site.place("Dupont", "Marie")
    line = site.line(marie, MONTH, "100", status=StatementStatus.SUBMITTED)
    loaded = facilitator_client.get(site.grid_url())
    Statement.objects.filter(pk=line.statement_id).update(status=StatementStatus.VALIDATED)
    MonthlyHours.objects.filter(pk=line.pk).update(status=StatementStatus.VALIDATED)

    response = facilitator_client.post(site.grid_url(), grid_form(loaded, **{f"worked_{marie.pk}": "90"}))

    assert response.status_code == 200
    html = html_of(response)
    assert "Relevé validé entre-temps : votre saisie (90 h travaillées, 0 h de formation)" in html
    assert "rouvrez le relevé" in html
    assert MonthlyHours.objects.get(pk=line.pk).hours_worked == Decimal("100")


def test_two_people_saving_the_same_month_the_second_gets_a_conflict_and_the_first_values_stay(site):
    marie, paul = site.place("Dupont", "Marie"), site.place("Martin", "Paul")
    site.line(marie, MONTH, "100")
    first, second = Client(), Client()
    first.force_login(site.facilitator.user)
    coordinator = make_member(site.territory, Role.COORDINATOR)
    coordinator.user.first_name, coordinator.user.last_name = "Claire", "Coordinatrice"
    coordinator.user.save()
    second.force_login(coordinator.user)
    site.facilitator.user.first_name, site.facilitator.user.last_name = "Fanny", "Facilitatrice"
    site.facilitator.user.save()

    first_form, second_form = first.get(site.grid_url()), second.get(site.grid_url())
    response = first.post(site.grid_url(), grid_form(first_form, **{f"worked_{marie.pk}": "110"}))
    assert response.status_code == 302
    response = second.post(
        site.grid_url(), grid_form(second_form, **{f"worked_{marie.pk}": "90", f"worked_{paul.pk}": "35"})
    )

    assert response.status_code == 200
    html = html_of(response)
    assert "Quelqu'un a modifié 1 ligne entre-temps" in html
    assert "Modifiée entre-temps par Fanny Facilitatrice" in html
    assert "ses valeurs sont conservées (110 h travaillées, 0 h de formation)" in html
    assert "Votre saisie, non enregistrée : 90 h travaillées" in html
    # The conflicting cell now shows the first person's value and version; the other typing is kept.
    assert f'name="worked-{marie.pk}" value="110"' in html
    assert f'name="version-{marie.pk}" value="2"' in html
    assert f'name="worked-{paul.pk}" value="35"' in html
    # Nothing of the second save was written (all or nothing).
    assert MonthlyHours.objects.get(placement=marie).hours_worked == Decimal("110")
    assert not MonthlyHours.objects.filter(placement=paul).exists()

    # Saving again from that page, knowingly, works.
    response = second.post(site.grid_url(), grid_form(response))
    assert response.status_code == 302
    assert MonthlyHours.objects.get(placement=paul).hours_worked == Decimal("35")
    assert MonthlyHours.objects.get(placement=marie).hours_worked == Decimal("110")


def test_someone_elses_change_to_a_row_one_did_not_touch_is_not_a_conflict(site):
    marie, paul = site.place("Dupont", "Marie"), site.place("Martin", "Paul")
    site.line(marie, MONTH, "100")
    first, second = Client(), Client()
    first.force_login(site.facilitator.user)
    second.force_login(make_member(site.territory, Role.COORDINATOR).user)
    first_form, second_form = first.get(site.grid_url()), second.get(site.grid_url())

    assert first.post(site.grid_url(), grid_form(first_form, **{f"worked_{marie.pk}": "110"})).status_code == 302
    response = second.post(site.grid_url(), grid_form(second_form, **{f"worked_{paul.pk}": "35"}))

    assert response.status_code == 302
    assert MonthlyHours.objects.get(placement=marie).hours_worked == Decimal("110")
    assert MonthlyHours.objects.get(placement=paul).hours_worked == Decimal("35")


def test_a_line_created_meanwhile_by_someone_else_is_a_conflict(site, facilitator_client):
    marie = site.place("Dupont", "Marie")
    loaded = facilitator_client.get(site.grid_url())
    site.line(marie, MONTH, "80")  # e.g. the company's own statement, entered meanwhile

    response = facilitator_client.post(site.grid_url(), grid_form(loaded, **{f"worked_{marie.pk}": "90"}))

    assert response.status_code == 200
    assert "ses valeurs sont conservées (80 h travaillées" in html_of(response)
    assert MonthlyHours.objects.get(placement=marie).hours_worked == Decimal("80")


def test_a_tampered_version_is_a_conflict_not_an_overwrite(site, facilitator_client):
    marie = site.place("Dupont", "Marie")
    site.line(marie, MONTH, "80")
    data = grid_form(facilitator_client.get(site.grid_url()), **{f"worked_{marie.pk}": "90"})
    data[f"version-{marie.pk}"] = "n'importe quoi"
    response = facilitator_client.post(site.grid_url(), data)
    assert response.status_code == 200
    assert MonthlyHours.objects.get(placement=marie).hours_worked == Decimal("80")


# --- Copy the previous month --------------------------------------------------------------------------------------


def test_copy_previous_month_prefills_editable_rows_without_saving(facilitator_client, site):
    marie, paul, ines = site.place("Dupont", "Marie"), site.place("Martin", "Paul"), site.place("Leroy", "Inès")
    site.line(marie, FEBRUARY, "120", training="7")
    site.line(paul, FEBRUARY, "60")
    # Inès worked nothing in February; what was typed for her stays.
    loaded = facilitator_client.get(site.grid_url())
    data = grid_form(loaded, **{f"worked_{ines.pk}": "15"})
    data["action"] = "copy"

    response = facilitator_client.post(site.grid_url(), data)

    assert response.status_code == 200
    html = html_of(response)
    assert f'name="worked-{marie.pk}" value="120"' in html
    assert f'name="training-{marie.pk}" value="7"' in html
    assert f'name="worked-{paul.pk}" value="60"' in html
    assert f'name="worked-{ines.pk}" value="15"' in html
    assert "Valeurs de février 2026 recopiées sur 2 lignes" in html
    assert "Rien n&#x27;est enregistré pour l&#x27;instant" in html
    assert not MonthlyHours.objects.filter(month=MONTH).exists()

    response = facilitator_client.post(site.grid_url(), grid_form(response))
    assert response.status_code == 302
    saved = dict(MonthlyHours.objects.filter(month=MONTH).values_list("placement_id", "hours_worked"))
    assert saved == {marie.pk: Decimal("120"), paul.pk: Decimal("60"), ines.pk: Decimal("15")}


def test_copy_leaves_locked_rows_alone(facilitator_client, site):
    marie = site.place("Dupont", "Marie")
    site.line(marie, FEBRUARY, "120")
    site.line(marie, MONTH, "100", status=StatementStatus.VALIDATED)

    response = facilitator_client.post(site.grid_url(), {"action": "copy"})

    assert response.status_code == 200
    assert response.context["rows"][0].worked == "100"
    assert "Aucune heure saisie en février 2026 à recopier." in html_of(response)
    assert MonthlyHours.objects.get(placement=marie, month=MONTH).hours_worked == Decimal("100")


def test_the_save_button_comes_first_so_enter_without_javascript_saves_and_never_copies(facilitator_client, site):
    marie = site.place("Dupont", "Marie")
    site.line(marie, FEBRUARY, "120")
    html = html_of(facilitator_client.get(site.grid_url()))
    assert html.index('id="save-hours"') < html.index('id="copy-previous"')
    assert 'src="/static/js/hours_grid.js" nonce="' in html


# --- Permissions and isolation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [(Role.COORDINATOR, 200), (Role.FACILITATOR, 200), (Role.COMMITTEE, 403)])
def test_only_staff_enter_hours(client, site, role, status):
    client.force_login(make_member(site.territory, role).user)
    assert client.get(site.grid_url()).status_code == status


def test_the_buyer_and_the_company_of_the_clause_get_403(client, site):
    marie = site.place("Dupont", "Marie")
    buyer_member = make_member(site.territory, Role.BUYER, site.market.buyer)
    company_member = make_member(site.territory, Role.COMPANY, site.holder)
    for membership in (buyer_member, company_member):
        client.force_login(membership.user)
        assert client.get(site.grid_url()).status_code == 403
        response = client.post(site.grid_url(), {"action": "save", f"worked-{marie.pk}": "1"})
        assert response.status_code == 403
    assert not MonthlyHours.objects.exists()


def test_another_buyers_clause_is_404_for_a_buyer(client, site):
    other = ClauseFactory(territory=site.territory)
    membership = make_member(site.territory, Role.BUYER)
    client.force_login(membership.user)
    assert client.get(site.grid_url(clause=other)).status_code == 404


def test_a_clause_of_another_territory_is_404(facilitator_client, site, other_territory):
    foreign = ClauseFactory(territory=other_territory)
    assert facilitator_client.get(site.grid_url(clause=foreign)).status_code == 404
    assert facilitator_client.post(site.grid_url(clause=foreign), {"action": "save"}).status_code == 404


def test_a_placement_of_another_clause_cannot_be_slipped_into_the_form(facilitator_client, site):
    site.place("Dupont", "Marie")
    stranger = site.place("Autre", "Clause", clause=ClauseFactory(territory=site.territory))
    data = grid_form(facilitator_client.get(site.grid_url()))
    data.update({f"worked-{stranger.pk}": "50", f"version-{stranger.pk}": "0"})
    facilitator_client.post(site.grid_url(), data)
    assert not MonthlyHours.objects.filter(placement=stranger).exists()


# --- Queries --------------------------------------------------------------------------------------------------------


def _populate(site, count):
    employers = [site.holder, CompanyFactory(territory=site.territory)]
    for index in range(count):
        placement = site.place(f"Nom{index:03d}", "Prénom", employer=employers[index % 2], inclusion=index % 5 == 1)
        site.eligible(placement)
        site.line(placement, FEBRUARY, "100", status=StatementStatus.VALIDATED)
        if index % 2:
            site.line(placement, MONTH, "90", status=StatementStatus.DRAFT)


# session, user, membership, savepoint, clause, placements, lines, statements, holder, release, memberships (menu)
GRID_QUERIES = 11


@pytest.mark.parametrize("count", [3, 40])
def test_grid_query_count_does_not_grow_with_placements(facilitator_client, site, count, django_assert_max_num_queries):
    _populate(site, count)
    facilitator_client.get(site.grid_url())  # the first request of a session also writes the session
    with django_assert_max_num_queries(GRID_QUERIES):
        response = facilitator_client.get(site.grid_url())
    assert len(response.context["rows"]) == count


def test_grid_queries_are_the_same_for_3_and_40_placements_and_for_saving(facilitator_client, site, territory):
    _populate(site, 3)
    facilitator_client.get(site.grid_url())  # the first request of a session also writes the session
    _, small = queries_of(lambda: facilitator_client.get(site.grid_url()))
    _populate(site, 37)
    response, large = queries_of(lambda: facilitator_client.get(site.grid_url()))
    assert small == large
    # Saving 40 rows costs a constant number of queries too (bulk writes, one statement per company).
    data = grid_form(response)
    for row in response.context["rows"]:
        data[f"worked-{row.pk}"] = "77"
    saved, save_queries = queries_of(lambda: facilitator_client.post(site.grid_url(), data))
    assert saved.status_code == 302
    assert save_queries <= 24, save_queries


def test_a_grid_of_260_placements_posts_more_than_djangos_default_1000_fields(facilitator_client, site):
    participants = Participant.objects.bulk_create(
        Participant(territory=site.territory, last_name=f"Nom{i:03d}", first_name="P", birth_year=1990, sex="F")
        for i in range(260)
    )
    Placement.objects.bulk_create(
        Placement(
            territory=site.territory,
            participant=participant,
            clause=site.clause,
            employer_company=site.holder,
            contract_kind=ContractKind.CDD,
            mode=ExecutionMode.DIRECT_HIRING,
            start_date=date(2026, 1, 1),
        )
        for participant in participants
    )
    loaded = facilitator_client.get(site.grid_url())
    data = grid_form(loaded)
    for row in loaded.context["rows"]:
        data[f"worked-{row.pk}"] = "10"
    assert len(data) > 1000

    response = facilitator_client.post(site.grid_url(), data)

    assert response.status_code == 302
    assert MonthlyHours.objects.filter(month=MONTH).count() == 260
