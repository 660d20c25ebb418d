"""Plotly figures: one monthly chart per metric, and the payback curve.

What a chart has to show at a glance (issue 9): the months before and after,
where the CRM went live, which months are the learning period and so count
in neither period, and the baseline and post values the scorecard compares.
Hence: the baseline and post periods are tinted, the ramp-up is shaded amber,
the go-live is a dashed line, and the two period values are drawn as
horizontal segments over their periods. Each month's point sits in the middle
of its month, because the value stands for the whole month.

Figures are turned into HTML fragments without plotly.js (``page.py`` inlines
the bundle once for the whole page).
"""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import plotly.io as pio

from orchestration.report import fmt
from orchestration.report.data import Metric, MonthlyPoint, PaybackPoint, ReportData

PERIOD_STYLE = {  # legend name, marker colour
    "baseline": ("baseline month", "#2f6fbf"),
    "ramp_up": ("ramp-up month (not counted)", "#c98a00"),
    "post": ("post month", "#1a7f37"),
    "outside": ("before the baseline", "#9aa4ae"),
}
BASELINE_TINT = "rgba(47, 111, 191, 0.07)"
POST_TINT = "rgba(26, 127, 55, 0.07)"
RAMP_UP_TINT = "rgba(201, 138, 0, 0.18)"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def chart_id(metric_id: str) -> str:
    """The element id of a metric's chart; stable, so tests and links can find it."""
    return f"chart-{metric_id}"


PAYBACK_CHART_ID = "chart-payback"


def _next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _mid_month(month: dt.date) -> dt.date:
    return month + dt.timedelta(days=14)


def _month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _base_layout(fig: go.Figure, height: int) -> None:
    # no plotly title: the page puts the title above the chart in HTML, where
    # the mode bar cannot overlap it and a reader can search for it
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 20, "t": 34, "b": 40},
        font={"family": FONT, "size": 12, "color": "#1f2328"},
        legend={"orientation": "h", "yanchor": "top", "y": -0.14, "x": 0, "font": {"size": 11}},
        hovermode="x unified",
        xaxis={"type": "date", "tickformat": "%b %Y", "showgrid": False, "ticks": "outside"},
    )


def _mark_rollout(fig: go.Figure, data: ReportData, x_end: dt.date, tint_baseline: bool = True) -> None:
    """Tint the baseline and post periods, shade the ramp-up, draw the go-live line(s)."""
    company = data.company
    if company is None:
        return
    go_live_month = _month_of(company.go_live_date)
    if tint_baseline and company.baseline_start_month < go_live_month:
        fig.add_vrect(x0=company.baseline_start_month, x1=go_live_month, fillcolor=BASELINE_TINT,
                      line_width=0, layer="below")
    if company.first_post_month < x_end:
        fig.add_vrect(x0=company.first_post_month, x1=x_end, fillcolor=POST_TINT, line_width=0, layer="below")
    fig.add_vrect(x0=company.go_live_date, x1=company.ramp_up_end_date, fillcolor=RAMP_UP_TINT,
                  line_width=0, layer="below")
    fig.add_annotation(x=company.go_live_date, y=1, yref="paper", xanchor="left", yanchor="bottom",
                       text="ramp-up", showarrow=False, font={"size": 10, "color": "#8a5d00"})
    go_lives = sorted({r.go_live_date for r in data.rollouts})
    for day in go_lives:
        fig.add_shape(type="line", x0=day, x1=day, y0=0, y1=1, yref="paper",
                      line={"color": "#57606a", "width": 1.5, "dash": "dash" if day == company.go_live_date else "dot"})
    fig.add_annotation(x=company.go_live_date, y=1, yref="paper", xanchor="right", yanchor="bottom",
                       text=f"go-live {company.go_live_date:%Y-%m-%d}", showarrow=False,
                       font={"size": 10, "color": "#57606a"})


