from datetime import date


class MonthConverter:
    """A month in a URL: ``2026-03`` ⇄ ``date(2026, 3, 1)``."""

    regex = r"[0-9]{4}-(?:0[1-9]|1[0-2])"

    def to_python(self, value):
        year, month = value.split("-")
        return date(int(year), int(month), 1)

    def to_url(self, value):
        return f"{value.year:04d}-{value.month:02d}"
