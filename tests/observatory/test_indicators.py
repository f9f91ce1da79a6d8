"""Every indicator against a hand-built territory whose figures are known by construction (issue 6).

The territory 34 of ``world`` (derivations in the comments, period: year 2026 unless told):

Clauses (required hours, execution months → share of 2026):
- C1 Ville de Sète (municipality), works CPV 45, L2112-2, holder Alpha: 1,200 h over Jan–Dec 2026 → 100 h a month.
- C2 Hérault Habitat (social housing), services CPV 90, L2152-7, holder Beta, facilitator F: 600 h over Jul 2025–Jun
  2026 → 50 h a month, 300 h in 2026.
- C3 Ville de Sète, no CPV, L2113-13, holder Alpha, no end date: 400 h, all in its start month (March 2026).
- C4 Hérault Habitat, works, L2112-2, holder Beta: 1,200 h over 2025 → not active in 2026.
- C5 Hérault Habitat, supplies CPV 03, L2112-2, holder Alpha: 240 h over 2026–2027 → 10 h a month, 120 h in 2026.
Required 2026: 1,200 + 300 + 400 + 120 = 2,020 h.

Participants (age on 1 Jan 2026), their lines (h) and what counts:
- P1 F 23, no qualification, Mission locale, RSA: CDD on C1 with Alpha; Jan 120, Feb 100, Mar 100 (globalised: 70 on
  C1, 30 on C5), Apr 80 submitted (not counted) → 320 h.
- P2 M 46, level 3, France Travail, RQTH validated 10 Feb 2026: apprenticeship on C1 with Alpha; Jan 100 + 20
  training (ineligible month), Feb 100 + 20 training (work-study: counts), Mar 100 → 220 h.
- P3 F 56, level 4, Cap emploi, RQTH: temporary staff from an ETTI on C2 (counts for the holder Beta); Feb 80, Mar 90
  → 170 h; and in 2025 a CDD on C4 with Beta, Nov 2025: 50 h.
- P4 M 26, no qualification or prescriber given, RSA: CDI on C3 with Alpha; Mar 50, Apr 150 → 200 h.
- P5 F 36, level 5, PLIE, RSA valid until 31 Mar 2026: training on C2 with Beta; Jan 40, Apr 60 (expired) → 40 h.
- P6 F: CDD on C2 with Beta, Sep–Nov 2026, a draft line only → no counted hour.
Achieved 2026: 320 + 220 + 170 + 200 + 40 = 950 h, 5 participants.
"""

import datetime
from decimal import Decimal

import pytest

from clauses.enums import (
    ContractKind,
    ExecutionMode,
    LegalBasis,
    OutcomeMilestone,
    OutcomeSituation,
    QualificationLevel,
    Sex,
    StatementStatus,
)
from clauses.hours import allocate
from clauses.models import GlobalisationAgreement, GlobalisationClause
from clauses.progress import expected_hours
from markets.enums import BuyerKind
from observatory.enums import PartnerKind
from observatory.indicators import (
    DEFINITIONS,
    FIGURE_KEYS,
    TABLE_KEYS,
    Filters,
    Period,
    compute_indicators,
    methodology,
    required_up_to,
    sector_of,
)
from tests.facilitators.factories import FacilitatorFactory, InclusionEmployerFactory
from tests.observatory.factories import PartnerFactory, PartnerMeetingFactory
from tests.observatory.factories_indicators import (
    BuyerFactory,
    CommitteeMeetingFactory,
    CompanyFactory,
    ParticipantFactory,
    clause_on_market,
    counted_people,
    eligible,
    line,
    outcome,
    placement,
)

pytestmark = pytest.mark.django_db

D = datetime.date
YEAR = Period.year(2026)


