"""Statistical confidentiality of the observatory's figures (committee and regional views, bilans, national export).

Rules, applied by ``apply`` to an ``observatory.indicators.Indicators``:

1. *Primary suppression*: a figure, a table row or a cell that rests on 1 to 4 participants is masked (0 is shown:
   nobody is identified by an empty cell).
2. *Secondary suppression*: when exactly one row of a table is masked, the smallest other row resting on people is
   masked too (or, if there is none, the total), so that the masked row cannot be recovered as the total minus the
   other rows.
3. *Filter differences*: the filters are single-valued; when some are active, a result is masked when its complement
   — the same result without one of the filters, minus the filtered result — rests on 1 to 4 participants, so that
   no combination of filters reveals a small group by subtraction.

A masked value is emptied (``None``) in the structure itself, so that no page, export or PDF can leak it; templates
and exports show ``display(value, masked)``, i.e. « < 5 ».
"""

from dataclasses import replace

THRESHOLD = 5
MASK = "< 5"


def is_small(participants):
    """A number of people too small to publish: 1 to 4 (0 reveals nobody; None means not based on people)."""
    return participants is not None and 0 < participants < THRESHOLD


def display(value, masked):
    """What a template or export shows: « < 5 » for a masked value, the value otherwise."""
    return MASK if masked else value


def _row_is_small(row):
    return is_small(row.participants) or any(is_small(n) for n in row.cell_participants.values())


def _figure_is_small(figure):
    return is_small(figure.participants) or any(is_small(n) for n in figure.counts)


def _complement_is_small(filtered, reference):
    """The reference (without one filter) minus the filtered result rests on 1 to 4 people."""
    if filtered is None or reference is None or reference.participants is None or filtered.participants is None:
        return False
    if is_small(reference.participants - filtered.participants):
        return True
    cells = getattr(filtered, "cell_participants", None) or {}
    reference_cells = getattr(reference, "cell_participants", None) or {}
    return any(is_small(reference_cells.get(key, 0) - n) for key, n in cells.items())


def _mask_row(row):
    row.masked = True
    row.values = dict.fromkeys(row.values)
    row.participants = None
    row.cell_participants = {}
    row.parts = {}


def _mask_table(table, references):
    rows = list(table.rows)
    masked = {id(row) for row in rows if _row_is_small(row)}
    for reference in references:
        by_key = {row.key: row for row in reference.rows}
        for row in rows:
            if _complement_is_small(row, by_key.get(row.key)):
                masked.add(id(row))
    total_masked = table.total is not None and (
        _row_is_small(table.total) or any(_complement_is_small(table.total, r.total) for r in references)
    )
    if len(masked) == 1 and not total_masked:
        candidates = sorted(
            (row for row in rows if id(row) not in masked and row.participants),
            key=lambda row: (row.participants, row.key),
        )
        if candidates:
            masked.add(id(candidates[0]))
        elif table.total is not None:
            total_masked = True
    for row in rows:
        if id(row) in masked:
            _mask_row(row)
    if total_masked:
        _mask_row(table.total)


def _masked_figure(figure):
    return replace(figure, value=None, numerator=None, denominator=None, participants=None, counts=(), masked=True)


def apply(indicators, references=()):
    """Mask ``indicators`` in place. ``references``: the same indicators computed without each active filter."""
    reference_figures = [{f.key: f for f in r.figures} for r in references]
    reference_tables = {}
    for reference in references:
        for table in reference.tables:
            reference_tables.setdefault(table.key, []).append(table)
    figures = []
    for figure in indicators.figures:
        small = _figure_is_small(figure) or any(
            _complement_is_small(figure, r.get(figure.key)) for r in reference_figures
        )
        figures.append(_masked_figure(figure) if small else figure)
    indicators.figures = figures
    for table in indicators.tables:
        _mask_table(table, reference_tables.get(table.key, []))
    indicators.confidential = True
    return indicators
