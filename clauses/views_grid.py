"""The facilitator's monthly grid of hours, a clause's progress, and the facilitator's hours dashboard.

The grid reads and writes through ``clauses.statements`` (``placements_active_in``, ``save_month``) and shows each
line's status with ``clauses.hours`` (``with_eligibility``, ``pending_reason``); the progress page draws
``clauses.progress.clause_progress``. Nothing here decides what counts.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.generic import TemplateView

from accounts.enums import ROLES_SEEING_PARTICIPANTS, Role
from accounts.mixins import TerritoryMixin
from markets.enums import AwardRole
from markets.models import Company, LotAward

from .converters import MonthConverter
from .enums import StatementStatus
from .hours import MAX_MONTHLY_HOURS, counted_hours_subquery, pending_reason, with_eligibility
from .models import Clause, MonthlyHours, Placement, Statement
from .progress import LATE_THRESHOLD, clause_progress, expected_hours, is_late
from .statements import (
    Entry,
    SaveResult,
    first_of_month,
    holder_company_id,
    next_month,
    parse_hours,
    placements_active_in,
    previous_month,
    reporting_company_id,
    save_month,
)

WORKED_LABEL = "Heures travaillées"
TRAINING_LABEL = "Heures de formation"

STATUS_BADGES = {
    StatementStatus.DRAFT: "fr-badge--info",
    StatementStatus.SUBMITTED: "fr-badge--new",
    StatementStatus.VALIDATED: "fr-badge--success",
    StatementStatus.RETURNED: "fr-badge--warning",
}

MONTH_PATTERN = re.compile(rf"^{MonthConverter.regex}$")
URL_PK_PLACEHOLDER = 987654321


def today():
    """The current date in the territory's time zone (a function, so tests can set the day)."""
    return timezone.localdate()


def format_hours(value):
    """A number of hours as a person types it: ``Decimal("12.50")`` → ``"12,5"``, ``Decimal("120.00")`` → ``"120"``."""
    if value is None:
        return ""
    text = f"{Decimal(value).quantize(Decimal('0.01')):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def month_label(month):
    return date_format(month, "F Y")


def grid_url(territory, clause_id, month):
    return reverse("clauses:hours_grid", kwargs={"territory_code": territory.code, "pk": clause_id, "month": month})


def progress_url(territory, clause_id):
    return reverse("clauses:clause_progress", kwargs={"territory_code": territory.code, "pk": clause_id})


# --- The monthly grid -------------------------------------------------------------------------------------------


@dataclass
class Conflict:
    """Someone else changed a line after the user loaded it: their values are kept, the user's are shown."""

    their_worked: str
    their_training: str
    your_worked: str
    your_training: str
    by: str = ""
    at: object = None


