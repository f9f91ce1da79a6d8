"""Import of DECP files (schema 2.x): parsing, dirty rows, idempotence, update, the pages and who may use them.

The fixture files in ``decp_files/`` are shaped like the official examples of ``139bercy/format-commande-publique``
(``exemples/json/``): ``{"marches": {"marche": [...]}}`` with wrapped holders and considerations (schema 2.0.3), flat
ones (the examples), and the ``{"marches": [...]}`` shape of some exports.
"""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.enums import Role
from markets import decp
from markets.enums import AwardRole, BuyerKind, ImportStatus, MarketStatus, Procedure, SocialConsideration
from markets.models import Buyer, Company, DecpImport, Lot, LotAward, Market
from markets.tasks import import_decp
from tests.conftest import make_member
from tests.markets.factories import BuyerFactory, CompanyFactory, LotFactory, MarketFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "decp_files"
TODAY = date(2026, 11, 22)

MONTPELLIER = "21340172201787"
SETE = "21340301700014"
HERAULT_LOGEMENT = "20003400700100"
HOLDER_1 = "55204599900869"
HOLDER_2 = "81223113200026"
HOLDER_3 = "38103128500491"
HOLDER_4 = "44321987805437"


@pytest.fixture
def communes(territory):
    return {
        "34172": CommuneFactory(insee_code="34172", name="Montpellier", department=territory.department),
        "34301": CommuneFactory(insee_code="34301", name="Sète", department=territory.department),
    }


def read(name):
    return (FILES / name).read_bytes()


def make_import(territory, user, name="herault_2025.json", data=None):
    decp_import = DecpImport(
        territory=territory, created_by=user, original_name=name, sha256="0" * 64, status=ImportStatus.PENDING
    )
    decp_import.file.save(name, ContentFile(read(name) if data is None else data), save=False)
    decp_import.save()
    return decp_import


def run_import(territory, user, name="herault_2025.json", data=None):
    decp_import = make_import(territory, user, name, data)
    import_decp(decp_import.pk)
    decp_import.refresh_from_db()
    return decp_import


def reasons(decp_import):
    return {entry["position"]: entry for entry in decp_import.report}


def table_counts():
    return {model.__name__: model.objects.count() for model in (Market, Lot, LotAward, Buyer, Company)}


# --- Reading values ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(575000, Decimal("575000.00")), (84000.5, Decimal("84000.50")), ("1 250 000,50", Decimal("1250000.50"))],
)
def test_amounts_are_read_from_numbers_and_french_strings(value, expected):
    assert decp.parse_amount(value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (None, "Montant absent"),
        ("NC", "non numérique"),
        (True, "non numérique"),
        ("NaN", "non numérique"),
        (0, "aberrant"),
        (-15000, "aberrant"),
        (98000000000000, "plus de 10 milliards"),
    ],
)
def test_absurd_or_missing_amounts_are_refused_with_a_reason(value, fragment):
    with pytest.raises(decp.Skip) as raised:
        decp.parse_amount(value)
    assert fragment in raised.value.reason


@pytest.mark.parametrize(("value", "expected"), [(48, 48), ("24", 24), (12.0, 12)])
def test_durations(value, expected):
    assert decp.parse_duration(value) == expected


@pytest.mark.parametrize("value", ["NC", None, "", 0, -3, 1.5, 9999, [12]])
def test_dirty_durations_are_refused(value):
    with pytest.raises(decp.Skip):
        decp.parse_duration(value)


def test_dates_accept_a_time_zone_suffix_and_refuse_impossible_ones():
    assert decp.parse_date("2025-05-15", TODAY) == date(2025, 5, 15)
    assert decp.parse_date("2019-03-01+01:00", TODAY) == date(2019, 3, 1)  # as older DECP files write it
    for value in ("2025-13-45", "15/05/2025", "", None, "1899-01-01", "2099-01-01"):
        with pytest.raises(decp.Skip):
            decp.parse_date(value, TODAY)


