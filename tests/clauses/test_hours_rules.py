"""The counting rules of insertion hours, with hand-computed expectations.

``clauses.hours`` (eligibility gate, work-study training hours, globalisation allocations), the locking and reopening
of ``clauses.statements`` and the pace of ``clauses.progress``. Every figure below is computed by hand in a comment;
the same fixture is read through every aggregate (``counted_total``, the queryset annotations and
``monthly_figures``) to prove they agree. The module runs on PostgreSQL and on SQLite.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from clauses import hours, statements
from clauses.enums import ContractKind, StatementStatus
from clauses.hours import allocate, counted_total, monthly_figures, pending_reason, with_eligibility
from clauses.models import (
    Clause,
    ClauseEligibleCriterion,
    GlobalisationAgreement,
    GlobalisationClause,
    HoursAllocation,
    MonthlyHours,
    Statement,
)
from clauses.progress import LATE_THRESHOLD, clause_progress, expected_hours, is_late
from clauses.queries import with_clause_progress, with_market_progress
from clauses.statements import Entry, TransitionError, reopen, save_month, send_back, submit, validate
from markets.models import Market
from tests.accounts.factories import UserFactory
from tests.clauses.factories import (
    ClauseFactory,
    EligibilityCriterionFactory,
    EligibilityValidationFactory,
    MonthlyHoursFactory,
    ParticipantFactory,
    PlacementFactory,
)
from tests.markets.factories import CompanyFactory, LotAwardFactory, LotFactory, MarketFactory

pytestmark = pytest.mark.django_db

D = Decimal
JAN, FEB, MAR, APR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)
ELIGIBILITY_REASON = "Éligibilité du participant non validée pour ce mois"


# --- Fixtures -------------------------------------------------------------------------------------------------------


def awarded_clause(territory, company, **kwargs):
    """A clause on a new lot (of a new market unless ``market`` is given) whose holder is ``company``."""
    market = kwargs.pop("market", None) or MarketFactory(territory=territory)
    lot = LotFactory(territory=territory, market=market)
    LotAwardFactory(territory=territory, lot=lot, company=company)
    return ClauseFactory(territory=territory, lot=lot, **kwargs)


@pytest.fixture
def company(territory):
    return CompanyFactory(territory=territory, name="Bâtisseurs du Littoral")


@pytest.fixture
def clause(territory, company):
    return awarded_clause(territory, company)


@pytest.fixture
def rsa(territory):
    return EligibilityCriterionFactory(territory=territory, code="rsa", label="Allocataire du RSA")


@pytest.fixture
def rqth(territory):
    return EligibilityCriterionFactory(territory=territory, code="rqth", label="RQTH")


@pytest.fixture
def placement(territory, clause, company):
    return PlacementFactory(territory=territory, clause=clause, employer_company=company, start_date=JAN)


def validate_eligibility(placement, criterion, validated_on=date(2026, 1, 5), **kwargs):
    return EligibilityValidationFactory(
        territory=placement.territory,
        participant=placement.participant,
        criterion=criterion,
        validated_on=validated_on,
        **kwargs,
    )


def line(placement, month=FEB, worked="100", training="0", status=StatementStatus.VALIDATED):
    return MonthlyHoursFactory(
        territory=placement.territory,
        placement=placement,
        month=month,
        hours_worked=D(worked),
        training_hours=D(training),
        status=status,
    )


def counted(territory, *clauses, period=None):
    return counted_total(territory, Clause.objects.filter(pk__in=[c.pk for c in clauses]), period)


def is_eligible(row):
    return with_eligibility(MonthlyHours.objects.filter(pk=row.pk)).get().is_eligible


def figures(clause):
    return {f.month: (f.counted, f.pending) for f in monthly_figures(clause)}


def annotated_clause(clause):
    return with_clause_progress(Clause.objects.filter(pk=clause.pk)).get()


def annotated_market(market):
    return with_market_progress(Market.objects.filter(pk=market.pk)).get()


def assert_every_aggregate_says(territory, clause, expected):
    """``counted_total``, the clause annotation and the monthly figures agree on ``clause``'s counted hours."""
    assert counted(territory, clause) == expected
    assert annotated_clause(clause).hours_achieved == expected
    assert sum((f.counted for f in monthly_figures(clause)), D(0)) == expected


# --- Eligibility gate -------------------------------------------------------------------------------------------------