@dataclass
class GridRow:
    """One placement of the grid: what is saved, what the user typed, and what went wrong.

    What the template shows is computed once here, as plain attributes (a 200-row grid renders thousands of them).
    """

    placement: Placement
    line: MonthlyHours | None
    previous: MonthlyHours | None
    statement: Statement | None
    participant_url: str = ""
    worked: str = ""
    training: str = ""
    version: int = 0
    orig_worked: str = ""
    orig_training: str = ""
    worked_error: str = ""
    training_error: str = ""
    row_errors: list = field(default_factory=list)
    conflict: Conflict | None = None
    copied: bool = False

    def __post_init__(self):
        placement, line, previous, statement = self.placement, self.line, self.previous, self.statement
        self.pk = placement.pk
        self.key = str(placement.pk)
        self.name = str(placement.participant)
        self.employer_name = str(placement.employer)
        self.contract_label = placement.get_contract_kind_display()
        self.status = line.status if line is not None else (statement.status if statement else None)
        self.status_label = StatementStatus(self.status).label if self.status else "Non saisi"
        self.status_badge = STATUS_BADGES.get(self.status, "fr-badge--no-icon")
        # A validated statement is locked: correcting it needs an explicit reopen.
        self.locked = self.status == StatementStatus.VALIDATED
        if line is not None and line.statement_id:
            self.statement_id = line.statement_id
        else:
            self.statement_id = statement.pk if statement else None
        self.pending_reason = (
            "Aucune heure saisie pour ce mois" if line is None else pending_reason(line, line.is_eligible)
        )
        self.counts = line is not None and self.pending_reason is None
        self.previous_worked = format_hours(previous.hours_worked) if previous else ""
        self.previous_training = format_hours(previous.training_hours) if previous else ""
        self.previous_label = f"{self.previous_worked} h / {self.previous_training} h" if previous else "—"
        self.reset_to_saved()

    def __getitem__(self, name):
        # The template engine tries ``row[name]`` before ``row.name``: answering it spares an exception per lookup.
        return getattr(self, name)

    def reset_to_saved(self):
        line = self.line
        self.worked = self.orig_worked = format_hours(line.hours_worked) if line else ""
        self.training = self.orig_training = format_hours(line.training_hours) if line else ""
        self.version = line.version if line else 0

    @property
    def participant(self):
        return self.placement.participant

    @property
    def has_errors(self):
        return bool(self.worked_error or self.training_error or self.row_errors or self.conflict)

    def take_posted(self, data):
        """What the user typed for this row (a row absent from the form keeps its saved values)."""
        if f"worked-{self.pk}" not in data and f"training-{self.pk}" not in data:
            return False
        self.worked = data.get(f"worked-{self.pk}", "")
        self.training = data.get(f"training-{self.pk}", "")
        self.orig_worked, _, self.orig_training = data.get(f"orig-{self.pk}", "").partition(";")
        try:
            self.version = int(data.get(f"version-{self.pk}", ""))
        except ValueError:
            self.version = -1  # tampered with: treated as a conflict by save_month, never as a blind overwrite
        return True

    def is_changed(self):
        """Whether the user changed this row since loading the page (unchanged rows are not sent, so that someone
        else's change to a row the user did not touch is not a conflict)."""
        if self.version == 0:
            return bool(self.worked.strip() or self.training.strip())
        for typed, original in ((self.worked, self.orig_worked), (self.training, self.orig_training)):
            typed_value, error = parse_hours(typed, "")
            original_value, _ = parse_hours(original, "")
            if error or typed_value != original_value:
                return True
        return False

    def entry(self):
        return Entry(placement_id=self.pk, hours_worked=self.worked, training_hours=self.training, version=self.version)

    def attach_errors(self, errors):
        """Put each message of ``save_month`` next to the cell it is about (same ``parse_hours`` messages)."""
        _, worked_error = parse_hours(self.worked, WORKED_LABEL)
        _, training_error = parse_hours(self.training, TRAINING_LABEL)
        for message in errors:
            if worked_error and message == worked_error:
                self.worked_error = message
            elif training_error and message == training_error:
                self.training_error = message
            else:
                self.row_errors.append(message)


def load_grid(territory, clause, month):
    """The rows of a clause's grid for ``month``: a constant number of queries, whatever the placements."""
    before = previous_month(month)
    placements = list(
        placements_active_in(clause, month)
        .select_related("participant", "employer_company", "employer_inclusion")
        .order_by("participant__last_name", "participant__first_name", "start_date", "pk")
    )
    current, previous = {}, {}
    lines = with_eligibility(
        MonthlyHours.objects.filter(
            territory_id=clause.territory_id, placement__clause=clause, month__in=(before, month)
        )
    )
    for line in lines:
        (current if line.month == month else previous)[line.placement_id] = line
    statements = {
        s.company_id: s
        for s in Statement.objects.filter(territory_id=clause.territory_id, clause=clause, month=month).only(
            "pk", "company_id", "status", "clause_id", "month"
        )
    }
    holder_id = holder_company_id(clause) if any(p.employer_company_id is None for p in placements) else None
    # One reverse() for every row: the participant's page differs by its id only.
    url = reverse("clauses:participant_detail", kwargs={"territory_code": territory.code, "pk": URL_PK_PLACEHOLDER})
    return [
        GridRow(
            placement=p,
            line=current.get(p.pk),
            previous=previous.get(p.pk),
            statement=statements.get(reporting_company_id(p, holder_id)),
            participant_url=url.replace(f"/{URL_PK_PLACEHOLDER}/", f"/{p.participant_id}/"),
        )
        for p in placements
    ]