class World:
    def __init__(self, t):
        self.sete = BuyerFactory(territory=t, name="Ville de Sète", kind=BuyerKind.MUNICIPALITY)
        self.habitat = BuyerFactory(territory=t, name="Hérault Habitat", kind=BuyerKind.SOCIAL_HOUSING)
        self.alpha = CompanyFactory(territory=t, name="Alpha BTP")
        self.beta = CompanyFactory(territory=t, name="Beta Propreté")
        self.facilitator = FacilitatorFactory(territory=t)
        h = Decimal
        self.c1 = clause_on_market(
            t, self.sete, self.alpha, cpv="45210000", hours_required=h(1200),
            start_date=D(2026, 1, 1), end_date=D(2026, 12, 31), legal_basis=LegalBasis.EXECUTION_CONDITION,
        )  # fmt: skip
        self.c2 = clause_on_market(
            t, self.habitat, self.beta, cpv="90910000", hours_required=h(600),
            start_date=D(2025, 7, 1), end_date=D(2026, 6, 30), legal_basis=LegalBasis.AWARD_CRITERION,
            facilitator=self.facilitator,
        )  # fmt: skip
        self.c3 = clause_on_market(
            t, self.sete, self.alpha, cpv="", hours_required=h(400),
            start_date=D(2026, 3, 15), end_date=None, legal_basis=LegalBasis.RESERVED_SIAE,
        )  # fmt: skip
        self.c4 = clause_on_market(
            t, self.habitat, self.beta, cpv="45000000", hours_required=h(1200),
            start_date=D(2025, 1, 1), end_date=D(2025, 12, 31),
        )  # fmt: skip
        self.c5 = clause_on_market(
            t, self.habitat, self.alpha, cpv="03100000", hours_required=h(240),
            start_date=D(2026, 1, 1), end_date=D(2027, 12, 31),
        )  # fmt: skip
        etti = InclusionEmployerFactory(territory=t)

        def person(sex, born, qualification, prescriber):
            return ParticipantFactory(
                territory=t, sex=sex, birth_date=None, birth_year=born,
                qualification_level=qualification, prescriber=prescriber,
            )  # fmt: skip

        self.p1 = person(Sex.FEMALE, 2003, QualificationLevel.NONE, "mission_locale")
        self.p2 = person(Sex.MALE, 1980, QualificationLevel.LEVEL_3, "france_travail")
        self.p3 = person(Sex.FEMALE, 1970, QualificationLevel.LEVEL_4, "cap_emploi")
        self.p4 = person(Sex.MALE, 2000, "", "")
        self.p5 = person(Sex.FEMALE, 1990, QualificationLevel.LEVEL_5, "plie")
        self.p6 = person(Sex.FEMALE, 1995, "", "")
        rqth = {"code": "rqth", "label": "Travailleur reconnu handicapé (RQTH)"}
        eligible(t, self.p1, on=D(2025, 12, 1))
        eligible(t, self.p2, on=D(2026, 2, 10), **rqth)
        eligible(t, self.p3, on=D(2025, 1, 1), **rqth)
        eligible(t, self.p4, on=D(2026, 1, 1))
        eligible(t, self.p5, on=D(2026, 1, 1), until=D(2026, 3, 31))

        k = ContractKind
        pl1 = placement(t, self.p1, self.c1, company=self.alpha, start_date=D(2026, 1, 5), end_date=D(2026, 6, 30))
        line(t, pl1, D(2026, 1, 1), 120)
        line(t, pl1, D(2026, 2, 1), 100)
        globalised = line(t, pl1, D(2026, 3, 1), 100)
        line(t, pl1, D(2026, 4, 1), 80, status=StatementStatus.SUBMITTED)
        pl2 = placement(
            t, self.p2, self.c1, company=self.alpha, contract_kind=k.APPRENTICESHIP,
            start_date=D(2026, 1, 1), end_date=D(2026, 12, 31),
        )  # fmt: skip
        line(t, pl2, D(2026, 1, 1), 100, training=20)
        line(t, pl2, D(2026, 2, 1), 100, training=20)
        line(t, pl2, D(2026, 3, 1), 100)
        pl3 = placement(
            t, self.p3, self.c2, inclusion=etti, contract_kind=k.TEMPORARY, mode=ExecutionMode.STAFF_PROVISION,
            start_date=D(2026, 2, 1), end_date=D(2026, 4, 30),
        )  # fmt: skip
        line(t, pl3, D(2026, 2, 1), 80)
        line(t, pl3, D(2026, 3, 1), 90)
        pl3_2025 = placement(
            t, self.p3, self.c4, company=self.beta, start_date=D(2025, 10, 1), end_date=D(2025, 11, 30)
        )
        line(t, pl3_2025, D(2025, 11, 1), 50)
        pl4 = placement(t, self.p4, self.c3, company=self.alpha, contract_kind=k.CDI, start_date=D(2026, 3, 15))
        line(t, pl4, D(2026, 3, 1), 50)
        line(t, pl4, D(2026, 4, 1), 150)
        pl5 = placement(
            t, self.p5, self.c2, company=self.beta, contract_kind=k.TRAINING, mode=ExecutionMode.TRAINING,
            start_date=D(2026, 1, 1), end_date=D(2026, 5, 31),
        )  # fmt: skip
        line(t, pl5, D(2026, 1, 1), 40)
        line(t, pl5, D(2026, 4, 1), 60)
        pl6 = placement(t, self.p6, self.c2, company=self.beta, start_date=D(2026, 9, 1), end_date=D(2026, 11, 30))
        line(t, pl6, D(2026, 9, 1), 100, status=StatementStatus.DRAFT)

        # Globalisation: Alpha pools C1 and C5; P1's March line is split 70 / 30.
        agreement = GlobalisationAgreement.objects.create(
            territory=t, company=self.alpha, name="Accord Alpha", start_date=D(2026, 1, 1)
        )
        for clause in (self.c1, self.c5):
            GlobalisationClause.objects.create(territory=t, agreement=agreement, clause=clause)
        allocate(globalised, {self.c1: Decimal(70), self.c5: Decimal(30)})

        # Outcomes: known in 2026 for P1 (CDI: sustainable), P3 (CDD 3 months then 8 months), P4 (jobseeker);
        # P5 unknown; P1's six-month outcome falls in 2027.
        m, s = OutcomeMilestone, OutcomeSituation
        outcome(t, self.p1, m.END, s.CDI, D(2026, 7, 1))
        outcome(t, self.p1, m.SIX_MONTHS, s.CDI, D(2027, 1, 1))
        outcome(t, self.p3, m.END, s.CDD, D(2026, 5, 1), contract_months=3)
        outcome(t, self.p3, m.SIX_MONTHS, s.CDD, D(2026, 11, 1), contract_months=8)
        outcome(t, self.p4, m.END, s.JOBSEEKER, D(2026, 10, 1))
        outcome(t, self.p5, m.END, s.UNKNOWN, D(2026, 6, 1))

        # Network: two committee meetings in 2026 (one in 2025); an active buyer and a federation met in 2026, an
        # inactive company partner met too (not involved), a buyer met only in 2025.
        CommitteeMeetingFactory(territory=t, date=D(2026, 3, 12))
        CommitteeMeetingFactory(territory=t, date=D(2026, 10, 1))
        CommitteeMeetingFactory(territory=t, date=D(2025, 10, 1))
        PartnerMeetingFactory(territory=t, partner=PartnerFactory(territory=t, kind=PartnerKind.BUYER))
        PartnerMeetingFactory(territory=t, partner=PartnerFactory(territory=t, kind=PartnerKind.FEDERATION))
        inactive = PartnerFactory(territory=t, kind=PartnerKind.COMPANY, is_active=False)
        PartnerMeetingFactory(territory=t, partner=inactive)
        PartnerMeetingFactory(
            territory=t, partner=PartnerFactory(territory=t, kind=PartnerKind.BUYER), date=D(2025, 5, 1)
        )


