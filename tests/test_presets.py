"""CRM mapping presets: each preset maps its hand-made fixture export
(tests/fixtures/presets/<crm>/, in the CRM's own shape) to the contract rows
written out by hand in <crm>/expected/ (README.md there derives them), one
fixture goes all the way to a KPI, and a user's own mapping and the mapping
errors are checked too."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.contract import TABLES_BY_NAME
from orchestration.load.mapping import (
    Mapping,
    MappingError,
    kpis_needing,
    load_mapping,
    load_preset,
    preset_names,
)
from orchestration.load.sql import ident, literal

FIXTURES = Path(__file__).parent / "fixtures" / "presets"
PRESETS = ("bitrix24", "hubspot", "pipedrive", "salesforce")


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def _read_text(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> list[str]:
    """Read a CSV into TEMP table ``name`` (_row_number, c0..cN as text), the way the loader does."""
    header = _header(path)
    spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header)))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ident(name)} AS SELECT row_number() OVER () AS _row_number, * "
        f"FROM read_csv({literal(str(path))}, header = true, auto_detect = false, columns = {{{spec}}}, "
        "delim = ',', quote = '\"', escape = '\"', strict_mode = true)"
    )
    return header


def _clean(value: object) -> str | None:
    """What the loader's validation sees: trimmed text, empty = NULL."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def map_export(mapping: Mapping, export_dir: Path) -> dict[str, list[tuple]]:
    """Every table the mapping fills, mapped from the export's files: rows of clean text, in file order."""
    files = mapping.find_files(export_dir, suffixes=(".csv",))
    con = duckdb.connect()
    out: dict[str, list[tuple]] = {}
    for table, table_mapping in mapping.tables.items():
        paths = files[table_mapping.source]
        assert len(paths) == 1, f"{table}: source {table_mapping.source} matched {paths}"
        header = _read_text(con, paths[0], "_text")
        compiled = mapping.compile(table, header, "_text", refs=[f"c{i}" for i in range(len(header))],
                                   file_label=paths[0].name)
        rows = con.execute(f"SELECT * EXCLUDE (_row_number) FROM ({compiled.sql}) ORDER BY _row_number").fetchall()
        out[table] = [tuple(_clean(v) for v in row) for row in rows]
    con.close()
    return out


def expected_rows(path: Path) -> list[tuple]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        assert header == TABLES_BY_NAME[path.stem].column_names, f"{path}: not the contract's column order"
        return [tuple(_clean(v) for v in row) for row in reader]


# --------------------------------------------------------------------------- presets map their fixtures


def test_every_shipped_preset_has_a_fixture():
    assert preset_names() == PRESETS
    for name in PRESETS:
        assert (FIXTURES / name / "README.md").is_file()
        assert (FIXTURES / name / "expected").is_dir()


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_maps_its_fixture_to_the_expected_contract_rows(preset):
    mapping = load_preset(preset)
    expected_dir = FIXTURES / preset / "expected"
    assert sorted(p.stem for p in expected_dir.glob("*.csv")) == sorted(mapping.tables)
    mapped = map_export(mapping, FIXTURES / preset)
    for table in mapping.tables:
        expected = expected_rows(expected_dir / f"{table}.csv")
        assert len(mapped[table]) == len(expected), table
        for row_number, (got, want) in enumerate(zip(mapped[table], expected), start=1):
            assert got == want, f"{preset} {table} row {row_number}:\n got  {got}\n want {want}"
