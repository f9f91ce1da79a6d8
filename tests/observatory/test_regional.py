"""The regional observatory: indicators summed over the active territories of a region, for users holding an active
regional access; always masked, aggregates only.

Region 76 (Occitanie): territory 34 (``populate``: 700 h, 8 participants, « Hérault Habitat » with 2 of them) and
territory 30 (5 participants × 40 h = 200 h). Territory 95 (Île-de-France) has 7 × 150 h: never counted.
"""

import re
from io import BytesIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.enums import Role
from accounts.models import RegionalAccess
from markets.enums import BuyerKind
from tests.accounts.factories import UserFactory
from tests.conftest import make_member
from tests.observatory.factories_observatory import populate
from tests.territories.factories import RegionFactory, TerritoryFactory

NOTICE = "Les effectifs inférieurs à 5 sont masqués"


def regional_url(region_code="76", **query):
    url = reverse("regional:indicators", kwargs={"region_code": region_code})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def export_url(table_key, region_code="76", query=""):
    return reverse("regional:table_export", kwargs={"region_code": region_code, "table_key": table_key}) + query


def figure(html, key):
    start = html.index(f'data-figure="{key}"')
    match = re.search(r"data-value>(.*?)</p>", html[start:], flags=re.S)
    return match.group(1).replace("\xa0", " ").strip()


def section(html, key):
    start = html.index(f'id="table-{key}"')
    return html[start : html.index("</section>", start)]


def cells(section_html, label):
    match = re.search(rf"<th scope=\"row\">{re.escape(label)}</th>(.*?)</tr>", section_html, flags=re.S)
    assert match, f"no row {label!r}"
    return [cell.replace("\xa0", " ") for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1))]


@pytest.fixture
def region_data(db):
    herault = TerritoryFactory(code="34")
    gard = TerritoryFactory(code="30", name="Gard")
    val_d_oise = TerritoryFactory(code="95")
    assert herault.region_id == gard.region_id == "76" and val_d_oise.region_id == "11"
    populate(herault)
    populate(gard, (("Ville de Nîmes", BuyerKind.MUNICIPALITY, 5, 40),))
    populate(val_d_oise, (("Ville de Cergy", BuyerKind.MUNICIPALITY, 7, 150),))
    return herault, gard, val_d_oise


@pytest.fixture
def regional_user(db):
    user = UserFactory(email="dreets@example.org")
    RegionalAccess.objects.create(user=user, region=RegionFactory(code="76", name="Occitanie"))
    return user


@pytest.fixture
def regional_client(client, regional_user):
    client.force_login(regional_user)
    return client


def test_the_region_sums_its_territories_and_not_another_region(regional_client, region_data):
    response = regional_client.get(regional_url(year=2026))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Observatoire régional — Occitanie" in html
    assert figure(html, "hours_achieved") == "900 h"  # 700 + 200, not the 1,050 h of territory 95
    assert figure(html, "participants") == "13"
    assert "Ville de Cergy" not in html
    assert "Gard (30)" in html and "Hérault (34)" in html and "(95)" not in html


def test_a_table_gives_the_figures_by_territory(regional_client, region_data):
    html = regional_client.get(regional_url(year=2026)).content.decode()
    by_territory = section(html, "by_territory")
    herault, gard = cells(by_territory, "Hérault (34)"), cells(by_territory, "Gard (30)")
    assert "700" in herault and "8" in herault
    assert "200" in gard and "5" in gard
    assert "900" in cells(by_territory, "Total de la région")
    assert "<svg" in by_territory


def test_the_regional_view_is_always_masked(regional_client, region_data):
    html = regional_client.get(regional_url(year=2026)).content.decode()
    assert NOTICE in html
    by_buyer = section(html, "hours_by_buyer")
    assert set(cells(by_buyer, "Hérault Habitat")) == {"&lt; 5"}


