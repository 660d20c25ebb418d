"""Numbers and verdicts as a reader wants them: units, signs, colours.

Why its own module: the scorecard table, the chart hover texts and the
payback summary must print a value the same way; a ratio is a percentage and
its change is in percentage points, money has thousands separators.
"""

from __future__ import annotations

import math

# every value of mart_kpi_before_after.verdict, in the order the report counts them
VERDICT_COLOURS = {
    "better": "#1a7f37",
    "worse": "#cf222e",
    "no clear change": "#b07d00",
    "too little data": "#0969da",
    "unreliable": "#8250df",
    "not available": "#6e7781",
}

UNIT_NAMES = {
    "money": "money, reporting currency",
    "count": "count",
    "hours": "hours",
    "minutes": "minutes",
    "ratio": "share",
    "score": "score 1-5",
    "points": "NPS points",
    "months": "months",
}


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def value(x: float | None, unit: str) -> str:
    """A level: 225 -> '225', 0.123 (ratio) -> '12.3%'."""
    if _missing(x):
        return "—"
    if unit == "ratio":
        return f"{x:.1%}"
    if unit in ("money", "count"):
        return f"{x:,.0f}" if abs(x) >= 10 or float(x).is_integer() else f"{x:,.2f}"
    return f"{x:,.2f}" if abs(x) < 100 else f"{x:,.1f}"


def change(x: float | None, unit: str) -> str:
    """An absolute change, signed: ratio changes are in percentage points."""
    if _missing(x):
        return "—"
    if unit == "ratio":
        return f"{x * 100:+.1f} pp"
    sign = "+" if x > 0 else ("−" if x < 0 else "±")
    return sign + value(abs(x), unit)


def relative(x: float | None) -> str:
    """A relative change, signed with a true minus: 0.8 -> '+80.0%'."""
    if _missing(x):
        return "—"
    return f"{x:+.1%}".replace("-", "−")


def interval(low: float | None, high: float | None, unit: str) -> str:
    if _missing(low) or _missing(high):
        return "—"
    return f"{change(low, unit)} … {change(high, unit)}"


def hover_format(unit: str) -> str:
    """A d3 format for plotly hover labels and ticks."""
    if unit == "ratio":
        return ".1%"
    if unit in ("money", "count"):
        return ",.0f"
    return ",.2f"