def describe_conflicts(rows, territory_id):
    """Who changed each conflicting line last, and when (one query)."""
    ids = [row.line.pk for row in rows if row.conflict and row.line is not None]
    if not ids:
        return
    latest = {}
    history = (
        MonthlyHours.history.filter(territory_id=territory_id, id__in=ids)
        .select_related("history_user")
        .order_by("id", "-history_date")
    )
    for record in history:
        latest.setdefault(record.id, record)
    for row in rows:
        record = latest.get(row.line.pk) if row.conflict and row.line is not None else None
        if record is not None:
            user = record.history_user
            row.conflict.by = (user.get_full_name() or user.email) if user else ""
            row.conflict.at = record.history_date


class HoursGridView(TerritoryMixin, TemplateView):
    """Saisie mensuelle des heures d'une clause: one row per placement active in the month."""

    template_name = "clauses/hours_grid.html"
    staff_roles = ROLES_SEEING_PARTICIPANTS

    def dispatch(self, request, *args, **kwargs):
        # The clause first: one the member may not see is a 404 whatever the role (nothing confirms it exists);
        # then the role: a visible clause is a 403 for the roles that do not enter hours.
        self.month = first_of_month(kwargs["month"])
        self.clause = Clause.objects.select_related("lot__market__buyer", "facilitator").get_visible_or_404(
            request.membership, pk=kwargs["pk"]
        )
        if request.membership.role not in self.staff_roles:
            raise PermissionDenied("Cette page n'est pas accessible avec votre rôle.")
        return super().dispatch(request, *args, **kwargs)

    def url(self, month=None):
        return grid_url(self.territory, self.clause.pk, month or self.month)

    def get(self, request, *args, **kwargs):
        picked = request.GET.get("mois")
        picker_error = ""
        if picked is not None:
            picked = picked.strip()
            if MONTH_PATTERN.match(picked):
                return redirect(self.url(MonthConverter().to_python(picked)))
            picker_error = "Indiquez un mois au format AAAA-MM, par exemple 2026-03."
        rows = load_grid(self.territory, self.clause, self.month)
        return self.render_grid(rows, picker_value=picked or "", picker_error=picker_error)

    def post(self, request, *args, **kwargs):
        rows = load_grid(self.territory, self.clause, self.month)
        posted = {row.pk for row in rows if not row.locked and row.take_posted(request.POST)}
        if request.POST.get("action") == "copy":
            return self.copy_previous_month(rows)

        sent = [row for row in rows if row.pk in posted and row.is_changed()]
        locked_meanwhile = self.typed_into_locked_rows(rows, request.POST)
        if locked_meanwhile:  # all or nothing, like save_month: say which typing could not be kept
            result = SaveResult(errors={row.pk: [self.locked_message(row)] for row in locked_meanwhile})
            return self.render_failure({row.pk: row for row in sent + locked_meanwhile}, result)
        if not sent:
            messages.info(request, "Aucune modification à enregistrer.")
            return redirect(self.url())
        result = save_month(self.clause, self.month, [row.entry() for row in sent], request.user)
        if not result.ok:
            return self.render_failure({row.pk: row for row in sent}, result)
        parts = []
        if result.created:
            parts.append(f"{result.created} ligne{pluralize(result.created)} ajoutée{pluralize(result.created)}")
        if result.updated:
            parts.append(f"{result.updated} ligne{pluralize(result.updated)} modifiée{pluralize(result.updated)}")
        detail = f" ({', '.join(parts)})" if parts else ""
        messages.success(request, f"Heures de {month_label(self.month)} enregistrées{detail}.")
        return redirect(self.url())

    @staticmethod
    def typed_into_locked_rows(rows, data):
        """Rows editable when the user loaded the page, validated since, where the user changed something."""
        typed = []
        for row in rows:
            if not row.locked:
                continue
            probe = GridRow(placement=row.placement, line=row.line, previous=None, statement=row.statement)
            if probe.take_posted(data) and probe.is_changed():
                typed.append(probe)
        return typed

    @staticmethod
    def locked_message(row):
        return (
            f"Relevé validé entre-temps : votre saisie ({row.worked or '0'} h travaillées, {row.training or '0'} h "
            "de formation) n'a pas été enregistrée. Pour corriger ces heures, rouvrez le relevé."
        )

    def copy_previous_month(self, rows):
        copied = 0
        for row in rows:
            if row.locked or row.previous is None:
                continue
            row.worked, row.training = row.previous_worked, row.previous_training
            row.copied = True
            copied += 1
        if copied:
            notice = (
                f"Valeurs de {month_label(previous_month(self.month))} recopiées sur {copied} "
                f"ligne{'s' if copied > 1 else ''} : vérifiez-les, puis enregistrez. Rien n'est enregistré pour "
                "l'instant."
            )
        else:
            notice = f"Aucune heure saisie en {month_label(previous_month(self.month))} à recopier."
        return self.render_grid(rows, notice=notice)

    def render_failure(self, sent, result):
        """Nothing was saved: show the saved state, with the user's typing kept where it was sent, each error next
        to its cell, and for conflicts the other person's values (kept) beside the user's (not saved)."""
        rows = load_grid(self.territory, self.clause, self.month)
        for row in rows:
            typed = sent.get(row.pk)
            if typed is None:  # untouched by the user: the saved values, someone else's changes included
                continue
            if row.locked:  # validated meanwhile: a locked row has no input to keep the typing in
                row.row_errors.extend(result.errors.get(row.pk, []))
                if row.pk in result.conflicts or not row.row_errors:
                    row.row_errors.append(self.locked_message(typed))
                continue
            if row.pk in result.conflicts:
                row.conflict = Conflict(
                    their_worked=row.worked or "0",
                    their_training=row.training or "0",
                    your_worked=typed.worked or "0",
                    your_training=typed.training or "0",
                )
                continue
            row.worked, row.training, row.version = typed.worked, typed.training, typed.version
            row.orig_worked, row.orig_training = typed.orig_worked, typed.orig_training
            row.attach_errors(result.errors.get(row.pk, []))
        describe_conflicts(rows, self.clause.territory_id)
        return self.render_grid(rows)

    def render_grid(self, rows, *, picker_value="", picker_error="", notice=""):
        summary = []
        for row in rows:
            name = str(row.participant)
            if row.conflict:
                summary.append((f"worked-{row.pk}", f"{name} — modifiée entre-temps par quelqu'un d'autre"))
            if row.worked_error:
                summary.append((f"worked-{row.pk}", f"{name} — {row.worked_error}"))
            if row.training_error:
                summary.append((f"training-{row.pk}", f"{name} — {row.training_error}"))
            for message in row.row_errors:
                target = f"row-{row.pk}" if row.locked else f"worked-{row.pk}"
                summary.append((target, f"{name} — {message}"))
        conflicts = sum(1 for row in rows if row.conflict)
        market = self.clause.lot.market
        context = self.get_context_data(
            clause=self.clause,
            lot=self.clause.lot,
            market=market,
            month=self.month,
            month_value=MonthConverter().to_url(self.month),
            previous_month=previous_month(self.month),
            next_month=next_month(self.month),
            previous_url=self.url(previous_month(self.month)),
            next_url=self.url(next_month(self.month)),
            progress_url=progress_url(self.territory, self.clause.pk),
            rows=rows,
            editable_count=sum(1 for row in rows if not row.locked),
            copyable=any(not row.locked and row.previous is not None for row in rows),
            summary=summary,
            conflicts=conflicts,
            error_count=len(summary) - conflicts,
            max_hours=MAX_MONTHLY_HOURS,
            notice=notice,
            picker_value=picker_value or MonthConverter().to_url(self.month),
            picker_error=picker_error,
            out_of_period=self.month < first_of_month(self.clause.start_date)
            or (self.clause.end_date is not None and self.month > first_of_month(self.clause.end_date)),
        )
        return self.render_to_response(context)