@pytest.fixture
def world(territory):
    return World(territory)


def figures(indicators):
    return {f.key: f.value for f in indicators.figures}


def row(table, key):
    return next(r for r in table.rows if r.key == str(key))


def values(indicators, table_key, row_key, *columns):
    r = row(indicators.table(table_key), row_key)
    return tuple(r.values[c] for c in columns) if columns else r.values


H = ("hours_required", "hours_achieved", "participants")
P = ("participants", "hours_achieved")


def test_key_figures_of_the_year(world, territory):
    result = compute_indicators([territory], YEAR)
    assert figures(result) == {
        "markets_followed": 4,  # C1, C2, C3, C5 active in 2026; C4 ended in 2025
        "clauses_active": 4,
        "buyers": 2,
        "companies": 2,  # Alpha, Beta
        "hours_required": Decimal("2020.00"),
        "hours_achieved": Decimal("950.00"),
        "completion_rate": Decimal("47.0"),  # 950 / 2020
        "fte": Decimal("0.6"),  # 950 / 1607
        "participants": 5,
        "hours_per_participant": Decimal("190.0"),
        "sustainable_employment_rate": Decimal("66.7"),  # P1, P3 of P1, P3, P4 (P5 unknown)
        "committee_meetings": 2,
        "partners_involved": 2,
        "buyers_met": 1,
        "federations_met": 1,
    }
    rate = result.figure("completion_rate")
    assert (rate.numerator, rate.denominator) == (Decimal("950.00"), Decimal("2020.00"))
    sustainable = result.figure("sustainable_employment_rate")
    assert (sustainable.numerator, sustainable.denominator) == (2, 3)
    assert [f.key for f in result.figures] == FIGURE_KEYS
    assert [t.key for t in result.tables] == TABLE_KEYS
    assert all(f.definition == DEFINITIONS[f.key].text for f in result.figures)
    assert "pas additif" in result.figure("markets_followed").definition


