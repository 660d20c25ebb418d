"""The report's section on employees and departments (issue 19): how the verdicts are spread, not averages.

What it shows, and why:

* **Per department** - for each metric with an employee scope (seed ``kpi_employee_metrics``) and each
  department: the department's own verdict (its row of mart_kpi_before_after) beside how many of its
  employees improved, showed no clear change, worsened or had too little data. An average of employees hides
  whether three people carried the team or everyone moved a little; the counts show it.
* **All employees, anonymously** (the default) - per metric, the number of employees by verdict. No key, no
  name: a manager learns how the change is spread without anyone being singled out.
* **Per employee, with names** - only when both hold: the build's setting ``show_employee_names`` was true
  (names then exist in the serving file's view ``bi.kpi_employee_scorecard``, or in the build warehouse's
  ``staging.stg_crm__employee_names``) *and* the report was asked for them (``employee_names=True``,
  ``crm-impact report --employee-names``). So by default a report never carries a name.

Employee verdicts use Benjamini-Hochberg within each metric's employees (orchestration/estimate/multiple.py);
an employee without enough months on both sides is 'too little data' with the reason (mart_kpi_before_after).
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.report import fmt

# the distribution's columns, in order; every other verdict (unreliable, not available) is counted as "other"
DISTRIBUTION = (("better", "improved"), ("no clear change", "no clear change"), ("worse", "worsened"),
                ("too little data", "too little data"))
OTHER = "other"

_NAME_SOURCES = (
    # (schema, relation, key column, name column): the serving file's view first, then the build warehouse
    ("bi", "kpi_employee_scorecard", "employee_key", "employee_name"),
    ("staging", "stg_crm__employee_names", "employee_key", "employee_name"),
)


@dataclass(frozen=True)
class EmployeeRow:
    metric_id: str
    employee_key: str
    department: str | None
    verdict: str
    verdict_reason: str | None


@dataclass
class EmployeeData:
    """What the section needs, read from marts.mart_kpi_before_after and marts.dim_employee_scope."""

    metrics: list[tuple[str, str]]  # (metric_id, label_en) of the seed, catalog order
    rows: list[EmployeeRow]
    department_verdicts: dict[tuple[str, str], str]  # (metric_id, department) -> the department's verdict
    names: dict[str, str] = field(default_factory=dict)  # employee_key -> name; empty unless allowed and asked

    def departments(self) -> list[str]:
        return sorted({r.department for r in self.rows if r.department is not None})


def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str, column: str | None = None) -> bool:
    sql = ("select count(*) from information_schema.columns where table_schema = ? and table_name = ?"
           + (" and column_name = ?" if column else ""))
    return bool(con.execute(sql, [schema, name, *([column] if column else [])]).fetchone()[0])


def _names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    for schema, relation, key, name in _NAME_SOURCES:
        if _exists(con, schema, relation, name):
            rows = con.execute(f"select distinct {key}, {name} from {schema}.{relation} "
                               f"where {name} is not null").fetchall()
            if rows:
                return {k: v for k, v in rows}
    return {}


def read_employee_data(db_path: Path, employee_names: bool = False) -> EmployeeData | None:
    """The section's data; None when the warehouse has no employee scope (built before it existed)."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        if not (_exists(con, "marts", "dim_employee_scope") and _exists(con, "reference", "kpi_employee_metrics")):
            return None
        metrics = con.execute(
            """
            select e.metric_id, coalesce(d.label_en, e.metric_id)
            from reference.kpi_employee_metrics as e
            left join reference.kpi_definitions as d on d.metric_id = e.metric_id
            left join reference.kpi_families as f on f.family = d.family
            order by f.family_order, e.metric_id
            """).fetchall()
        rows = [EmployeeRow(*r) for r in con.execute(
            """
            select ba.metric_id, ba.scope_value, e.department, ba.verdict, ba.verdict_reason
            from marts.mart_kpi_before_after as ba
            left join marts.dim_employee_scope as e on e.employee_key = ba.scope_value
            where ba.scope_type = 'employee'
            order by ba.metric_id, e.department, ba.scope_value
            """).fetchall()]
        department_verdicts = {(m, d): v for m, d, v in con.execute(
            "select metric_id, scope_value, verdict from marts.mart_kpi_before_after where scope_type = 'department'"
        ).fetchall()}
        names = _names(con) if employee_names else {}
    return EmployeeData(metrics=metrics, rows=rows, department_verdicts=department_verdicts, names=names)


def distribution(verdicts: list[str]) -> dict[str, int]:
    """Counts by the distribution's columns ('improved', ..., 'other')."""
    counts = Counter(verdicts)
    out = {label: counts.pop(verdict, 0) for verdict, label in DISTRIBUTION}
    out[OTHER] = sum(counts.values())
    return out


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _chip(verdict: str) -> str:
    colour = fmt.VERDICT_COLOURS.get(verdict, "#6e7781")
    return f'<span class="chip" style="background:{colour}">{_e(verdict)}</span>'


