"""Monthly statements: the company's portal (months owed, entering and submitting hours) and the facilitator's review
(validate, send back with a comment, reopen with a reason). The workflow itself is ``clauses.statements``."""

import contextlib
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView, View
from django_filters.views import FilterView
from dsfr.forms import DsfrBaseForm

from accounts.enums import ROLES_SEEING_PARTICIPANTS, Role
from accounts.mixins import TerritoryMixin
from markets.models import CompanyMember

from . import statements
from .enums import StatementStatus
from .filters_statements import StatementFilter
from .models import Clause, MonthlyHours, Placement, Statement, StatementNotificationKind
from .tasks_statements import queue_statement_email

STATEMENT_ROLES = frozenset({Role.COMPANY, *ROLES_SEEING_PARTICIPANTS})
COMPANY_EDITABLE = (StatementStatus.DRAFT, StatementStatus.RETURNED)
STAFF_EDITABLE = (StatementStatus.DRAFT, StatementStatus.RETURNED, StatementStatus.SUBMITTED)
COMPANY_ACTIONS = frozenset({"save", "submit"})
STAFF_ACTIONS = frozenset({"save", "validate", "send_back", "reopen"})
STALE_MESSAGE = (
    "Ce relevé a été modifié entre-temps par quelqu'un d'autre : rien n'a été enregistré. "
    "La page affiche maintenant son état actuel (vos saisies sont conservées) ; vérifiez-le puis recommencez."
)
CONFLICT_MESSAGE = (
    "Quelqu'un d'autre a modifié ces heures pendant votre saisie : ses valeurs ont été conservées ({saved}). "
    "Enregistrez à nouveau pour les remplacer par les vôtres."
)
SUCCESS_MESSAGES = {
    "save": "Relevé enregistré.",
    "submit": "Relevé transmis au facilitateur. Vous serez informé·e par e-mail de sa validation.",
    "validate": "Relevé validé : ses heures sont verrouillées.",
    "send_back": "Relevé renvoyé à l'entreprise avec votre commentaire.",
    "reopen": "Relevé rouvert : ses heures peuvent de nouveau être modifiées.",
}
EVENTS = {
    "submit": StatementNotificationKind.SUBMITTED,
    "validate": StatementNotificationKind.VALIDATED,
    "send_back": StatementNotificationKind.RETURNED,
}


def company_of(membership):
    """The company a company contact acts for (None when the membership is not linked to one)."""
    if membership.role != Role.COMPANY:
        return None
    member = CompanyMember.objects.select_related("company").filter(membership=membership).first()
    return member.company if member else None


def hours_text(value):
    """Hours as a person types them: Decimal("120.00") → "120", Decimal("12.50") → "12,5"."""
    if value is None:
        return ""
    value = Decimal(value)
    value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return format(value, "f").replace(".", ",")


# --- List ------------------------------------------------------------------------------------------------------------