class TestEligibilityGate:
    def test_no_validation_does_not_count_and_is_pending_with_its_reason(self, territory, clause, placement):
        row = line(placement)  # 100 h, validated statement
        assert not is_eligible(row)
        assert pending_reason(row, eligible=False) == ELIGIBILITY_REASON
        assert_every_aggregate_says(territory, clause, D(0))
        assert figures(clause) == {FEB: (D(0), D(100))}  # entered, not counted: pending

    def test_validation_during_the_month_counts_the_whole_month(self, territory, clause, placement, rsa):
        validate_eligibility(placement, rsa, validated_on=date(2026, 2, 27))
        row = line(placement, FEB, "100")
        assert is_eligible(row)
        assert pending_reason(row, eligible=True) is None
        assert_every_aggregate_says(territory, clause, D(100))  # all 100 h, not a prorata from the 27th

    def test_validation_after_the_month_does_not_count_it(self, territory, clause, placement, rsa):
        validate_eligibility(placement, rsa, validated_on=date(2026, 3, 2))
        february = line(placement, FEB, "100")
        march = line(placement, MAR, "80")
        assert not is_eligible(february)
        assert is_eligible(march)
        assert_every_aggregate_says(territory, clause, D(80))  # March only
        assert figures(clause) == {FEB: (D(0), D(100)), MAR: (D(80), D(0))}

    def test_validity_ending_before_the_month_does_not_count_it(self, territory, clause, placement, rsa):
        validate_eligibility(placement, rsa, validated_on=date(2026, 1, 5), valid_until=date(2026, 2, 1))
        january, february, march = line(placement, JAN, "10"), line(placement, FEB, "20"), line(placement, MAR, "40")
        # Still valid on the first day of February: January and February count; March does not.
        assert [is_eligible(r) for r in (january, february, march)] == [True, True, False]
        assert_every_aggregate_says(territory, clause, D(30))

    def test_validity_ending_the_day_before_the_month_excludes_it(self, territory, clause, placement, rsa):
        validate_eligibility(placement, rsa, validated_on=date(2026, 1, 5), valid_until=date(2026, 1, 31))
        line(placement, JAN, "10")
        line(placement, FEB, "20")
        assert_every_aggregate_says(territory, clause, D(10))

    def test_clause_restricted_to_some_publics_counts_only_those(self, territory, clause, placement, rsa, rqth):
        ClauseEligibleCriterion.objects.create(territory=territory, clause=clause, criterion=rqth)
        validate_eligibility(placement, rsa)
        row = line(placement, FEB, "100")
        assert not is_eligible(row)
        assert_every_aggregate_says(territory, clause, D(0))

        validate_eligibility(placement, rqth, validated_on=date(2026, 2, 10))
        assert is_eligible(row)
        # Two validations (RSA and RQTH) for the same person: the line still counts once.
        assert_every_aggregate_says(territory, clause, D(100))

    def test_restricted_clause_with_several_publics_and_several_matching_validations_counts_once(
        self, territory, clause, placement, rsa, rqth
    ):
        for criterion in (rsa, rqth):
            ClauseEligibleCriterion.objects.create(territory=territory, clause=clause, criterion=criterion)
            validate_eligibility(placement, criterion)
        line(placement, FEB, "100")
        assert_every_aggregate_says(territory, clause, D(100))

    def test_restriction_of_a_clause_does_not_affect_another_clause(self, territory, company, rsa, rqth):
        restricted = awarded_clause(territory, company)
        open_clause = awarded_clause(territory, company)
        ClauseEligibleCriterion.objects.create(territory=territory, clause=restricted, criterion=rqth)
        participant = ParticipantFactory(territory=territory)
        on_restricted = PlacementFactory(
            territory=territory, participant=participant, clause=restricted, employer_company=company
        )
        on_open = PlacementFactory(
            territory=territory, participant=participant, clause=open_clause, employer_company=company
        )
        validate_eligibility(on_restricted, rsa)
        line(on_restricted, FEB, "100")
        line(on_open, FEB, "30")
        assert counted(territory, restricted) == D(0)
        assert counted(territory, open_clause) == D(30)

    def test_clause_without_restriction_accepts_any_criterion(self, territory, clause, placement):
        decision = EligibilityCriterionFactory(
            territory=territory, code="facilitator_decision", label="Décision motivée", requires_reason=True
        )
        validate_eligibility(placement, decision, reason="Avis de la Mission locale")
        line(placement, FEB, "100")
        assert_every_aggregate_says(territory, clause, D(100))

    def test_validation_of_another_participant_does_not_count(self, territory, clause, placement, rsa):
        EligibilityValidationFactory(territory=territory, criterion=rsa, validated_on=date(2026, 1, 5))
        line(placement, FEB, "100")
        assert_every_aggregate_says(territory, clause, D(0))

    def test_validation_recorded_in_another_territory_never_counts(self, territory, other_territory, clause, placement):
        foreign_rsa = EligibilityCriterionFactory(territory=other_territory, code="rsa")
        # Forced through the ORM: the application never writes such a row, and PostgreSQL's composite tenant keys
        # (checked at commit) refuse it; the counting rule must ignore it anyway (SQLite has no such keys).
        forced = EligibilityValidationFactory(
            territory=other_territory, participant=placement.participant, criterion=foreign_rsa, validated_on=JAN
        )
        row = line(placement, FEB, "100")
        assert not is_eligible(row)
        assert_every_aggregate_says(territory, clause, D(0))
        forced.delete()  # before the end-of-test constraint check on PostgreSQL


