"""Write a validated file into its raw table and its rejects into raw.quarantine.

Upsert by primary key, as DELETE of the keys in the file followed by INSERT:
rows whose key is already in raw are replaced, new keys are added, and keys
the file does not mention stay (exports can be incremental) -- unless the export
declares itself complete (``delete_absent_rows``). DuckDB's
``INSERT OR REPLACE`` would need a PRIMARY KEY index on every raw table; a
delete-then-insert inside the load's transaction gives the same result with
one hash join and no index to maintain.

The replacement is whole-row: a newer export's row replaces the stored one
even if some of its values are NULL, because the export is the CRM's current
state of that record. A row whose stored version is identical in every column
is left alone, with its ``_loaded_at``: most CRMs export full snapshots, and
dbt's incremental facts reprocess what was loaded since their last build, so
rewriting unchanged rows would make every build a full one.

A first load (the raw table is empty) skips all of that: every winning row is
new, so they are inserted directly, without the comparison and the delete.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from orchestration.load.schema import qualified
from orchestration.load.sql import ident, literal
from orchestration.load.validate import Stage


def upsert_rows(
    con: duckdb.DuckDBPyConnection,
    stage: Stage,
    extras_in_raw: dict[str, str],
    *,
    source_file: str,
    loaded_at: dt.datetime,
) -> int:
    """Replace-or-insert the winning valid rows of ``stage`` that are new or changed.

    Returns the number of valid rows in the file (written now, or already
    stored exactly so): the "loaded" count of the load log.
    """
    cols = stage.cols
    table = cols.table
    target = qualified(table.name)
    winners = f"{ident(stage.name)} WHERE _dup_rank = 1"

    valid_rows = con.execute(f"SELECT count(*) FROM {winners}").fetchone()[0]

    names = [ident(c) for c in table.column_names]
    values = [stage.typed(c) for c in table.column_names]
    for name, position in cols.extras:
        names.append(ident(extras_in_raw[name.lower()]))
        values.append(stage.clean(position))

    def insert(rows: str, order: str = " ORDER BY _row_number") -> None:
        con.execute(
            f"INSERT INTO {target} ({', '.join(names + [ident('_source_file'), ident('_loaded_at')])}) "
            f"SELECT {', '.join(values + ['$source_file', '$loaded_at'])} FROM {rows}{order}",
            {"source_file": source_file, "loaded_at": loaded_at},
        )

    if con.execute(f"SELECT count(*) FROM {target}").fetchone()[0] == 0:
        # A first load: with nothing stored, every winning row is new and no key is to be deleted, so the
        # anti-join below would keep every row; insert them directly instead (same rows, same order).
        if con.execute(f"SELECT count(*) FROM {ident(stage.dups_table)}").fetchone()[0] == 0:
            # no key repeats: the winners are the valid rows, read straight from the staged rows, which
            # are in file order and stay so under the loader's preserve_insertion_order, without the
            # join to the repeated keys and a sort (scale 10's 10 million order lines: 5.0 s -> 1.9 s)
            insert(f"{ident(stage.rows_table)} WHERE _ok", order="")
        else:
            insert(winners)
        return int(valid_rows)

    # the rows that are new or differ from their stored version in any column
    same_key = " AND ".join(f"{target}.{ident(k)} = w.{stage.typed(k)}" for k in table.primary_key)
    same_values = " AND ".join(f"{target}.{n} IS NOT DISTINCT FROM w.{v}" for n, v in zip(names, values))
    changed = ident("_load_changed")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {changed} AS SELECT w.* FROM {ident(stage.name)} AS w "
        f"WHERE w._dup_rank = 1 AND NOT EXISTS (SELECT 1 FROM {target} WHERE {same_key} AND {same_values})"
    )

    on = " AND ".join(f"{target}.{ident(k)} = s.{stage.typed(k)}" for k in table.primary_key)
    keys = ", ".join(stage.typed(k) for k in table.primary_key)
    con.execute(f"DELETE FROM {target} USING (SELECT {keys} FROM {changed}) AS s WHERE {on}")
    insert(changed)
    con.execute(f"DROP TABLE {changed}")
    return int(valid_rows)


def delete_absent_rows(con: duckdb.DuckDBPyConnection, stage: Stage) -> int:
    """Delete the raw rows whose key the file does not hold at all: for an export declared ``complete``
    (export.yml), whose files hold every record of their tables, such as the API snapshots of
    ``crm-impact extract``. A record the CRM deleted is then gone from raw as well.

    A key counts as held when any row of the file carries it, loaded or quarantined: a record whose new
    version was quarantined keeps its previous version rather than vanishing. Returns the rows deleted.
    """
    table = stage.cols.table
    target = qualified(table.name)
    held = " AND ".join(f"{target}.{ident(k)} = f.{stage.typed(k)}" for k in table.primary_key)
    before = con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
    con.execute(f"DELETE FROM {target} WHERE NOT EXISTS (SELECT 1 FROM {ident(stage.name)} AS f WHERE {held})")
    return int(before - con.execute(f"SELECT count(*) FROM {target}").fetchone()[0])


def quarantine_rows(
    con: duckdb.DuckDBPyConnection,
    stage: Stage,
    *,
    load_id: str,
    source_file: str,
    loaded_at: dt.datetime,
) -> int:
    """Insert every row of ``stage`` that is not loaded into raw.quarantine; return how many.

    A row is quarantined once, with the column of its first failed rule and all
    its reasons. A valid row that lost its key to a later row is quarantined
    as a duplicate. raw_row holds the row's original text, by header name.
    """
    cols = stage.cols
    key_cols = cols.table.primary_key
    key_text = " || ', ' || ".join(
        f"{literal(k + '=')} || coalesce({stage.clean(cols.contract[k])}, 'NULL')" for k in key_cols
    )
    duplicate_reason = (
        f"'duplicate primary key (' || {key_text} || '): row ' || CAST(_winner AS VARCHAR) "
        f"|| ' later in the file wins'"
    )
    raw_row = "CAST(json_object(" + ", ".join(
        f"{literal(name)}, {stage.original(i)}" for i, name in enumerate(cols.names)
    ) + ") AS VARCHAR)"
    rejected = f"{ident(stage.name)} WHERE NOT _ok OR _dup_rank > 1"
    if con.execute(f"SELECT count(*) FROM {rejected}").fetchone()[0] == 0:
        return 0  # nothing to quarantine: the file is not read again
    inserted = con.execute(
        f"""
        INSERT INTO {qualified('quarantine')}
            (load_id, table_name, source_file, row_number, column_name, reason, raw_row, quarantined_at, rule)
        SELECT
            $load_id, $table_name, $source_file, _row_number,
            CASE WHEN _ok THEN {literal(', '.join(key_cols))} ELSE _errors[1].column_name END,
            CASE WHEN _ok THEN {duplicate_reason}
                 ELSE array_to_string(list_transform(_errors, lambda e: e.reason), '; ') END,
            {raw_row},
            $loaded_at,
            CASE WHEN _ok THEN 'duplicate' ELSE _errors[1].rule END
        FROM (SELECT * FROM {rejected}) AS rejected
        INNER JOIN {stage.original_rows()} AS original ON original._original_row = rejected._row_number
        ORDER BY _row_number
        """,
        {"load_id": load_id, "table_name": cols.table.name, "source_file": source_file, "loaded_at": loaded_at},
    ).fetchone()[0]
    return int(inserted)