def test_hours_by_month_and_year(world, territory):
    result = compute_indicators([territory], YEAR)
    months = result.table("hours_by_month")
    assert months.chart == "series" and len(months.rows) == 12
    expected = {
        "2026-01": (Decimal("160.00"), Decimal("160.00"), 2),  # C1 100 + C2 50 + C5 10; P1 120 + P5 40
        "2026-02": (Decimal("160.00"), Decimal("300.00"), 3),  # P1 100 + P2 120 + P3 80
        "2026-03": (Decimal("560.00"), Decimal("340.00"), 4),  # + C3 400; P1 100 + P2 100 + P3 90 + P4 50
        "2026-04": (Decimal("160.00"), Decimal("150.00"), 1),  # P4 150 (P1 submitted, P5 expired)
        "2026-07": (Decimal("110.00"), Decimal("0.00"), 0),  # C2 has ended
    }
    for key, triple in expected.items():
        assert values(result, "hours_by_month", key, *H) == triple
    assert row(months, "2026-03").label == "mars 2026"
    assert sum(r.values["hours_required"] for r in months.rows) == Decimal("2020.00")
    assert values(result, "hours_by_year", "2026", *H) == (Decimal("2020.00"), Decimal("950.00"), 5)
    assert months.total.values["participants"] == 5