# --- Training hours ---------------------------------------------------------------------------------------------------


class TestTrainingHours:
    @pytest.mark.parametrize(
        ("kind", "expected"),
        [
            (ContractKind.APPRENTICESHIP, D("135.5")),  # 100 worked + 35.5 training
            (ContractKind.PROFESSIONALISATION, D("135.5")),
            (ContractKind.CDD, D("100")),  # training reported apart
            (ContractKind.CDI, D("100")),
            (ContractKind.CDDI, D("100")),
            (ContractKind.TEMPORARY, D("100")),
            (ContractKind.TRAINING, D("100")),
        ],
    )
    def test_training_hours_count_only_inside_a_work_study_contract(
        self, territory, clause, company, rsa, kind, expected
    ):
        placement = PlacementFactory(territory=territory, clause=clause, employer_company=company, contract_kind=kind)
        validate_eligibility(placement, rsa)
        row = line(placement, FEB, "100", "35.5")
        assert hours.counted_hours_of_line(row) == expected
        assert_every_aggregate_says(territory, clause, expected)
        # Training hours are kept on the line whatever the contract: reported apart when they do not count.
        assert MonthlyHours.objects.get(pk=row.pk).training_hours == D("35.5")

    def test_entered_hours_follow_the_same_rule(self, territory, clause, company):
        cdd = PlacementFactory(territory=territory, clause=clause, employer_company=company)
        apprentice = PlacementFactory(
            territory=territory, clause=clause, employer_company=company, contract_kind=ContractKind.APPRENTICESHIP
        )
        line(cdd, FEB, "100", "10", status=StatementStatus.SUBMITTED)
        line(apprentice, FEB, "50", "20", status=StatementStatus.SUBMITTED)
        # Pending: 100 (CDD, training apart) + 70 (apprentice) = 170.
        assert annotated_clause(clause).hours_entered == D(170)
        assert figures(clause) == {FEB: (D(0), D(170))}


# --- Statement status -------------------------------------------------------------------------------------------------


class TestStatus:
    @pytest.mark.parametrize(
        ("status", "reason"),
        [
            (StatementStatus.DRAFT, "Relevé en cours de saisie"),
            (StatementStatus.SUBMITTED, "Relevé transmis, en attente de validation"),
            (StatementStatus.RETURNED, "Relevé renvoyé à l'entreprise pour correction"),
        ],
    )
    def test_only_validated_lines_count_the_others_are_pending(self, territory, clause, placement, rsa, status, reason):
        validate_eligibility(placement, rsa)
        row = line(placement, FEB, "100", status=status)
        assert is_eligible(row)
        # The status reason comes first, even when the eligibility is also missing.
        assert pending_reason(row, eligible=True) == reason
        assert pending_reason(row, eligible=False) == reason
        assert_every_aggregate_says(territory, clause, D(0))
        assert figures(clause) == {FEB: (D(0), D(100))}
        assert annotated_clause(clause).hours_entered == D(100)

    def test_validated_and_eligible_counts(self, territory, clause, placement, rsa):
        validate_eligibility(placement, rsa)
        row = line(placement, FEB, "100")
        assert pending_reason(row, eligible=True) is None
        assert_every_aggregate_says(territory, clause, D(100))
        assert figures(clause) == {FEB: (D(100), D(0))}

    def test_period_limits_the_months(self, territory, clause, placement, rsa):
        validate_eligibility(placement, rsa)
        line(placement, JAN, "10")
        line(placement, FEB, "20")
        line(placement, MAR, "40")
        assert counted(territory, clause, period=(FEB, MAR)) == D(60)
        assert counted(territory, clause, period=(date(2026, 1, 1), date(2026, 1, 31))) == D(10)


# --- Globalisation ----------------------------------------------------------------------------------------------------


class Pool:
    """A company holding three clauses (A, B, C, of two buyers' markets); an agreement pools A and B only."""

    def __init__(self, territory, company, rsa):
        self.territory = territory
        self.company = company
        self.market_a = MarketFactory(territory=territory)
        self.market_b = MarketFactory(territory=territory)  # another buyer
        self.a = awarded_clause(territory, company, market=self.market_a, hours_required=D(500))
        self.b = awarded_clause(territory, company, market=self.market_b, hours_required=D(300))
        self.c = awarded_clause(territory, company, market=self.market_a, hours_required=D(200))
        self.agreement = GlobalisationAgreement.objects.create(
            territory=territory, company=company, name="Accord Littoral 2026", start_date=JAN
        )
        for clause in (self.a, self.b):
            GlobalisationClause.objects.create(territory=territory, agreement=self.agreement, clause=clause)
        self.placement = PlacementFactory(territory=territory, clause=self.a, employer_company=company)
        validate_eligibility(self.placement, rsa)
        self.line = line(self.placement, FEB, "100")

    def allocations(self):
        return {a.clause_id: a.hours for a in HoursAllocation.objects.filter(line=self.line)}


