"""Hand-built tables and ``Indicators`` for the charts, exports and partials (no computation involved)."""

from decimal import Decimal

from observatory.indicators import Column, Figure, Filters, Indicators, Period, Row, Table


def bars_table(**overrides):
    values = {
        "key": "hours_by_buyer_kind",
        "title": "Heures par type de donneur d'ordre",
        "definition": "Heures d'insertion réalisées et validées dans la période, par type de donneur d'ordre.",
        "columns": [
            Column("hours_required", "Heures exigées", "h"),
            Column("hours_achieved", "Heures réalisées", "h"),
            Column("participants", "Participants"),
        ],
        "rows": [
            Row(
                "Commune",
                {"hours_required": Decimal("2000"), "hours_achieved": Decimal("1234.5"), "participants": 12},
                key="municipality",
                participants=12,
            ),
            Row(
                "Bailleur social",
                {"hours_required": Decimal("800"), "hours_achieved": Decimal("400"), "participants": 6},
                key="social_housing",
                participants=6,
            ),
            Row(
                "Établissement de santé",
                {"hours_required": Decimal("300"), "hours_achieved": Decimal("37"), "participants": 2},
                key="hospital",
                participants=2,
                masked=True,
            ),
            Row(
                "Région",
                {"hours_required": Decimal("100"), "hours_achieved": None, "participants": 0},
                key="region",
                participants=0,
            ),
        ],
        "total": Row(
            "Total",
            {"hours_required": Decimal("3200"), "hours_achieved": Decimal("1671.5"), "participants": 20},
            key="total",
            participants=20,
        ),
        "chart": "bars",
        "chart_column": "hours_achieved",
    }
    values.update(overrides)
    return Table(**values)


def series_table(**overrides):
    months = ["janvier 2026", "février 2026", "mars 2026", "avril 2026"]
    hours = [Decimal("120"), Decimal("0"), None, Decimal("300.25")]
    rows = [
        Row(label, {"hours_achieved": value}, key=f"2026-{index + 1:02d}", participants=8)
        for index, (label, value) in enumerate(zip(months, hours, strict=True))
    ]
    rows[2].masked = True
    values = {
        "key": "hours_by_month",
        "title": "Heures réalisées par mois",
        "definition": "Heures comptées mois par mois.",
        "columns": [Column("hours_achieved", "Heures réalisées", "h")],
        "rows": rows,
        "chart": "series",
        "chart_column": "hours_achieved",
    }
    values.update(overrides)
    return Table(**values)


def sample_indicators(territory, *, confidential=False, tables=None):
    return Indicators(
        period=Period.year(2026),
        territories=[territory],
        filters=Filters(),
        figures=[
            Figure("hours_achieved", "Heures réalisées", Decimal("1671.5"), "h", definition="Heures validées."),
            Figure(
                "completion_rate",
                "Taux de réalisation",
                Decimal("52.2"),
                "%",
                definition="Heures réalisées ÷ heures exigées.",
                numerator=Decimal("1671.5"),
                denominator=Decimal("3200"),
            ),
            Figure("participants", "Participants", 3, participants=3, masked=confidential),
        ],
        tables=tables if tables is not None else [bars_table(), series_table()],
        confidential=confidential,
    )