def test_social_consideration_in_both_shapes_and_the_insertion_clause_first():
    assert decp.parse_social_consideration(["Marché réservé"]) == SocialConsideration.RESERVED
    assert (
        decp.parse_social_consideration({"considerationSociale": ["Critère social", "Clause sociale"]})
        == SocialConsideration.SOCIAL_CLAUSE
    )
    assert decp.parse_social_consideration("critere social") == SocialConsideration.SOCIAL_CRITERION
    with pytest.raises(decp.Skip, match="Pas de considération sociale"):
        decp.parse_social_consideration({"considerationSociale": ["Pas de considération sociale"]})
    with pytest.raises(decp.Skip, match="Aucune considération sociale"):
        decp.parse_social_consideration(None)


def test_procedures_are_mapped_when_known():
    assert decp.map_procedure("Appel d'offres ouvert") == Procedure.OPEN
    assert decp.map_procedure("Appel d’offres restreint") == Procedure.RESTRICTED
    assert decp.map_procedure("Marché passé sans publicité ni mise en concurrence préalable") == (
        Procedure.NO_COMPETITION
    )
    assert decp.map_procedure("Procédure inventée") == ""


def test_holders_keep_valid_sirets_only():
    holders = decp.parse_holders(
        [
            {"titulaire": {"typeIdentifiant": "SIRET", "id": HOLDER_1}},
            {"typeIdentifiant": "SIRET", "id": "812 231 132 00026", "denominationSociale": "Garami SARL"},
            {"typeIdentifiant": "TVA", "id": "DE814864138"},
            {"typeIdentifiant": "SIRET", "id": "12345678901234"},
            {"titulaire": {"typeIdentifiant": "SIRET", "id": HOLDER_1}},
        ]
    )
    assert holders == [decp.Holder(HOLDER_1, ""), decp.Holder(HOLDER_2, "Garami SARL")]


@pytest.mark.parametrize(
    ("code", "type_code", "commune"),
    [
        ("34172", "Code commune", "34172"),
        ("34999", "Code commune", ""),  # a commune the reference data does not know, in the département
        ("34200", "Code postal", ""),
        ("34", "Code département", ""),
        ("341", "Code arrondissement", ""),
    ],
)
def test_places_of_execution_in_the_territory(territory, communes, code, type_code, commune):
    scope = decp.TerritoryScope.of(territory)
    assert scope.locate({"code": code, "typeCode": type_code}) == commune


@pytest.mark.parametrize(
    ("location", "code"),
    [
        ({"code": "75001", "typeCode": "Code postal"}, "out_of_territory"),
        ({"code": "30189", "typeCode": "Code commune"}, "out_of_territory"),
        ({"code": "76", "typeCode": "Code région"}, "out_of_territory"),
        ({"code": "FR", "typeCode": "Code pays"}, "out_of_territory"),
        (None, "place_missing"),
        ({"typeCode": "Code postal"}, "place_missing"),
    ],
)
def test_places_outside_the_territory_are_skipped(territory, location, code):
    with pytest.raises(decp.Skip) as raised:
        decp.TerritoryScope.of(territory).locate(location)
    assert raised.value.code == code


def test_corsican_postal_codes():
    scope = decp.TerritoryScope(code="2A", communes=frozenset())
    assert scope.locate({"code": "20000", "typeCode": "Code postal"}) == ""
    with pytest.raises(decp.Skip):
        scope.locate({"code": "20200", "typeCode": "Code postal"})  # Bastia, Haute-Corse


# --- Shapes of file ------------------------------------------------------------------------------------------------

CONTRACT = {"id": "X1", "acheteur": {"id": MONTPELLIER}, "objet": "Travaux"}


@pytest.mark.parametrize(
    "document",
    [
        {"marches": {"marche": [CONTRACT]}},  # schema 2.x
        {"marches": [CONTRACT]},  # flat list
        {"marches": {"marche": CONTRACT}},  # a single contract, as in exemples/json/Marche.json
        CONTRACT,  # a contract at the root, as in exemples/json/mar-basique.json
        [CONTRACT],
    ],
)
def test_every_known_shape_gives_the_contracts(document):
    assert decp.load_entries(json.dumps(document).encode()) == [CONTRACT]