@pytest.fixture
def pool(territory, company, rsa):
    return Pool(territory, company, rsa)


class TestGlobalisation:
    def test_allocation_splits_a_line_across_the_agreement_clauses(self, territory, pool):
        allocate(pool.line, {pool.a: D(60), pool.b: "40"})
        assert pool.allocations() == {pool.a.pk: D(60), pool.b.pk: D(40)}
        assert_every_aggregate_says(territory, pool.a, D(60))
        assert_every_aggregate_says(territory, pool.b, D(40))
        assert figures(pool.a) == {FEB: (D(60), D(0))}  # the 40 h moved to B are not pending on A
        assert figures(pool.b) == {FEB: (D(40), D(0))}

    def test_no_hour_is_counted_twice_whatever_the_aggregate(self, territory, pool):
        allocate(pool.line, {pool.a: D(60), pool.b: D(40)})
        # A second participant on C (not pooled): 25 h counted directly.
        other = PlacementFactory(territory=territory, clause=pool.c, employer_company=pool.company)
        validate_eligibility(other, EligibilityCriterionFactory(territory=territory, code="rsa"))
        line(other, FEB, "25")
        every_clause = Clause.objects.filter(territory=territory)
        # Territory: 100 (pooled line, once) + 25 = 125, never 100 + 60 + 40.
        assert counted_total(territory, every_clause) == D(125)
        by_clause = {c.pk: c.hours_achieved for c in with_clause_progress(every_clause)}
        assert by_clause == {pool.a.pk: D(60), pool.b.pk: D(40), pool.c.pk: D(25)}
        # Markets: A and C are on market_a (60 + 25), B on market_b (40).
        by_market = {m.pk: m.hours_achieved for m in with_market_progress(Market.objects.filter(territory=territory))}
        assert by_market == {pool.market_a.pk: D(85), pool.market_b.pk: D(40)}
        assert counted(territory, pool.a, pool.c) == D(85)
        # Monthly figures of each clause add up to the same total.
        monthly = sum((f.counted for c in every_clause for f in monthly_figures(c)), D(0))
        assert monthly == sum(by_clause.values()) == sum(by_market.values()) == D(125)

    def test_allocations_may_not_exceed_the_counted_hours(self, pool):
        allocate(pool.line, {pool.a: D(60), pool.b: D(40)})
        with pytest.raises(ValidationError) as error:
            allocate(pool.line, {pool.a: D("60.01"), pool.b: D(40)})
        assert error.value.messages == [
            "La répartition (100,01 h) dépasse les heures de la ligne (100 h) : une heure ne compte qu'une fois."
        ]
        assert pool.allocations() == {pool.a.pk: D(60), pool.b.pk: D(40)}  # nothing changed

    def test_training_hours_of_a_work_study_line_may_be_allocated(self, territory, pool):
        pool.placement.contract_kind = ContractKind.APPRENTICESHIP
        pool.placement.save()
        MonthlyHours.objects.filter(pk=pool.line.pk).update(training_hours=D(20))  # 100 + 20 = 120 counted
        allocate(pool.line, {pool.a: D(70), pool.b: D(50)})
        assert counted(territory, pool.a, pool.b) == D(120)
        with pytest.raises(ValidationError):
            allocate(pool.line, {pool.a: D(71), pool.b: D(50)})

    def test_training_hours_outside_work_study_may_not_be_allocated(self, pool):
        MonthlyHours.objects.filter(pk=pool.line.pk).update(training_hours=D(20))  # CDD: 100 counted
        with pytest.raises(ValidationError):
            allocate(pool.line, {pool.a: D(70), pool.b: D(50)})

    def test_clause_outside_the_company_agreements_is_refused(self, territory, pool):
        allocate(pool.line, {pool.a: D(60), pool.b: D(40)})
        with pytest.raises(ValidationError) as error:
            allocate(pool.line, {pool.a: D(60), pool.c: D(40)})
        assert "n'est pas couverte par un accord de globalisation" in error.value.messages[0]
        assert pool.allocations() == {pool.a.pk: D(60), pool.b.pk: D(40)}

    def test_another_company_agreement_is_refused(self, territory, pool):
        rival = CompanyFactory(territory=territory)
        rival_clause = awarded_clause(territory, rival)
        agreement = GlobalisationAgreement.objects.create(
            territory=territory, company=rival, name="Accord d'une autre entreprise", start_date=JAN
        )
        for clause in (pool.a, rival_clause):
            GlobalisationClause.objects.create(territory=territory, agreement=agreement, clause=clause)
        with pytest.raises(ValidationError):
            allocate(pool.line, {pool.a: D(50), rival_clause: D(50)})
        assert pool.allocations() == {}

    def test_line_of_a_clause_outside_every_agreement_cannot_be_allocated(self, territory, pool, rsa):
        placement = PlacementFactory(territory=territory, clause=pool.c, employer_company=pool.company)
        row = line(placement, FEB, "50")
        with pytest.raises(ValidationError):
            allocate(row, {pool.a: D(25), pool.b: D(25)})

    def test_agreement_not_in_force_for_the_month_is_refused(self, territory, pool):
        pool.agreement.start_date = date(2026, 3, 1)
        pool.agreement.save()
        with pytest.raises(ValidationError) as error:
            allocate(pool.line, {pool.a: D(60), pool.b: D(40)})  # a February line
        assert "02/2026" in error.value.messages[0]
        pool.agreement.start_date, pool.agreement.end_date = JAN, date(2026, 1, 31)
        pool.agreement.save()
        with pytest.raises(ValidationError):
            allocate(pool.line, {pool.a: D(60), pool.b: D(40)})
        pool.agreement.end_date = date(2026, 2, 1)  # in force on a day of February: accepted
        pool.agreement.save()
        allocate(pool.line, {pool.a: D(60), pool.b: D(40)})

    def test_every_allocation_change_is_in_the_history_with_who(self, pool):
        first, second = UserFactory(), UserFactory()
        allocate(pool.line, {pool.a: D(60), pool.b: D(40)}, user=first)
        allocate(pool.line, {pool.a: D(60), pool.b: D(40)}, user=second)  # unchanged: no new history row
        allocate(pool.line, {pool.a: D(70), pool.b: D(30)}, user=second)
        allocate(pool.line, {pool.a: D(100)}, user=second)
        history = HoursAllocation.history.filter(line_id=pool.line.pk).order_by("history_id")
        a, b = pool.a.pk, pool.b.pk
        assert [(h.history_type, h.clause_id, h.hours, h.history_user_id) for h in history] == [
            ("+", a, D(60), first.pk),
            ("+", b, D(40), first.pk),
            ("~", a, D(70), second.pk),
            ("~", b, D(30), second.pk),
            ("-", b, D(30), second.pk),
            ("~", a, D(100), second.pk),
        ]

    def test_negative_share_is_refused(self, pool):
        with pytest.raises(ValidationError) as error:
            allocate(pool.line, {pool.a: D(-10), pool.b: D(40)})
        assert "négatives" in error.value.messages[0]
        assert pool.allocations() == {}

    def test_zero_shares_are_not_stored_and_no_share_restores_direct_counting(self, territory, pool):
        allocate(pool.line, {pool.a: D(0), pool.b: D(100)})
        assert pool.allocations() == {pool.b.pk: D(100)}
        assert counted(territory, pool.a) == D(0)
        assert counted(territory, pool.b) == D(100)
        allocate(pool.line, {})
        assert pool.allocations() == {}
        assert counted(territory, pool.a) == D(100)  # counted directly on its own clause again
        assert counted(territory, pool.b) == D(0)

    def test_partial_allocation_leaves_the_rest_pending_on_the_line_clause(self, territory, pool):
        allocate(pool.line, {pool.b: D(30)})
        assert counted(territory, pool.a) == D(0)
        assert counted(territory, pool.b) == D(30)
        assert figures(pool.a) == {FEB: (D(0), D(70))}  # 100 entered − 30 credited to B
        assert figures(pool.b) == {FEB: (D(30), D(0))}

    def test_hours_received_do_not_hide_the_receiving_clause_own_pending_hours(self, territory, company, pool):
        allocate(pool.line, {pool.a: D(60), pool.b: D(40)})
        own = PlacementFactory(territory=territory, clause=pool.b, employer_company=company)
        line(own, FEB, "50", status=StatementStatus.SUBMITTED)
        # B: 40 received (counted) + its own 50 h submitted (pending).
        assert figures(pool.b) == {FEB: (D(40), D(50))}

    def test_allocations_of_a_line_not_validated_do_not_count(self, territory, pool):
        allocate(pool.line, {pool.a: D(60), pool.b: D(40)})
        MonthlyHours.objects.filter(pk=pool.line.pk).update(status=StatementStatus.SUBMITTED)
        assert counted(territory, pool.a, pool.b) == D(0)
        assert annotated_clause(pool.b).hours_achieved == D(0)
        assert figures(pool.a) == {FEB: (D(0), D(100))}  # the whole line is pending on its clause
        assert figures(pool.b) == {}

    def test_allocation_to_a_clause_the_participant_is_not_eligible_for_does_not_count(self, territory, pool, rqth):
        ClauseEligibleCriterion.objects.create(territory=territory, clause=pool.b, criterion=rqth)
        allocate(pool.line, {pool.a: D(60), pool.b: D(40)})  # the participant is validated RSA only
        assert counted(territory, pool.a) == D(60)
        assert_every_aggregate_says(territory, pool.b, D(0))
        assert figures(pool.a) == {FEB: (D(60), D(40))}  # the 40 h are pending, not lost

    def test_staff_provision_line_is_allocated_for_the_lot_holder(self, territory, pool, rsa):
        from tests.facilitators.factories import InclusionEmployerFactory

        provided = PlacementFactory(
            territory=territory,
            clause=pool.a,
            employer_company=None,
            employer_inclusion=InclusionEmployerFactory(territory=territory),
        )
        validate_eligibility(provided, rsa)
        row = line(provided, FEB, "80")
        allocate(row, {pool.a: D(50), pool.b: D(30)})
        assert counted(territory, pool.b) == D(30)