def test_hours_by_buyer_kind_sector_legal_basis_mode_company(world, territory):
    result = compute_indicators([territory], YEAR)
    w = world
    assert values(result, "hours_by_buyer", w.sete.pk, *H) == (Decimal("1600.00"), Decimal("710.00"), 3)
    assert values(result, "hours_by_buyer", w.habitat.pk, *H) == (Decimal("420.00"), Decimal("240.00"), 3)
    assert [r.label for r in result.table("hours_by_buyer").rows] == ["Hérault Habitat", "Ville de Sète"]
    assert values(result, "hours_by_buyer_kind", "municipality", *H) == (Decimal("1600.00"), Decimal("710.00"), 3)
    assert values(result, "hours_by_buyer_kind", "social_housing", *H) == (Decimal("420.00"), Decimal("240.00"), 3)
    assert values(result, "hours_by_buyer_kind", "state", *H) == (Decimal("0.00"), Decimal("0.00"), 0)
    assert values(result, "hours_by_sector", "works", *H) == (Decimal("1200.00"), Decimal("510.00"), 2)
    assert values(result, "hours_by_sector", "services", *H) == (Decimal("300.00"), Decimal("210.00"), 2)
    assert values(result, "hours_by_sector", "supplies", *H) == (Decimal("120.00"), Decimal("30.00"), 1)
    assert values(result, "hours_by_sector", "unknown", *H) == (Decimal("400.00"), Decimal("200.00"), 1)
    assert values(result, "hours_by_legal_basis", "L2112-2", *H) == (Decimal("1320.00"), Decimal("540.00"), 2)
    assert values(result, "hours_by_legal_basis", "L2152-7", *H) == (Decimal("300.00"), Decimal("210.00"), 2)
    assert values(result, "hours_by_legal_basis", "L2113-13", *H) == (Decimal("400.00"), Decimal("200.00"), 1)
    assert values(result, "hours_by_legal_basis", "L2152-7")["completion_rate"] == Decimal("70.0")
    assert values(result, "hours_by_mode", "direct_hiring", *H) == (None, Decimal("740.00"), 3)
    assert values(result, "hours_by_mode", "staff_provision", *H) == (None, Decimal("170.00"), 1)
    assert values(result, "hours_by_mode", "training", *H) == (None, Decimal("40.00"), 1)
    assert values(result, "hours_by_mode", "subcontracting", *H) == (None, Decimal("0.00"), 0)
    assert values(result, "hours_by_company", w.alpha.pk, *H) == (Decimal("1720.00"), Decimal("740.00"), 3)
    # P3's hours (staff from an ETTI) count for the holder Beta.
    assert values(result, "hours_by_company", w.beta.pk, *H) == (Decimal("300.00"), Decimal("210.00"), 2)
    for key in ("hours_by_buyer", "hours_by_sector", "hours_by_legal_basis", "hours_by_company"):
        table = result.table(key)
        assert table.total.values["hours_achieved"] == Decimal("950.00")
        assert sum(r.values["hours_achieved"] for r in table.rows) == Decimal("950.00")


def test_participants_tables(world, territory):
    result = compute_indicators([territory], YEAR)
    assert values(result, "participants_by_sex", "F", *P) == (3, Decimal("530.00"))
    assert values(result, "participants_by_sex", "M", *P) == (2, Decimal("420.00"))
    assert values(result, "participants_by_age_band", "under_26", *P) == (1, Decimal("320.00"))
    assert values(result, "participants_by_age_band", "26_49", *P) == (3, Decimal("460.00"))
    assert values(result, "participants_by_age_band", "50_plus", *P) == (1, Decimal("170.00"))
    assert values(result, "participants_by_public", "rsa", *P) == (3, Decimal("560.00"))
    assert values(result, "participants_by_public", "rqth", *P) == (2, Decimal("390.00"))
    assert values(result, "participants_by_public", "rsa")["hours_per_participant"] == Decimal("186.7")
    assert values(result, "participants_by_qualification", "none", *P) == (1, Decimal("320.00"))
    assert values(result, "participants_by_qualification", "unknown", *P) == (1, Decimal("200.00"))
    assert values(result, "participants_by_prescriber", "france_travail", *P) == (1, Decimal("220.00"))
    assert values(result, "participants_by_prescriber", "unknown", *P) == (1, Decimal("200.00"))
    assert result.table("participants_by_public").total.values["participants"] == 5


def test_contracts_and_outcomes(world, territory):
    result = compute_indicators([territory], YEAR)
    c = ("contracts", "average_duration_months", "participants")
    # CDD: P1 5 Jan–30 Jun (177 days) and P6 Sep–Nov (91 days) → 134 days ÷ 30.44 = 4.4 months.
    assert values(result, "contracts_by_kind", "cdd", *c) == (2, Decimal("4.4"), 2)
    assert values(result, "contracts_by_kind", "apprenticeship", *c) == (1, Decimal("12.0"), 1)
    assert values(result, "contracts_by_kind", "temporary", *c) == (1, Decimal("2.9"), 1)
    assert values(result, "contracts_by_kind", "cdi", *c) == (1, None, 1)  # no end date
    assert values(result, "contracts_by_kind", "training", *c) == (1, Decimal("5.0"), 1)
    # P3's 2025 contract is not running in 2026. Total: (177 + 365 + 89 + 151 + 91) / 5 days.
    assert result.table("contracts_by_kind").total.values == {
        "contracts": 6,
        "average_duration_months": Decimal("5.7"),
        "participants": 6,
    }
    assert values(result, "outcomes", "sustainable") == {"end": 1, "six_months": 1}
    assert values(result, "outcomes", "transition") == {"end": 1, "six_months": 0}
    assert values(result, "outcomes", "none") == {"end": 1, "six_months": 0}
    assert values(result, "outcomes", "unknown") == {"end": 1, "six_months": 0}
    assert values(result, "outcomes", "positive") == {"end": 0, "six_months": 0}
    assert result.table("outcomes").total.values == {"end": 4, "six_months": 1}


