"""Server-side SVG charts of the observatory's tables: no JavaScript, printable by WeasyPrint.

``render_chart(table)`` draws ``table.chart_column`` of every row of an ``observatory.indicators.Table``:

- ``"bars"``: one horizontal bar per row (a breakdown: by buyer kind, by public…);
- ``"series"``: one vertical bar per row, rows in order (months or years: a time series).

Colours and sizes are SVG presentation attributes, never ``style`` attributes (the CSP forbids inline styles) nor CSS
variables (WeasyPrint would ignore them). The chart is an image with a French title and a description that lists its
values; the exact figures are in the table printed with it. A row under the confidentiality mask is drawn as absent
and labelled « < 5 »; a value that cannot be computed is drawn as absent and labelled « — ».
"""

import re
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe

MASK_LABEL = "< 5"
MISSING_LABEL = "—"

# DSFR colours (blue France, grey texts, default border), as plain values.
BAR_COLOUR = "#000091"
TEXT_COLOUR = "#3a3a3a"
MUTED_COLOUR = "#666666"
GRID_COLOUR = "#dddddd"
FONT = "Marianne, Arial, sans-serif"

WIDTH = 720
BAR_HEIGHT = 22
BAR_GAP = 10
LABEL_WIDTH = 240  # horizontal bars: room for the row labels on the left
VALUE_ROOM = 110  # …and for the value after the longest bar
SERIES_HEIGHT = 260
SERIES_TOP = 28
SERIES_BOTTOM = 56
SERIES_LEFT = 16
LABEL_MAX_CHARS = 34


def format_number(value):
    """French display of a figure: grouped thousands, at most one decimal (« 1 234,5 »)."""
    if isinstance(value, bool) or value is None:
        return MISSING_LABEL
    if isinstance(value, int):
        return number_format(value, 0, use_l10n=True, force_grouping=True)
    value = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    decimals = 0 if value == value.to_integral_value() else 1
    return number_format(value, decimals, use_l10n=True, force_grouping=True)


def format_value(value, unit="", *, masked=False):
    """A cell or a figure as shown to people: « < 5 » when masked, « — » when not computable, else number + unit."""
    if masked:
        return MASK_LABEL
    if value is None:
        return MISSING_LABEL
    text = format_number(value)
    return f"{text}\xa0{unit}" if unit else text


def chart_column(table):
    """The ``Column`` the chart of ``table`` draws, or None when the table has no chart."""
    if table.chart not in ("bars", "series") or not table.chart_column:
        return None
    return next((column for column in table.columns if column.key == table.chart_column), None)


def _shorten(text, limit=LABEL_MAX_CHARS):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


MONTH_ABBREVIATIONS = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.",
]  # fmt: skip
MONTH_KEY = re.compile(r"^(\d{4})-(\d{2})$")


def _axis_labels(table):
    """Short labels under a series: « janv. 2026 », « févr. »… for months (rows keyed YYYY-MM), else the labels."""
    labels, previous_year = [], None
    for row in table.rows:
        match = MONTH_KEY.match(row.key or "")
        if not match:
            labels.append(_shorten(row.label, 12))
            continue
        year, month = match.group(1), int(match.group(2))
        labels.append(f"{MONTH_ABBREVIATIONS[month - 1]}{' ' + year if year != previous_year else ''}")
        previous_year = year
    return labels


def _points(table, column):
    """(label, drawn value or None, shown text) per row, in order."""
    points = []
    for row in table.rows:
        raw = None if row.masked else row.values.get(column.key)
        value = _number(raw)
        text = format_value(raw, column.unit, masked=row.masked)
        points.append((str(row.label), value if value is not None and value >= 0 else None, text))
    return points


def _text(x, y, content, *, anchor="start", size=12, colour=TEXT_COLOUR, weight="normal", extra=""):
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-family="{FONT}" font-size="{size}" '
        f'font-weight="{weight}" fill="{colour}"{extra}>{escape(content)}</text>'
    )


def _description(table, column, points):
    values = " ; ".join(f"{label} : {text}" for label, _value, text in points)
    kind = "Histogramme chronologique" if table.chart == "series" else "Diagramme en barres"
    unit = f" ({column.unit})" if column.unit else ""
    masked = any(row.masked for row in table.rows)
    return (
        f"{kind} : {column.label}{unit}. {values or 'Aucune donnée'}. "
        + ("Les effectifs inférieurs à 5 sont affichés « < 5 » et ne sont pas dessinés. " if masked else "")
        + f"Les valeurs exactes figurent dans le tableau « {table.title} »."
    )


