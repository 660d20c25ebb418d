"""Arrow tables in the contract's shape, and writing them as CSV or Parquet.

Why this exists: the contract (``orchestration.contract``) is the single source of the tables,
columns, their order and logical types; this module is the only place that maps those logical
types to Arrow types and to CSV text, so every table is written the same way:

* CSV: UTF-8, comma, header, '.' decimals, empty field = NULL, timestamps
  ``2025-03-01T09:15:00`` (naive = UTC), dates ``YYYY-MM-DD``, booleans ``true``/``false``;
  a field is quoted only when it holds a comma, quote or line break.
* Parquet: text -> string, timestamp -> timestamp[us], date -> date32, decimal -> float64,
  int -> int64, bool -> bool. A column that received unparseable values (``dirty``) is written
  as string so the bad values survive.

Rows are formatted with Arrow compute kernels (no Python loop per row).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.contract import TABLES_BY_NAME

ARROW_TYPES = {
    "text": pa.string(),
    "timestamp": pa.timestamp("s"),
    "date": pa.date32(),
    "decimal": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
}
PARQUET_TYPES = dict(ARROW_TYPES, timestamp=pa.timestamp("us"))
_CSV_CHUNK = 250_000


# ---------------------------------------------------------------------------------------------
# Building contract tables
# ---------------------------------------------------------------------------------------------
def _column(values, logical: str, null) -> pa.Array:
    values = np.asarray(values)
    mask = None if null is None else np.asarray(null, dtype=bool)
    if logical == "timestamp":
        return pa.array(values.astype(np.int64).astype("datetime64[s]"), mask=mask, type=pa.timestamp("s"))
    if logical == "date":
        return pa.array(values.astype(np.int64).astype("datetime64[D]"), mask=mask, type=pa.date32())
    if logical == "text":
        if values.dtype.kind not in "UO":
            values = values.astype(str)
        return pa.array(values, mask=mask, type=pa.string())
    return pa.array(values, mask=mask, type=ARROW_TYPES[logical])


def make_table(name: str, columns: dict) -> pa.Table:
    """A contract table from {column: values} or {column: (values, null_mask)}.

    Timestamps are int64 seconds, dates int day numbers. Columns must be exactly the contract's;
    they come out in contract order.
    """
    spec = TABLES_BY_NAME[name]
    missing = set(spec.column_names) - set(columns)
    extra = set(columns) - set(spec.column_names)
    if missing or extra:
        raise ValueError(f"{name}: missing columns {sorted(missing)}, unexpected {sorted(extra)}")
    arrays = []
    for col in spec.columns:
        v = columns[col.name]
        values, null = v if isinstance(v, tuple) else (v, None)
        arrays.append(_column(values, col.type, null))
    return pa.Table.from_arrays(arrays, names=spec.column_names)


# ---------------------------------------------------------------------------------------------
# Text rendering
# ---------------------------------------------------------------------------------------------
def as_text(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The CSV text of a column (nulls stay null)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    t = array.type
    if pa.types.is_string(t):
        return array
    if pa.types.is_timestamp(t):
        return pc.replace_substring(array.cast(pa.timestamp("s")).cast(pa.string()), " ", "T")
    return array.cast(pa.string())


def _quoted(text: pa.Array) -> pa.Array:
    needs = pc.match_substring_regex(text, r'[,"\r\n]')
    if not pc.any(needs).as_py():
        return text
    escaped = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(needs, escaped, text)


def write_csv(table: pa.Table, path: Path) -> None:
    header = (",".join(table.column_names) + "\n").encode("utf-8")
    with open(path, "wb") as fh:
        fh.write(header)
        for start in range(0, table.num_rows, _CSV_CHUNK):
            part = table.slice(start, _CSV_CHUNK)
            cols = []
            for name in part.column_names:
                text = as_text(part.column(name))
                if pa.types.is_string(part.schema.field(name).type):
                    text = _quoted(text)
                cols.append(pc.fill_null(text, ""))
            lines = pc.binary_join_element_wise(*cols, ",") if len(cols) > 1 else cols[0]
            lines = pc.binary_join_element_wise(lines, "\n", "")
            fh.write(_buffer(lines))


def _buffer(lines: pa.Array) -> memoryview:
    """The concatenated UTF-8 bytes of a string array, straight from its data buffer."""
    if len(lines) == 0:
        return memoryview(b"")
    _, offsets, data = lines.buffers()
    off = np.frombuffer(offsets, dtype=np.int32, count=lines.offset + len(lines) + 1)[lines.offset:]
    return memoryview(data)[off[0]:off[-1]]


def write_parquet(name: str, table: pa.Table, path: Path) -> None:
    """Contract types, except columns already turned to text by fault injection."""
    spec = TABLES_BY_NAME[name]
    fields = []
    for col in table.column_names:
        t = table.schema.field(col).type
        if not (pa.types.is_string(t) and spec.column(col).type != "text"):
            t = PARQUET_TYPES[spec.column(col).type]
        fields.append(pa.field(col, t))
    out = table.cast(pa.schema(fields))
    pq.write_table(out, path, compression="zstd")


def write_table(name: str, table: pa.Table, out_dir: Path, fmt: str) -> Path:
    """Write one table as <name>.csv or <name>.parquet into out_dir."""
    path = out_dir / f"{name}.{fmt}"
    if fmt == "csv":
        write_csv(table, path)
    else:
        write_parquet(name, table, path)
    return path
