"""Forms of globalisation: an agreement pooling a company's clauses (creation, edit, end), and the allocation of
one line's hours.

The rules an agreement must keep are plain functions here: which companies may sign one (holder or co-contractor of a
lot carrying a clause), which allocations were made under it (``agreement_allocations``), and so which clauses and
dates can no longer change without first undoing those allocations.
"""

from django import forms
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils.formats import date_format
from dsfr.forms import DsfrBaseForm

from markets.enums import AwardRole
from markets.models import Company, LotAward

from .models import Clause, HoursAllocation, MonthlyHours
from .progress import first_of_month

# A native date picker: its value is ISO (AAAA-MM-JJ), which Django always accepts on input.
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": "Saisissez une date valide (JJ/MM/AAAA)."}

# The award roles that make a lot "one of the company's lots" for globalisation: a subcontractor does not carry the
# insertion obligation of the lot, so it cannot pool it.
POOLING_ROLES = (AwardRole.HOLDER, AwardRole.CO_CONTRACTOR)


def clause_label(clause):
    market = clause.lot.market
    return (
        f"{market.reference} — lot {clause.lot.number} ({market.buyer.name}) — {clause.get_legal_basis_display()}, "
        f"{clause.hours_required:.0f} h"
    )


def month_label(month):
    return date_format(month, "F Y")


def months_label(months):
    """« janvier 2026 », « janvier 2026 et mars 2026 », « janvier 2026, février 2026 et mars 2026 »."""
    labels = [month_label(m) for m in sorted(set(months))]
    if len(labels) <= 1:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} et {labels[-1]}"


# --- Rules ------------------------------------------------------------------------------------------------------------


def pooling_awards(territory):
    return LotAward.objects.in_territory(territory).filter(role__in=POOLING_ROLES)


def pooling_companies(territory):
    """The companies that may sign an agreement: holder or co-contractor of at least one lot carrying a clause."""
    awards = pooling_awards(territory).filter(company_id=OuterRef("pk"), lot__clauses__isnull=False)
    return Company.objects.in_territory(territory).filter(Exists(awards)).order_by("name")


def company_clauses(territory, company):
    """The clauses on the lots ``company`` holds or co-contracts: the ones its agreements may cover."""
    awards = pooling_awards(territory).filter(company_id=company.pk, lot_id=OuterRef("lot_id"))
    return Clause.objects.in_territory(territory).filter(Exists(awards))


def company_lines(territory, company, clause_ids):
    """The monthly lines whose hours count for ``company`` on the given clauses: its own placements, and staff
    provided by an inclusion employer on the lots it holds (see ``statements.reporting_company_id``)."""
    holder = LotAward.objects.filter(
        territory_id=territory.pk, lot_id=OuterRef("placement__clause__lot_id"), company=company, role=AwardRole.HOLDER
    )
    return MonthlyHours.objects.in_territory(territory).filter(
        Q(placement__employer_company=company) | Q(placement__employer_company__isnull=True) & Exists(holder),
        placement__clause_id__in=clause_ids,
    )


def agreement_allocations(agreement, territory):
    """The allocations made under ``agreement``: on a line of its company, on one of its clauses, in a month it is in
    force, credited to one of its clauses (the rule of ``hours.applicable_agreement_clauses``, seen from the agreement).

    An allocation that another agreement of the same company could also justify is counted here too: refusing a
    change is the safe side (the allocation is never silently orphaned)."""
    clause_ids = list(agreement.clauses.values_list("clause_id", flat=True))
    lines = company_lines(territory, agreement.company, clause_ids).filter(
        month__gte=first_of_month(agreement.start_date)
    )
    if agreement.end_date:
        lines = lines.filter(month__lte=agreement.end_date)
    return HoursAllocation.objects.in_territory(territory).filter(line__in=lines, clause_id__in=clause_ids)


def allocated_months(allocations):
    return sorted(set(allocations.values_list("line__month", flat=True)))


def months_allocated_on(allocations, clause):
    """Months whose allocations involve ``clause``: hours credited to it, or hours of its lines credited elsewhere."""
    return allocated_months(allocations.filter(Q(clause_id=clause.pk) | Q(line__placement__clause_id=clause.pk)))


