"""Statistical confidentiality: nothing resting on 1 to 4 participants can be read or recovered (issue 6)."""

import datetime
from decimal import Decimal

import pytest

from markets.enums import BuyerKind
from observatory.confidentiality import MASK, apply, display, is_small
from observatory.indicators import Figure, Filters, Indicators, Period, Row, Table, compute_indicators
from tests.observatory.factories_indicators import BuyerFactory, CompanyFactory, clause_on_market, counted_people

D = datetime.date
YEAR = Period.year(2026)


def _row(key, participants, hours):
    return Row(
        label=key, key=key, values={"hours": Decimal(hours), "participants": participants}, participants=participants
    )


def _indicators(rows, total, figures=()):
    table = Table(key="t", title="T", definition="", columns=[], rows=rows, total=total)
    return Indicators(period=YEAR, territories=[], filters=Filters(), figures=list(figures), tables=[table])


def test_display_and_threshold():
    assert display(Decimal("12"), True) == MASK == "< 5"
    assert display(Decimal("12"), False) == Decimal("12")
    assert [is_small(n) for n in (None, 0, 1, 4, 5)] == [False, False, True, True, False]


def test_a_small_row_is_masked_with_the_next_smallest_and_emptied():
    rows = [_row("a", 10, 1000), _row("b", 3, 300), _row("c", 8, 800), _row("d", 0, 0), _row("e", 20, 2000)]
    indicators = apply(_indicators(rows, _row("total", 41, 4100)))
    masked = {r.key for r in indicators.table("t").rows if r.masked}
    assert masked == {"b", "c"}  # b: 3 people; c: the next smallest row with people (d has nobody)
    for r in indicators.table("t").rows:
        if r.masked:
            assert set(r.values.values()) == {None} and r.participants is None
    # Total minus the published rows gives only the sum of two masked rows, never one of them.
    visible = sum(r.values["hours"] for r in rows if not r.masked)
    assert indicators.table("t").total.values["hours"] - visible == Decimal("1100")
    assert indicators.confidential


def test_two_small_rows_need_no_secondary_suppression_and_a_small_total_is_masked():
    rows = [_row("a", 2, 20), _row("b", 1, 10), _row("c", 9, 90)]
    indicators = apply(_indicators(rows, _row("total", 12, 120)))
    assert [r.masked for r in indicators.table("t").rows] == [True, True, False]
    small = apply(_indicators([_row("a", 3, 30), _row("b", 0, 0)], _row("total", 3, 30)))
    assert small.table("t").total.masked and small.table("t").rows[0].masked


def test_a_single_small_row_without_another_to_hide_masks_the_total():
    indicators = apply(_indicators([_row("a", 3, 30), _row("b", 0, 0), _row("c", 0, 0)], _row("total", 7, 70)))
    assert indicators.table("t").rows[0].masked and indicators.table("t").total.masked


def test_figures_and_rates_with_few_people():
    figures = [
        Figure("participants", "Participants", 3, participants=3),
        Figure("nobody", "Personne", 0, participants=0),
        Figure("rate", "Taux", Decimal("20.0"), numerator=2, denominator=10, participants=10, counts=(2,)),
        Figure("markets", "Marchés", 2),  # not about people
    ]
    result = {f.key: f for f in apply(_indicators([], None, figures)).figures}
    assert result["participants"].masked and result["participants"].value is None
    assert result["rate"].masked and result["rate"].numerator is None
    assert not result["nobody"].masked and not result["markets"].masked and result["markets"].value == 2


def test_outcome_cells_are_checked_one_by_one():
    row = Row(
        label="Emploi durable",
        key="sustainable",
        values={"end": 12, "six_months": 2},
        participants=13,
        cell_participants={"end": 12, "six_months": 2},
    )
    apply(_indicators([row, _row("x", 30, 0), _row("y", 40, 0)], _row("total", 80, 0)))
    assert row.masked and row.values == {"end": None, "six_months": None}


@pytest.fixture
def three_buyers(territory):
    """Sète (municipality, 3 people, 300 h), Agde (municipality, 10 people, 1,000 h), Habitat (social housing,
    6 people, 600 h), all in February 2026."""
    company = CompanyFactory(territory=territory)
    buyers = {}
    for name, kind, count in (
        ("Sète", BuyerKind.MUNICIPALITY, 3),
        ("Agde", BuyerKind.MUNICIPALITY, 10),
        ("Habitat", BuyerKind.SOCIAL_HOUSING, 6),
    ):
        buyer = BuyerFactory(territory=territory, name=name, kind=kind)
        clause = clause_on_market(territory, buyer, company, hours_required=Decimal(1200), end_date=D(2026, 12, 31))
        counted_people(territory, clause, company, count)
        buyers[name] = buyer
    return buyers