# --- Locking, reopening, history -----------------------------------------------------------------------------------


@pytest.fixture
def facilitator_user(db):
    return UserFactory()


class TestLockingAndReopen:
    def _validated_month(self, clause, placement, user, hours="100"):
        result = save_month(clause, FEB, [Entry(placement.pk, hours, "0")], user)
        assert result.ok and result.created == 1
        statement = Statement.objects.get(clause=clause, month=FEB)
        return validate(submit(statement, user), user)

    def test_validated_statement_lines_cannot_be_changed(self, clause, placement, facilitator_user):
        statement = self._validated_month(clause, placement, facilitator_user)
        row = MonthlyHours.objects.get(placement=placement, month=FEB)
        assert row.status == StatementStatus.VALIDATED
        result = save_month(clause, FEB, [Entry(placement.pk, "150", "0", version=row.version)], facilitator_user)
        assert not result.ok
        assert result.errors[placement.pk] == [
            "Le relevé de 02/2026 est validé : il ne peut plus être modifié (rouvrez-le d'abord)."
        ]
        row.refresh_from_db()
        assert row.hours_worked == D(100)
        statement.refresh_from_db()
        assert statement.status == StatementStatus.VALIDATED

    def test_reopen_requires_a_reason(self, clause, placement, facilitator_user):
        statement = self._validated_month(clause, placement, facilitator_user)
        for reason in ("", "   ", None):
            with pytest.raises(TransitionError) as error:
                reopen(statement, facilitator_user, reason)
            assert str(error.value) == "Indiquez pourquoi ce relevé validé doit être rouvert."
        statement.refresh_from_db()
        assert statement.status == StatementStatus.VALIDATED

    def test_only_a_validated_statement_can_be_reopened(self, clause, placement, facilitator_user):
        save_month(clause, FEB, [Entry(placement.pk, "100")], facilitator_user)
        statement = Statement.objects.get(clause=clause, month=FEB)
        with pytest.raises(TransitionError) as error:
            reopen(statement, facilitator_user, "Erreur")
        assert "brouillon" in str(error.value)

    def test_reopen_keeps_the_reason_and_the_user_in_the_history(self, territory, clause, placement, rsa):
        validate_eligibility(placement, rsa)
        author, corrector = UserFactory(), UserFactory()
        statement = self._validated_month(clause, placement, author)
        assert counted(territory, clause) == D(100)

        statement = reopen(statement, corrector, "  Heures de février mal reportées  ")
        assert statement.status == StatementStatus.DRAFT
        assert counted(territory, clause) == D(0)  # reopened: pending again
        latest = statement.history.order_by("-history_id").first()
        assert latest.history_change_reason == "Rouvert : Heures de février mal reportées"
        assert latest.history_user == corrector
        row = MonthlyHours.objects.get(placement=placement, month=FEB)
        assert row.status == StatementStatus.DRAFT
        assert row.validated_by is None
        line_history = row.history.order_by("-history_id").first()
        assert line_history.history_change_reason == "Rouvert : Heures de février mal reportées"
        assert line_history.history_user == corrector

        result = save_month(clause, FEB, [Entry(placement.pk, "90", "0", version=row.version)], corrector)
        assert result.ok and result.updated == 1
        validate(statement, corrector)
        assert counted(territory, clause) == D(90)
        row.refresh_from_db()
        # Every value the line ever had is in its history, with who.
        values = [(h.hours_worked, h.status, h.history_user_id) for h in row.history.order_by("history_id")]
        assert (D(100), StatementStatus.VALIDATED, author.pk) in values
        assert (D(90), StatementStatus.DRAFT, corrector.pk) in values
        assert values[-1] == (D(90), StatementStatus.VALIDATED, corrector.pk)

    def test_send_back_requires_a_comment_and_is_pending_with_its_reason(self, clause, placement, facilitator_user):
        save_month(clause, FEB, [Entry(placement.pk, "100")], facilitator_user)
        statement = submit(Statement.objects.get(clause=clause, month=FEB), facilitator_user)
        with pytest.raises(TransitionError):
            send_back(statement, facilitator_user, " ")
        statement = send_back(statement, facilitator_user, "Il manque les heures de formation")
        row = MonthlyHours.objects.get(placement=placement, month=FEB)
        assert row.status == StatementStatus.RETURNED
        assert pending_reason(row, eligible=True) == "Relevé renvoyé à l'entreprise pour correction"
        assert statement.history.order_by("-history_id").first().history_change_reason == (
            "Renvoyé pour correction : Il manque les heures de formation"
        )

    def test_reducing_a_reopened_line_below_its_allocations_is_refused(self, territory, pool, facilitator_user):
        statement = Statement.objects.create(
            territory=territory, clause=pool.a, company=pool.company, month=FEB, status=StatementStatus.VALIDATED
        )
        MonthlyHours.objects.filter(pk=pool.line.pk).update(statement=statement)
        allocate(pool.line, {pool.a: D(60), pool.b: D(40)})
        statement = reopen(statement, facilitator_user, "Correction des heures")
        pool.line.refresh_from_db()
        result = save_month(pool.a, FEB, [Entry(pool.placement.pk, "80", "0", pool.line.version)], facilitator_user)
        assert not result.ok
        assert result.errors[pool.placement.pk] == [
            "100 h de cette ligne sont réparties entre plusieurs clauses (accord de globalisation) : "
            "réduisez d'abord la répartition pour passer à 80 h."
        ]
        pool.line.refresh_from_db()
        assert pool.line.hours_worked == D(100)
        # Within the allocations it is accepted.
        result = save_month(pool.a, FEB, [Entry(pool.placement.pk, "100", "0", pool.line.version)], facilitator_user)
        assert result.ok
        allocate(pool.line, {pool.a: D(40), pool.b: D(40)})
        result = save_month(pool.a, FEB, [Entry(pool.placement.pk, "80", "0", pool.line.version)], facilitator_user)
        assert result.ok, result.errors
        validate(statement, facilitator_user)
        assert counted(territory, pool.a, pool.b) == D(80)


