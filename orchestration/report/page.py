"""Lay out the report page and write it as one self-contained HTML file.

Self-contained because the report is mailed around and opened on laptops
without internet (or behind a proxy): plotly.js (about 4.8 MB) is inlined once
in the page head, every chart fragment only calls ``Plotly.newPlot``, and the
CSS is inline. No fonts, images or scripts are fetched from anywhere.

The file is written under a temporary name and renamed into place, so a web
server or a browser refresh never shows half a page.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import uuid
from pathlib import Path

from plotly.offline import get_plotlyjs

from orchestration.report import fmt
from orchestration.report.charts import PAYBACK_CHART_ID, chart_id, metric_figure, payback_figure, to_fragment
from orchestration.report.data import FAMILY_LABELS, DataQuality, Metric, ReportData, read_report_data
from orchestration.report.employees import EmployeeData, employee_section, read_employee_data
from orchestration.scorecard import absent_tables, load_lines

CSS = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 28px 32px 64px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
.uk { color: var(--muted); font-weight: normal; }
h1 .uk, h2 .uk { font-size: 0.72em; margin-left: 8px; }
.lead { color: var(--muted); max-width: 900px; margin: 4px 0 20px; }
.settings { display: grid; grid-template-columns: max-content 1fr; gap: 4px 20px; margin: 0 0 16px;
            padding: 14px 18px; background: var(--bg-soft); border: 1px solid var(--line); border-radius: 8px; }
.settings dt { color: var(--muted); }
.settings dd { margin: 0; }
.summary { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.chip { display: inline-block; padding: 1px 9px; border-radius: 999px; color: #fff; font-size: 13px;
        font-weight: 600; white-space: nowrap; }
nav { margin: 10px 0 0; font-size: 14px; }
nav a { margin-right: 14px; color: #0969da; text-decoration: none; }
table.scorecard { width: 100%; border-collapse: collapse; font-size: 14px; margin: 8px 0 18px; }
.scorecard th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase;
                letter-spacing: .03em; border-bottom: 2px solid var(--line); padding: 6px 8px; }
.scorecard td { border-bottom: 1px solid var(--line); padding: 7px 8px; vertical-align: top; }
.scorecard td.num, .scorecard th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.scorecard .sub { display: block; color: var(--muted); font-size: 12px; }
.scorecard tr.secondary td:first-child { padding-left: 22px; }
.scorecard tr.secondary .name { font-weight: normal; }
.name { font-weight: 600; }
.reason { display: block; color: var(--muted); font-size: 12px; max-width: 260px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 18px; }
.chart { border: 1px solid var(--line); border-radius: 8px; padding: 8px 6px 0; margin: 0; min-width: 0; }
.chart figcaption { font-weight: 600; font-size: 15px; padding: 2px 8px 0; }
.chart figcaption .uk { font-size: 13px; margin-left: 6px; }
.note { color: var(--muted); font-size: 14px; }
.unavailable { padding: 14px 18px; border: 1px dashed var(--line); border-radius: 8px; color: var(--muted);
               background: var(--bg-soft); }
.alarm { color: #cf222e; font-weight: 600; }
.notice { padding: 8px 14px; border-left: 4px solid #b07d00; background: #fff8e1; }
table.load { border-collapse: collapse; font-size: 14px; margin: 8px 0 12px; }
.load th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; border-bottom: 2px solid var(--line);
           padding: 4px 10px; }
.load td { border-bottom: 1px solid var(--line); padding: 4px 10px; vertical-align: top; }
.load td.num, .load th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.load tr.over td { color: #cf222e; }
footer { margin-top: 48px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line); padding-top: 12px; }
"""

def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _chip(verdict: str) -> str:
    colour = fmt.VERDICT_COLOURS.get(verdict, "#6e7781")
    return f'<span class="chip" style="background:{colour}">{_e(verdict)}</span>'


def _sub(text: str) -> str:
    """A second line under a number; nothing when there is nothing to say."""
    return "" if text in ("", "—") else f"<span class='sub'>{text}</span>"


def _month(day: dt.date | None) -> str:
    return day.strftime("%Y-%m") if day else "—"


