"""Generate the user documentation of the KPI catalog and the export format.

``docs/kpis.md`` and ``docs/export_format.md`` are hand-written prose with
generated tables in between. The tables come from the sources of truth - the
seeds ``kpi_families.csv``, ``kpi_definitions.csv``, ``kpi_source_tables.csv``
and the raw contract ``orchestration/contract.py`` - so that the docs cannot
drift from what the code does: ``tests/test_docs_generated.py`` fails when a
committed doc differs from what this module generates.

A generated block sits between two HTML comments that Markdown does not show::

    <!-- generated:kpi-tables (make docs-md) -->
    ...
    <!-- /generated:kpi-tables -->

Everything outside the markers is prose and is kept as it is. Run
``make docs-md`` (``python -m orchestration.docs_gen``) after changing a seed
or the contract; ``--check`` only reports which docs are stale.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

from orchestration import catalog, contract

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DOCS = PROJECT_ROOT / "docs"

# What each unit of kpi_definitions.unit means for a reader. A unit without a
# line here stops the generator, so a new unit cannot reach the docs unexplained.
UNITS: dict[str, str] = {
    "money": "an amount in the reporting currency (setting `reporting_currency`, default UAH)",
    "count": "a number of things (orders, customers, requests) in a month",
    "hours": "a duration in hours",
    "minutes": "a duration in minutes",
    "ratio": "a share between 0 and 1 (0.25 = 25%); ROI can exceed 1 or be negative",
    "score": "a mean survey score (CSAT, 1 to 5)",
    "points": "NPS points, from -100 to 100",
    "months": "a number of months",
}

DIRECTIONS: dict[str, str] = {"up": "higher", "down": "lower"}

# How a month's and a period's value are formed (kpi_definitions.period_aggregation).
AGGREGATIONS: dict[str, str] = {
    "ratio": "pooled ratio: sum of numerators / sum of denominators over the month's or period's records",
    "total": "sum per month; a period's value is the mean monthly total",
    "median": "median over the records of the month or period (never a mean of monthly medians)",
    "p90": "90th percentile over the records of the month or period",
    "payback": "cumulative from the first CRM cost (`mart_crm_payback`)",
}

# How each logical type of the contract is written in a file.
TYPE_FORMATS: dict[str, str] = {
    "text": "any text; trimmed; IDs keep their case",
    "timestamp": "ISO 8601, e.g. `2025-03-01T09:15:00`, `2025-03-01 09:15`, `2025-03-01T09:15:00Z`, "
                 "`2025-03-01T09:15:00+02:00`; without an offset it is read in the load's time zone",
    "date": "`YYYY-MM-DD`",
    "decimal": "`.` as the decimal mark, e.g. `1250.50`; no thousands separators",
    "int": "a whole number (`2.0` is read as 2)",
    "bool": "`true`, `false`, `1` or `0`, in any case",
}


def _cell(text: object) -> str:
    """A value safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _code(values) -> str:
    return ", ".join(f"`{v}`" for v in values)


def _require_known(kind: str, used: set[str], known: dict[str, str]) -> None:
    missing = sorted(used - known.keys())
    if missing:
        raise ValueError(f"docs_gen: no description for {kind} {', '.join(missing)}: add it to orchestration/docs_gen.py")


# ---------------------------------------------------------------------------------------------
# docs/kpis.md
# ---------------------------------------------------------------------------------------------
def kpi_tables() -> str:
    """One table per family: every metric with its meaning, unit, direction and tables."""
    definitions = catalog.kpi_definitions()
    needs = catalog.kpi_source_tables()
    _require_known("unit", {d.unit for d in definitions}, UNITS)
    _require_known("direction", {d.direction for d in definitions}, DIRECTIONS)
    _require_known("period_aggregation", {d.period_aggregation for d in definitions}, AGGREGATIONS)
    out = []
    for family in catalog.kpi_families():
        rows = [d for d in definitions if d.family == family.family]
        out += [f"### {family.label_en} (`{family.family}`)", "",
                f"Ukrainian: {family.label_uk}. {len(rows)} metrics.", "",
                "| metric_id | name (en / uk) | what it measures | unit | better | a period's value | "
                "not available without |",
                "|---|---|---|---|---|---|---|"]
        for d in rows:
            name = f"{d.label_en} / {d.label_uk}" + ("" if d.is_catalog_metric else " *(companion)*")
            out.append(f"| `{d.metric_id}` | {_cell(name)} | {_cell(d.definition)} | {d.unit} | "
                       f"{DIRECTIONS[d.direction]} | {d.period_aggregation} | {_code(needs.get(d.metric_id, ()))} |")
        out.append("")
    return "\n".join(out).rstrip("\n")


def kpi_units() -> str:
    used = {d.unit for d in catalog.kpi_definitions()}
    lines = ["| unit | meaning |", "|---|---|"]
    lines += [f"| {unit} | {UNITS[unit]} |" for unit in UNITS if unit in used]
    return "\n".join(lines)


def kpi_aggregations() -> str:
    used = {d.period_aggregation for d in catalog.kpi_definitions()}
    lines = ["| a period's value | how it is formed |", "|---|---|"]
    lines += [f"| {agg} | {AGGREGATIONS[agg]} |" for agg in AGGREGATIONS if agg in used]
    return "\n".join(lines)