# --- Progress -------------------------------------------------------------------------------------------------------


class TestExpectedHours:
    @pytest.mark.parametrize(
        ("up_to", "expected"),
        [
            (date(2025, 12, 1), D("0.00")),  # before the start
            (date(2026, 1, 1), D("100.00")),  # 1 month of 12
            (date(2026, 3, 20), D("300.00")),  # any day of March: 3 months
            (date(2026, 12, 1), D("1200.00")),
            (date(2027, 6, 1), D("1200.00")),  # after the end: everything
        ],
    )
    def test_steady_pace(self, up_to, expected):
        assert expected_hours(D(1200), date(2026, 1, 1), date(2026, 12, 31), up_to) == expected

    def test_rounded_to_the_cent(self):
        # 1000 h over 3 months (Jan 15 → Mar 10): 333.333… → 333.33, then 666.67.
        assert expected_hours(D(1000), date(2026, 1, 15), date(2026, 3, 10), JAN) == D("333.33")
        assert expected_hours(D(1000), date(2026, 1, 15), date(2026, 3, 10), FEB) == D("666.67")

    def test_open_ended_or_nothing_required_expects_nothing(self):
        assert expected_hours(D(1200), JAN, None, date(2026, 6, 1)) == D(0)
        assert expected_hours(D(0), JAN, date(2026, 12, 31), date(2026, 6, 1)) == D(0)