def _previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def _header(data: ReportData, generated_at: dt.datetime) -> str:
    company = data.company
    window = data.quality.window
    # the analysis window when the build has one (a monthly series can reach beyond it: expenses before the
    # first event, the partial month left out); else the span of the monthly series
    period = (f"{_month(window.first_month)} … {_month(window.last_complete_month)}" if window is not None
              else f"{_month(data.first_month)} … {_month(data.last_month)}")
    rows: list[tuple[str, str]] = [("Data period", f"{period} <a href='#analysis-window'>(which months)</a>")]
    if company is not None:
        origin = ("the crm_go_live_date setting (the export has no crm_rollout table)"
                  if company.is_from_settings else "the export's crm_rollout table")
        rows.append(("Go-live", f"{company.go_live_date:%Y-%m-%d} <span class='uk'>from {_e(origin)}</span>"))
        staged = data.staged_rollouts
        if staged:
            waves: dict[dt.date, list[str]] = {}
            for r in staged:
                waves.setdefault(r.go_live_date, []).append(f"{r.scope_type} {r.scope_value}")
            rows.append(("Staged rollout", "<br>".join(
                f"{day:%Y-%m-%d}: {_e(', '.join(sorted(scopes)))}" for day, scopes in sorted(waves.items()))))
        rows.append(("Ramp-up", f"{data.ramp_up_days} days, ends {company.ramp_up_end_date:%Y-%m-%d} "
                                "<span class='uk'>(counted neither before nor after)</span>"))
        baseline_end = _previous_month(company.go_live_date.replace(day=1))
        rows.append(("Baseline", f"{data.baseline_months} months, {_month(company.baseline_start_month)} … "
                                 f"{_month(baseline_end)}"))
        rows.append(("Post period", f"from {_month(company.first_post_month)}"))
    rows.append(("Source", f"<code>{_e(data.source_path)}</code>"))
    rows.append(("Generated", f"{generated_at:%Y-%m-%d %H:%M} UTC"))
    settings = "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in rows)

    counts = {v: sum(1 for m in data.metrics if m.verdict == v and m.is_catalog_metric) for v in fmt.VERDICT_COLOURS}
    summary = "".join(f"<span>{_chip(v)} {n}</span>" for v, n in counts.items())
    nav = "".join(
        f'<a href="#family-{_e(f)}">{_e(FAMILY_LABELS.get(f, (f, ""))[0])}</a>' for f in data.families
    )
    return f"""
<header>
  <h1>CRM impact report <span class="uk">Звіт про ефективність CRM</span></h1>
  <p class="lead">Did the CRM pay off? For every KPI of the catalog, a model of its monthly series (trend and
  season before the go-live, the learning months left out) predicts what the months after the ramp-up would have
  been without the CRM; the estimated effect is the difference, with its 95% interval. A verdict says better or
  worse only when the interval excludes zero after correcting for testing many KPIs at once, and when the same
  model finds nothing at fake go-live dates before the real one. The raw before/after change is shown for
  reference: growth and season move it without any CRM.</p>
  <dl class="settings">{settings}</dl>
  <div class="summary" title="catalog metrics by verdict">Catalog metrics: {summary}</div>
  <nav><a href="#data">Data</a><a href="#payback">Payback</a>{nav}</nav>
</header>"""


def _window_text(quality: DataQuality) -> str:
    """Which months the analysis counts, and the partial month it left out (dim_analysis_window)."""
    w = quality.window
    if w is None:
        return ""
    end = f"{w.export_end_at:%Y-%m-%d %H:%M}" if w.export_end_at else "—"
    source = ("exported_at in export.yml" if w.export_end_source == "exported_at"
              else "its latest event; set exported_at in export.yml if the export was taken later")
    text = (f"The analysis counts the months {_month(w.first_month)} … {_month(w.last_complete_month)}; "
            f"<b>the last complete month is {_month(w.last_complete_month)}</b>. ")
    if w.partial_month_excluded is not None:
        left_out = (_month(w.partial_month_excluded) if (w.excluded_month_count or 1) <= 1
                    else f"{_month(w.partial_month_excluded)} … {_month(w.last_data_month)}")
        months = "month" if (w.excluded_month_count or 1) <= 1 else "months"
        text += (f"<b>The partial {months} {left_out} {'was' if months == 'month' else 'were'} left out</b>: "
                 f"the export ends {end} ({_e(source)}), before the month's end, so its numbers would be "
                 "incomplete (its CRM period is 'partial' in every mart).")
    else:
        text += f"No partial month was left out: the export ends {end} ({_e(source)})."
    return f"<p id='analysis-window'>{text}</p>"


