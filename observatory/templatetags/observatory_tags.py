"""Template helpers of the observatory's partials (``templates/observatory/includes/``): cells, figures, charts."""

from django import template

from observatory.charts import format_value, render_chart
from observatory.exports import column_header

register = template.Library()


@register.filter
def cell(row, column):
    """The value of ``row`` in ``column``, as shown: « < 5 » when masked, « — » when not computable."""
    return format_value(row.values.get(column.key), masked=row.masked)


@register.filter
def figure_value(figure):
    """A key figure with its unit (« 1 234 h », « 45,2 % »), « < 5 » when masked."""
    return format_value(figure.value, figure.unit, masked=figure.masked)


@register.filter
def rate_part(value):
    """A numerator or denominator of a rate (« 1 234 »); a text is shown as it is."""
    return value if isinstance(value, str) else format_value(value)


@register.filter
def numerator(figure):
    """A rate's numerator with its unit (« 1 234 h »)."""
    return format_value(figure.numerator, figure.numerator_unit)


@register.filter
def denominator(figure):
    """A rate's denominator with its unit (« 1 500 h », « 48 »)."""
    return format_value(figure.denominator, figure.denominator_unit)


@register.filter
def header(column):
    """A column's header with its unit: « Heures réalisées (h) »."""
    return column_header(column)


@register.simple_tag
def chart(table, id_prefix=None):
    """The SVG chart of ``table`` ("" when it has none)."""
    return render_chart(table, id_prefix=id_prefix)
