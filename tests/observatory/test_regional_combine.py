"""Regional consolidation (issue 6): a region's indicators are the sum of its territories' indicators.

Territory 34 is the hand-built ``World`` of ``test_indicators`` (2026: 2,020 h required, 950 h achieved, 5
participants; contracts: 6, of which 5 ended, 873 days; sustainable employment 2 of 3). Territory 95 adds:

- C9 Ville de Cergy (municipality), works, holder Gamma: 600 h from January 2026, no end date → 600 h in January.
- P7 (public « Habitant d'un QPV »): CDD 1–31 January 2026 (31 days), 100 h in January; outcome at the end: CDI
  (sustainable).
- P8 (public « rqth », labelled « Bénéficiaire de la RQTH » here): CDI from January 2026, no end date, 100 h in
  January; outcome at the end: jobseeker.

Region 2026: required 2,620 h, achieved 1,150 h, 7 participants.
"""

import datetime
from decimal import Decimal

import pytest

from clauses.enums import ContractKind, ExecutionMode, OutcomeMilestone, OutcomeSituation
from markets.enums import BuyerKind
from observatory import confidentiality
from observatory import indicators as module
from observatory.indicators import Filters, Period, combine, compute_indicators, consolidate
from tests.observatory.factories_indicators import (
    BuyerFactory,
    CommitteeMeetingFactory,
    CompanyFactory,
    ParticipantFactory,
    clause_on_market,
    eligible,
    line,
    outcome,
    placement,
)
from tests.observatory.test_indicators import World

pytestmark = pytest.mark.django_db

D = datetime.date
YEAR = Period.year(2026)


@pytest.fixture
def region(territory, other_territory):
    world = World(territory)
    o = other_territory
    cergy = BuyerFactory(territory=o, name="Ville de Cergy", kind=BuyerKind.MUNICIPALITY)
    gamma = CompanyFactory(territory=o, name="Gamma Construction")
    c9 = clause_on_market(o, cergy, gamma, hours_required=Decimal(600), start_date=D(2026, 1, 1), end_date=None)
    p7 = ParticipantFactory(territory=o, birth_year=2001)
    p8 = ParticipantFactory(territory=o, birth_year=1960)
    eligible(o, p7, code="qpv", label="Habitant d'un QPV")
    eligible(o, p8, code="rqth", label="Bénéficiaire de la RQTH")
    january = D(2026, 1, 1)
    pl7 = placement(o, p7, c9, company=gamma, start_date=january, end_date=D(2026, 1, 31))
    pl8 = placement(o, p8, c9, company=gamma, start_date=january, contract_kind=ContractKind.CDI)
    line(o, pl7, january, 100)
    line(o, pl8, january, 100)
    outcome(o, p7, OutcomeMilestone.END, OutcomeSituation.CDI, D(2026, 2, 1))
    outcome(o, p8, OutcomeMilestone.END, OutcomeSituation.JOBSEEKER, D(2026, 2, 1))
    CommitteeMeetingFactory(territory=o, date=D(2026, 6, 1))
    return world, [territory, o]


def own(territories, period=YEAR, filters=None):
    """Each territory's unmasked indicators."""
    return [module._compute([t], period, filters or Filters()) for t in territories]


def together(territories, period=YEAR, filters=None, confidential=False):
    """The indicators computed over the territories together (one computation; masked with joint references)."""
    filters = filters or Filters()
    result = module._compute(territories, period, filters)
    if confidential:
        confidentiality.apply(result, module._references(territories, period, filters))
    return result


FILTERS = [
    lambda w: Filters(),
    lambda w: Filters(buyer_kind=BuyerKind.MUNICIPALITY),
    lambda w: Filters(sector="works"),
    lambda w: Filters(sector="unknown", legal_basis="L2113-13"),
    lambda w: Filters(mode=ExecutionMode.DIRECT_HIRING),
    lambda w: Filters(public="rqth"),
    lambda w: Filters(public="qpv"),
    lambda w: Filters(buyer=w.sete.pk),
    lambda w: Filters(company=w.beta.pk),
    lambda w: Filters(facilitator=w.facilitator.pk),
    lambda w: Filters(buyer_kind=BuyerKind.MUNICIPALITY, mode=ExecutionMode.DIRECT_HIRING, public="rsa"),
]
PERIODS = [YEAR, Period.year(2025), Period.quarter(2026, 1), Period(D(2025, 7, 1), D(2026, 6, 30))]


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: p.label)
@pytest.mark.parametrize("make_filters", FILTERS)
def test_combining_the_territories_equals_computing_them_together(region, period, make_filters):
    world, territories = region
    filters = make_filters(world)
    combined = combine(own(territories, period, filters))
    joint = together(territories, period, filters)
    # Every figure (value, numerator, denominator, participants, counts) and every table (rows in the same order,
    # labels, values, participants, cells, total) is the same.
    assert combined.figures == joint.figures
    for mine, theirs in zip(combined.tables, joint.tables, strict=True):
        assert mine == theirs, mine.key
    assert combined == joint


@pytest.mark.parametrize("make_filters", FILTERS[:7])
def test_the_region_is_the_masked_sum_and_each_territory_its_own_masked_figures(region, make_filters):
    world, territories = region
    filters = make_filters(world)
    consolidation = consolidate(territories, YEAR, filters, confidential=True)
    assert consolidation.indicators == together(territories, YEAR, filters, confidential=True)
    assert consolidation.indicators.confidential
    assert compute_indicators(territories, YEAR, filters, confidential=True) == consolidation.indicators
    assert [t for t, _ in consolidation.by_territory] == territories
    for territory, result in consolidation.by_territory:
        assert result == compute_indicators([territory], YEAR, filters, confidential=True)