def test_committee_view_masks_a_small_buyer_and_its_neighbour(territory, three_buyers):
    result = compute_indicators([territory], YEAR, confidential=True)
    table = result.table("hours_by_buyer")
    masked = {r.label for r in table.rows if r.masked}
    assert masked == {"Sète", "Habitat"}  # Sète: 3 people; Habitat: the next smallest, so Sète is not total − others
    visible = sum(r.values["hours_achieved"] for r in table.rows if not r.masked)
    assert table.total.values["hours_achieved"] - visible == Decimal("900.00")  # Sète + Habitat together only
    assert result.figure("participants").value == 19 and not result.figure("participants").masked
    # The February row (19 people) is public; an empty month is 0 and public.
    months = {r.key: r for r in result.table("hours_by_month").rows}
    assert months["2026-02"].values["participants"] == 19 and not months["2026-01"].masked
    # Without the mask (coordinator's own page) every value is there.
    plain = compute_indicators([territory], YEAR)
    assert not any(r.masked for r in plain.table("hours_by_buyer").rows)


def test_filters_whose_difference_is_large_enough_stay_public(territory, three_buyers):
    # Municipalities: 13 people; without the filter 19 → the difference (social housing) is 6: publishable.
    municipalities = compute_indicators(
        [territory], YEAR, Filters(buyer_kind=BuyerKind.MUNICIPALITY), confidential=True
    )
    assert municipalities.figure("participants").value == 13
    # Agde: 10 people, the others 9. Works (every market): nothing is left out.
    agde = compute_indicators([territory], YEAR, Filters(buyer=three_buyers["Agde"].pk), confidential=True)
    assert agde.figure("hours_achieved").value == Decimal("1000.00")
    works = compute_indicators([territory], YEAR, Filters(sector="works"), confidential=True)
    assert works.figure("participants").value == 19
    # Sète alone rests on 3 people: masked under its own filter.
    sete = compute_indicators([territory], YEAR, Filters(buyer=three_buyers["Sète"].pk), confidential=True)
    assert sete.figure("hours_achieved").masked and sete.figure("hours_achieved").value is None


def test_the_complement_of_a_filter_is_protected(territory):
    """Company Alpha holds 16 people, Beta 3: « Alpha » (16) is masked, otherwise everyone (19) − Alpha = Beta (3)."""
    alpha, beta = CompanyFactory(territory=territory, name="Alpha"), CompanyFactory(territory=territory, name="Beta")
    buyer = BuyerFactory(territory=territory)
    clause_a = clause_on_market(territory, buyer, alpha, hours_required=Decimal(1200), end_date=D(2026, 12, 31))
    clause_b = clause_on_market(territory, buyer, beta, hours_required=Decimal(1200), end_date=D(2026, 12, 31))
    counted_people(territory, clause_a, alpha, 16)
    counted_people(territory, clause_b, beta, 3)
    everyone = compute_indicators([territory], YEAR, confidential=True)
    assert everyone.figure("participants").value == 19
    companies = {r.label: r for r in everyone.table("hours_by_company").rows}
    assert companies["Beta"].masked and companies["Alpha"].masked  # primary and secondary suppression
    only_alpha = compute_indicators([territory], YEAR, Filters(company=alpha.pk), confidential=True)
    for key in ("hours_achieved", "participants", "fte", "hours_per_participant", "completion_rate"):
        figure = only_alpha.figure(key)
        assert figure.masked and figure.value is None, key
    assert only_alpha.table("hours_by_month").total.masked
    assert {r.key for r in only_alpha.table("hours_by_month").rows if r.masked} == {"2026-02"}
    # Beta's own figure rests on 3 people: masked as well. Not a single filter gives Beta's hours away.
    only_beta = compute_indicators([territory], YEAR, Filters(company=beta.pk), confidential=True)
    assert only_beta.figure("hours_achieved").masked
    # Unmasked, the same filter shows everything (the coordinator's own page).
    assert compute_indicators([territory], YEAR, Filters(company=alpha.pk)).figure("participants").value == 16
    # Figures not about people stay public.
    assert only_alpha.figure("clauses_active").value == 1 and not only_alpha.figure("clauses_active").masked
