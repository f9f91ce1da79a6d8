"""The national export: a stable long CSV / JSON of the territory's yearly figures, confidentiality applied."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.enums import Role
from observatory.national import COLUMNS, FORMAT_VERSION, indicator_catalogue, national_records
from tests.conftest import make_member
from tests.observatory.factories_indicators import BuyerFactory, CompanyFactory, clause_on_market, counted_people

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def figures(territory):
    """2026: a works clause with 8 people × 100 h (February), a services clause with 2 people × 50 h (March)."""
    buyer, company = BuyerFactory(territory=territory), CompanyFactory(territory=territory)
    works = clause_on_market(territory, buyer, company, cpv="45000000", hours_required=Decimal(1200),
                             start_date=D(2026, 1, 1), end_date=D(2026, 12, 31))  # fmt: skip
    services = clause_on_market(territory, buyer, company, cpv="90910000", hours_required=Decimal(240),
                                start_date=D(2026, 1, 1), end_date=D(2026, 12, 31))  # fmt: skip
    counted_people(territory, works, company, 8, month=D(2026, 2, 1), hours=100)
    counted_people(territory, services, company, 2, month=D(2026, 3, 1), hours=50)


def _csv(client, territory, year="2026"):
    member = make_member(territory, Role.COORDINATOR)
    client.force_login(member.user)
    response = client.get(reverse("national:csv", kwargs={"territory_code": territory.code}), {"annee": year})
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return response, list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _find(rows, indicator, dimension="total", modality=""):
    return next(
        r for r in rows if (r["indicator"], r["dimension"], r["modality_key"]) == (indicator, dimension, modality)
    )


def test_csv_long_format_with_figures_and_breakdowns(client, territory, figures):
    response, rows = _csv(client, territory)
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="export-national-34-2026.csv"' in response["Content-Disposition"]
    assert list(rows[0]) == COLUMNS
    assert {r["format_version"] for r in rows} == {FORMAT_VERSION}
    assert {r["territory_code"] for r in rows} == {"34"} and {r["year"] for r in rows} == {"2026"}
    achieved = _find(rows, "hours_achieved")
    assert (achieved["value"], achieved["unit"], achieved["masked"]) == ("900.00", "h", "false")
    assert _find(rows, "hours_required")["value"] == "1440.00"
    assert _find(rows, "participants")["value"] == "10"
    assert _find(rows, "participants")["unit"] == "nombre"
    january = _find(rows, "hours_required", "month", "2026-01")  # nobody worked in January: public
    assert (january["value"], january["modality_label"], january["unit"]) == ("120.00", "janvier 2026", "h")
    rsa = _find(rows, "participants", "public", "rsa")
    assert (rsa["value"], rsa["modality_label"]) == ("10", "Allocataire du RSA")
    # Every indicator key of the file is documented in the catalogue.
    assert {r["indicator"] for r in rows} <= set(indicator_catalogue())


def test_masked_values_are_empty_and_flagged(client, territory, figures):
    _response, rows = _csv(client, territory)
    # Services rest on 2 people: masked; works (8) is masked too, or services would be total − works.
    for sector in ("services", "works"):
        cell = _find(rows, "hours_achieved", "sector", sector)
        assert (cell["value"], cell["masked"]) == ("", "true")
    # March (2 people) is masked, and February (8) with it.
    for month in ("2026-03", "2026-02"):
        cell = _find(rows, "participants", "month", month)
        assert (cell["value"], cell["masked"]) == ("", "true")
    assert _find(rows, "hours_achieved", "sector", "total")["value"] == "900.00"
    # Nothing in the file lets one recover the 100 hours of March: neither a month nor a sector shows it.
    shown = [r for r in rows if r["value"] in ("100.00", "100")]
    assert shown == []


def test_json_has_the_same_records_and_a_version(client, territory, figures):
    member = make_member(territory, Role.COORDINATOR)
    client.force_login(member.user)
    response = client.get(reverse("national:json", kwargs={"territory_code": "34"}), {"annee": "2026"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert (data["format_version"], data["year"], data["territory"]["code"]) == (FORMAT_VERSION, 2026, "34")
    assert len(data["records"]) == len(national_records(territory, 2026))
    record = next(r for r in data["records"] if r["indicator"] == "hours_achieved" and r["dimension"] == "total")
    assert record == {
        "format_version": FORMAT_VERSION,
        "territory_code": "34",
        "year": 2026,
        "indicator": "hours_achieved",
        "dimension": "total",
        "modality_key": "",
        "modality_label": "",
        "value": "900.00",
        "unit": "h",
        "masked": False,
    }
    masked = next(r for r in data["records"] if r["dimension"] == "sector" and r["modality_key"] == "services")
    assert masked["value"] is None and masked["masked"] is True


def test_year_parameter(client, territory, figures):
    _response, rows = _csv(client, territory, "2025")
    assert _find(rows, "hours_achieved")["value"] == "0.00"
    member = make_member(territory, Role.COORDINATOR)
    client.force_login(member.user)
    url = reverse("national:csv", kwargs={"territory_code": "34"})
    bad = client.get(url, {"annee": "deux-mille"})
    assert bad.status_code == 400 and "Année invalide" in bad.content.decode()
    assert client.get(url).status_code == 200  # no year: the current one


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.COMMITTEE, Role.BUYER, Role.COMPANY])
def test_only_coordinators_export(client, territory, role):
    client.force_login(make_member(territory, role).user)
    assert client.get(reverse("national:json", kwargs={"territory_code": "34"})).status_code == 403


def test_every_rate_comes_with_its_numerator_and_denominator(territory, figures):
    records = {(r.indicator, r.dimension, r.modality_key): r for r in national_records(territory, 2026)}
    numerator = records[("completion_rate_numerator", "total", "")]
    denominator = records[("completion_rate_denominator", "total", "")]
    assert (numerator.value, numerator.unit) == (records[("hours_achieved", "total", "")].value, "h")
    assert denominator.value == records[("hours_required", "total", "")].value
    assert records[("hours_per_participant_denominator", "total", "")].value == 10
    for part in ("numerator", "denominator"):
        assert f"sustainable_employment_rate_{part}" in indicator_catalogue()
        assert ("sustainable_employment_rate_" + part, "total", "") in records