# --- Progress of a clause ---------------------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT = 720, 300
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 72, 16, 16, 48


def _nice_ceiling(value):
    """A round scale maximum at or above ``value`` (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × a power of ten)."""
    value = float(value)
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1)
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover


def progress_chart(progress, current_month):
    """Geometry of a server-rendered SVG: cumulative counted hours (bars, up to ``current_month``) with cumulative
    pending hours stacked on top, the expected cumulative pace (a line) and the hours required (a horizontal rule)."""
    rows = progress.months
    if not rows:
        return None
    plot_width = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    pending_cumulative = Decimal(0)
    stacks = []
    for row in rows:
        pending_cumulative += row.pending
        stacks.append((row, pending_cumulative))
    highest = max(
        [progress.required]
        + [row.cumulative + pending for row, pending in stacks]
        + [row.expected_cumulative for row in rows]
    )
    scale = _nice_ceiling(highest)

    def y(value):
        return CHART_TOP + plot_height - float(value) / scale * plot_height

    slot = plot_width / len(rows)
    bar_width = max(slot * 0.7, 1)
    label_every = max(1, round(len(rows) / 12))
    bars, points = [], []
    for index, (row, pending) in enumerate(stacks):
        x = CHART_LEFT + index * slot + (slot - bar_width) / 2
        counted_top = y(row.cumulative)
        pending_top = y(row.cumulative + pending)
        bars.append(
            {
                "drawn": row.month <= current_month,
                "x": f"{x:.1f}",
                "width": f"{bar_width:.1f}",
                "counted_y": f"{counted_top:.1f}",
                "counted_height": f"{CHART_TOP + plot_height - counted_top:.1f}",
                "pending_y": f"{pending_top:.1f}",
                "pending_height": f"{counted_top - pending_top:.1f}",
                "label": date_format(row.month, "M y") if index % label_every == 0 else "",
                "label_x": f"{x + bar_width / 2:.1f}",
            }
        )
        points.append(f"{CHART_LEFT + index * slot + slot / 2:.1f},{y(row.expected_cumulative):.1f}")
    ticks = [
        {"y": f"{y(scale * share):.1f}", "label": f"{scale * share:,.0f}".replace(",", "\u202f")}
        for share in (0, 0.25, 0.5, 0.75, 1)
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "right": CHART_WIDTH - CHART_RIGHT,
        "baseline": f"{CHART_TOP + plot_height:.1f}",
        "label_y": f"{CHART_TOP + plot_height + 20:.1f}",
        "bars": bars,
        "expected_points": " ".join(points),
        "required_y": f"{y(progress.required):.1f}",
        "ticks": ticks,
    }