def test_concession_contracts_are_left_aside():
    document = {"marches": {"contrat-concession": [{"id": "C1"}]}}
    assert decp.load_entries(json.dumps(document).encode()) == []


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "vide"),
        (read("not_json.json"), "n'est pas un fichier JSON valide"),
        (read("wrong_shape.json"), "ne suit pas le format des DECP"),
        ('{"marches": []}'.encode("utf-16"), "UTF-8"),
        (b'"marches"', "ne suit pas le format"),
    ],
)
def test_unreadable_files_raise_a_french_message(data, fragment):
    with pytest.raises(decp.DecpFileError, match=fragment):
        decp.load_entries(data)


def test_a_bom_is_tolerated():
    assert decp.load_entries(b"\xef\xbb\xbf" + json.dumps({"marches": [CONTRACT]}).encode()) == [CONTRACT]


# --- The import ----------------------------------------------------------------------------------------------------


def test_first_import_creates_the_territory_markets_with_a_social_consideration(territory, communes, coordinator):
    decp_import = run_import(territory, coordinator.user)

    assert decp_import.status == ImportStatus.DONE
    assert decp_import.progress == 100
    assert decp_import.finished_at is not None
    assert (decp_import.total, decp_import.created_count, decp_import.updated_count) == (14, 3, 0)
    assert (decp_import.unchanged_count, decp_import.skipped_count) == (0, 11)

    school = Market.objects.get(decp_id=f"{MONTPELLIER}2025-AOO-017")
    assert school.territory == territory
    assert school.reference == "2025-AOO-017"
    assert school.object == "Réhabilitation du groupe scolaire Jules-Ferry"
    assert school.cpv_code == "45214200-2"
    assert school.procedure == Procedure.OPEN
    assert school.amount_ht == Decimal("575000.00")
    assert school.notification_date == date(2025, 5, 15)
    assert school.duration_months == 48
    assert school.execution_commune_id == "34172"
    assert school.social_consideration == SocialConsideration.SOCIAL_CLAUSE
    assert school.status == MarketStatus.IN_PROGRESS
    assert school.buyer.siret == MONTPELLIER
    assert school.buyer.name == f"Acheteur {MONTPELLIER}"
    assert school.buyer.kind == BuyerKind.OTHER
    lot = school.lots.get()
    assert (lot.number, lot.title, lot.amount_ht) == (1, school.object, Decimal("575000.00"))
    # The holder with a foreign VAT number is left aside; the SIRET one becomes a company with a placeholder name.
    award = lot.awards.get()
    assert award.role == AwardRole.HOLDER
    assert (award.company.siret, award.company.name) == (HOLDER_1, f"Entreprise {HOLDER_1}")

    parks = Market.objects.get(reference="2023-MAPA-004")
    assert parks.status == MarketStatus.COMPLETED  # notified in January 2023 for 12 months
    assert parks.social_consideration == SocialConsideration.RESERVED
    assert parks.execution_commune is None  # a postal code, not a commune
    assert parks.procedure == Procedure.ADAPTED
    assert parks.lots.get().awards.get().company.name == "Jardins d'insertion du Bassin de Thau"

    cleaning = Market.objects.get(reference="2024-DC-102")
    assert cleaning.buyer.name == "Hérault Logement"
    assert cleaning.social_consideration == SocialConsideration.SOCIAL_CLAUSE
    assert (cleaning.amount_ht, cleaning.duration_months) == (Decimal("1350000.00"), 42)  # after the amendment
    assert cleaning.procedure == Procedure.COMPETITIVE_DIALOGUE


