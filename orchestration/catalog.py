"""The KPI catalog seeds, read for the Python side.

The catalog is data in ``seeds/``: ``kpi_families.csv`` (the six families,
their order and labels), ``kpi_definitions.csv`` (every metric) and
``kpi_source_tables.csv`` (which raw tables a metric needs). dbt loads the
same files into the ``reference`` schema; Python code that needs a family list,
an order or a label before or without a warehouse (the Dagster asset groups,
the generated docs) reads them here instead of keeping its own copy.

The files are tiny, so they are read with the ``csv`` module once per process
and cached. A file that breaks the rules below stops with an error naming the
file, the row and the column.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
FAMILIES_CSV = SEEDS / "kpi_families.csv"
DEFINITIONS_CSV = SEEDS / "kpi_definitions.csv"
SOURCE_TABLES_CSV = SEEDS / "kpi_source_tables.csv"


class CatalogError(ValueError):
    """A catalog seed that breaks its rules (the message names file, row and column)."""


@dataclass(frozen=True)
class Family:
    """One KPI family (a row of seeds/kpi_families.csv)."""

    family: str
    family_order: int
    label_en: str
    label_uk: str


@dataclass(frozen=True)
class Definition:
    """One metric (a row of seeds/kpi_definitions.csv)."""

    metric_id: str
    family: str
    label_en: str
    label_uk: str
    unit: str
    direction: str  # up or down: which way is better
    period_aggregation: str  # ratio, total, median, p90 or payback
    definition: str
    is_catalog_metric: bool  # False for the companions (p90s, shares)


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of a seed CSV, every column present and non-empty."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise CatalogError(f"{path.name}: column {', '.join(missing)} is missing from the header")
        rows = []
        for row in reader:
            line = reader.line_num
            for column in columns:
                if not (row.get(column) or "").strip():
                    raise CatalogError(f"{path.name}, line {line}: {column} is empty")
            rows.append((line, {c: row[c].strip() for c in columns}))
    return rows


def _unique(path: Path, rows: list[tuple[int, dict[str, str]]], column: str) -> None:
    seen: dict[str, int] = {}
    for line, row in rows:
        if row[column] in seen:
            raise CatalogError(f"{path.name}, line {line}: {column} {row[column]!r} repeats line {seen[row[column]]}")
        seen[row[column]] = line


@cache
def kpi_families() -> tuple[Family, ...]:
    """The KPI families in their order (family_order)."""
    rows = _rows(FAMILIES_CSV, ("family", "family_order", "label_en", "label_uk"))
    _unique(FAMILIES_CSV, rows, "family")
    _unique(FAMILIES_CSV, rows, "family_order")
    families = []
    for line, row in rows:
        try:
            order = int(row["family_order"])
        except ValueError:
            raise CatalogError(f"{FAMILIES_CSV.name}, line {line}: family_order {row['family_order']!r} "
                               "is not a whole number") from None
        families.append(Family(row["family"], order, row["label_en"], row["label_uk"]))
    return tuple(sorted(families, key=lambda f: f.family_order))


def family_ids() -> tuple[str, ...]:
    """The family ids in their order: financial, process, ..."""
    return tuple(f.family for f in kpi_families())


def family_labels() -> dict[str, tuple[str, str]]:
    """family -> (English label, Ukrainian label), in family order."""
    return {f.family: (f.label_en, f.label_uk) for f in kpi_families()}


@cache
def kpi_definitions() -> tuple[Definition, ...]:
    """Every metric of the catalog, in the seed's order."""
    columns = ("metric_id", "family", "label_en", "label_uk", "unit", "direction", "period_aggregation",
               "definition", "is_catalog_metric")
    rows = _rows(DEFINITIONS_CSV, columns)
    _unique(DEFINITIONS_CSV, rows, "metric_id")
    families = set(family_ids())
    out = []
    for line, row in rows:
        if row["family"] not in families:
            raise CatalogError(f"{DEFINITIONS_CSV.name}, line {line}: family {row['family']!r} is not in "
                               f"{FAMILIES_CSV.name}")
        if row["is_catalog_metric"] not in ("true", "false"):
            raise CatalogError(f"{DEFINITIONS_CSV.name}, line {line}: is_catalog_metric "
                               f"{row['is_catalog_metric']!r} is not true or false")
        out.append(Definition(**{**row, "is_catalog_metric": row["is_catalog_metric"] == "true"}))
    return tuple(out)


@cache
def kpi_source_tables() -> dict[str, tuple[str, ...]]:
    """metric_id -> the raw tables whose absence makes the metric not available."""
    from orchestration.contract import TABLES_BY_NAME

    rows = _rows(SOURCE_TABLES_CSV, ("metric_id", "source_table"))
    metrics = {d.metric_id for d in kpi_definitions()}
    out: dict[str, list[str]] = {}
    for line, row in rows:
        if row["metric_id"] not in metrics:
            raise CatalogError(f"{SOURCE_TABLES_CSV.name}, line {line}: metric_id {row['metric_id']!r} is not in "
                               f"{DEFINITIONS_CSV.name}")
        if row["source_table"] not in TABLES_BY_NAME:
            raise CatalogError(f"{SOURCE_TABLES_CSV.name}, line {line}: source_table {row['source_table']!r} is not "
                               "a table of the raw contract (orchestration/contract.py)")
        out.setdefault(row["metric_id"], []).append(row["source_table"])
    return {m: tuple(t) for m, t in out.items()}