def _load_table(quality: DataQuality) -> str:
    """Rows read, loaded and quarantined per table of the load behind the warehouse (mart_data_quality_load)."""
    if not quality.load:
        return ("<p class='note'>The warehouse records no load (marts.mart_data_quality_load is missing or empty, "
                "e.g. a Spark raw layer): the quarantine behind these numbers is not known here.</p>")
    over = {t.table_name for t in quality.load if t.is_quarantine_accepted_above_limit}
    head = ("<tr><th>Table</th><th class='num'>Rows read</th><th class='num'>Loaded</th>"
            "<th class='num'>Quarantined</th><th class='num'>Share</th><th>Top reasons</th></tr>")
    rows = "".join(
        f"<tr{' class=over' if table in over else ''}><td>{_e(table)}</td><td class='num'>{read}</td>"
        f"<td class='num'>{loaded}</td><td class='num'>{quarantined}</td><td class='num'>{share}</td>"
        f"<td>{_e(reasons)}</td></tr>"
        for table, read, loaded, quarantined, share, reasons in load_lines(quality.load)
    )
    absent = absent_tables(quality.load)
    absent_text = f"<p class='note'>Not in the export: {_e(', '.join(absent))}.</p>" if absent else ""
    return (f"<table class='load' id='load-table'><thead>{head}</thead><tbody>{rows}</tbody></table>{absent_text}"
            "<p class='note'>Quarantined rows are in raw.quarantine with their reasons and original text; "
            "no number of this report counts them.</p>")


def _outliers(quality: DataQuality) -> str:
    """The amounts far beyond their column (mart_data_quality_outliers), with the months they fall in."""
    if not quality.outlier_count:
        return "<p id='outliers'>No amount lies beyond the outlier limit of its column.</p>"
    months = ", ".join(_month(m) for m in quality.outlier_months) or "—"
    head = ("<tr><th>Table.column</th><th>Record</th><th class='num'>Value</th>"
            "<th class='num'>Outlier limit</th><th>Month</th></tr>")
    rows = "".join(
        f"<tr><td>{_e(o.source_table)}.{_e(o.source_column)}</td><td>{_e(o.record_key)}</td>"
        f"<td class='num'>{o.value:,.2f}</td><td class='num'>{o.threshold:,.2f}</td>"
        f"<td>{_month(o.month_start)}</td></tr>"
        for o in quality.outliers
    )
    more = (f"<p class='note'>… and {quality.outlier_count - len(quality.outliers):,} more in "
            "marts.mart_data_quality_outliers.</p>" if quality.outlier_count > len(quality.outliers) else "")
    return (f"<p id='outliers' class='alarm'>{quality.outlier_count:,} amount(s) lie far beyond the rest of their "
            f"column (a typo, a unit error or a test record?). They are counted in the KPIs as exported; "
            f"months affected: {months}.</p>"
            f"<table class='load'><thead>{head}</thead><tbody>{rows}</tbody></table>{more}")


def _data_section(data: ReportData) -> str:
    """The data behind the numbers: settings the data overrode, the analysis window, the load, the outliers."""
    quality = data.quality
    title = '<h2 id="data">The data behind the numbers <span class="uk">Дані, на яких ґрунтуються цифри</span></h2>'
    alarms = "".join(f"<p class='alarm'>{_e(note)}.</p>" for t in quality.load if (note := t.accepted_note()))
    notices = "".join(f"<p class='notice' id='setting-note'>{_e(note[0].upper() + note[1:])}.</p>"
                      for note in quality.setting_notes)
    return (f"<section>{title}{alarms}{notices}{_window_text(quality)}<h3>The load</h3>{_load_table(quality)}"
            f"<h3>Outliers</h3>{_outliers(quality)}</section>")