class ClauseProgressView(TerritoryMixin, TemplateView):
    """Avancement d'une clause: every role that may see the clause; aggregates only, no names."""

    template_name = "clauses/clause_progress.html"

    def get_context_data(self, **kwargs):
        clause = Clause.objects.select_related("lot__market__buyer", "facilitator").get_visible_or_404(
            self.membership, pk=self.kwargs["pk"]
        )
        day = today()
        progress = clause_progress(clause, day)
        last_month = previous_month(first_of_month(day))
        cumulative_pending = Decimal(0)
        month_rows = []
        for row in progress.months:
            cumulative_pending += row.pending
            month_rows.append(
                {
                    "row": row,
                    "cumulative_pending": cumulative_pending,
                    "is_future": row.month > last_month,
                    "grid_url": grid_url(self.territory, clause.pk, row.month),
                }
            )
        # The month a facilitator most likely fills: last month, within the clause's period.
        entry_month = max(
            min(last_month, first_of_month(clause.end_date or last_month)), first_of_month(clause.start_date)
        )
        return super().get_context_data(
            clause=clause,
            lot=clause.lot,
            market=clause.lot.market,
            progress=progress,
            month_rows=month_rows,
            last_month=last_month,
            chart=progress_chart(progress, first_of_month(day)),
            late_threshold=int(LATE_THRESHOLD * 100),
            is_staff=self.membership.role in ROLES_SEEING_PARTICIPANTS,
            entry_month=entry_month,
            entry_url=grid_url(self.territory, clause.pk, entry_month),
            **kwargs,
        )


# --- The facilitator's dashboard --------------------------------------------------------------------------------


