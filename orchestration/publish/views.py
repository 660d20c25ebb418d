"""The ``bi`` schema: what a BI user should open first.

The marts are keyed by metric_id and carry the numbers; a dashboard also
wants the catalog's labels (English and Ukrainian). These views add them, so
no BI tool has to re-implement the join.

They select ``m.*`` from the marts, so a column added to a mart appears in the
view without a change here - among them ``verdict`` and ``verdict_reason`` of
mart_kpi_before_after, the one verdict that the terminal scorecard and the
report read too; nothing here recomputes it.

Views are stored as SQL in the serving file and resolved inside it, so they
work whatever name a reader attaches the file under.

``bi.kpi_employee_scorecard`` is the employee scope (pseudonymous employee_key,
department, role). Employees' names are in it only when the build's setting
``show_employee_names`` was true: the build warehouse's
``staging.stg_crm__employee_names`` then has rows, and they are written into
the view's own SQL as a VALUES list. So no table of the serving file (the
copied marts) ever holds a name, and a publish of a build with the setting
off has no name column at all (docs/DECISIONLOG.md, "Employee scope").
"""

from __future__ import annotations

import duckdb

from orchestration.publish.sql import literal

# Not "serving": DuckDB names a database after its file, so in serving.duckdb a
# schema "serving" makes `serving.kpi_scorecard` ambiguous (catalog or schema?)
# and every query in a BI tool fails with a binder error.
SCHEMA = "bi"

VIEWS: dict[str, tuple[str, str]] = {
    "kpi_scorecard": (
        f"""
        select
            ba.metric_id,
            coalesce(d.label_en, ba.metric_id) as label_en,
            coalesce(d.label_uk, ba.metric_id) as label_uk,
            ba.* exclude (metric_id),
            d.is_catalog_metric,
            f.family_order
        from marts.mart_kpi_before_after as ba
        left join reference.kpi_definitions as d on d.metric_id = ba.metric_id
        left join reference.kpi_families as f on f.family = ba.family
        """,
        "Before/after per metric and scope (marts.mart_kpi_before_after) with the catalog labels: "
        "the estimated effect of the CRM with its 95% interval, the raw change for reference, and the "
        "verdict (better, worse, no clear change, too little data, unreliable, not available) with its reason.",
    ),
    "kpi_monthly": (
        f"""
        select
            m.month_start,
            m.metric_id,
            coalesce(d.label_en, m.metric_id) as label_en,
            coalesce(d.label_uk, m.metric_id) as label_uk,
            m.* exclude (month_start, metric_id),
            d.is_catalog_metric,
            f.family_order
        from marts.mart_kpi_monthly as m
        left join reference.kpi_definitions as d on d.metric_id = m.metric_id
        left join reference.kpi_families as f on f.family = m.family
        """,
        "Monthly value of every metric and scope (marts.mart_kpi_monthly) with the catalog labels; "
        "crm_period says whether the month is baseline, ramp_up, post or outside.",
    ),
}

EMPLOYEE_VIEW = "kpi_employee_scorecard"
EMPLOYEE_NAMES_RELATION = ("staging", "stg_crm__employee_names")

_EMPLOYEE_VIEW_QUERY = """
        select
            ba.metric_id,
            coalesce(d.label_en, ba.metric_id) as label_en,
            coalesce(d.label_uk, ba.metric_id) as label_uk,
            ba.scope_value as employee_key,{name_column}
            e.department,
            e.role,
            ba.* exclude (metric_id, scope_type, scope_value),
            f.family_order
        from marts.mart_kpi_before_after as ba
        left join marts.dim_employee_scope as e on e.employee_key = ba.scope_value
        left join reference.kpi_definitions as d on d.metric_id = ba.metric_id
        left join reference.kpi_families as f on f.family = ba.family{name_join}
        where ba.scope_type = 'employee'
        """