def _payback_section(data: ReportData) -> str:
    title = '<h2 id="payback">Payback <span class="uk">Термін окупності та окупність вкладень</span></h2>'
    if data.payback is None:
        return (title + '<p class="unavailable">Payback not available: the warehouse has no '
                "<code>marts.mart_crm_payback</code> table (it needs the CRM costs of the export and a build "
                "that includes the payback model).</p>")
    if not data.payback:
        return title + '<p class="unavailable">Payback not available: marts.mart_crm_payback has no months yet.</p>'
    if not any(p.cumulative_crm_costs for p in data.payback):
        roi = next((m for m in data.metrics if m.metric_id == "crm_roi"), None)
        # the mart's reason tells absent, empty, quarantined and outside the window apart
        why = _e(roi.verdict_reason) if roi is not None and roi.verdict_reason else \
            "its <code>crm_costs</code> table is missing or empty"
        return (title + '<p class="unavailable">Payback not available: the export has no CRM costs '
                f"({why}), so there is nothing to pay back.</p>")
    last = data.payback[-1]
    payback = next((m for m in data.metrics if m.metric_id == "crm_payback_months"), None)
    roi = next((m for m in data.metrics if m.metric_id == "crm_roi"), None)
    roi_text = (f"ROI to date ({last.month_start:%b %Y}): <b>{fmt.relative(last.roi_to_date)}</b> "
                f"(95% interval {fmt.relative(last.roi_to_date_low)} … {fmt.relative(last.roi_to_date_high)})")
    if payback is not None and payback.effect is not None:
        months = f"{payback.effect:.0f}"
        if payback.effect_ci_low is not None and payback.effect_ci_high is not None:
            span = f"{payback.effect_ci_low:.0f} to {payback.effect_ci_high:.0f} months"
        elif payback.effect_ci_low is not None:
            span = f"{payback.effect_ci_low:.0f} months at the earliest; not reached at the interval's lower end"
        else:
            span = "the interval's range is not available"
        text = (f"Paid back after <b>{months} months</b> at the point estimate (the go-live month counted as the "
                f"first; 95% range: {span}). {roi_text}.")
    else:
        text = (f"Not paid back by {last.month_start:%B %Y}: cumulative incremental gross profit "
                f"{fmt.value(last.cumulative_incremental_gross_profit, 'money')} "
                f"(95% interval {fmt.value(last.cumulative_incremental_gross_profit_low, 'money')} … "
                f"{fmt.value(last.cumulative_incremental_gross_profit_high, 'money')}) against CRM costs "
                f"{fmt.value(last.cumulative_crm_costs, 'money')}. {roi_text}.")
    if roi is not None:
        text += f" Verdict: {_chip(roi.verdict)} <span class='note'>{_e(roi.verdict_reason or '')}</span>"
    chart = to_fragment(payback_figure(data.payback, data), PAYBACK_CHART_ID)
    caption = ("<figcaption>Cumulative CRM costs and incremental gross profit "
               "<span class='uk'>Накопичені витрати на CRM і додатковий валовий прибуток</span></figcaption>")
    return f'{title}<p>{text}</p><figure class="chart">{caption}{chart}</figure>'


def _effect(m: Metric) -> tuple[str, str]:
    """The estimated effect and its 95% interval, relative where there is a counterfactual."""
    if m.relative_effect is not None:
        return (f"{fmt.relative(m.relative_effect)}{_sub(fmt.change(m.effect, m.unit))}",
                f"{fmt.relative(m.relative_effect_ci_low)} … {fmt.relative(m.relative_effect_ci_high)}"
                f"{_sub(fmt.interval(m.effect_ci_low, m.effect_ci_high, m.unit))}")
    return fmt.change(m.effect, m.unit), fmt.interval(m.effect_ci_low, m.effect_ci_high, m.unit)


