"""The attestation of a market's insertion hours: the figures (counted hours only, by lot and clause and per company,
participants as a number, FTE), the sentence, the PDF read back with pdftotext, and who may download which one."""

import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.enums import Role
from clauses import views_buyers
from clauses.attestation import build_attestation, counted_shares
from clauses.enums import StatementStatus
from clauses.hours import counted_total
from clauses.models import Clause
from markets.enums import AwardRole
from tests.clauses.factories_buyers import attestation_url, build_scene, detail_url
from tests.clauses.grid_helpers import queries_of
from tests.markets.factories import BuyerFactory, CompanyFactory, LotAwardFactory, MarketFactory
from tests.territories.factories import TerritoryFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 4, 15)
JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
NAMES = (
    "Zylberstein",
    "Zorbalinde",
    "Quorvath",
    "Ybrandine",
    "Quintardiel",
    "Xelvia",
    "Okonkwarro",
    "Vaspurine",
    "Traumbelt",
    "Ulverick",
)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(views_buyers, "today", lambda: TODAY)


@pytest.fixture
def world(territory):
    """Market SETE-2026-001 of the Ville de Sète.

    Lot 1 « Gros œuvre », holder Bâtisseurs du Littoral, clause of 1,200 h over 2026 followed by Léa Roux:
      Zorbalinde Zylberstein (employee, eligible) January 100 h and February 50 h validated, March 40 h submitted;
      Ybrandine Quorvath (provided by an inclusion employer, eligible) February 80 h validated: counts for the holder;
      Ulverick Traumbelt (employee, no eligibility) February 30 h validated: not counted.
    Lot 2 « Peinture », holder Peintures de l'Orb, subcontractor Échafaudages du Sud, clause of 400 h from March 2026
      to February 2027: Xelvia Quintardiel (Orb, eligible) March 60 h, Vaspurine Okonkwarro (Échafaudages, eligible)
      March 25.5 h.
    Counted: 230 h (Bâtisseurs) + 60 h (Orb) + 25.5 h (Échafaudages) = 315.5 h of 1,600 h; 4 people; 0.20 FTE.
    """
    territory.contact_email, territory.contact_phone = "clauses@herault.example", "04 67 11 22 33"
    territory.save()
    scene = build_scene(territory)
    facilitator_member = scene.member(Role.FACILITATOR)
    follower = facilitator_member.facilitator
    follower.first_name, follower.last_name, follower.email = "Léa", "Roux", "lea.roux@plie.example"
    follower.save()
    market = scene.market("SETE-2026-001", object="Réhabilitation de l'école Jules Ferry")
    builders = CompanyFactory(territory=territory, name="Bâtisseurs du Littoral", siret="73282932000074")
    painters = CompanyFactory(territory=territory, name="Peintures de l'Orb")
    scaffolders = CompanyFactory(territory=territory, name="Échafaudages du Sud")
    first = scene.clause(
        market, "1200", date(2026, 1, 1), date(2026, 12, 31), number=1, company=builders, facilitator=follower
    )
    first.lot.title = "Gros œuvre"
    first.lot.save()
    second = scene.clause(market, "400", date(2026, 3, 1), date(2027, 2, 28), number=2, company=painters)
    second.lot.title = "Peinture"
    second.lot.save()
    LotAwardFactory(territory=territory, lot=second.lot, company=scaffolders, role=AwardRole.SUBCONTRACTOR)

    philomene = scene.place(first, last_name="Zylberstein", first_name="Zorbalinde")
    scene.line(philomene, JAN, "100")
    scene.line(philomene, FEB, "50")
    scene.line(philomene, MAR, "40", status=StatementStatus.SUBMITTED)
    scene.line(scene.place(first, last_name="Quorvath", first_name="Ybrandine", inclusion=True), FEB, "80")
    scene.line(scene.place(first, last_name="Traumbelt", first_name="Ulverick", eligible=False), FEB, "30")
    scene.line(scene.place(second, last_name="Quintardiel", first_name="Xelvia", employer=painters), MAR, "60")
    scene.line(scene.place(second, last_name="Okonkwarro", first_name="Vaspurine", employer=scaffolders), MAR, "25.5")

    other_buyer = BuyerFactory(territory=territory, name="Hérault Habitat")
    other_market = scene.market("HH-2026-042", buyer=other_buyer)
    scene.clause(other_market, "500", date(2026, 1, 1), date(2026, 12, 31))
    return {
        "scene": scene,
        "market": market,
        "first": first,
        "second": second,
        "builders": builders,
        "painters": painters,
        "scaffolders": scaffolders,
        "follower": follower,
        "other_market": other_market,
    }


def squash(text):
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def pdf_text(response, tmp_path):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext est introuvable : apt-get install -y poppler-utils")
    path = tmp_path / "attestation.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return squash(text)


# --- The data (plain function) ---------------------------------------------------------------------------------


