"""Network journeys in a real browser: a coordinator imports inclusion employers from a CSV (preview, then
confirmation) and filters the directory; a facilitator records a meeting and sees the year's indicators move."""

import datetime
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.enums import Role
from facilitators.models import InclusionEmployer
from observatory.enums import PartnerKind
from observatory.models import PartnerMeeting
from territories.geography import load_geography
from tests.browser.pages import log_in_as
from tests.browser.pages_network_employers import (
    EmployerImportPage,
    EmployerListPage,
    MeetingListPage,
    NetworkMenu,
    ResourceListPage,
)
from tests.conftest import make_member
from tests.network_objects import PDF_BYTES, valid_siret
from tests.observatory.factories import PartnerFactory


@pytest.fixture
def herault(territory):
    load_geography(departments=["34", "95"])
    return territory


def test_coordinator_imports_employers_from_a_csv_after_a_preview(page, axe, herault):
    coordinator = make_member(herault, Role.COORDINATOR)
    log_in_as(page, coordinator)
    NetworkMenu(page).open("Employeurs inclusifs")
    employers = EmployerListPage(page, "34").expect_current()
    expect(page.locator("#employer-empty")).to_be_visible()
    axe(page)

    importer = employers.go_to_import()
    axe(page)
    content = "\n".join(
        [
            "nom;type;siret;email;telephone;adresse;commune_siege;secteurs;communes_intervention",
            f"Envie Hérault;EI;{valid_siret(1)};contact@envie.example;;;34172;waste|cleaning;34172|34301",
            f"Jardins de Cergy;ACI;{valid_siret(2)};;;;95127;green_spaces;",
            f"Jardins du Littoral;ACI;{valid_siret(3)};;;;34301;green_spaces;34301|34003",
        ]
    ).encode("cp1252")
    preview = importer.upload("employeurs.csv", content)
    assert preview.errors() == [
        ("3", "commune_siege", "La commune 95127 (Cergy) n'est pas dans le département 34 (elle est dans le 95).")
    ]
    assert preview.created_names() == ["Envie Hérault", "Jardins du Littoral"]
    assert not InclusionEmployer.objects.exists()  # nothing written before the confirmation
    axe(page)

    employers = preview.confirm()
    expect(employers.alert("success")).to_contain_text("Import terminé : 2 créé(s), 0 mis à jour")
    assert employers.names() == ["Envie Hérault", "Jardins du Littoral"]
    employers.filter(**{"Commune d'intervention": "Agde (34003)"})
    assert employers.names() == ["Jardins du Littoral"]
    axe(page)

    # The same file again: the preview says there is nothing to write.
    preview = EmployerImportPage(page, "34").open().upload("employeurs.csv", content)
    expect(preview.main).to_contain_text("Rien à enregistrer")
    assert InclusionEmployer.objects.count() == 2

    # The edition form: the département's 341 communes as checkboxes, in a scrolling box.
    employers.open()
    page.get_by_role("link", name="Jardins du Littoral").click()
    page.get_by_role("link", name="Modifier").click()
    expect(page.get_by_label("Agde (34003)")).to_be_checked()
    expect(page.locator("#communes-fieldset input[type=checkbox]")).to_have_count(341)
    axe(page)


def test_members_download_a_resource_the_coordinator_shared(page, axe, territory, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    coordinator = make_member(territory, Role.COORDINATOR)
    committee = make_member(territory, Role.COMMITTEE)
    log_in_as(page, coordinator)
    NetworkMenu(page).open("Ressources")
    resources = ResourceListPage(page, "34").expect_current()
    form = resources.add()
    axe(page)
    resources = form.submit(title="Clause type travaux", kind="Clause type", name="clause.pdf", content=PDF_BYTES)
    expect(resources.alert("success")).to_contain_text("Ressource « Clause type travaux » ajoutée.")
    axe(page)

    log_in_as(page, committee)
    resources = ResourceListPage(page, "34").open()
    expect(resources.main.get_by_role("button", name=re.compile("Supprimer"))).to_have_count(0)
    download = resources.download("Clause type travaux")
    assert download.suggested_filename == "clause-type-travaux.pdf"
    assert Path(download.path()).read_bytes() == PDF_BYTES


def test_facilitator_records_a_meeting_and_the_indicators_count_it(page, axe, herault):
    facilitator = make_member(herault, Role.FACILITATOR)
    PartnerFactory(territory=herault, name="FFB Hérault", kind=PartnerKind.FEDERATION)
    year = datetime.date.today().year
    log_in_as(page, facilitator)
    NetworkMenu(page).open("Rencontres")
    meetings = MeetingListPage(page, "34").expect_current()
    assert meetings.figure("buyers-federations-met") == 0
    axe(page)

    form = meetings.record()
    form.fill(
        date=f"{year}-03-10",
        partner="FFB Hérault",
        topic="Clauses des marchés de voirie",
        follow_up_due=f"{year}-03-01",
    )
    assert form.field_error("Échéance des suites") == (
        f"L'échéance des suites doit être postérieure ou égale à la date de la rencontre (10/03/{year})."
    )
    expect(form.main.get_by_label("Objet")).to_have_value("Clauses des marchés de voirie")
    axe(page)
    assert not PartnerMeeting.objects.exists()

    form.fill(
        date=f"{year}-03-10",
        partner="FFB Hérault",
        topic="Clauses des marchés de voirie",
        follow_up_due=f"{year}-04-01",
    )
    expect(page.locator("h1")).to_have_text("FFB Hérault")
    expect(page.locator("#partner-meeting-table")).to_contain_text("Clauses des marchés de voirie")

    meetings = MeetingListPage(page, "34").open()
    assert meetings.figure("partners-involved") == 1
    assert meetings.figure("buyers-federations-met") == 1