def metric_figure(metric: Metric, points: list[MonthlyPoint], data: ReportData) -> go.Figure:
    """The monthly series of one metric (company scope) with the rollout marked."""
    fig = go.Figure()
    unit = metric.unit
    value_format = fmt.hover_format(unit)
    x = [_mid_month(p.month_start) for p in points]
    fig.add_trace(go.Scatter(
        x=x, y=[p.value for p in points], mode="lines", line={"color": "#afb8c1", "width": 1.5},
        showlegend=False, hoverinfo="skip",
    ))
    for period, (name, colour) in PERIOD_STYLE.items():
        selected = [p for p in points if p.period == period]
        if not selected:
            continue
        fig.add_trace(go.Scatter(
            x=[_mid_month(p.month_start) for p in selected], y=[p.value for p in selected],
            mode="markers", name=name, marker={"color": colour, "size": 8, "line": {"color": "white", "width": 1}},
            customdata=[[p.month_start.strftime("%b %Y"), p.record_count if p.record_count is not None else "—"]
                        for p in selected],
            hovertemplate=f"%{{customdata[0]}}: %{{y:{value_format}}} (%{{customdata[1]}} records)<extra>{name}</extra>",
        ))

    x_end = _next_month(points[-1].month_start) if points else None
    company = data.company
    if company is not None and x_end is not None:
        if metric.baseline_value is not None:
            x0, x1 = company.baseline_start_month, _month_of(company.go_live_date)
            fig.add_trace(go.Scatter(
                x=[x0, x1], y=[metric.baseline_value] * 2, mode="lines",
                name=f"baseline value {fmt.value(metric.baseline_value, unit)}",
                line={"color": PERIOD_STYLE["baseline"][1], "width": 2, "dash": "dash"}, hoverinfo="skip",
            ))
        if metric.post_value is not None and company.first_post_month < x_end:
            fig.add_trace(go.Scatter(
                x=[company.first_post_month, x_end], y=[metric.post_value] * 2, mode="lines",
                name=f"post value {fmt.value(metric.post_value, unit)}",
                line={"color": PERIOD_STYLE["post"][1], "width": 2, "dash": "dash"}, hoverinfo="skip",
            ))
        _mark_rollout(fig, data, x_end)

    if all(p.value is None for p in points):
        # months exist (e.g. the denominator had records) but no month has a value:
        # say so, rather than leave the reader with an empty frame
        fig.add_annotation(x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                           text="no value in any month", font={"size": 13, "color": "#6e7781"})
    _base_layout(fig, height=320)
    fig.update_yaxes(title={"text": fmt.UNIT_NAMES.get(unit, unit), "font": {"size": 11}},
                     tickformat=".0%" if unit == "ratio" else None, zeroline=False)
    return fig


def payback_figure(points: list[PaybackPoint], data: ReportData) -> go.Figure:
    """Cumulative CRM costs against cumulative incremental gross profit, with ROI to date."""
    fig = go.Figure()
    x = [_mid_month(p.month_start) for p in points]
    months = [[p.month_start.strftime("%b %Y")] for p in points]
    fig.add_trace(go.Scatter(
        x=x, y=[p.cumulative_crm_costs for p in points], name="cumulative CRM costs", mode="lines+markers",
        line={"color": "#cf222e", "width": 2.5}, customdata=months,
        hovertemplate="%{customdata[0]}: %{y:,.0f}<extra>CRM costs</extra>",
    ))
    # the 95% interval of the cumulative incremental gross profit, as a band
    fig.add_trace(go.Scatter(
        x=x + x[::-1],
        y=[p.cumulative_incremental_gross_profit_high for p in points]
        + [p.cumulative_incremental_gross_profit_low for p in points][::-1],
        fill="toself", fillcolor="rgba(26,127,55,0.15)", line={"width": 0}, hoverinfo="skip",
        name="95% interval of the incremental gross profit",
    ))
    fig.add_trace(go.Scatter(
        x=x, y=[p.cumulative_incremental_gross_profit for p in points],
        name="cumulative incremental gross profit", mode="lines+markers",
        line={"color": "#1a7f37", "width": 2.5}, customdata=months,
        hovertemplate="%{customdata[0]}: %{y:,.0f}<extra>incremental gross profit</extra>",
    ))
    fig.add_trace(go.Scatter(
        x=x, y=[p.roi_to_date for p in points], name="ROI to date (right axis)", mode="lines",
        line={"color": "#8250df", "width": 1.5, "dash": "dot"}, yaxis="y2", customdata=months,
        hovertemplate="%{customdata[0]}: %{y:.1%}<extra>ROI</extra>",
    ))
    paid = next((p for p in points if p.is_paid_back), None)
    if paid is not None:
        fig.add_shape(type="line", x0=_mid_month(paid.month_start), x1=_mid_month(paid.month_start),
                      y0=0, y1=1, yref="paper", line={"color": "#1a7f37", "width": 1.5, "dash": "dash"})
        fig.add_annotation(x=_mid_month(paid.month_start), y=1, yref="paper", yanchor="bottom", showarrow=False,
                           text=f"paid back {paid.month_start:%b %Y}", font={"size": 10, "color": "#1a7f37"})
    if points:
        _mark_rollout(fig, data, _next_month(points[-1].month_start), tint_baseline=False)
    _base_layout(fig, height=400)
    fig.update_layout(
        yaxis={"title": {"text": "cumulative, reporting currency", "font": {"size": 11}}, "tickformat": ",.0f"},
        yaxis2={"title": {"text": "ROI to date", "font": {"size": 11}}, "overlaying": "y", "side": "right",
                "tickformat": ".0%", "showgrid": False, "zeroline": False},
        margin={"l": 70, "r": 70, "t": 34, "b": 40},
    )
    return fig


def to_fragment(fig: go.Figure, element_id: str) -> str:
    """The figure as an HTML fragment: a div with ``element_id`` and its script, without plotly.js."""
    return pio.to_html(
        fig, full_html=False, include_plotlyjs=False, div_id=element_id, config=CONFIG,
        default_height=f"{fig.layout.height}px", default_width="100%",
    )