def test_quarter_and_a_period_across_two_years(world, territory):
    quarter = compute_indicators([territory], Period.quarter(2026, 1))
    assert figures(quarter)["hours_required"] == Decimal("880.00")  # 160 + 160 + 560
    assert figures(quarter)["hours_achieved"] == Decimal("800.00")  # 160 + 300 + 340
    assert figures(quarter)["participants"] == 5
    span = compute_indicators([territory], Period(D(2025, 7, 1), D(2026, 6, 30)))
    # 2025 H2: C2 6 × 50 + C4 6 × 100; P3's November line. 2026 H1: C1 600 + C2 300 + C3 400 + C5 60.
    assert values(span, "hours_by_year", "2025", *H) == (Decimal("900.00"), Decimal("50.00"), 1)
    assert values(span, "hours_by_year", "2026", *H) == (Decimal("1360.00"), Decimal("950.00"), 5)
    assert figures(span)["markets_followed"] == 5
    assert [r.key for r in span.table("hours_by_year").rows] == ["2025", "2026"]


@pytest.mark.parametrize(
    "make_filters, expected",
    [
        (lambda w: Filters(buyer=w.sete.pk), ("1600.00", "710.00", 3, 2)),
        (lambda w: Filters(buyer_kind="social_housing"), ("420.00", "240.00", 3, 2)),
        (lambda w: Filters(sector="works"), ("1200.00", "510.00", 2, 1)),
        (lambda w: Filters(sector="unknown"), ("400.00", "200.00", 1, 1)),
        (lambda w: Filters(legal_basis="L2112-2"), ("1320.00", "540.00", 2, 2)),
        (lambda w: Filters(company=w.beta.pk), ("300.00", "210.00", 2, 1)),
        (lambda w: Filters(facilitator=w.facilitator.pk), ("300.00", "210.00", 2, 1)),
        (lambda w: Filters(buyer=w.sete.pk, sector="works"), ("1200.00", "510.00", 2, 1)),
    ],
)
def test_clause_filters(world, territory, make_filters, expected):
    result = compute_indicators([territory], YEAR, make_filters(world))
    required, achieved, participants, clauses = expected
    f = figures(result)
    assert (f["hours_required"], f["hours_achieved"]) == (Decimal(required), Decimal(achieved))
    assert (f["participants"], f["clauses_active"]) == (participants, clauses)
    assert result.table("hours_by_month").total.values["hours_achieved"] == Decimal(achieved)
    assert f["committee_meetings"] == 2  # never filtered


def test_participant_filters_leave_required_hours_not_applicable(world, territory):
    direct = compute_indicators([territory], YEAR, Filters(mode=ExecutionMode.DIRECT_HIRING))
    f = figures(direct)
    assert (f["hours_required"], f["completion_rate"]) == (None, None)
    assert (f["hours_achieved"], f["participants"]) == (Decimal("740.00"), 3)
    assert f["clauses_active"] == 4  # clauses are not filtered by mode
    assert values(direct, "hours_by_buyer", world.sete.pk, *H) == (None, Decimal("710.00"), 3)
    assert values(direct, "contracts_by_kind", "cdd")["contracts"] == 2  # P1 and P6, both direct hiring
    assert values(direct, "contracts_by_kind", "temporary")["contracts"] == 0

    rsa = compute_indicators([territory], YEAR, Filters(public="rsa"))
    assert (figures(rsa)["hours_achieved"], figures(rsa)["participants"]) == (Decimal("560.00"), 3)
    assert figures(rsa)["hours_required"] is None
    assert values(rsa, "participants_by_public", "rqth")["participants"] == 0
    # Outcomes of P1 (sustainable), P4 (none), P5 (unknown) → 1 of 2 known.
    assert figures(rsa)["sustainable_employment_rate"] == Decimal("50.0")