def _bars(points):
    """Horizontal bars, one per row."""
    height = max(1, len(points)) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    scale_width = WIDTH - LABEL_WIDTH - VALUE_ROOM
    top = max((value for _label, value, _text in points if value is not None), default=0) or 1
    parts = [
        f'<line x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height}" stroke="{TEXT_COLOUR}" stroke-width="1"/>'
    ]
    for index, (label, value, text) in enumerate(points):
        y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        middle = y + BAR_HEIGHT / 2 + 4
        parts.append(f"<g>{_text(LABEL_WIDTH - 8, middle, _shorten(label), anchor='end')}")
        length = 0.0
        if value is not None:
            length = scale_width * value / top
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" fill="{BAR_COLOUR}"/>'
            )
        colour = TEXT_COLOUR if value is not None else MUTED_COLOUR
        style = "normal" if value is not None else "italic"
        parts.append(
            _text(LABEL_WIDTH + length + 6, middle, text, colour=colour, extra=f' font-style="{style}"') + "</g>"
        )
    return height, parts


def _series(points, axis_labels):
    """Vertical bars in row order (months, years), with a baseline and the values above the bars."""
    height = SERIES_TOP + SERIES_HEIGHT + SERIES_BOTTOM
    baseline = SERIES_TOP + SERIES_HEIGHT
    count = max(1, len(points))
    step = (WIDTH - 2 * SERIES_LEFT) / count
    bar = max(4.0, min(48.0, step * 0.6))
    top = max((value for _label, value, _text in points if value is not None), default=0) or 1
    # Label every row when they fit, else every n-th one (the table gives them all).
    every = max(1, int(len(points) * 60 / WIDTH) + 1) if len(points) * 60 > WIDTH else 1
    size = 12 if step >= 40 else 10
    parts = [
        f'<line x1="{SERIES_LEFT}" y1="{baseline}" x2="{WIDTH - SERIES_LEFT}" y2="{baseline}" '
        f'stroke="{TEXT_COLOUR}" stroke-width="1"/>',
        f'<line x1="{SERIES_LEFT}" y1="{SERIES_TOP}" x2="{WIDTH - SERIES_LEFT}" y2="{SERIES_TOP}" '
        f'stroke="{GRID_COLOUR}" stroke-width="1"/>',
    ]
    for index, (_label, value, text) in enumerate(points):
        centre = SERIES_LEFT + step * index + step / 2
        parts.append("<g>")
        if value is not None:
            length = SERIES_HEIGHT * value / top
            parts.append(
                f'<rect x="{centre - bar / 2:.1f}" y="{baseline - length:.1f}" width="{bar:.1f}" '
                f'height="{length:.1f}" fill="{BAR_COLOUR}"/>'
            )
            if step >= 40:
                parts.append(_text(centre, baseline - length - 6, text, anchor="middle", size=size))
        else:
            parts.append(
                _text(
                    centre, baseline - 6, text, anchor="middle", size=size, colour=MUTED_COLOUR,
                    extra=' font-style="italic"',
                )
            )  # fmt: skip
        if index % every == 0:
            parts.append(_text(centre, baseline + 18, axis_labels[index], anchor="middle", size=size))
        parts.append("</g>")
    return height, parts


def render_chart(table, *, id_prefix=None):
    """The SVG chart of ``table`` (``table.chart`` and ``table.chart_column``), as a SafeString; "" without a chart.

    ``id_prefix`` makes the ids of the title and description unique in the page (default ``chart-<table.key>``).
    """
    column = chart_column(table)
    if column is None:
        return mark_safe("")
    points = _points(table, column)
    prefix = id_prefix or f"chart-{table.key}"
    title = f"{table.title} — {column.label}"
    height, parts = _series(points, _axis_labels(table)) if table.chart == "series" else _bars(points)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cs-chart__svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" focusable="false" '
        f'aria-labelledby="{prefix}-title" aria-describedby="{prefix}-desc" '
        f'data-chart="{escape(table.chart)}">'
        f'<title id="{prefix}-title">{escape(title)}</title>'
        f'<desc id="{prefix}-desc">{escape(_description(table, column, points))}</desc>'
        f"{''.join(parts)}</svg>"
    )
    return SafeString(svg)