def test_a_territory_under_five_participants_is_masked_with_another_one(regional_client, db):
    herault, gard = TerritoryFactory(code="34"), TerritoryFactory(code="30", name="Gard")
    aude = TerritoryFactory(code="11", name="Aude")
    populate(herault)
    populate(gard, (("Ville de Nîmes", BuyerKind.MUNICIPALITY, 3, 40),))
    populate(aude, (("Ville de Carcassonne", BuyerKind.MUNICIPALITY, 6, 10),))
    by_territory = section(regional_client.get(regional_url(year=2026)).content.decode(), "by_territory")
    assert set(cells(by_territory, "Gard (30)")) == {"&lt; 5"}
    # Aude (6 participants, the smallest other one) is masked too: the total minus Hérault would reveal the Gard.
    assert set(cells(by_territory, "Aude (11)")) == {"&lt; 5"}
    assert "&lt; 5" not in "".join(cells(by_territory, "Hérault (34)"))


def test_only_filters_that_make_sense_across_territories(regional_client, region_data):
    html = regional_client.get(regional_url(year=2026)).content.decode()
    for name in ("year", "buyer_kind", "sector", "legal_basis", "mode", "public"):
        assert f'name="{name}"' in html
    # Whole years only: a quarter or a custom range next to its year would reveal a masked month by subtraction.
    for name in ("quarter", "start", "end"):
        assert f'name="{name}"' not in html
    for name in ("buyer", "company", "facilitator"):
        assert f'name="{name}"' not in html
    filtered = regional_client.get(regional_url(year=2026, buyer_kind=BuyerKind.SOCIAL_HOUSING)).content.decode()
    assert "Type de donneur d&#x27;ordre : Bailleur social" in filtered
    # Only Hérault Habitat's 2 participants: masked.
    assert figure(filtered, "participants") == "&lt; 5"


def test_invalid_filters_are_shown_in_french(regional_client, region_data):
    html = regional_client.get(regional_url(year="20x6", sector="mines")).content.decode()
    assert "Les filtres contiennent des erreurs" in html
    assert "Indiquez une année en chiffres" in html
    assert 'value="20x6"' in html
    assert 'data-figure="hours_achieved"' not in html


def test_without_an_active_access_the_region_is_404(client, region_data, regional_user):
    other = UserFactory()
    client.force_login(other)
    assert client.get(regional_url()).status_code == 404
    # A member of a territory of the region has no regional access either.
    client.force_login(make_member(region_data[0], Role.COORDINATOR).user)
    assert client.get(regional_url()).status_code == 404
    assert client.get(export_url("by_territory")).status_code == 404
    # An access to another region opens only that one.
    client.force_login(regional_user)
    assert client.get(regional_url("11")).status_code == 404
    assert client.get(regional_url("99")).status_code == 404
    RegionalAccess.objects.filter(user=regional_user).update(is_active=False)
    assert client.get(regional_url()).status_code == 404


def test_anonymous_is_sent_to_login(client, region_data):
    response = client.get(regional_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_regional_xlsx_export_is_masked(regional_client, region_data):
    response = regional_client.get(export_url("hours_by_buyer", query="?year=2026"))
    assert response.status_code == 200
    assert 'filename="observatoire-region-76-2026-01-01-hours_by_buyer.xlsx"' in response["Content-Disposition"]
    rows = [list(row) for row in load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)]
    assert rows[1][:2] == ["Périmètre", "Région Occitanie (2 coordinations)"]
    by_label = {row[0]: row for row in rows}
    assert set(by_label["Hérault Habitat"][1:]) == {"< 5"}
    # Ville de Nîmes (5 participants, the smallest other row) is masked too, so the total cannot reveal them.
    assert set(by_label["Ville de Nîmes"][1:]) == {"< 5"}
    assert by_label["Ville de Sète"][2] == 600
    by_territory = regional_client.get(export_url("by_territory", query="?year=2026"))
    rows = [list(row) for row in load_workbook(BytesIO(by_territory.content)).active.iter_rows(values_only=True)]
    assert "Gard (30)" in [row[0] for row in rows]
    assert regional_client.get(export_url("unknown")).status_code == 404