def kpi_counts() -> str:
    definitions = catalog.kpi_definitions()
    main = sum(d.is_catalog_metric for d in definitions)
    return (f"{len(definitions)} metrics in {len(catalog.kpi_families())} families: "
            f"{main} from the article's lists and {len(definitions) - main} companions.")


# ---------------------------------------------------------------------------------------------
# docs/export_format.md
# ---------------------------------------------------------------------------------------------
def _rules(column: contract.Column) -> str:
    parts = []
    if column.domain:
        parts.append("one of " + _code(column.domain))
    if column.min_value is not None and column.max_value is not None:
        parts.append(f"{column.min_value:g} to {column.max_value:g}")
    elif column.min_value is not None:
        parts.append(f">= {column.min_value:g}")
    elif column.max_value is not None:
        parts.append(f"<= {column.max_value:g}")
    if column.pii:
        parts.append("personal data: dropped or hashed in staging")
    return "; ".join(parts)


def export_overview() -> str:
    """Every table: required or not, key, what it holds, which KPIs need it."""
    needed_by: dict[str, list[str]] = {}
    for metric, tables in catalog.kpi_source_tables().items():
        for table in tables:
            needed_by.setdefault(table, []).append(metric)
    lines = ["| table | required | primary key | what it holds | KPIs not available without it |",
             "|---|---|---|---|---|"]
    for t in contract.TABLES:
        kpis = ", ".join(f"`{m}`" for m in needed_by.get(t.name, [])) or "-"
        if t.required:
            kpis = "(required: the load stops without it)"
        lines.append(f"| [`{t.name}`](#{t.name}) | {'yes' if t.required else 'no'} | {_code(t.primary_key)} | "
                     f"{_cell(t.description)} | {kpis} |")
    return "\n".join(lines)


def export_types() -> str:
    _require_known("type", set(contract.DUCKDB_TYPES), TYPE_FORMATS)
    used = {c.type for t in contract.TABLES for c in t.columns}
    lines = ["| type | how to write it | stored in the warehouse as |", "|---|---|---|"]
    lines += [f"| {name} | {TYPE_FORMATS[name]} | `{duck}` |" for name, duck in contract.DUCKDB_TYPES.items()
              if name in used]
    return "\n".join(lines)


def export_tables() -> str:
    """One section per table: its columns, key, references, ordered pairs and defaults."""
    out = []
    for t in contract.TABLES:
        out += [f"### {t.name}", "",
                f"{t.description} {'Required' if t.required else 'Optional'}; "
                f"primary key {_code(t.primary_key)}.", "",
                "| column | type | empty allowed | allowed values | meaning |", "|---|---|---|---|---|"]
        for c in t.columns:
            empty = "no" if (not c.nullable or c.name in t.primary_key) else "yes"
            out.append(f"| `{c.name}` | {c.type} | {empty} | {_cell(_rules(c))} | {_cell(c.description)} |")
        out.append("")
        notes = []
        for column, table, ref in t.references:
            notes.append(f"`{column}` refers to `{table}.{ref}`; a value with no match is kept and counted by "
                         "a warning test.")
        for start, end in t.ordered:
            notes.append(f"`{end}` before `{start}` is a data error: the row is quarantined.")
        for column, value in t.defaults.items():
            notes.append(f"An empty `{column}` is stored as {value:g}." if isinstance(value, float)
                         else f"An empty `{column}` is stored as {value!r}.")
        out += [f"- {n}" for n in notes]
        if notes:
            out.append("")
    return "\n".join(out).rstrip("\n")


# ---------------------------------------------------------------------------------------------
# Writing and checking
# ---------------------------------------------------------------------------------------------
DOCS_BLOCKS: dict[str, dict[str, Callable[[], str]]] = {
    "kpis.md": {
        "kpi-counts": kpi_counts,
        "kpi-units": kpi_units,
        "kpi-aggregations": kpi_aggregations,
        "kpi-tables": kpi_tables,
    },
    "export_format.md": {
        "export-overview": export_overview,
        "export-types": export_types,
        "export-tables": export_tables,
    },
}


def render(text: str, blocks: dict[str, Callable[[], str]], name: str = "doc") -> str:
    """``text`` with every generated block replaced by what its function gives now."""
    for block, make in blocks.items():
        pattern = re.compile(rf"(<!-- generated:{block} [^>]*-->\n)(?:.*?\n)?(<!-- /generated:{block} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"{name}: the markers of the generated block {block!r} are missing")
        content = make()
        text = pattern.sub(lambda m: m.group(1) + content + "\n" + m.group(2), text)
    return text


def stale_docs(docs_dir: Path = DOCS, write: bool = False) -> list[str]:
    """The docs whose generated blocks differ from the sources (rewritten when ``write``)."""
    stale = []
    for name, blocks in DOCS_BLOCKS.items():
        path = docs_dir / name
        current = path.read_text(encoding="utf-8")
        wanted = render(current, blocks, name)
        if wanted != current:
            stale.append(name)
            if write:
                path.write_text(wanted, encoding="utf-8")
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale docs (exit 1 if any)")
    args = parser.parse_args(argv)
    stale = stale_docs(write=not args.check)
    for name in stale:
        print(f"docs/{name}: {'stale, run make docs-md' if args.check else 'regenerated'}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
