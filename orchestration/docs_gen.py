"""Generate the user documentation of the KPI catalog and the export format.

``docs/kpis.md``, ``docs/export_format.md`` and ``docs/loader.md`` are
hand-written prose with generated tables in between. The tables come from the
sources of truth - the seeds ``kpi_families.csv``, ``kpi_definitions.csv``,
``kpi_source_tables.csv``, the raw contract ``orchestration/contract.py``, and
what the loader reads: the file formats (``load/discover.py``), the keys of
export.yml (``load/declared.py``), the quarantine limit (``load/limits.py``)
and the shipped presets (``load/presets/``) - so that the docs cannot drift
from what the code does: ``tests/test_docs_generated.py`` fails when a
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
import dataclasses
import re
import sys
from collections.abc import Callable
from pathlib import Path

from orchestration import catalog, contract
from orchestration.load import declared, discover, limits, mapping

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

# How each logical type of the contract is written in a file (load/values.py detects the variants per file).
TYPE_FORMATS: dict[str, str] = {
    "text": "any text; trimmed; IDs keep their case",
    "timestamp": "ISO 8601, e.g. `2025-03-01T09:15:00`, `2025-03-01 09:15`, `2025-03-01T09:15:00Z`, "
                 "`2025-03-01T09:15:00+02:00`; day-first with dots, `01.03.2025 09:15`; slash dates as for "
                 "dates; without an offset it is read in the export's time zone (`source_timezone`)",
    "date": "`YYYY-MM-DD`; day-first with dots, `31.12.2024`; slash dates (`31/12/2024`) when the file shows "
            "their order or export.yml declares `date_format`",
    "decimal": "`.` or `,` as the decimal mark (a decimal comma is detected, or declared with "
               "`decimal_separator`); digits grouped by spaces (`1 234,50`), or by the other mark when the "
               "decimal mark is known (`1,234.50`, `1.234,50`); no currency signs or units",
    "int": "a whole number (`2.0` is read as 2)",
    "bool": "`true`, `false`, `1` or `0`, in any case",
}

# What each reader of load/discover.py FORMATS reads, for a person choosing how to export.
FILE_FORMATS: dict[str, str] = {
    "csv": "text with a header row; delimiter `,` `;` tab or `|` (sniffed, or `delimiter`); UTF-8 with or "
           "without a byte order mark, UTF-16 with one, Windows-1251 or -1252 (detected, or `encoding`)",
    "excel": "a workbook named like the table (its one sheet, or the sheet named like the table), or any "
             "workbook with one sheet per table; the header is the sheet's first row",
    "jsonl": "JSON Lines: one object per line, its keys the columns",
    "parquet": "Parquet; every column is read as text and validated like CSV text",
}

# What each key of export.yml (load/declared.py ExportSettings) declares, and what holds without it.
EXPORT_YML: dict[str, tuple[str, str]] = {
    "delimiter": ("the delimiter of the CSV files: `,` `;` `|` or `tab`", "sniffed per file"),
    "decimal_separator": ("the decimal mark: `.` or `,`", "detected per file; `.` when nothing shows"),
    "thousands_separator": ("the digit grouping mark: space, nbsp, `'`, `,`, `.` or `\"\"` for none",
                            "spaces always; the other mark where the decimal mark is known"),
    "date_format": ("a strptime format of the date part, e.g. `%d/%m/%Y`", "ISO and `31.12.2024` always; "
                    "slash dates when the file shows their order"),
    "encoding": ("the encoding of the text files, any Python codec (`windows-1251`, `utf-16`, ...)",
                 "detected per file"),
    "source_timezone": ("the IANA zone of naive timestamps, e.g. `Europe/Kyiv`",
                        "the load's `--source-timezone` if given (it wins over export.yml), else UTC"),
    "exported_at": ("when the export was made (a bare date = the end of that day)",
                    "the load time: events after it are quarantined as future-dated, and the last month of the "
                    "data counts as complete only when the data reach its last day"),
    "complete": ("`true` when each file holds every record of its table (an API snapshot): raw rows whose key "
                 "a file no longer holds were deleted in the CRM and are deleted from raw",
                 "`false`: files may be partial, so the load only adds and replaces rows"),
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


def export_files() -> str:
    """The file formats the loader reads, from discover.FORMATS."""
    _require_known("file format", set(discover.FORMATS.values()), FILE_FORMATS)
    lines = ["| format | file names | how it is read |", "|---|---|---|"]
    for kind, text in FILE_FORMATS.items():
        suffixes = sorted((s for s, k in discover.FORMATS.items() if k == kind), key=lambda s: (len(s), s))
        lines.append(f"| {kind} | {', '.join(f'`<table>{s}`' for s in suffixes)} | {_cell(text)} |")
    return "\n".join(lines)


def export_settings() -> str:
    """The keys of export.yml, from declared.ExportSettings."""
    keys = [f.name for f in dataclasses.fields(declared.ExportSettings) if f.name != "path"]
    _require_known("export.yml key", set(keys), {k: v[0] for k, v in EXPORT_YML.items()})
    lines = ["| key | declares | without it |", "|---|---|---|"]
    lines += [f"| `{k}` | {_cell(EXPORT_YML[k][0])} | {_cell(EXPORT_YML[k][1])} |" for k in keys]
    return "\n".join(lines)


def export_limits() -> str:
    """The quarantine limit, from limits.DEFAULT_MAX_QUARANTINE_SHARE."""
    return (f"A table whose quarantined share is above **{limits.DEFAULT_MAX_QUARANTINE_SHARE:.0%}** "
            "(`--max-quarantine-share`, Dagster `max_quarantine_share`) fails the whole load and nothing is "
            "written, unless `--accept-quarantine` (Dagster `accept_quarantine`) is given: then the load goes on, "
            "the load summary notes which tables were above the limit, and the scorecard and the report say it in red.")


def presets_table() -> str:
    """The shipped CRM mapping presets (load/presets/*.yml)."""
    import yaml

    lines = ["| preset | CRM | reads | fills the contract tables |", "|---|---|---|---|"]
    for name in mapping.preset_names():
        preset = yaml.safe_load((mapping.PRESETS_DIR / f"{name}.yml").read_text(encoding="utf-8"))
        lines.append(f"| `{name}` | {_cell(preset['crm'])} | {', '.join(preset.get('sources', {}))} | "
                     f"{_code(preset['tables'])} |")
    return "\n".join(lines)


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
        "export-files": export_files,
        "export-settings": export_settings,
        "export-limits": export_limits,
        "export-presets": presets_table,
        "export-overview": export_overview,
        "export-types": export_types,
        "export-tables": export_tables,
    },
    "loader.md": {
        "loader-formats": export_files,
        "loader-settings": export_settings,
        "loader-limits": export_limits,
        "loader-presets": presets_table,
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