def period_errors(start, end, months):
    """{field: message} when the period ``start``–``end`` would leave out a month whose hours are already allocated
    (an agreement is in force in a month when it is in force on one of its days)."""
    errors = {}
    if not months:
        return errors
    first, last = months[0], months[-1]
    if start and first_of_month(start) > first:
        errors["start_date"] = (
            f"Le début ne peut pas être postérieur à {month_label(first)} : des heures de ce mois sont déjà "
            "réparties au titre de l'accord. Modifiez d'abord ces répartitions."
        )
    if end and end < last:
        errors["end_date"] = (
            f"La date de fin ne peut pas précéder {month_label(last)} : des heures de ce mois sont déjà réparties au "
            f"titre de l'accord. Choisissez une date en {month_label(last)} ou après, ou modifiez d'abord ces "
            "répartitions."
        )
    return errors


# --- Forms ------------------------------------------------------------------------------------------------------------


class ClauseChoiceField(forms.ModelMultipleChoiceField):
    """Each clause with its market, lot and buyer, and the companies holding its lot (to pick the right ones)."""

    def label_from_instance(self, obj):
        label = clause_label(obj)
        holders = [
            f"{award.company.name} ({award.get_role_display().lower()})"
            for award in obj.lot.awards.all()
            if award.role in POOLING_ROLES
        ]
        return f"{label} — {', '.join(holders)}" if holders else label


class GlobalisationAgreementForm(DsfrBaseForm):
    """Creation (``agreement=None``: the company is chosen) or edit of an agreement (its company is fixed: another
    company is another agreement)."""

    company = forms.ModelChoiceField(
        label="Entreprise",
        queryset=Company.objects.none(),
        empty_label="—",
        help_text="Titulaire ou co-traitante d'au moins un lot portant une clause.",
        error_messages={
            "required": "Choisissez l'entreprise.",
            "invalid_choice": "Choisissez une entreprise titulaire ou co-traitante d'un lot portant une clause.",
        },
    )
    name = forms.CharField(
        label="Intitulé de l'accord", max_length=200, error_messages={"required": "Donnez un intitulé à l'accord."}
    )
    start_date = forms.DateField(
        label="Début", error_messages={**DATE_ERRORS, "required": "Indiquez la date de début."}, widget=DATE_WIDGET
    )
    end_date = forms.DateField(
        label="Fin",
        required=False,
        help_text="Facultative : sans date de fin, l'accord reste en vigueur.",
        error_messages=DATE_ERRORS,
        widget=DATE_WIDGET,
    )
    clauses = ClauseChoiceField(
        label="Clauses mises en commun",
        queryset=Clause.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Au moins deux clauses, chacune sur un lot dont l'entreprise est titulaire ou co-traitante.",
        error_messages={
            "required": "Cochez au moins deux clauses.",
            "invalid_choice": "Une clause cochée n'est pas proposée : cochez uniquement des clauses de la liste.",
        },
    )

    def __init__(self, *args, territory, agreement=None, **kwargs):
        self.territory = territory
        self.agreement = agreement
        if agreement is not None:
            kwargs["initial"] = {
                "name": agreement.name,
                "start_date": agreement.start_date,
                "end_date": agreement.end_date,
                "clauses": list(agreement.clauses.values_list("clause_id", flat=True)),
                **(kwargs.get("initial") or {}),
            }
        super().__init__(*args, **kwargs)
        if agreement is None:
            self.fields["company"].queryset = pooling_companies(territory)
            clauses = Clause.objects.in_territory(territory)
        else:
            del self.fields["company"]
            # The company's clauses, and those the agreement covers already (even if its award changed since).
            covered = agreement.clauses.values("clause_id")
            clauses = company_clauses(territory, agreement.company) | Clause.objects.in_territory(territory).filter(
                pk__in=covered
            )
        awards = LotAward.objects.select_related("company").order_by("role", "company__name")
        self.fields["clauses"].queryset = (
            clauses.select_related("lot__market__buyer")
            .prefetch_related(Prefetch("lot__awards", queryset=awards))
            .order_by("lot__market__reference", "lot__number", "legal_basis")
        )

    @property
    def chosen_company(self):
        return self.agreement.company if self.agreement is not None else self.cleaned_data.get("company")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "La date de fin doit être postérieure ou égale à la date de début.")
        clauses = cleaned.get("clauses")
        if clauses is not None:
            if len(clauses) < 2:
                self.add_error("clauses", "Un accord de globalisation met en commun au moins deux clauses.")
            elif self.chosen_company is not None:
                self.check_company_lots(self.chosen_company, clauses)
        if self.agreement is not None:
            self.check_allocations(start, end, clauses)
        return cleaned

    def check_company_lots(self, company, clauses):
        roles = {}
        for lot_id, role in (
            LotAward.objects.in_territory(self.territory)
            .filter(company=company, lot_id__in=[c.lot_id for c in clauses])
            .values_list("lot_id", "role")
        ):
            roles.setdefault(lot_id, set()).add(role)
        for clause in clauses:
            held = roles.get(clause.lot_id, set())
            if held & set(POOLING_ROLES):
                continue
            if AwardRole.SUBCONTRACTOR in held:
                message = (
                    f"{company.name} n'est que sous-traitant du lot de la clause « {clause_label(clause)} » : seuls "
                    "le titulaire et les co-traitants d'un lot peuvent en globaliser la clause."
                )
            else:
                message = f"{company.name} n'est pas attributaire du lot de la clause « {clause_label(clause)} »."
            self.add_error("clauses", message)

    def check_allocations(self, start, end, clauses):
        """An edit keeps every allocation already made under the agreement: no clause that received or gave hours is
        removed, and the period keeps every allocated month."""
        allocations = agreement_allocations(self.agreement, self.territory)
        if clauses is not None:
            kept = {c.pk for c in clauses}
            removed = [gc.clause for gc in self.removed_clauses(kept)]
            for clause in removed:
                months = months_allocated_on(allocations, clause)
                if months:
                    self.add_error(
                        "clauses",
                        f"La clause « {clause_label(clause)} » ne peut pas être retirée de l'accord : des heures sont "
                        f"déjà réparties sur elle ou depuis ses relevés en {months_label(months)}. Modifiez d'abord "
                        "ces répartitions (bouton « Répartir » des lignes concernées).",
                    )
        for field, message in period_errors(start, end, allocated_months(allocations)).items():
            if field not in self.errors:
                self.add_error(field, message)

    def removed_clauses(self, kept):
        return [
            gc
            for gc in self.agreement.clauses.select_related("clause__lot__market__buyer").order_by("pk")
            if gc.clause_id not in kept
        ]