class HoursDashboardView(TerritoryMixin, TemplateView):
    """A facilitator's late clauses and last month's missing statements (a coordinator: the whole territory)."""

    allowed_roles = ROLES_SEEING_PARTICIPANTS
    template_name = "clauses/hours_dashboard.html"

    def scope(self):
        clauses = self.visible(Clause)
        if self.membership.role == Role.FACILITATOR:
            clauses = clauses.filter(facilitator__membership=self.membership)
        return clauses

    def late_clauses(self, clauses, day, last_month):
        candidates = (
            clauses.filter(start_date__lt=first_of_month(day), end_date__isnull=False)
            .select_related("lot__market__buyer")
            .annotate(counted=counted_hours_subquery("id"))
            .order_by("end_date", "pk")
        )
        late = []
        for clause in candidates:
            if not is_late(clause.hours_required, clause.counted, clause.start_date, clause.end_date, day):
                continue
            clause.expected = expected_hours(
                clause.hours_required,
                clause.start_date,
                clause.end_date,
                min(last_month, first_of_month(clause.end_date)),
            )
            clause.rate = (clause.counted * 100 / clause.hours_required) if clause.hours_required else None
            clause.grid_url = grid_url(self.territory, clause.pk, min(last_month, first_of_month(clause.end_date)))
            clause.progress_url = progress_url(self.territory, clause.pk)
            late.append(clause)
        return late

    def missing_statements(self, clauses, last_month):
        """(clause, company) pairs with placements active last month and no submitted or validated statement."""
        placements = (
            Placement.objects.visible_to(self.membership)
            .filter(clause__in=clauses, start_date__lt=next_month(last_month))
            .exclude(end_date__lt=last_month)
            .values_list("clause_id", "employer_company_id")
        )
        placements = list(placements)
        if not placements:
            return []
        clause_ids = {clause_id for clause_id, _ in placements}
        holders = {}
        if any(company_id is None for _, company_id in placements):
            awards = (
                LotAward.objects.in_territory(self.territory)
                .filter(role=AwardRole.HOLDER, lot__clauses__in=clause_ids)
                .order_by("pk")
                .values_list("lot__clauses__id", "company_id")
            )
            for clause_id, company_id in awards:
                holders.setdefault(clause_id, company_id)
        due = defaultdict(int)
        for clause_id, employer_id in placements:
            due[(clause_id, employer_id or holders.get(clause_id))] += 1
        statuses = {
            (clause_id, company_id): status
            for clause_id, company_id, status in Statement.objects.visible_to(self.membership)
            .filter(clause_id__in=clause_ids, month=last_month)
            .values_list("clause_id", "company_id", "status")
        }
        done = (StatementStatus.SUBMITTED, StatementStatus.VALIDATED)
        missing = {pair: count for pair, count in due.items() if statuses.get(pair) not in done}
        if not missing:
            return []
        clause_map = (
            Clause.objects.in_territory(self.territory)
            .select_related("lot__market")
            .in_bulk({clause_id for clause_id, _ in missing})
        )
        companies = Company.objects.in_territory(self.territory).in_bulk(
            {company_id for _, company_id in missing if company_id}
        )
        items = []
        for (clause_id, company_id), count in missing.items():
            status = statuses.get((clause_id, company_id))
            items.append(
                {
                    "clause": clause_map[clause_id],
                    "company": companies.get(company_id),
                    "placements": count,
                    "status_label": StatementStatus(status).label if status else "Aucun relevé",
                    "status_badge": STATUS_BADGES.get(status, "fr-badge--error"),
                    "grid_url": grid_url(self.territory, clause_id, last_month),
                    "progress_url": progress_url(self.territory, clause_id),
                }
            )
        items.sort(key=lambda i: (i["clause"].lot.market.reference, i["clause"].lot.number, str(i["company"] or "")))
        return items

    def get_context_data(self, **kwargs):
        day = today()
        last_month = previous_month(first_of_month(day))
        clauses = self.scope()
        return super().get_context_data(
            today=day,
            last_month=last_month,
            is_facilitator=self.membership.role == Role.FACILITATOR,
            late_threshold=int(LATE_THRESHOLD * 100),
            late_clauses=self.late_clauses(clauses, day, last_month),
            missing=self.missing_statements(clauses, last_month),
            **kwargs,
        )
