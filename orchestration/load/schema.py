"""The tables of the ``raw`` schema, created from the contract.

Every raw table has exactly the contract columns in contract order, typed with
``contract.DUCKDB_TYPES``, then the extra columns that files brought (VARCHAR,
kept but ignored downstream), then the lineage columns. Tables of every
contract table exist after any successful load, so dbt sources never point at
a missing table: an absent optional table is simply empty.

Raw tables carry no PRIMARY KEY constraint: uniqueness is guaranteed by the
loader (duplicates are quarantined, upserts delete before insert), and an
index would cost memory and time on every load for nothing.
"""

from __future__ import annotations

import duckdb

from orchestration.contract import DUCKDB_TYPES, Table
from orchestration.load.errors import LoadError
from orchestration.load.read import LINEAGE_COLUMNS
from orchestration.load.sql import ident

SCHEMA = "raw"

# raw.quarantine: one row per rejected source row (see docs/loader.md)
QUARANTINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("load_id", "VARCHAR"),
    ("table_name", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("row_number", "BIGINT"),  # 1-based data row in the file, header excluded
    ("column_name", "VARCHAR"),  # column of the first rule that failed
    ("reason", "VARCHAR"),  # every failed rule, first one first, joined by '; '
    ("raw_row", "VARCHAR"),  # JSON object of the row's original text values
    ("quarantined_at", "TIMESTAMP"),  # UTC
    # the first failed rule (limits.RULE_NAMES: missing, type, domain, range, order, future, fx,
    # duplicate): dbt's mart_data_quality_load groups the reasons by it, without parsing their text
    ("rule", "VARCHAR"),
)

# raw.load_log: one row per contract table per load
LOAD_LOG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("load_id", "VARCHAR"),
    ("table_name", "VARCHAR"),
    ("source_file", "VARCHAR"),  # NULL when the table is absent from the export
    ("file_checksum", "VARCHAR"),  # sha256 of the file's bytes
    ("status", "VARCHAR"),  # loaded | unchanged | absent
    ("rows_read", "BIGINT"),
    ("rows_loaded", "BIGINT"),
    ("rows_quarantined", "BIGINT"),
    ("loaded_at", "TIMESTAMP"),  # UTC
    ("timezone", "VARCHAR"),  # setting the file was loaded with
    ("reporting_currency", "VARCHAR"),  # setting the file was loaded with
    ("fingerprint", "VARCHAR"),  # checksum + settings: equal fingerprint = 'unchanged'
    ("exported_at", "TIMESTAMP"),  # UTC; export.yml's exported_at, NULL when not declared (dbt's calendar reads it)
    ("rows_deleted", "BIGINT"),  # raw rows the file no longer holds, deleted (export.yml complete: true); else 0
    # the quarantine limit of the load (NULL = none): a share above it was accepted (--accept-quarantine),
    # and the report says so in red
    ("max_quarantine_share", "DOUBLE"),
)


def qualified(name: str) -> str:
    return f"{SCHEMA}.{ident(name)}"


def _create(con: duckdb.DuckDBPyConnection, name: str, columns: list[tuple[str, str]]) -> None:
    body = ", ".join(f"{ident(n)} {t}" for n, t in columns)
    con.execute(f"CREATE TABLE IF NOT EXISTS {qualified(name)} ({body})")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and its bookkeeping tables if they do not exist."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    _create(con, "quarantine", list(QUARANTINE_COLUMNS))
    _create(con, "load_log", list(LOAD_LOG_COLUMNS))
    # a warehouse made before a column was added gets it (older rows NULL)
    for table, columns in (("load_log", LOAD_LOG_COLUMNS), ("quarantine", QUARANTINE_COLUMNS)):
        for name, type_ in columns:
            con.execute(f"ALTER TABLE {qualified(table)} ADD COLUMN IF NOT EXISTS {ident(name)} {type_}")


def _existing_columns(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = $schema AND table_name = $name ORDER BY ordinal_position",
        {"schema": SCHEMA, "name": name},
    ).fetchall()


def ensure_table(con: duckdb.DuckDBPyConnection, table: Table, extras: list[str]) -> dict[str, str]:
    """Make raw.<table> exist with the contract columns and the given extras.

    Returns {lower-case extra name: column name in raw} for every extra column
    of the table (earlier loads' and this file's). A new extra column is added
    before the lineage columns by rebuilding the table (inside the load's
    transaction), so the column order stays contract, extras, lineage.
    """
    contract_cols = [(c.name, DUCKDB_TYPES[c.type]) for c in table.columns]
    lineage = [("_source_file", "VARCHAR"), ("_loaded_at", "TIMESTAMP")]
    existing = _existing_columns(con, table.name)

    if not existing:
        _create(con, table.name, contract_cols + [(e, "VARCHAR") for e in extras] + lineage)
        return {e.lower(): e for e in extras}

    head = [(n, t.upper()) for n, t in existing[: len(contract_cols)]]
    if head != contract_cols:
        raise LoadError(
            f"{qualified(table.name)} in the warehouse does not have the contract columns "
            f"({', '.join(n for n, _ in contract_cols)}) in contract order with contract types; "
            "it was made by another version of the loader: drop it or use a new warehouse"
        )
    lineage_names = set(LINEAGE_COLUMNS)
    have = [n for n, _ in existing[len(contract_cols):] if n not in lineage_names]
    have_lower = {n.lower(): n for n in have}
    new = [e for e in extras if e.lower() not in have_lower]
    if new:
        target = qualified(table.name)
        tmp = qualified(f"{table.name}__rebuild")
        select = ", ".join(
            [ident(n) for n, _ in contract_cols]
            + [ident(n) for n in have]
            + [f"CAST(NULL AS VARCHAR) AS {ident(n)}" for n in new]
            + [ident(n) for n, _ in lineage]
        )
        con.execute(f"CREATE TABLE {tmp} AS SELECT {select} FROM {target}")
        con.execute(f"DROP TABLE {target}")
        con.execute(f"ALTER TABLE {tmp} RENAME TO {ident(table.name)}")
        have_lower.update({n.lower(): n for n in new})
    return have_lower


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = $s AND table_name = $n",
        {"s": SCHEMA, "n": name},
    ).fetchone()[0])

