"""Typed Parquet columns read as they are give exactly what reading their text gave (issue 20).

The loader used to cast every Parquet column to text and parse it back; a column whose DuckDB type is
in ``values.NATIVE_TYPES`` for its contract type is now read in its own type (``ValueFormat.native_sql``).
That is only right if, for every value, it is the value ``typed_sql`` reads from the text
(``CAST(value AS VARCHAR)``): here on edge values (NaN, infinity, years 1 and 9999, before year 1, after
9999, daylight-saving gaps and overlaps, the extremes of each integer type) in several time zones and
value formats. tests/test_load_equivalence.py checks the same on a whole dirty export, rows and reasons.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.contract import Column
from orchestration.load.values import NATIVE_TYPES, ValueFormat, native_text

# SQL expressions of each DuckDB type, edge values first
VALUES: dict[str, list[str]] = {
    "DOUBLE": ["1.5", "-0.0", "0.1", "1e20", "1e-7", "2.5e15", "1e16", "123456789012345678",
               "1.7976931348623157e308", "5e-324", "-3.0", "'nan'", "'inf'", "'-inf'", "NULL"],
    "BIGINT": ["0", "-1", "123456789012345678", "-9223372036854775808", "9223372036854775807", "NULL"],
    "INTEGER": ["1", "-2147483648", "2147483647"],
    "SMALLINT": ["-32768", "32767"],
    "TINYINT": ["-128", "127"],
    "BOOLEAN": ["true", "false", "NULL"],
    "DATE": ["'2024-02-29'", "'0001-01-01'", "'9999-12-31'", "'0999-06-01'", "'infinity'", "'-infinity'",
             "make_date(-43, 3, 15)", "make_date(12000, 1, 1)", "NULL"],
    "TIMESTAMP": ["'2024-03-31 03:30:00'", "'2024-10-27 03:30:00'", "'2024-03-10 02:30:00'",
                  "'2024-11-03 01:30:00'", "'2024-01-01 10:00:00.123456'", "'0001-01-01 00:00:00'",
                  "'9999-12-31 23:59:59.999999'", "'infinity'", "'-infinity'",
                  "make_timestamp(-43, 3, 15, 10, 0, 0)", "make_timestamp(12000, 1, 1, 0, 0, 0)", "NULL"],
    "TIMESTAMP WITH TIME ZONE": ["'2024-03-31 03:30:00+00'", "'2024-01-01 10:00:00.5+05'", "'infinity'",
                                 "'0001-01-01 00:00:00+00'", "'9999-12-31 23:59:59+00'",
                                 "make_timestamptz(12000, 1, 1, 0, 0, 0)", "NULL"],
}
ZONES = ("UTC", "Europe/Kyiv", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati")
FORMATS = (ValueFormat(), ValueFormat(",", how={"decimal_separator": "detected"}),
           ValueFormat(".", how={"decimal_separator": "detected"}), ValueFormat(".", " ", "%d/%m/%Y"))
PAIRS = [(contract_type, file_type) for contract_type, types in sorted(NATIVE_TYPES.items())
         for file_type in sorted(types)]


@pytest.mark.parametrize("contract_type,file_type", PAIRS)
def test_a_native_column_reads_every_value_as_its_text_did(contract_type, file_type):
    column = Column(name="x", type=contract_type)
    con = duckdb.connect()
    compared = 0
    for zone in ZONES:
        con.execute(f"SET TimeZone = '{zone}'")
        for values in FORMATS:
            native = values.native_sql(column, "x", file_type, zone)
            text = values.typed_sql(column, native_text("x"))
            for value in VALUES[file_type]:
                got, expected, shown = con.execute(
                    f"SELECT {native}, {text}, {native_text('x')} FROM (SELECT CAST({value} AS {file_type}) AS x)"
                ).fetchone()
                assert (got, type(got)) == (expected, type(expected)), (zone, values, file_type, shown)
                compared += 1
    assert compared == len(ZONES) * len(FORMATS) * len(VALUES[file_type])


def test_the_typed_columns_of_the_equivalence_fixture_are_read_natively():
    """So that tests/test_load_equivalence.py's Parquet variant holds the native path to the old rows."""
    from orchestration.contract import TABLES_BY_NAME
    from orchestration.load.declared import ExportSettings
    from orchestration.load.discover import SourceFile
    from orchestration.load.read import file_columns

    export = Path(__file__).parent / "fixtures" / "load_equivalence" / "parquet"
    seen: set[str] = set()
    for name in ("orders", "leads", "tickets", "employees", "crm_usage", "documents", "fx_rates"):
        table = TABLES_BY_NAME[name]
        source = SourceFile(table=name, path=export / f"{name}.parquet", format="parquet")
        cols = file_columns(source, table, ExportSettings(), export)
        seen.update(cols.native.values())
        for position, file_type in cols.native.items():
            contract = next(c for c, p in cols.contract.items() if p == position)
            assert file_type in NATIVE_TYPES[table.column(contract).type]
    assert seen == {"DOUBLE", "BIGINT", "BOOLEAN", "DATE", "TIMESTAMP"}