def figures(indicators):
    return {f.key: f.value for f in indicators.figures}


def row(indicators, table_key, row_key):
    table = indicators.table(table_key)
    return table.total if row_key == "total" else next(r for r in table.rows if r.key == row_key)


def test_counts_and_hours_are_summed_rates_and_averages_computed_again(region):
    _world, territories = region
    result = compute_indicators(territories, YEAR)
    f = figures(result)
    assert (f["hours_required"], f["hours_achieved"]) == (Decimal("2620.00"), Decimal("1150.00"))
    assert (f["participants"], f["markets_followed"], f["clauses_active"], f["buyers"], f["companies"]) == (
        7,
        5,
        5,
        3,
        3,
    )
    assert (f["committee_meetings"], f["partners_involved"], f["buyers_met"]) == (3, 2, 1)
    # 1,150 / 2,620, not 47.0 % + 33.3 %.
    assert f["completion_rate"] == Decimal("43.9")
    assert f["fte"] == Decimal("0.7")  # 1,150 / 1,607 (the territories' 0.6 + 0.1 is a coincidence)
    assert f["hours_per_participant"] == Decimal("164.3")  # 1,150 / 7, not 190 + 100
    rate = result.figure("sustainable_employment_rate")
    # P1, P3 + P7 sustainable, of P1, P3, P4 + P7, P8 known: 3 / 5, not 66.7 % and 50 % averaged.
    assert (rate.value, rate.numerator, rate.denominator, rate.counts) == (Decimal("60.0"), 3, 5, (3,))
    # CDD: 34's 177 + 91 days and 95's 31 days → 299 / 3 / 30.44 = 3.3 months (the mean of 4.4 and 1.0 is 2.7).
    assert row(result, "contracts_by_kind", "cdd").values == {
        "contracts": 3,
        "average_duration_months": Decimal("3.3"),
        "participants": 3,
    }
    # All contracts: (873 + 31) days / 6 ended = 4.9 months; 8 contracts, 8 people.
    assert row(result, "contracts_by_kind", "total").values == {
        "contracts": 8,
        "average_duration_months": Decimal("4.9"),
        "participants": 8,
    }
    january = row(result, "hours_by_month", "2026-01")
    assert (january.values["hours_required"], january.values["hours_achieved"]) == (
        Decimal("760.00"),
        Decimal("360.00"),
    )
    assert january.values["completion_rate"] == Decimal("47.4")  # 360 / 760
    assert row(result, "hours_by_buyer_kind", "municipality").values["participants"] == 5  # P1, P2, P4 + P7, P8
    assert row(result, "outcomes", "sustainable").cell_participants == {"end": 2, "six_months": 1}
    assert row(result, "outcomes", "total").values == {"end": 6, "six_months": 1}


def test_rows_of_each_territory_are_merged_in_the_order_computed_together(region):
    world, territories = region
    result = compute_indicators(territories, YEAR)
    # Buyers and companies of both territories, by name.
    assert [r.label for r in result.table("hours_by_buyer").rows] == [
        "Hérault Habitat",
        "Ville de Cergy",
        "Ville de Sète",
    ]
    assert [r.label for r in result.table("hours_by_company").rows] == [
        "Alpha BTP",
        "Beta Propreté",
        "Gamma Construction",
    ]
    # Publics: one row per code (the RQTH of both territories together), in the order and with the labels of the
    # territories' publics (position, label, then territory), people without a public last.
    publics = result.table("participants_by_public")
    assert [(r.key, r.label) for r in publics.rows] == [
        ("rsa", "Allocataire du RSA"),
        ("rqth", "Bénéficiaire de la RQTH"),  # 95's label: it comes before 34's « Travailleur reconnu… »
        ("qpv", "Habitant d'un QPV"),
        ("unknown", "Sans public validé sur la période"),
    ]
    assert row(result, "participants_by_public", "rqth").values == {
        "participants": 3,  # P2, P3 + P8
        "hours_achieved": Decimal("490.00"),
        "hours_per_participant": Decimal("163.3"),
    }


def test_only_unmasked_indicators_of_the_same_period_and_filters_are_combined(region):
    _world, territories = region
    masked = compute_indicators(territories[:1], YEAR, confidential=True)
    with pytest.raises(ValueError, match="unmasked"):
        combine([masked, module._compute(territories[1:], YEAR, Filters())])
    with pytest.raises(ValueError, match="periods or filters"):
        combine(
            [module._compute(territories[:1], YEAR, Filters()), module._compute(territories[1:], PERIODS[1], Filters())]
        )
    with pytest.raises(ValueError):
        combine([])
    # Combining does not change what it combines: each territory can still be masked on its own.
    parts = own(territories)
    before = [p.table("hours_by_buyer").rows[0].values.copy() for p in parts]
    confidentiality.apply(combine(parts))
    assert [p.table("hours_by_buyer").rows[0].values for p in parts] == before
    assert not any(p.confidential for p in parts)


def test_a_masked_contract_row_keeps_nothing_of_its_durations(region):
    _world, territories = region
    result = compute_indicators(territories[1:], YEAR, confidential=True)
    cdd = row(result, "contracts_by_kind", "cdd")
    assert cdd.masked and cdd.parts == {} and set(cdd.values.values()) == {None}