_EMPLOYEE_VIEW_COMMENT = (
    "Before/after per employee (the employee rows of marts.mart_kpi_before_after, metrics of the seed "
    "kpi_employee_metrics) by pseudonymous employee_key, with department and role; verdicts with Benjamini-"
    "Hochberg control within each metric's employees. {names}"
)


def employee_names(con: duckdb.DuckDBPyConnection, source_catalog: str) -> list[tuple[str, str]]:
    """(employee_key, employee_name) from the attached build warehouse; empty unless the build had
    show_employee_names true (or the warehouse predates the employee scope)."""
    schema, name = EMPLOYEE_NAMES_RELATION
    exists = con.execute(
        "select count(*) from information_schema.tables where table_catalog = ? and table_schema = ? "
        "and table_name = ?", [source_catalog, schema, name]).fetchone()[0]
    if not exists:
        return []
    return con.execute(
        f"select employee_key, employee_name from {source_catalog}.{schema}.{name} "
        "where employee_key is not null order by employee_key").fetchall()


def _employee_view(names: list[tuple[str, str]]) -> tuple[str, str]:
    if not names:
        return (_EMPLOYEE_VIEW_QUERY.format(name_column="", name_join=""),
                _EMPLOYEE_VIEW_COMMENT.format(names="No names (the setting show_employee_names is false)."))
    values = ", ".join(f"({literal(key)}, {literal(name) if name is not None else 'null'})" for key, name in names)
    return (_EMPLOYEE_VIEW_QUERY.format(
                name_column="\n            n.employee_name,",
                name_join=f"\n        left join (values {values}) as n(employee_key, employee_name) "
                          "on n.employee_key = ba.scope_value"),
            _EMPLOYEE_VIEW_COMMENT.format(names="employee_name is shown because the build's setting "
                                                "show_employee_names was true."))


PUBLISH_INFO_COMMENT = (
    "One row per table copied by the last publish: when (published_at, UTC), from which "
    "warehouse, its row count, and the latest month of marts.mart_kpi_monthly."
)

REQUIRED_TABLES = ("marts.mart_kpi_before_after", "marts.mart_kpi_monthly", "reference.kpi_definitions",
                   "reference.kpi_families")


def create_views(con: duckdb.DuckDBPyConnection, employee_names: list[tuple[str, str]] | None = None) -> list[str]:
    """Create the friendly views in the current database; return their qualified names.
    ``employee_names``: (employee_key, name) pairs for bi.kpi_employee_scorecard (see employee_names())."""
    con.execute(f"create schema if not exists {SCHEMA}")
    names = []
    views = dict(VIEWS)
    if _has_table(con, "marts", "dim_employee_scope"):
        views[EMPLOYEE_VIEW] = _employee_view(list(employee_names or []))
    for name, (query, comment) in views.items():
        con.execute(f"create view {SCHEMA}.{name} as {query}")
        con.execute(f"comment on view {SCHEMA}.{name} is {literal(comment)}")
        names.append(f"{SCHEMA}.{name}")
    return names


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_catalog = current_database() "
                            "and table_schema = ? and table_name = ?", [schema, name]).fetchone()[0])


def create_publish_info(
    con: duckdb.DuckDBPyConnection, rows: list[tuple[object, ...]]
) -> str:
    """Create bi.publish_info from (published_at, source_path, schema, table, row_count,
    latest_month, duckdb_version) rows."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(
        f"""
        create table {SCHEMA}.publish_info (
            published_at timestamp not null,
            source_path varchar not null,
            table_schema varchar not null,
            table_name varchar not null,
            row_count bigint not null,
            latest_month date,
            duckdb_version varchar
        )
        """
    )
    con.executemany(f"insert into {SCHEMA}.publish_info values (?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute(f"comment on table {SCHEMA}.publish_info is {literal(PUBLISH_INFO_COMMENT)}")
    return f"{SCHEMA}.publish_info"