def test_query_count_does_not_grow_with_the_data(regional_client, region_data):
    def count():
        with CaptureQueriesContext(connection) as context:
            assert regional_client.get(regional_url(year=2026)).status_code == 200
        return len(context)

    before = count()
    populate(region_data[1], tuple((f"Acheteur {n}", BuyerKind.EPCI, 3, 20) for n in range(5)))
    assert count() == before


# --- Landing after login, chooser, command, admin ---


def test_a_regional_user_without_territory_lands_on_the_regional_page(regional_client):
    response = regional_client.get(reverse("root"))
    assert response.status_code == 302
    assert response["Location"] == regional_url()


def test_a_regional_user_with_a_territory_chooses(client, regional_user, region_data):
    make_member(region_data[0], Role.COMMITTEE, user=regional_user)
    client.force_login(regional_user)
    response = client.get(reverse("root"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="territory-choices"' in html and "Hérault (34)" in html
    assert f'href="{regional_url()}"' in html
    assert "Observatoire régional — Occitanie" in html


def test_a_region_without_active_territory_says_so(regional_client, db):
    RegionFactory(code="76")
    html = regional_client.get(regional_url()).content.decode()
    assert "Aucune coordination départementale de la région" in html


def test_grant_regional_access_is_a_dry_run_unless_wet_run(db, capsys):
    user = UserFactory(email="ddets@example.org")
    RegionFactory(code="76", name="Occitanie")
    call_command("grant_regional_access", "DDETS@example.org", "76")
    assert "[simulation]" in capsys.readouterr().out
    assert not RegionalAccess.objects.exists()
    call_command("grant_regional_access", "ddets@example.org", "76", "--wet-run")
    assert RegionalAccess.objects.get().user == user
    call_command("grant_regional_access", "ddets@example.org", "76", "--wet-run")
    assert "déjà accès" in capsys.readouterr().out
    call_command("grant_regional_access", "ddets@example.org", "76", "--revoke", "--wet-run")
    assert RegionalAccess.objects.get().is_active is False
    call_command("grant_regional_access", "ddets@example.org", "76", "--wet-run")
    assert RegionalAccess.objects.get().is_active is True
    with pytest.raises(CommandError, match="Aucun compte"):
        call_command("grant_regional_access", "personne@example.org", "76")
    with pytest.raises(CommandError, match="Région inconnue"):
        call_command("grant_regional_access", "ddets@example.org", "99")


def test_staff_manage_regional_accesses_in_the_admin(admin_client, regional_user):
    response = admin_client.get(reverse("admin:accounts_regionalaccess_changelist"))
    assert response.status_code == 200
    assert "dreets@example.org" in response.content.decode()


def test_each_territory_is_computed_once_per_filter_set(regional_client, region_data, monkeypatch):
    """The region is the sum of its territories' results, which also fill the table by territory: no computation
    over the whole region, none repeated. With one filter, each territory is computed again without it (mask)."""
    from observatory import indicators

    calls = []
    original = indicators._compute

    def counting(territories, period, filters):
        calls.append(([t.code for t in territories], filters.active()))
        return original(territories, period, filters)

    monkeypatch.setattr(indicators, "_compute", counting)
    html = regional_client.get(regional_url(year=2026)).content.decode()
    assert figure(html, "hours_achieved") == "900 h"
    assert sorted(calls, key=str) == [(["30"], {}), (["34"], {})]
    calls.clear()
    html = regional_client.get(regional_url(year=2026, buyer_kind=BuyerKind.MUNICIPALITY)).content.decode()
    assert "Gard (30)" in section(html, "by_territory")
    municipality = {"buyer_kind": BuyerKind.MUNICIPALITY.value}
    expected = [(["30"], {}), (["30"], municipality), (["34"], {}), (["34"], municipality)]
    assert sorted(calls, key=str) == sorted(expected, key=str)