def test_market_attestation_figures(world):
    attestation = build_attestation(world["market"], today=TODAY)

    assert [(c.lot.number, c.required, c.counted) for c in attestation.clauses] == [
        (1, Decimal(1200), Decimal(230)),
        (2, Decimal(400), Decimal("85.5")),
    ]
    assert [(c.company.name, c.counted, c.participant_count) for c in attestation.companies] == [
        ("Bâtisseurs du Littoral", Decimal(230), 2),
        ("Peintures de l'Orb", Decimal(60), 1),
        ("Échafaudages du Sud", Decimal("25.5"), 1),
    ]
    assert attestation.companies[2].roles == ("Sous-traitant du lot 2",)
    assert (attestation.required, attestation.counted) == (Decimal(1600), Decimal("315.5"))
    assert attestation.participant_count == 4  # Ulverick's hours do not count: he is not among them
    assert attestation.fte == Decimal("0.20")
    assert (attestation.period_start, attestation.period_end) == (date(2026, 1, 1), date(2027, 2, 28))
    assert [(f.name, f.role) for f in attestation.facilitators] == [("Léa Roux", "Suit la clause du lot 1")]
    assert squash(attestation.statement) == (
        "La coordination départementale des clauses sociales d'insertion Hérault (34) atteste qu'au 15 avril 2026, "
        "315,50 heures d'insertion ont été réalisées et validées au titre de la clause sociale du marché SETE-2026-001 "
        "« Réhabilitation de l'école Jules Ferry » passé par Ville de Sète, pour 1 600 heures exigées, soit 0,20 "
        "équivalent temps plein, au bénéfice de 4 personnes éloignées de l'emploi."
    )


def test_per_company_hours_add_up_to_the_counted_total(world):
    clauses = Clause.objects.filter(lot__market=world["market"])
    shares = counted_shares(world["market"].territory_id, list(clauses.values_list("pk", flat=True)))
    attestation = build_attestation(world["market"], today=TODAY)

    expected = counted_total(world["market"].territory, clauses)
    assert sum(share.hours for share in shares) == expected == Decimal("315.5")
    assert sum(company.counted for company in attestation.companies) == expected


def test_company_attestation_shows_its_lots_and_its_hours_only(world):
    attestation = build_attestation(world["market"], company=world["builders"], today=TODAY)

    assert [lot.number for lot in attestation.lots] == [1]
    assert [(c.lot.number, c.counted) for c in attestation.clauses] == [(1, Decimal(230))]
    assert [c.company.name for c in attestation.companies] == ["Bâtisseurs du Littoral"]
    assert (attestation.required, attestation.counted, attestation.participant_count) == (Decimal(1200), 230, 2)
    assert attestation.fte == Decimal("0.14")
    statement = squash(attestation.statement)
    assert "atteste que l'entreprise Bâtisseurs du Littoral (SIRET 73282932000074) a réalisé, au 15 avril 2026, " in (
        statement
    )
    assert "230 heures d'insertion validées" in statement and "(1 200 heures exigées)" in statement
    assert "au bénéfice de 2 personnes éloignées de l'emploi." in statement

    subcontractor = build_attestation(world["market"], company=world["scaffolders"], today=TODAY)
    assert (subcontractor.counted, subcontractor.participant_count) == (Decimal("25.5"), 1)
    assert "25,50 heures" in subcontractor.statement and "1 personne éloignée de l'emploi" in subcontractor.statement


def test_nothing_done_is_said_in_the_singular(territory):
    scene = build_scene(territory)
    market = scene.market("VIDE")
    scene.clause(market, "1", date(2026, 1, 1), date(2026, 12, 31))

    statement = squash(build_attestation(market, today=TODAY).statement)

    assert "0 heure d'insertion a été réalisée et validée" in statement
    assert "pour 1 heure exigée, soit 0,00 équivalent temps plein, au bénéfice de 0 personne éloignée" in statement


def test_build_attestation_query_count_does_not_grow(world, django_assert_max_num_queries):
    market = world["market"]
    with django_assert_max_num_queries(8):
        _, before = queries_of(lambda: build_attestation(market, today=TODAY))
    scene = world["scene"]
    for number in (3, 4, 5):
        company = CompanyFactory(territory=market.territory)
        clause = scene.clause(market, "100", date(2026, 1, 1), date(2026, 12, 31), number=number, company=company)
        for index in range(3):
            scene.line(scene.place(clause, last_name=f"P{number}{index}"), FEB, "10")
    with django_assert_max_num_queries(8):
        attestation, after = queries_of(lambda: build_attestation(market, today=TODAY))
    assert attestation.participant_count == 13 and before == after


