"""The loader loads and quarantines exactly what it did before issue 20's speed-up.

The expected files in tests/fixtures/load_equivalence/expected/ were recorded by make.py there with the
loader before the speed-up; a change that makes the loader faster must leave every loaded row and every
quarantined row, with its column, rule, reason and original text, as it was. Three variants of one
dirty generated export: CSV (with padded values), Parquet (typed columns, NaN and infinity) and CSV with
``;`` and a decimal comma.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "load_equivalence"
_spec = importlib.util.spec_from_file_location("load_equivalence_make", FIXTURE / "make.py")
make = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make)


def _expected(name: str, variant: str) -> list[tuple[str, ...]]:
    with open(FIXTURE / "expected" / name, encoding="utf-8", newline="") as handle:
        return [tuple(row[1:]) for row in list(csv.reader(handle))[1:] if row[0] == variant]


@pytest.mark.slow
@pytest.mark.parametrize("variant", make.VARIANTS)
def test_the_same_rows_load_and_the_same_rows_are_quarantined_with_the_same_reasons(tmp_path, variant):
    quarantine, tables = make.observed(FIXTURE / variant, tmp_path / "crm.duckdb")
    as_text = lambda rows: [tuple("" if v is None else str(v) for v in row) for row in rows]  # noqa: E731
    expected_tables = _expected("tables.csv", variant)
    assert len(expected_tables) == 17
    assert as_text(tables) == expected_tables
    expected_quarantine = _expected("quarantine.csv", variant)
    assert len(expected_quarantine) > 50
    assert as_text(quarantine) == expected_quarantine