def test_dirty_rows_are_skipped_with_their_position_and_a_french_reason(territory, communes, coordinator):
    decp_import = run_import(territory, coordinator.user)
    report = reasons(decp_import)

    assert set(report) == set(range(4, 15))
    assert report[4]["id"] == "2025-MAPA-031"
    assert "Durée « NC » non renseignée" in report[4]["reason"]
    assert "aberrant" in report[5]["reason"] and "10 milliards" in report[5]["reason"]
    assert "aberrant" in report[6]["reason"]
    assert report[7]["reason"] == "SIRET de l'acheteur absent."
    assert report[8]["reason"] == "SIRET de l'acheteur « 12345678901234 » invalide."
    assert report[9]["code"] == "out_of_territory"
    assert report[9]["reason"].startswith("Hors du territoire")
    assert report[10]["reason"] == "Pas de considération sociale."
    assert "double" in report[11]["reason"] and "position 1" in report[11]["reason"]
    assert "2025-13-45" in report[12]["reason"]
    assert report[13] == {
        "position": 13,
        "id": "",
        "buyer": MONTPELLIER,
        "code": "id_missing",
        "reason": "Identifiant du marché absent.",
    }
    assert "« NC » non numérique" in report[14]["reason"]
    # Nothing of the skipped contracts was created: neither the Paris buyer nor the holder of the dirty rows.
    assert not Buyer.objects.filter(siret="21750001630040").exists()
    assert not Company.objects.filter(siret=HOLDER_4).exists()
    assert Market.objects.count() == 3


def test_importing_the_same_file_twice_changes_nothing(territory, communes, coordinator):
    run_import(territory, coordinator.user)
    before = table_counts()
    stamps = dict(Market.objects.values_list("pk", "updated_at"))

    second = run_import(territory, coordinator.user)

    assert second.status == ImportStatus.DONE
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, 3)
    assert second.skipped_count == 11
    assert table_counts() == before
    assert dict(Market.objects.values_list("pk", "updated_at")) == stamps


def test_a_later_file_updates_the_markets_it_changes(territory, communes, coordinator):
    run_import(territory, coordinator.user)

    later = run_import(territory, coordinator.user, "herault_2025_update.json")

    assert (later.total, later.created_count, later.updated_count, later.unchanged_count) == (3, 1, 1, 1)
    assert later.skipped_count == 0 and later.report == []
    school = Market.objects.get(reference="2025-AOO-017")
    assert school.amount_ht == Decimal("640000.00")
    assert set(school.lots.get().awards.values_list("company__siret", flat=True)) == {HOLDER_1, HOLDER_4}
    berges = Market.objects.get(reference="2026-AOO-003")
    assert berges.execution_commune_id == "34301"
    assert berges.procedure == Procedure.NEGOTIATED
    # The holder of the new market was already known (by SIRET, with its name): matched, not duplicated.
    assert Company.objects.filter(siret=HOLDER_2).count() == 1
    assert berges.lots.get().awards.get().company.name == "Jardins d'insertion du Bassin de Thau"
    # The same buyer (Sète) is reused.
    assert Buyer.objects.filter(siret=SETE).count() == 1


def test_existing_buyer_company_and_market_are_matched_not_duplicated(territory, communes, coordinator):
    buyer = BuyerFactory(territory=territory, siret=MONTPELLIER, name="Ville de Montpellier")
    company = CompanyFactory(territory=territory, siret=HOLDER_1, name="Bâtiments du Lez")
    market = MarketFactory(territory=territory, buyer=buyer, reference="2025-AOO-017", object="Saisi à la main")
    lot = LotFactory(territory=territory, market=market, number=1, title="Gros œuvre")

    decp_import = run_import(territory, coordinator.user)

    assert (decp_import.created_count, decp_import.updated_count) == (2, 1)
    market.refresh_from_db()
    assert market.decp_id == f"{MONTPELLIER}2025-AOO-017"
    assert market.object == "Réhabilitation du groupe scolaire Jules-Ferry"
    assert Buyer.objects.get(siret=MONTPELLIER).name == "Ville de Montpellier"  # never renamed
    assert Company.objects.get(siret=HOLDER_1).name == "Bâtiments du Lez"
    assert list(market.lots.all()) == [lot]
    assert lot.awards.get().company == company