def _counts_cells(counts: dict[str, int]) -> str:
    return "".join(f"<td class='num'>{counts[label]}</td>" for label in [*(l for _, l in DISTRIBUTION), OTHER])


_COUNT_HEAD = "".join(f"<th class='num'>{_e(label)}</th>" for label in [*(l for _, l in DISTRIBUTION), OTHER])


def _anonymous_table(data: EmployeeData) -> str:
    body = []
    for metric_id, label in data.metrics:
        verdicts = [r.verdict for r in data.rows if r.metric_id == metric_id]
        if verdicts:
            body.append(f"<tr><td class='name'>{_e(label)}</td><td class='num'>{len(verdicts)}</td>"
                        f"{_counts_cells(distribution(verdicts))}</tr>")
    return ("<table class='scorecard' id='employees-distribution'><thead><tr><th>Metric</th>"
            f"<th class='num'>employees</th>{_COUNT_HEAD}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _department_table(data: EmployeeData) -> str:
    body = []
    for metric_id, label in data.metrics:
        for department in data.departments():
            verdicts = [r.verdict for r in data.rows if r.metric_id == metric_id and r.department == department]
            if not verdicts:
                continue
            own = data.department_verdicts.get((metric_id, department), "not available")
            body.append(f"<tr><td class='name'>{_e(label)}</td><td>{_e(department)}</td><td>{_chip(own)}</td>"
                        f"<td class='num'>{len(verdicts)}</td>{_counts_cells(distribution(verdicts))}</tr>")
    return ("<table class='scorecard' id='employees-by-department'><thead><tr><th>Metric</th><th>Department</th>"
            "<th>Department's verdict</th><th class='num'>employees</th>"
            f"{_COUNT_HEAD}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _named_table(data: EmployeeData) -> str:
    by_employee: dict[str, dict[str, EmployeeRow]] = {}
    for r in data.rows:
        by_employee.setdefault(r.employee_key, {})[r.metric_id] = r
    shown = [(m, label) for m, label in data.metrics if any(m in v for v in by_employee.values())]
    head = "".join(f"<th>{_e(label)}</th>" for _, label in shown)
    body = []
    order = sorted(by_employee, key=lambda k: (next(iter(by_employee[k].values())).department or "",
                                               data.names.get(k, ""), k))
    for key in order:
        cells = by_employee[key]
        verdicts = [r.verdict for r in cells.values()]
        row = "".join(
            f"<td>{_chip(cells[m].verdict)}<span class='reason'>{_e(cells[m].verdict_reason or '')}</span></td>"
            if m in cells else "<td></td>" for m, _ in shown)
        department = next(iter(cells.values())).department
        body.append(f"<tr><td class='name'>{_e(data.names.get(key, key))}</td><td>{_e(department or '')}</td>"
                    f"{_counts_cells(distribution(verdicts))}{row}</tr>")
    return ("<table class='scorecard' id='employees-named'><thead><tr><th>Employee</th><th>Department</th>"
            f"{_COUNT_HEAD}{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def employee_section(data: EmployeeData | None) -> str:
    """The section's HTML ('' when the warehouse has no employee scope)."""
    if data is None:
        return ""
    title = ('<h2 id="employees">Departments and employees '
             '<span class="uk">Ефективність відділів і співробітників</span></h2>')
    if not data.rows:
        return (title + "<p class='unavailable'>No employee has a before/after row: the export attributes no "
                "requests, sales, tasks, targets or CRM use to employees.</p>")
    lead = ("<p class='note'>How the verdicts of individual employees are spread, per metric that one person's "
            "work decides (requests handled, sales, task time, plan attainment, response and processing times, "
            "CRM adoption). An employee needs enough months before the go-live and after the ramp-up for a model "
            "(otherwise: too little data, with the reason); better and worse are judged with the false-discovery "
            "rate controlled within each metric's employees (Benjamini-Hochberg). 'other': unreliable or not "
            "available.</p>")
    parts = [title, lead, "<h3>By department</h3>", _department_table(data),
             "<h3>All employees</h3>", _anonymous_table(data)]
    if data.names:
        parts += ["<h3>Per employee</h3>",
                  "<p class='note'>Names are shown because the build allowed them (show_employee_names) and this "
                  "report was asked for them.</p>", _named_table(data)]
    else:
        parts.append("<p class='note'>Employees are counted, not named: names appear only when the build's "
                     "setting show_employee_names is true and the report is asked for them "
                     "(<code>crm-impact report --employee-names</code>).</p>")
    return f"<section id='family-employees'>{''.join(parts)}</section>"