class TestIsLate:
    START, END = date(2026, 1, 1), date(2026, 12, 31)  # 1200 h: 100 h a month

    def late(self, counted, today, end=END, required=1200):
        return is_late(D(required), D(counted), self.START, end, today)

    def test_threshold_is_eighty_percent(self):
        assert D("0.8") == LATE_THRESHOLD

    def test_first_month_is_never_late(self):
        assert not self.late(0, date(2026, 1, 31))
        assert not self.late(0, date(2025, 12, 1))  # not started

    def test_boundary_after_one_month(self):
        # Today in February: January is due, 100 h expected, late under 80 h.
        assert self.late("79.99", date(2026, 2, 10))
        assert not self.late("80", date(2026, 2, 10))

    def test_boundary_later(self):
        # 1 June: January → May due, 500 h expected; late under 400 h.
        assert self.late("399.99", date(2026, 6, 1))
        assert not self.late(400, date(2026, 6, 1))

    def test_ended_clause_expects_everything(self):
        assert self.late("959.99", date(2027, 3, 15))
        assert not self.late(960, date(2027, 3, 15))

    def test_open_ended_clause_is_never_late(self):
        assert not self.late(0, date(2027, 3, 15), end=None)

    def test_nothing_required_is_never_late(self):
        assert not self.late(0, date(2026, 6, 1), required=0)