def test_a_buyer_of_another_territory_is_never_used(territory, other_territory, communes, coordinator):
    foreign = BuyerFactory(territory=other_territory, siret=MONTPELLIER, name="Homonyme du Val-d'Oise")

    run_import(territory, coordinator.user)

    school = Market.objects.get(reference="2025-AOO-017")
    assert school.buyer != foreign
    assert school.buyer.territory == territory
    assert not Market.objects.filter(territory=other_territory).exists()


def test_a_placeholder_name_is_replaced_when_a_later_file_names_the_company(territory, communes, coordinator):
    CompanyFactory(territory=territory, siret=HOLDER_2, name=f"Entreprise {HOLDER_2}")

    run_import(territory, coordinator.user)

    assert Company.objects.get(siret=HOLDER_2).name == "Jardins d'insertion du Bassin de Thau"


def test_only_the_first_out_of_territory_contracts_are_listed(client, territory, coordinator, monkeypatch):
    monkeypatch.setattr(decp, "MAX_LISTED_OUT_OF_TERRITORY", 2)
    contracts = [
        {"id": f"P{n}", "acheteur": {"id": MONTPELLIER}, "lieuExecution": {"code": "75001", "typeCode": "Code postal"}}
        for n in range(5)
    ]

    decp_import = run_import(territory, coordinator.user, data=json.dumps({"marches": contracts}).encode())

    assert decp_import.skipped_count == 5
    assert [entry["id"] for entry in decp_import.report] == ["P0", "P1"]
    client.force_login(coordinator.user)
    html = client.get(url(territory, "decp:detail", pk=decp_import.pk)).content.decode()
    assert "Seuls les 2 premiers contrats hors du territoire sont listés : 3 autres" in html


@pytest.mark.parametrize(
    ("name", "fragment"), [("not_json.json", "JSON valide"), ("wrong_shape.json", "format des DECP")]
)
def test_an_unreadable_file_fails_with_a_clear_message_and_writes_nothing(territory, coordinator, name, fragment):
    decp_import = run_import(territory, coordinator.user, name)

    assert decp_import.status == ImportStatus.FAILED
    assert fragment in decp_import.error
    assert decp_import.finished_at is not None
    assert Market.objects.count() == 0


def test_a_crash_while_writing_fails_the_import_and_rolls_everything_back(
    territory, communes, coordinator, monkeypatch
):
    original = decp.write

    def write_then_crash(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(decp, "write", write_then_crash)

    decp_import = run_import(territory, coordinator.user)

    assert decp_import.status == ImportStatus.FAILED
    assert decp_import.error.startswith("Une erreur inattendue a interrompu l'import")
    assert table_counts() == {"Market": 0, "Lot": 0, "LotAward": 0, "Buyer": 0, "Company": 0}


def test_the_task_claims_the_import_once(territory, communes, coordinator):
    decp_import = run_import(territory, coordinator.user)
    before = table_counts()

    assert import_decp(decp_import.pk) is None  # delivered twice: already DONE, nothing happens
    assert import_decp(999_999) is None
    running = make_import(territory, coordinator.user)
    DecpImport.objects.filter(pk=running.pk).update(status=ImportStatus.RUNNING)
    assert import_decp(running.pk) is None  # another worker has it

    assert table_counts() == before
    running.refresh_from_db()
    assert running.status == ImportStatus.RUNNING


# --- Pages ---------------------------------------------------------------------------------------------------------


def url(territory, name="decp:import", **kwargs):
    return reverse(name, kwargs={"territory_code": territory.code, **kwargs})


def upload(name="herault_2025.json", data=None):
    return SimpleUploadedFile(name, read(name) if data is None else data, content_type="application/json")


def test_upload_runs_the_import_and_shows_the_report(
    client, territory, communes, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(territory), {"file": upload()})

    decp_import = DecpImport.objects.get()
    assert response.status_code == 302
    assert response.url == url(territory, "decp:detail", pk=decp_import.pk)
    assert decp_import.original_name == "herault_2025.json"
    assert decp_import.created_by == coordinator.user
    assert len(decp_import.sha256) == 64
    assert decp_import.status == ImportStatus.DONE

    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Import terminé" in html
    assert "3 marchés créés" in html
    assert "11 contrats ignorés" in html
    assert 'id="import-progress"' not in html
    assert "Durée « NC » non renseignée" in html
    assert "Hors du territoire" in html
    assert "2025-MAPA-031" in html

    listing = client.get(url(territory)).content.decode()
    assert "herault_2025.json" in listing


def test_the_same_file_uploaded_again_reports_everything_unchanged(
    client, territory, communes, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator.user)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url(territory), {"file": upload()})

    html = client.get(response.url).content.decode()
    assert "0 marché créé" in html
    assert "3 marchés inchangés" in html
    assert 'id="already-imported"' in html


