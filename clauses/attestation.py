"""The attestation of the insertion hours carried out on a market: what it says, assembled once (the PDF only lays it
out).

Only counted hours appear (``clauses.hours``: validated statement, eligibility validated), by lot and clause and per
company; participants only as a number. A company's attestation (``company``) shows the lots it was awarded and its
own hours only. The hours of a line count for the company whose statement carries them: the employer, or for staff
provided by an inclusion employer, the lot's holder (``statements.reporting_company_id``); a globalised line counts
through its allocations, for the company of the agreement (the line's company).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F, IntegerField, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.formats import date_format, number_format

from markets.enums import AwardRole
from markets.models import Company, Lot, LotAward

from .enums import StatementStatus
from .hours import ZERO, counting_lines, eligibility_condition, has_allocations
from .models import Clause, HoursAllocation, MonthlyHours, counted_hours_expression
from .sizing import full_time_equivalents


def line_company_expression(prefix=""):
    """The company a monthly line's hours count for (``prefix`` is the path to the line, "" or "line__"): its
    statement's company, else its employer, else the holder of its clause's lot."""
    holder = (
        LotAward.objects.filter(
            territory_id=OuterRef("territory_id"),
            lot_id=OuterRef(f"{prefix}placement__clause__lot_id"),
            role=AwardRole.HOLDER,
        )
        .order_by("pk")
        .values("company_id")[:1]
    )
    return Coalesce(
        F(f"{prefix}statement__company_id"),
        F(f"{prefix}placement__employer_company_id"),
        Subquery(holder),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class CountedShare:
    """Counted hours of one participant, for one company, on one clause (the finest grain of the attestation)."""

    clause_id: int
    company_id: int | None
    participant_id: int
    hours: Decimal


def counted_shares(territory_id, clause_ids):
    """Every counted hour credited to ``clause_ids``, by clause, company and participant (two queries).

    Their sum is ``hours.counted_total`` of those clauses (a test holds them together).
    """
    lines = counting_lines(
        MonthlyHours.objects.filter(territory_id=territory_id, placement__clause_id__in=clause_ids)
    ).exclude(has_allocations())
    direct = (
        lines.annotate(company=line_company_expression())
        .values("placement__clause_id", "company", "placement__participant_id")
        .annotate(total=Sum(counted_hours_expression()))
        .order_by()
    )
    allocations = (
        HoursAllocation.objects.filter(territory_id=territory_id, clause_id__in=clause_ids)
        .filter(line__status=StatementStatus.VALIDATED)
        .filter(eligibility_condition("line__"))
        .annotate(company=line_company_expression("line__"))
        .values("clause_id", "company", "line__placement__participant_id")
        .annotate(total=Sum("hours"))
        .order_by()
    )
    shares = [
        CountedShare(r["placement__clause_id"], r["company"], r["placement__participant_id"], r["total"])
        for r in direct
    ]
    shares += [
        CountedShare(r["clause_id"], r["company"], r["line__placement__participant_id"], r["total"])
        for r in allocations
    ]
    return [share for share in shares if share.hours]


@dataclass(frozen=True)
class AttestedClause:
    clause: object
    lot: object
    required: Decimal
    counted: Decimal

    @property
    def legal_basis(self):
        return self.clause.get_legal_basis_display()


@dataclass(frozen=True)
class AttestedCompany:
    company: object
    roles: tuple  # French labels of its awards on the market ("Titulaire du lot 1")
    counted: Decimal
    participant_count: int

    @property
    def fte(self):
        return full_time_equivalents(self.counted)


@dataclass(frozen=True)
class FacilitatorContact:
    name: str
    organisation: str
    email: str
    phone: str
    role: str


@dataclass
class Attestation:
    territory: object
    market: object
    company: object  # None: the whole market
    issued_on: date
    lots: list
    clauses: list  # AttestedClause
    companies: list  # AttestedCompany
    facilitators: list  # FacilitatorContact
    required: Decimal
    counted: Decimal
    participant_count: int
    period_start: date | None
    period_end: date | None
    statement: str = ""

    @property
    def buyer(self):
        return self.market.buyer

    @property
    def fte(self):
        return full_time_equivalents(self.counted)


def build_attestation(market, *, company=None, today):
    """What the attestation of ``market`` (or of ``company``'s hours on it) states, on ``today``.

    A constant number of queries (about six), whatever the lots, clauses, companies and participants.
    """
    clauses_qs = Clause.objects.filter(territory_id=market.territory_id).select_related("facilitator__organisation")
    lots = list(
        Lot.objects.filter(territory_id=market.territory_id, market=market)
        .order_by("number")
        .prefetch_related(
            Prefetch("awards", queryset=LotAward.objects.select_related("company").order_by("pk")),
            Prefetch("clauses", queryset=clauses_qs.order_by("start_date", "pk")),
        )
    )
    if company is not None:
        lots = [lot for lot in lots if any(award.company_id == company.pk for award in lot.awards.all())]
    clauses = [(lot, clause) for lot in lots for clause in lot.clauses.all()]
    shares = counted_shares(market.territory_id, [clause.pk for _, clause in clauses])
    if company is not None:
        shares = [share for share in shares if share.company_id == company.pk]

    by_clause = defaultdict(lambda: ZERO)
    by_company = defaultdict(lambda: ZERO)
    participants_of = defaultdict(set)
    for share in shares:
        by_clause[share.clause_id] += share.hours
        by_company[share.company_id] += share.hours
        participants_of[share.company_id].add(share.participant_id)

    attested_clauses = [
        AttestedClause(clause=clause, lot=lot, required=clause.hours_required, counted=by_clause[clause.pk])
        for lot, clause in clauses
    ]
    companies = _attested_companies(market, lots, company, by_company, participants_of)
    starts = [clause.start_date for _, clause in clauses]
    ends = [clause.end_date for _, clause in clauses]
    attestation = Attestation(
        territory=market.territory,
        market=market,
        company=company,
        issued_on=today,
        lots=lots,
        clauses=attested_clauses,
        companies=companies,
        facilitators=market_facilitators(market, clauses),
        required=sum((c.required for c in attested_clauses), ZERO),
        counted=sum((c.counted for c in attested_clauses), ZERO),
        participant_count=len({share.participant_id for share in shares}),
        period_start=min(starts) if starts else None,
        period_end=max(ends) if ends and None not in ends else None,
    )
    attestation.statement = attestation_sentence(attestation)
    return attestation


def _attested_companies(market, lots, company, by_company, participants_of):
    roles = defaultdict(list)
    known = {}
    for lot in lots:
        for award in lot.awards.all():
            known[award.company_id] = award.company
            roles[award.company_id].append(f"{award.get_role_display()} du lot {lot.number}")
    if company is not None:
        known = {company.pk: company}
    # A company with counted hours on the market but no award recorded (an employer not declared as subcontractor).
    missing = [pk for pk in by_company if pk is not None and pk not in known]
    if missing:
        known.update({c.pk: c for c in Company.objects.filter(territory_id=market.territory_id, pk__in=missing)})
    ordered = sorted(known.values(), key=lambda c: (-by_company[c.pk], c.name))
    return [
        AttestedCompany(
            company=c,
            roles=tuple(roles[c.pk]),
            counted=by_company[c.pk],
            participant_count=len(participants_of[c.pk]),
        )
        for c in ordered
    ]


def market_facilitators(market, clauses):
    """Who follows the market: each clause's facilitator, the facilitator put in charge of the market, and the buyer's
    lead facilitator (each once, with the first role found). ``clauses``: (lot, clause) pairs, already loaded."""
    contacts, seen = [], set()

    def add(facilitator, role):
        if facilitator is None or facilitator.pk in seen:
            return
        seen.add(facilitator.pk)
        contacts.append(
            FacilitatorContact(
                name=facilitator.full_name,
                organisation=facilitator.organisation.name,
                email=facilitator.email,
                phone=facilitator.phone,
                role=role,
            )
        )

    for lot, clause in clauses:
        add(clause.facilitator, f"Suit la clause du lot {lot.number}")
    add(market.facilitator, "En charge du marché")
    add(market.buyer.lead_facilitator, "Chef de file du donneur d'ordre")
    return contacts


def format_hours(value):
    """French figures for a sentence, as the tables show them (``floatformat:"-2g"``): ``Decimal("1200.00")`` →
    ``"1 200"``, ``Decimal("12.5")`` → ``"12,50"``."""
    value = Decimal(value)
    return number_format(value, 0 if value == value.to_integral_value() else 2, force_grouping=True)


def _plural(count, singular, plural):
    return singular if count <= 1 else plural


def attestation_sentence(attestation):
    """What is attested, in one French sentence (0 and 1 take the singular, as French does)."""
    market = attestation.market
    counted, people = attestation.counted, attestation.participant_count
    fte = full_time_equivalents(counted)
    day = date_format(attestation.issued_on, "j F Y")
    hours_text = f"{format_hours(counted)} {_plural(counted, 'heure', 'heures')} d'insertion"
    fte_text = (
        f"{number_format(fte, 2, force_grouping=True)} "
        f"{_plural(fte, 'équivalent temps plein', 'équivalents temps plein')}"
    )
    people_text = f"{people} {_plural(people, 'personne éloignée', 'personnes éloignées')} de l'emploi"
    where = (
        f"au titre de la clause sociale du marché {market.reference} « {market.object} » passé par {market.buyer.name}"
    )
    required = f"{format_hours(attestation.required)} {_plural(attestation.required, 'heure exigée', 'heures exigées')}"
    issuer = f"La coordination départementale des clauses sociales d'insertion {attestation.territory} atteste"
    if attestation.company is not None:
        company = attestation.company
        validated = _plural(counted, "validée", "validées")
        return (
            f"{issuer} que l'entreprise {company.name} (SIRET {company.siret}) a réalisé, au {day}, {hours_text} "
            f"{validated} {where}, sur les lots qui lui ont été attribués ({required}), soit {fte_text}, "
            f"au bénéfice de {people_text}."
        )
    done = _plural(counted, "a été réalisée et validée", "ont été réalisées et validées")
    return (
        f"{issuer} qu'au {day}, {hours_text} {done} {where}, pour {required}, soit {fte_text}, "
        f"au bénéfice de {people_text}."
    )