class GlobalisationEndForm(DsfrBaseForm):
    """Ending an agreement: its end date, which must keep every month already allocated under it."""

    end_date = forms.DateField(
        label="Date de fin de l'accord",
        help_text="Dernier jour où l'accord s'applique : ses heures restent réparties jusqu'au mois de cette date.",
        error_messages={**DATE_ERRORS, "required": "Indiquez la date de fin de l'accord."},
        widget=DATE_WIDGET,
    )

    def __init__(self, *args, territory, agreement, **kwargs):
        self.territory = territory
        self.agreement = agreement
        super().__init__(*args, **kwargs)

    def clean_end_date(self):
        end = self.cleaned_data["end_date"]
        start = self.agreement.start_date
        if end < start:
            raise forms.ValidationError(
                f"La date de fin doit être postérieure ou égale à la date de début ({date_format(start, 'd/m/Y')})."
            )
        months = allocated_months(agreement_allocations(self.agreement, self.territory))
        error = period_errors(None, end, months).get("end_date")
        if error:
            raise forms.ValidationError(error)
        return end


class HoursAllocationForm(DsfrBaseForm):
    """One field per clause a line may be allocated to, prefilled with the current allocation."""

    def __init__(self, *args, clauses, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.clauses = list(clauses)
        for clause in self.clauses:
            self.fields[self.field_name(clause)] = forms.DecimalField(
                label=clause_label(clause),
                required=False,
                min_value=0,
                max_digits=6,
                decimal_places=2,
                localize=True,
                initial=current.get(clause.pk),
                help_text="Heures créditées à cette clause (vide : aucune).",
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                error_messages={
                    "invalid": "Saisissez un nombre d'heures (par exemple 12,5).",
                    "min_value": "Les heures ne peuvent pas être négatives.",
                    "max_decimal_places": "Deux décimales au plus.",
                    "max_digits": "Ce nombre d'heures est trop grand.",
                    "max_whole_digits": "Ce nombre d'heures est trop grand.",
                },
            )

    @staticmethod
    def field_name(clause):
        return f"clause_{clause.pk}"

    def shares(self):
        """{clause: hours} for the clauses with a positive share (the ones left empty or at zero are dropped)."""
        return {
            clause: self.cleaned_data[self.field_name(clause)]
            for clause in self.clauses
            if self.cleaned_data.get(self.field_name(clause))
        }