class TestClauseProgress:
    @pytest.fixture
    def six_months(self, territory, company, rsa):
        # 600 h from January to June 2026: 100 h a month.
        clause = awarded_clause(
            territory, company, hours_required=D(600), start_date=date(2026, 1, 1), end_date=date(2026, 6, 30)
        )
        placement = PlacementFactory(territory=territory, clause=clause, employer_company=company, start_date=JAN)
        validate_eligibility(placement, rsa)
        line(placement, FEB, "120")
        line(placement, MAR, "80")
        line(placement, APR, "50", status=StatementStatus.SUBMITTED)
        return clause, placement

    def test_month_rows_and_cumulative(self, six_months):
        clause, _ = six_months
        progress = clause_progress(clause, today=date(2026, 5, 10))
        rows = [(r.month.month, r.counted, r.pending, r.cumulative, r.expected_cumulative) for r in progress.months]
        assert rows == [
            (1, D(0), D(0), D(0), D(100)),
            (2, D(120), D(0), D(120), D(200)),
            (3, D(80), D(0), D(200), D(300)),
            (4, D(0), D(50), D(200), D(400)),
            (5, D(0), D(0), D(200), D(500)),
            (6, D(0), D(0), D(200), D(600)),
        ]
        assert progress.required == D(600)
        assert progress.counted == D(200)
        assert progress.pending == D(50)
        assert progress.expected_to_date == D(400)  # January → April
        assert progress.late  # 200 < 80 % × 400 = 320
        assert progress.rate == D("33.3")
        assert progress.remaining == D(400)

    def test_not_late_at_the_threshold(self, six_months):
        clause, placement = six_months
        line(placement, JAN, "120")  # 320 h counted by the end of April
        progress = clause_progress(clause, today=date(2026, 5, 10))
        assert progress.counted == D(320)
        assert not progress.late

    def test_hours_of_the_current_month_do_not_hide_a_delay(self, six_months):
        clause, placement = six_months
        # On 10 May, May's hours are already validated: 200 + 130 = 330 counted, but only 200 by the end of April.
        line(placement, date(2026, 5, 1), "130")
        progress = clause_progress(clause, today=date(2026, 5, 10))
        assert progress.counted == D(330)
        assert progress.late

    def test_hours_outside_the_execution_period_get_their_own_row(self, six_months):
        clause, placement = six_months
        line(placement, date(2026, 8, 1), "10")
        progress = clause_progress(clause, today=date(2026, 9, 1))
        assert [r.month for r in progress.months][-1] == date(2026, 8, 1)
        assert progress.months[-1].cumulative == D(210)
        assert progress.counted == D(210)

    def test_open_ended_clause_runs_to_today_and_is_never_late(self, territory, company):
        clause = awarded_clause(territory, company, start_date=date(2026, 1, 1), end_date=None)
        progress = clause_progress(clause, today=date(2026, 3, 15))
        assert [r.month for r in progress.months] == [JAN, FEB, MAR]
        assert progress.expected_to_date == D(0)
        assert not progress.late

    def test_first_month_is_not_late(self, territory, company):
        clause = awarded_clause(territory, company, start_date=date(2026, 3, 1), end_date=date(2026, 12, 31))
        progress = clause_progress(clause, today=date(2026, 3, 20))
        assert progress.expected_to_date == D(0)
        assert not progress.late

    def test_progress_agrees_with_the_other_aggregates(self, territory, six_months):
        clause, _ = six_months
        progress = clause_progress(clause, today=date(2026, 5, 10))
        assert progress.counted == counted(territory, clause) == annotated_clause(clause).hours_achieved
        assert progress.counted + progress.pending == annotated_clause(clause).hours_entered
        market = annotated_market(clause.lot.market)
        assert market.hours_achieved == progress.counted
        assert market.hours_required == D(600)


def test_max_monthly_hours_is_48_hours_a_week():
    assert D(48) * 52 / 12 == hours.MAX_MONTHLY_HOURS
    assert statements.parse_hours("208", "Heures")[0] == D(208)
    assert statements.parse_hours("208,01", "Heures")[1] == "Heures : 208.01 h dépasse le maximum mensuel (208 h)."