# --- The PDF ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.BUYER, Role.COORDINATOR, Role.FACILITATOR, Role.COMMITTEE])
def test_market_pdf_states_the_figures(client, world, role, tmp_path):
    scene = world["scene"]
    member = scene.buyer_member if role == Role.BUYER else scene.member(role)
    client.force_login(member.user)

    response = client.get(attestation_url(world["market"]))

    text = pdf_text(response, tmp_path)
    assert 'filename="attestation-sete-2026-001.pdf"' in response["Content-Disposition"]
    assert "Coordination départementale des clauses sociales d'insertion — Hérault (34)" in text
    assert "clauses@herault.example" in text and "04 67 11 22 33" in text
    assert "Ville de Sète" in text and "SETE-2026-001" in text and "Réhabilitation de l'école Jules Ferry" in text
    assert "Lot 1 — Gros œuvre" in text and "Lot 2 — Peinture" in text
    assert "Du 1 janvier 2026 au 28 février 2027" in text
    assert "1 200 h 230 h" in text and "400 h 85,50 h" in text and "Total 1 600 h 315,50 h" in text
    assert "Bâtisseurs du Littoral" in text and "Titulaire du lot 1 230 h 0,14 2" in text
    assert "Sous-traitant du lot 2 25,50 h 0,02 1" in text
    assert "Équivalents temps plein 0,20 ETP" in text and "Personnes en insertion 4" in text
    assert "Léa Roux" in text and "lea.roux@plie.example" in text
    assert "atteste qu'au 15 avril 2026, 315,50 heures d'insertion ont été réalisées et validées" in text
    assert "Fait le 15 avril 2026" in text
    assert not any(name in text for name in NAMES)


def test_company_gets_its_own_attestation_only(client, world, tmp_path):
    member = world["scene"].member(Role.COMPANY, world["builders"])
    client.force_login(member.user)

    text = pdf_text(client.get(attestation_url(world["market"])), tmp_path)

    assert "Attestation des heures d'insertion réalisées par Bâtisseurs du Littoral" in text
    assert "l'entreprise Bâtisseurs du Littoral (SIRET 73282932000074) a réalisé, au 15 avril 2026, 230 heures" in text
    assert "Peintures de l'Orb" not in text and "Échafaudages du Sud" not in text and "Lot 2" not in text
    assert "85,50" not in text and "315,50" not in text
    assert not any(name in text for name in NAMES)
    # Its own company named explicitly works too; another one is a 404.
    assert client.get(attestation_url(world["market"], world["builders"])).status_code == 200
    assert client.get(attestation_url(world["market"], world["painters"])).status_code == 404


def test_company_not_on_the_market_gets_404(client, world):
    outsider = CompanyFactory(territory=world["market"].territory)
    client.force_login(world["scene"].member(Role.COMPANY, outsider).user)
    assert client.get(attestation_url(world["market"])).status_code == 404
    assert client.get(detail_url(world["market"])).status_code == 404


def test_buyer_may_download_one_company_attestation(client, world, tmp_path):
    client.force_login(world["scene"].buyer_member.user)

    text = pdf_text(client.get(attestation_url(world["market"], world["painters"])), tmp_path)

    assert "par Peintures de l'Orb" in text and "a réalisé, au 15 avril 2026, 60 heures" in text
    # A company that holds nothing on this market, or nonsense, is a 404.
    elsewhere = CompanyFactory(territory=world["market"].territory)
    url = reverse("buyers:attestation", kwargs={"territory_code": "34", "pk": world["market"].pk})
    assert client.get(attestation_url(world["market"], elsewhere)).status_code == 404
    assert client.get(f"{url}?entreprise=abc").status_code == 404


def test_market_detail_links_to_the_attestations(client, world):
    client.force_login(world["scene"].buyer_member.user)
    html = client.get(detail_url(world["market"])).content.decode()
    assert attestation_url(world["market"]) in html
    for company in ("builders", "painters", "scaffolders"):  # one link per company of the market
        assert attestation_url(world["market"], world[company]) in html


# --- What a buyer never reaches --------------------------------------------------------------------------------


def test_buyer_never_reaches_another_buyers_market(client, world):
    client.force_login(world["scene"].buyer_member.user)
    other = world["other_market"]
    assert client.get(detail_url(other)).status_code == 404
    assert client.get(attestation_url(other)).status_code == 404
    # Even through a company of its own market.
    assert client.get(attestation_url(other, world["builders"])).status_code == 404


def test_another_territorys_market_is_404(client, world):
    foreign = MarketFactory(territory=TerritoryFactory(code="95"))
    for role in (Role.BUYER, Role.COORDINATOR):
        member = world["scene"].buyer_member if role == Role.BUYER else world["scene"].member(role)
        client.force_login(member.user)
        url = reverse("buyers:attestation", kwargs={"territory_code": "34", "pk": foreign.pk})
        assert client.get(url).status_code == 404


def test_buyer_never_reaches_a_participant(client, world, tmp_path):
    """No participant page, and no name on the dashboard, the market detail nor the attestation."""
    client.force_login(world["scene"].buyer_member.user)
    placement = world["first"].placements.first()
    for name in ("clauses:participant_detail", "clauses:participant_data_pdf", "clauses:participant_data_json"):
        url = reverse(name, kwargs={"territory_code": "34", "pk": placement.participant_id})
        assert client.get(url).status_code == 404, name
    assert client.get(reverse("clauses:participant_list", kwargs={"territory_code": "34"})).status_code == 403

    dashboard = client.get(reverse("buyers:dashboard", kwargs={"territory_code": "34"})).content.decode()
    detail = client.get(detail_url(world["market"])).content.decode()
    attestation = pdf_text(client.get(attestation_url(world["market"])), tmp_path)
    for page in (dashboard, detail, attestation):
        assert not any(name in page for name in NAMES)
    assert "SETE-2026-001" in dashboard and "placement-table" not in detail