def test_outcomes_follow_clause_filters(world, territory):
    result = compute_indicators([territory], YEAR, Filters(buyer=world.sete.pk))
    # Participants with a placement on Sète's clauses: P1 (sustainable), P2 (no outcome), P4 (none).
    assert result.figure("sustainable_employment_rate").value == Decimal("50.0")
    assert values(result, "outcomes", "transition") == {"end": 0, "six_months": 0}


def test_two_territories_are_summed(world, territory, other_territory):
    o = other_territory
    buyer = BuyerFactory(territory=o, kind=BuyerKind.MUNICIPALITY)
    company = CompanyFactory(territory=o)
    clause = clause_on_market(o, buyer, company, hours_required=Decimal(600), start_date=D(2026, 1, 1), end_date=None)
    counted_people(o, clause, company, 2, month=D(2026, 1, 1), hours=100)
    CommitteeMeetingFactory(territory=o, date=D(2026, 6, 1))
    region = compute_indicators([territory, o], YEAR)
    f = figures(region)
    assert (f["hours_required"], f["hours_achieved"]) == (Decimal("2620.00"), Decimal("1150.00"))
    assert (f["participants"], f["clauses_active"], f["markets_followed"], f["buyers"]) == (7, 5, 5, 3)
    assert f["committee_meetings"] == 3
    assert values(region, "hours_by_buyer_kind", "municipality", *H) == (Decimal("2200.00"), Decimal("910.00"), 5)
    assert values(region, "hours_by_month", "2026-01", *H) == (Decimal("760.00"), Decimal("360.00"), 4)
    alone = compute_indicators([o], YEAR)
    assert figures(alone)["hours_achieved"] == Decimal("200.00")
    assert figures(compute_indicators([territory], YEAR))["hours_achieved"] == Decimal("950.00")


def test_query_count_does_not_grow_with_data(world, territory, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        compute_indicators([territory], YEAR)
    for month in (D(2026, 5, 1), D(2026, 6, 1)):
        counted_people(territory, world.c1, world.alpha, 6, month=month)
    with django_assert_max_num_queries(14):
        compute_indicators([territory], YEAR, Filters(buyer=world.sete.pk))


def test_required_hours_follow_the_expected_pace():
    cases = [
        (Decimal("1000"), D(2026, 1, 15), D(2027, 3, 10)),
        (Decimal("333"), D(2025, 11, 1), D(2026, 2, 28)),
        (Decimal("7"), D(2026, 5, 1), D(2026, 5, 31)),
    ]
    for required, start, end in cases:
        month = D(2025, 10, 1)
        for _ in range(24):
            assert required_up_to(required, start, end, month) == expected_hours(required, start, end, month)
            month = D(month.year + month.month // 12, month.month % 12 + 1, 1)
    assert required_up_to(Decimal("400"), D(2026, 3, 15), None, D(2026, 2, 1)) == 0
    assert required_up_to(Decimal("400"), D(2026, 3, 15), None, D(2026, 3, 1)) == Decimal("400")


def test_sectors_and_definitions():
    assert [sector_of(c) for c in ("45210000-2", "03100000", "48000000", "90910000", "", "46000000")] == [
        "works", "supplies", "supplies", "services", "unknown", "unknown",
    ]  # fmt: skip
    titles = [title for title, _text in methodology()]
    assert "Heures comptées" in titles and "Taux d'accès à l'emploi durable" in titles
    assert set(FIGURE_KEYS) >= {"markets_followed", "fte", "federations_met"}
    assert all(d.text and d.label for d in DEFINITIONS.values())