def _scorecard_table(metrics: list[Metric]) -> str:
    head = ("<tr><th>Metric</th><th class='num'>Baseline</th><th class='num'>Post</th>"
            "<th class='num'>Raw change<span class='sub'>for reference</span></th>"
            "<th class='num'>CRM effect<span class='sub'>estimated</span></th>"
            "<th class='num'>95% interval<span class='sub'>of the effect</span></th>"
            "<th>Verdict</th></tr>")
    body = []
    for m in metrics:
        u = m.unit
        months = (_sub(f"{m.baseline_months} months") if m.baseline_months else "",
                  _sub(f"{m.post_months} months") if m.post_months else "")
        effect, interval = _effect(m)
        method = f"<span class='reason' title='{_e(m.method_detail or '')}'>{_e(m.method_detail or '')}</span>"
        reason = f"<span class='reason'>{_e(m.verdict_reason)}</span>" if m.verdict_reason else ""
        secondary = "" if m.is_catalog_metric else " class='secondary'"
        body.append(
            f"<tr{secondary} id='row-{_e(m.metric_id)}'>"
            f"<td><span class='name' title='{_e(m.definition)}'>{_e(m.label_en)}</span>"
            f"<span class='sub'>{_e(m.label_uk)}</span></td>"
            f"<td class='num'>{fmt.value(m.baseline_value, u)}{months[0]}</td>"
            f"<td class='num'>{fmt.value(m.post_value, u)}{months[1]}</td>"
            f"<td class='num'>{fmt.relative(m.raw_relative_change)}{_sub(fmt.change(m.raw_change, u))}</td>"
            f"<td class='num'>{effect}</td>"
            f"<td class='num'>{interval}</td>"
            f"<td>{_chip(m.verdict)}{reason}{method}</td></tr>"
        )
    return f"<table class='scorecard'><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def _family_section(family: str, data: ReportData) -> str:
    metrics = [m for m in data.metrics if m.family == family]
    label_en, label_uk = FAMILY_LABELS.get(family, (family.replace("_", " ").capitalize(), ""))
    charts, without = [], []
    for m in metrics:
        points = data.monthly.get(m.metric_id)
        if points:
            charts.append(
                f"<figure class='chart'><figcaption>{_e(m.label_en)} <span class='uk'>{_e(m.label_uk)}</span>"
                f"</figcaption>{to_fragment(metric_figure(m, points, data), chart_id(m.metric_id))}</figure>"
            )
        else:
            without.append(m.label_en)
    note = f"<p class='note'>No monthly data for: {_e(', '.join(without))}.</p>" if without else ""
    grid = f"<div class='charts'>{''.join(charts)}</div>" if charts else ""
    return (f"<section id='family-{_e(family)}'><h2>{_e(label_en)} <span class='uk'>{_e(label_uk)}</span></h2>"
            f"{_scorecard_table(metrics)}{grid}{note}</section>")


FOOTER = """
<footer>
  <p><b>How to read it.</b> Baseline and post values pool each period's months: ratios are sum(numerator) /
  sum(denominator), medians are over the period's records, totals are the mean monthly total; the raw change is
  their difference, for reference. The CRM effect comes from a model of the monthly series: level, trend and
  season fitted on the months before the go-live, a step after the ramp-up, standard errors that allow for
  month-to-month correlation (Newey-West); with a staged rollout, the departments or regions not yet live are
  the control group (difference-in-differences). The interval is the effect's 95% interval. Verdicts: green
  better and red worse (by the metric's direction, only when the multiple-testing-adjusted p-value is below 5%);
  amber no clear change; blue too little data to tell (the smallest effect the data could detect is larger than a
  practical change); purple unreliable (the model finds effects at fake go-live dates, or the metric drifts by
  construction); grey not available. Methods: docs/methods.md; definitions: docs/DECISIONLOG.md.</p>
</footer>"""


def render_report(data: ReportData, generated_at: dt.datetime | None = None,
                  employees: EmployeeData | None = None) -> str:
    """The whole page as a string (``employees``: the departments-and-employees section, if any)."""
    generated_at = generated_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    sections = "".join(_family_section(f, data) for f in data.families)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CRM impact report</title>
<style>{CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
<main>
{_header(data, generated_at)}
{_data_section(data)}
{_payback_section(data)}
{sections}
{employee_section(employees)}
{FOOTER}
</main>
</body>
</html>
"""


def write_report(db_path: Path, out_path: Path, employee_names: bool = False) -> Path:
    """Write the HTML report of the warehouse (or serving file) ``db_path`` to ``out_path``; return the path.
    ``employee_names``: name employees where the build allowed it (orchestration/report/employees.py)."""
    out_path = Path(out_path)
    page = render_report(read_report_data(Path(db_path)),
                         employees=read_employee_data(Path(db_path), employee_names=employee_names))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = out_path.with_name(f".{out_path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        temporary.write_text(page, encoding="utf-8")
        os.replace(temporary, out_path)
    finally:
        temporary.unlink(missing_ok=True)
    return out_path