def test_a_running_import_shows_its_progress_and_the_status_endpoint(client, territory, coordinator):
    decp_import = make_import(territory, coordinator.user)
    DecpImport.objects.filter(pk=decp_import.pk).update(status=ImportStatus.RUNNING, progress=40)
    client.force_login(coordinator.user)

    html = client.get(url(territory, "decp:detail", pk=decp_import.pk)).content.decode()
    status_url = url(territory, "decp:status", pk=decp_import.pk)
    assert 'id="import-progress"' in html
    assert f'data-status-url="{status_url}"' in html
    assert 'id="import-progress-bar" max="100" value="40"' in html
    assert "js/import_progress.js" in html

    data = client.get(status_url).json()
    assert data == {"status": "running", "status_label": "En cours", "progress": 40, "running": True}


def test_a_failed_import_shows_its_error(client, territory, coordinator, django_capture_on_commit_callbacks):
    client.force_login(coordinator.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(territory), {"file": upload("not_json.json")})

    html = client.get(response.url).content.decode()
    assert "Le fichier n'a pas été importé" in html
    assert "n&#x27;est pas un fichier JSON valide" in html
    assert client.get(url(territory, "decp:status", pk=DecpImport.objects.get().pk)).json()["running"] is False


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("marches.xml", b"<marches/>", "Seul le format JSON"),
        ("marches.txt", b"{}", "Déposez un fichier JSON"),
        ("vide.json", b"", "Le fichier est vide"),
    ],
)
def test_a_wrong_upload_is_refused_on_the_form(client, territory, coordinator, name, data, fragment):
    client.force_login(coordinator.user)

    response = client.post(url(territory), {"file": SimpleUploadedFile(name, data)})

    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert not DecpImport.objects.exists()


def test_missing_file_is_refused(client, territory, coordinator):
    client.force_login(coordinator.user)
    response = client.post(url(territory), {})
    assert "Choisissez le fichier DECP à importer." in response.content.decode()


def test_the_list_of_imports_costs_the_same_whatever_its_length(
    client, territory, coordinator, django_assert_max_num_queries
):
    for _ in range(25):
        make_import(territory, coordinator.user)
    client.force_login(coordinator.user)

    with django_assert_max_num_queries(12):
        response = client.get(url(territory))

    assert response.status_code == 200
    assert response.content.decode().count("herault_2025.json") == 20  # one page


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.BUYER, Role.COMMITTEE, Role.COMPANY])
def test_only_the_coordinator_may_import(client, territory, coordinator, role):
    decp_import = make_import(territory, coordinator.user)
    client.force_login(make_member(territory, role).user)

    assert client.get(url(territory)).status_code == 403
    assert client.post(url(territory), {"file": upload()}).status_code == 403
    assert client.get(url(territory, "decp:detail", pk=decp_import.pk)).status_code == 403
    assert client.get(url(territory, "decp:status", pk=decp_import.pk)).status_code == 403
    assert DecpImport.objects.count() == 1


def test_another_territory_import_is_not_found(client, territory, other_territory, coordinator):
    foreign = make_import(other_territory, make_member(other_territory, Role.COORDINATOR).user)
    client.force_login(coordinator.user)

    assert client.get(url(territory, "decp:detail", pk=foreign.pk)).status_code == 404
    assert client.get(url(territory, "decp:status", pk=foreign.pk)).status_code == 404
    assert "herault_2025.json" not in client.get(url(territory)).content.decode()