class StatementListView(TerritoryMixin, FilterView):
    """Company contact: the months it owes per clause and its statements. Staff: the statements to review."""

    allowed_roles = STATEMENT_ROLES
    template_name = "clauses/statement_list.html"
    filterset_class = StatementFilter
    paginate_by = 50
    context_object_name = "statements"

    def dispatch(self, request, *args, **kwargs):
        self.is_staff = request.membership is not None and request.membership.role in ROLES_SEEING_PARTICIPANTS
        return super().dispatch(request, *args, **kwargs)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        if not self.is_staff:
            kwargs["data"] = None  # a company lists all its statements: no filters
        return kwargs

    def get_queryset(self):
        statements_ = self.visible(Statement).select_related("company", "clause__lot__market__buyer")
        if self.is_staff:
            to_review_first = Case(
                When(status=StatementStatus.SUBMITTED, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
            return statements_.order_by(to_review_first, "-month", "company__name", "pk")
        return statements_.order_by("-month", "clause__lot__market__reference", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_staff"] = self.is_staff
        context["owed"] = [] if self.is_staff else self.months_owed_by_clause()
        return context

    def months_owed_by_clause(self):
        company = company_of(self.membership)
        if company is None:
            return []
        owed = statements.months_owed(company, timezone.localdate())
        if not owed:
            return []
        clauses = {
            clause.pk: clause
            for clause in self.visible(Clause)
            .filter(pk__in={clause_id for clause_id, _ in owed})
            .select_related("lot__market__buyer")
        }
        grouped = {}
        for clause_id, month in owed:
            if clause_id in clauses:
                grouped.setdefault(clause_id, {"clause": clauses[clause_id], "months": []})["months"].append(month)
        return sorted(grouped.values(), key=lambda item: (item["clause"].lot.market.reference, item["clause"].pk))


# --- Start -----------------------------------------------------------------------------------------------------------


def reporting_company_ids(clause, month):
    """The companies whose statement carries at least one placement of ``clause`` active in ``month``."""
    holder_id = statements.holder_company_id(clause)
    placements = statements.placements_active_in(clause, month).only("pk", "clause_id", "employer_company_id")
    return {statements.reporting_company_id(placement, holder_id) for placement in placements} - {None}


class StatementStartView(TerritoryMixin, View):
    """Open (get or create) the statement of a clause and month: for a company, a month it owes; for staff, a month in
    which the given company reports placements on the clause."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        # The clause first: one the member may not see is a 404 whatever the role (nothing confirms it exists).
        clause = Clause.objects.get_visible_or_404(self.membership, pk=kwargs["clause_pk"])
        if self.membership.role not in STATEMENT_ROLES:
            raise PermissionDenied("Cette page n'est pas accessible avec votre rôle.")
        month = kwargs["month"]
        if self.membership.role == Role.COMPANY:
            company = company_of(self.membership)
            if company is None:
                raise Http404("Aucune entreprise n'est rattachée à votre compte.")
            if (clause.pk, month) not in statements.months_owed(company, timezone.localdate(), clauses=[clause]):
                raise Http404("Aucun relevé n'est attendu de votre entreprise pour ce mois.")
            company_id = company.pk
        else:
            if month > statements.first_of_month(timezone.localdate()):
                raise Http404("Ce mois n'est pas encore commencé.")
            reporting = reporting_company_ids(clause, month)
            company_id = request.POST.get("company") or (next(iter(reporting)) if len(reporting) == 1 else None)
            try:
                company_id = int(company_id)
            except (TypeError, ValueError) as exc:
                raise Http404("Indiquez l'entreprise du relevé.") from exc
            if company_id not in reporting:
                raise Http404("Cette entreprise n'a aucune mise en emploi sur cette clause ce mois-là.")
        statement = statements.statement_for(clause, company_id, month)
        return redirect(statement_url(statement))


def statement_url(statement):
    return reverse("clauses:statement_detail", kwargs={"territory_code": statement.territory.code, "pk": statement.pk})


# --- Detail and review -----------------------------------------------------------------------------------------------


class SendBackForm(DsfrBaseForm):
    comment = forms.CharField(
        label="Commentaire pour l'entreprise",
        help_text="Ce qu'elle doit corriger ; il lui est envoyé par e-mail et reste dans l'historique.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Expliquez à l'entreprise ce qu'elle doit corriger."},
    )


class ReopenForm(DsfrBaseForm):
    reason = forms.CharField(
        label="Motif de la réouverture",
        help_text="Il reste dans l'historique du relevé.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Indiquez pourquoi ce relevé validé doit être rouvert."},
    )


@dataclass
class Row:
    """One line of the statement: a placement of the company, its saved line (if any) and what is shown in the
    inputs (the saved values, or what the person typed when the page comes back with an error)."""

    placement: object
    line: object
    editable: bool
    hours_worked: str = ""
    training_hours: str = ""
    version: int = 0
    errors: list = field(default_factory=list)

    @property
    def key(self):
        return self.placement.pk


class StatementDetailView(TerritoryMixin, TemplateView):
    # No ``allowed_roles``: buyers and the committee see no statement (visibility rule), so they get a 404 that does
    # not confirm the statement exists; a company contact gets a 404 for another company's statement.
    template_name = "clauses/statement_detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.is_staff = request.membership is not None and request.membership.role in ROLES_SEEING_PARTICIPANTS
        return super().dispatch(request, *args, **kwargs)

    # Loading ---------------------------------------------------------------------------------------------------------

    def get_statement(self, *, lock=False):
        queryset = Statement.objects.select_related(
            "territory",
            "company",
            "clause__lot__market__buyer",
            "clause__facilitator",
            "submitted_by",
            "reviewed_by",
        )
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        return queryset.get_visible_or_404(self.membership, pk=self.kwargs["pk"])

    def is_editable(self, statement):
        return statement.status in (STAFF_EDITABLE if self.is_staff else COMPANY_EDITABLE)

    def build_rows(self, statement):
        """The placements the statement's company reports on its clause that month (its employees, and staff provided
        by an inclusion employer when it holds the lot), plus any placement already carrying a line of it."""
        clause, month = statement.clause, statement.month
        holder_id = statements.holder_company_id(clause)
        reporting = Q(employer_company_id=statement.company_id)
        if holder_id == statement.company_id:
            reporting |= Q(employer_company__isnull=True)
        active = statements.placements_active_in(clause, month).filter(reporting)
        placements = (
            Placement.objects.filter(territory_id=statement.territory_id, clause_id=clause.pk)
            .filter(Q(pk__in=active.values("pk")) | Q(monthly_hours__statement=statement))
            .distinct()
            .select_related("participant", "employer_company", "employer_inclusion")
            .order_by("participant__last_name", "participant__first_name", "start_date", "pk")
        )
        placements = list(placements)
        lines = {
            line.placement_id: line
            for line in MonthlyHours.objects.filter(
                territory_id=statement.territory_id, month=month, placement_id__in=[p.pk for p in placements]
            )
        }
        editable = self.is_editable(statement)
        next_month = statements.next_month(month)
        rows = []
        for placement in placements:
            line = lines.get(placement.pk)
            active_in_month = placement.start_date < next_month and (
                placement.end_date is None or placement.end_date >= month
            )
            reports = statements.reporting_company_id(placement, holder_id) == statement.company_id
            rows.append(
                Row(
                    placement=placement,
                    line=line,
                    editable=editable and active_in_month and reports,
                    hours_worked=hours_text(line.hours_worked) if line else "",
                    training_hours=hours_text(line.training_hours) if line else "",
                    version=line.version if line else 0,
                )
            )
        return rows

    def history(self, statement):
        records = statement.history.select_related("history_user").order_by("-history_date", "-history_id")
        return [
            {
                "date": record.history_date,
                "user": record.history_user,
                "action": "Relevé ouvert" if record.history_type == "+" else record.get_status_display(),
                "reason": record.history_change_reason or "",
            }
            for record in records
        ]

    def lines_history(self, statement):
        """Every change of the hours of this statement's lines: who, when, from what to what, and why."""
        records = (
            MonthlyHours.history.filter(territory_id=statement.territory_id, statement_id=statement.pk)
            .select_related("history_user", "placement__participant")
            .order_by("placement_id", "history_date", "history_id")
        )
        changes, previous = [], {}
        for record in records:
            values = (record.hours_worked, record.training_hours)
            before = previous.get(record.placement_id)
            previous[record.placement_id] = values
            if before == values:
                continue  # a status change mirrored from the statement: in the statement's history
            changes.append(
                {
                    "date": record.history_date,
                    "user": record.history_user,
                    "participant": record.placement.participant,
                    "before": before,
                    "after": values,
                    "reason": record.history_change_reason or "",
                }
            )
        changes.sort(key=lambda change: change["date"], reverse=True)
        return changes

    # Rendering -------------------------------------------------------------------------------------------------------

    def get(self, request, *args, **kwargs):
        statement = self.get_statement()
        return self.render_to_response(self.get_context_data(statement=statement, rows=self.build_rows(statement)))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        statement = context["statement"]
        status = statement.status
        context.update(
            {
                "is_staff": self.is_staff,
                "editable": self.is_editable(statement),
                "can_submit": not self.is_staff and status in COMPANY_EDITABLE,
                "can_validate": self.is_staff and status in (StatementStatus.SUBMITTED, StatementStatus.DRAFT),
                "can_send_back": self.is_staff and status == StatementStatus.SUBMITTED,
                "can_reopen": self.is_staff and status == StatementStatus.VALIDATED,
                "history": self.history(statement),
                "lines_history": self.lines_history(statement),
            }
        )
        context.setdefault("errors", [])
        context.setdefault("send_back_form", SendBackForm(prefix="send_back"))
        context.setdefault("reopen_form", ReopenForm(prefix="reopen"))
        context["has_editable_rows"] = any(row.editable for row in context["rows"])
        return context

    # Actions ---------------------------------------------------------------------------------------------------------

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "")
        if action not in (STAFF_ACTIONS if self.is_staff else COMPANY_ACTIONS):
            # Also what a company contact gets for a reviewer's action on its own statement.
            self.get_statement()  # 404 first when the statement is not visible
            return self.render_error(["Cette action n'est pas possible avec votre rôle."], status=403)
        rejection = None
        try:
            with transaction.atomic():
                statement = self.get_statement(lock=True)
                statement = self.apply(action, statement)
        except Rejected as exc:
            rejection = exc
        if rejection is not None:
            # The comment or reason typed is kept, whatever refused the action.
            if action == "send_back":
                rejection.context.setdefault("send_back_form", SendBackForm(request.POST, prefix="send_back"))
            elif action == "reopen":
                rejection.context.setdefault("reopen_form", ReopenForm(request.POST, prefix="reopen"))
            return self.render_error(rejection.errors, status=rejection.status, **rejection.context)
        if action in EVENTS:
            queue_statement_email(statement, EVENTS[action])
        messages.success(request, SUCCESS_MESSAGES[action])
        return redirect(statement_url(statement))

    def apply(self, action, statement):
        """Perform ``action`` on the locked ``statement``; raise ``Rejected`` (nothing is written) otherwise."""
        data = self.request.POST
        try:
            version = int(data.get("version", ""))
        except ValueError:
            version = None
        if version != statement.version:
            raise Rejected([STALE_MESSAGE], status=409)
        user = self.request.user
        if action in ("save", "submit", "validate"):
            self.save_hours(statement, required=action == "save")
        try:
            if action == "submit":
                return statements.submit(statement, user, expected_version=version)
            if action == "validate":
                return statements.validate(statement, user, expected_version=version)
            if action == "send_back":
                form = SendBackForm(data, prefix="send_back")
                if not form.is_valid():
                    raise Rejected([], send_back_form=form)
                return statements.send_back(statement, user, form.cleaned_data["comment"], expected_version=version)
            if action == "reopen":
                form = ReopenForm(data, prefix="reopen")
                if not form.is_valid():
                    raise Rejected([], reopen_form=form)
                return statements.reopen(statement, user, form.cleaned_data["reason"], expected_version=version)
        except statements.TransitionError as exc:
            raise Rejected([str(exc)]) from exc
        return statement

    def save_hours(self, statement, *, required):
        """Save the typed hours of the editable rows (all or nothing)."""
        if not self.is_editable(statement):
            if required:
                status = statement.get_status_display().lower()
                raise Rejected([f"Ce relevé est {status} : ses heures ne peuvent pas être modifiées."])
            return
        data = self.request.POST
        rows = [row for row in self.build_rows(statement) if row.editable]
        entries = []
        for row in rows:
            if f"hours_worked-{row.key}" not in data and f"training_hours-{row.key}" not in data:
                continue  # not on the page the person sent: left as it is
            try:
                version = int(data.get(f"version-{row.key}", "0") or 0)
            except ValueError:
                version = -1  # tampered: a conflict, never an overwrite
            entries.append(
                statements.Entry(
                    placement_id=row.key,
                    hours_worked=data.get(f"hours_worked-{row.key}", ""),
                    training_hours=data.get(f"training_hours-{row.key}", ""),
                    version=version,
                )
            )
        result = statements.save_month(
            statement.clause,
            statement.month,
            entries,
            self.request.user,
            company_id=statement.company_id,
            allowed_statuses=STAFF_EDITABLE if self.is_staff else COMPANY_EDITABLE,
        )
        if not result.ok:
            count = len(result.errors) + len(result.conflicts)
            raise Rejected(
                [
                    f"{count} ligne{'s' if count > 1 else ''} à corriger : rien n'a été enregistré. "
                    "Vos saisies sont conservées ci-dessous."
                ],
                row_errors=result.errors,
                conflicts=result.conflicts,
            )

    def render_error(self, errors, *, status=200, row_errors=None, conflicts=(), **forms_):
        """The page again, with the messages, the typed values kept and each row's errors."""
        statement = self.get_statement()
        rows = self.build_rows(statement)
        data = self.request.POST
        row_errors = row_errors or {}
        for row in rows:
            if not row.editable:
                continue
            row.hours_worked = data.get(f"hours_worked-{row.key}", row.hours_worked)
            row.training_hours = data.get(f"training_hours-{row.key}", row.training_hours)
            row.errors = list(row_errors.get(row.key, []))
            if row.key in conflicts:
                saved = (
                    f"{hours_text(row.line.hours_worked)} h travaillées, {hours_text(row.line.training_hours)} h "
                    "de formation"
                    if row.line
                    else "aucune ligne"
                )
                row.errors.append(CONFLICT_MESSAGE.format(saved=saved))
            else:
                with contextlib.suppress(ValueError):
                    row.version = int(data.get(f"version-{row.key}", row.version))
        context = self.get_context_data(statement=statement, rows=rows, errors=errors, **forms_)
        return self.render_to_response(context, status=status)


class Rejected(Exception):
    """An action refused: nothing written; the page comes back with these messages."""

    def __init__(self, errors, *, status=200, **context):
        super().__init__(errors)
        self.errors = errors
        self.status = status
        self.context = context
