"""Running `mf` (MetricFlow's CLI) the way a user does, against a chosen warehouse."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT_ROOT
from orchestration.paths import dbt_environment

MF = Path(sys.executable).parent / "mf"


def mf_query(db: Path, *args: str) -> list[dict]:
    """`mf query ... --csv` from the repo root with CRM_IMPACT_DB=db: the semantic manifest of the
    last dbt run, whatever warehouse that run built."""
    out = db.parent / f"mf_{db.stem}.csv"
    result = subprocess.run(
        [str(MF), "query", *args, "--csv", str(out)],
        cwd=PROJECT_ROOT, env=dbt_environment(db), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return list(csv.DictReader(io.StringIO(out.read_text())))
