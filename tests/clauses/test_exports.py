"""Export of the "tableau de relevés mensuels" (XLSX): content per role, filters, isolation, flat query count."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.enums import Role
from clauses.enums import ContractKind, ExecutionMode, StatementStatus
from clauses.exports import SHEET_TITLE
from clauses.models import Statement
from tests.clauses.factories import (
    ClauseFactory,
    EligibilityValidationFactory,
    MonthlyHoursFactory,
    ParticipantFactory,
    PlacementFactory,
    StatementFactory,
)
from tests.facilitators.factories import InclusionEmployerFactory
from tests.markets.factories import BuyerFactory, CompanyFactory, LotAwardFactory, LotFactory, MarketFactory

pytestmark = pytest.mark.django_db


def url(name, territory, **query):
    base = reverse(f"clauses:{name}", kwargs={"territory_code": territory.code})
    if query:
        base += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return base


@pytest.fixture
def world(territory, member):
    """Two buyers, two companies, each holding a clause; lines of 2026 in several statuses."""
    buyer = BuyerFactory(territory=territory, name="Ville de Sète")
    other_buyer = BuyerFactory(territory=territory, name="Hérault Habitat")
    company = CompanyFactory(territory=territory, name="Bâtisseurs du Littoral")
    other_company = CompanyFactory(territory=territory, name="Peintures de l'Orb")
    lot = LotFactory(territory=territory, market=MarketFactory(territory=territory, buyer=buyer, reference="SETE-1"))
    LotAwardFactory(territory=territory, lot=lot, company=company)
    clause = ClauseFactory(territory=territory, lot=lot)
    other_lot = LotFactory(
        territory=territory, market=MarketFactory(territory=territory, buyer=other_buyer, reference="HH-2")
    )
    LotAwardFactory(territory=territory, lot=other_lot, company=other_company)
    other_clause = ClauseFactory(territory=territory, lot=other_lot)

    def line(clause, company, employer, first, last, month, hours, status, **placement_kwargs):
        participant = ParticipantFactory(territory=territory, first_name=first, last_name=last)
        placement = PlacementFactory(
            territory=territory,
            participant=participant,
            clause=clause,
            employer_company=employer,
            start_date=date(2026, 1, 1),
            **placement_kwargs,
        )
        statement = Statement.objects.filter(clause=clause, company=company, month=month).first()
        if statement is None:
            statement = StatementFactory(
                territory=territory, clause=clause, company=company, month=month, status=status
            )
        return MonthlyHoursFactory(
            territory=territory,
            placement=placement,
            statement=statement,
            month=month,
            hours_worked=Decimal(hours),
            training_hours=Decimal("4"),
            status=status,
        )

    jan, feb = date(2026, 1, 1), date(2026, 2, 1)
    alice = line(clause, company, company, "Alice", "Martin", jan, "100", StatementStatus.VALIDATED)
    EligibilityValidationFactory(territory=territory, participant=alice.placement.participant)
    apprentice = line(
        clause,
        company,
        company,
        "Bruno",
        "Lefèvre",
        feb,
        "60.5",
        StatementStatus.SUBMITTED,
        contract_kind=ContractKind.APPRENTICESHIP,
    )
    provided = line(
        clause,
        company,
        None,
        "Chloé",
        "Dubois",
        feb,
        "20",
        StatementStatus.SUBMITTED,
        employer_inclusion=InclusionEmployerFactory(territory=territory, name="ETTI du Bassin"),
        mode=ExecutionMode.STAFF_PROVISION,
    )
    denis = line(other_clause, other_company, other_company, "Denis", "Roux", feb, "35", StatementStatus.VALIDATED)
    return {
        "territory": territory,
        "buyer": buyer,
        "company": company,
        "other_company": other_company,
        "clause": clause,
        "other_clause": other_clause,
        "alice": alice,
        "apprentice": apprentice,
        "provided": provided,
        "denis": denis,
        "facilitator": member(territory, Role.FACILITATOR),
        "company_member": member(territory, Role.COMPANY, company),
        "buyer_member": member(territory, Role.BUYER, buyer),
    }


def rows_of(response, code="34"):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith(f'attachment; filename="releves-mensuels-{code}-')
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == [SHEET_TITLE, "Paramètres"]
    rows = list(workbook[SHEET_TITLE].iter_rows(values_only=True))
    header = list(rows[0])
    return header, [dict(zip(header, r, strict=True)) for r in rows[1:]]


def test_staff_export_has_every_line_with_names_and_counting_status(client, world):
    client.force_login(world["facilitator"].user)
    header, rows = rows_of(client.get(url("hours_export", world["territory"])))
    assert header[:3] == ["Mois", "Donneur d'ordre", "Marché"]
    assert "Nom" in header and "Comptabilisation" in header
    # By month, then market reference, lot and name.
    assert [(r["Nom"], r["Prénom"]) for r in rows] == [
        ("MARTIN", "Alice"),
        ("ROUX", "Denis"),
        ("DUBOIS", "Chloé"),
        ("LEFÈVRE", "Bruno"),
    ]
    by_name = {r["Nom"]: r for r in rows}
    assert set(by_name) == {"MARTIN", "LEFÈVRE", "DUBOIS", "ROUX"}
    alice = by_name["MARTIN"]
    assert alice["Mois"].date() == date(2026, 1, 1)
    assert alice["Donneur d'ordre"] == "Ville de Sète" and alice["Marché"] == "SETE-1"
    assert alice["Heures travaillées"] == 100 and alice["Heures d'insertion"] == 100  # CDD: training apart
    assert alice["Statut du relevé"] == "Validé" and alice["Comptabilisation"] == "Comptabilisées"
    assert by_name["LEFÈVRE"]["Heures d'insertion"] == 64.5  # apprenticeship: training hours count
    assert by_name["LEFÈVRE"]["Comptabilisation"] == "Relevé transmis, en attente de validation"
    assert by_name["ROUX"]["Comptabilisation"] == "Éligibilité du participant non validée pour ce mois"
    provided = by_name["DUBOIS"]
    assert provided["Entreprise déclarante"] == "Bâtisseurs du Littoral" and provided["Employeur"] == "ETTI du Bassin"


def test_company_exports_only_its_own_lines_without_eligibility(client, world):
    client.force_login(world["company_member"].user)
    header, rows = rows_of(client.get(url("hours_export", world["territory"])))
    assert "Comptabilisation" not in header
    assert {r["Nom"] for r in rows} == {"MARTIN", "LEFÈVRE", "DUBOIS"}  # its employees and the staff it declares
    assert "ROUX" not in {r["Nom"] for r in rows}
    # The company filter is not offered, and a forged one does not widen the export.
    response = client.get(url("hours_export", world["territory"], company=world["other_company"].pk))
    header, rows = rows_of(response)
    assert {r["Nom"] for r in rows} == {"MARTIN", "LEFÈVRE", "DUBOIS"}
    form = client.get(url("hours_export_form", world["territory"])).content.decode()
    assert 'name="company"' not in form


@pytest.mark.parametrize(
    ("filters", "names"),
    [
        (lambda w: {"clause": w["clause"].pk}, {"MARTIN", "LEFÈVRE", "DUBOIS"}),
        (lambda w: {"company": w["other_company"].pk}, {"ROUX"}),
        (lambda w: {"buyer": w["buyer"].pk}, {"MARTIN", "LEFÈVRE", "DUBOIS"}),
        (lambda w: {"start": "2026-02"}, {"LEFÈVRE", "DUBOIS", "ROUX"}),
        (lambda w: {"end": "2026-01"}, {"MARTIN"}),
        (lambda w: {"start": "2026-02", "end": "2026-02", "clause": w["other_clause"].pk}, {"ROUX"}),
        (lambda w: {"start": "2026-03"}, set()),
    ],
    ids=["clause", "company", "buyer", "start", "end", "combined", "empty"],
)
def test_filters(client, world, filters, names):
    client.force_login(world["facilitator"].user)
    _, rows = rows_of(client.get(url("hours_export", world["territory"], **filters(world))))
    assert {r["Nom"] for r in rows} == names


def test_invalid_filters_re_render_the_form_with_messages(client, world, other_territory):
    client.force_login(world["facilitator"].user)
    response = client.get(url("hours_export", world["territory"], start="2026-05", end="2026-02"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "Le dernier mois doit suivre le premier." in response.content.decode()
    response = client.get(url("hours_export", world["territory"], start="mai"))
    assert "Mois non reconnu" in response.content.decode()
    foreign = ClauseFactory(territory=other_territory)
    response = client.get(url("hours_export", world["territory"], clause=foreign.pk))
    assert response["Content-Type"].startswith("text/html")
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_buyers_and_committee_may_not_export(client, world, member):
    for membership in (world["buyer_member"], member(world["territory"], Role.COMMITTEE)):
        client.force_login(membership.user)
        assert client.get(url("hours_export", world["territory"])).status_code == 403
        assert client.get(url("hours_export_form", world["territory"])).status_code == 403


def test_other_territory_lines_never_appear(client, world, other_territory, member):
    MonthlyHoursFactory(territory=other_territory, placement__participant__last_name="Etrangère")
    client.force_login(world["facilitator"].user)
    _, rows = rows_of(client.get(url("hours_export", world["territory"])))
    assert "ETRANGÈRE" not in {r["Nom"] for r in rows}
    client.force_login(member(other_territory, Role.FACILITATOR).user)
    _, rows = rows_of(client.get(url("hours_export", other_territory)), code="95")
    assert {r["Nom"] for r in rows} == {"ETRANGÈRE"}


def test_query_count_does_not_grow_with_rows(client, world):
    client.force_login(world["facilitator"].user)
    export = url("hours_export", world["territory"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(export)
            b"".join(response.streaming_content)
        return len(queries)

    count()  # warm-up: the first request of a session costs a few more queries
    few = count()
    clause, company = world["clause"], world["company"]
    statement = StatementFactory(territory=world["territory"], clause=clause, company=company, month=date(2026, 3, 1))
    for index in range(30):
        MonthlyHoursFactory(
            territory=world["territory"],
            placement=PlacementFactory(territory=world["territory"], clause=clause, employer_company=company),
            statement=statement,
            month=date(2026, 3, 1),
            hours_worked=Decimal(index),
        )
    assert count() == few
    assert few <= 12


def test_text_that_looks_like_a_formula_stays_text(client, world):
    participant = world["alice"].placement.participant
    participant.last_name = '=HYPERLINK("http://example.org","x")'
    participant.save()
    client.force_login(world["facilitator"].user)
    response = client.get(url("hours_export", world["territory"]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [
        cell
        for row in workbook[SHEET_TITLE].iter_rows()
        for cell in row
        if cell.value and "HYPERLINK" in str(cell.value)
    ]
    assert len(cells) == 1 and cells[0].data_type == "s"
