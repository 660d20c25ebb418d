"""Flat views over what dlt landed: the API's records in the shape of an export file, per source of a preset.

dlt stores each object as a table (HubSpot's ``properties`` flattened to
``properties__<name>``, nested lists as child tables). The mapping presets
(``presets/*_api.yml``) read *flat* relations, one per source, like the files
of a CRM export. The views here make them, and only that: they drop the
``properties__`` prefix, leave out the records the API reports archived or
deleted, join a record to what the API returns beside it (a deal stage's
metadata, a line item's deal), and union the objects that fill one contract
table (companies and company-less contacts are both customers). The business
rules (what is won, which status is which) stay in the presets.

A column the views read may not exist in the landed table when no record
ever had a value (dlt makes a column when it first sees one), and a whole
table is absent when the API returned no record of its kind. The views then
read NULL, so that an empty property empties a contract column instead of
failing the snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from orchestration.load.sql import ident


@dataclass(frozen=True)
class Flat:
    """One landed table as a flat view: ``columns`` are (landed column, view column) pairs."""

    view: str
    table: str
    columns: tuple[tuple[str, str], ...]
    where: str = "true"


def landed_columns(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, set[str]]:
    """table -> its columns, for the tables of ``schema`` (the dlt dataset)."""
    rows = con.execute("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $s",
                       {"s": schema}).fetchall()
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(table, set()).add(column)
    return out


def create_flat_views(con: duckdb.DuckDBPyConnection, schema: str, flats: Sequence[Flat]) -> None:
    """Create each Flat as a TEMP view, with NULL for what the dataset lacks."""
    landed = landed_columns(con, schema)
    for flat in flats:
        present = landed.get(flat.table)
        if present is None:
            selects = ", ".join(f"CAST(NULL AS VARCHAR) AS {ident(alias)}" for _, alias in flat.columns)
            con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(flat.view)} AS SELECT {selects} WHERE false")
            continue
        selects = ", ".join(
            (f"CAST({ident(column)} AS VARCHAR) AS {ident(alias)}" if column in present
             else f"CAST(NULL AS VARCHAR) AS {ident(alias)}")
            for column, alias in flat.columns
        )
        where = flat.where
        # a filter on a column that was never landed is vacuous (no record had the flag)
        for column in ("archived", "is_deleted", "status"):
            if column not in present:
                where = where.replace(f"__{column}__", "NULL")
            where = where.replace(f"__{column}__", ident(column))
        con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(flat.view)} AS "
                    f"SELECT {selects} FROM {ident(schema)}.{ident(flat.table)} WHERE {where}")


def create_views(con: duckdb.DuckDBPyConnection, schema: str, flats: Sequence[Flat],
                 combined: Sequence[tuple[str, str]]) -> None:
    """The flat views, then the combined ones (name, SELECT over the flat views)."""
    create_flat_views(con, schema, flats)
    for name, sql in combined:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS {sql}")


def not_deleted(*flags: str) -> str:
    """A WHERE clause that keeps the records none of ``flags`` (archived, is_deleted) marks."""
    return " AND ".join(f"NOT coalesce(__{flag}__, false)" for flag in flags) or "true"
