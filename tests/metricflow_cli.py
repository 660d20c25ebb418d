"""Running `mf` (MetricFlow's CLI) the way a user does: one semantic manifest, the warehouse named by CRM_IMPACT_DB.

The project's own target/ is rewritten by every dbt run, so each call gets a
folder holding dbt_project.yml, profiles.yml and the semantic manifest to use
(DBT_PROJECT_DIR / DBT_PROFILES_DIR point at it), as tests/test_semantic_layer.py does.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import PROJECT_ROOT
from orchestration.paths import dbt_environment

MF = Path(sys.executable).parent / "mf"


def mf_query(db: Path, semantic_manifest: Path, *args: str) -> list[dict]:
    """`mf query ... --csv` from the repo root with CRM_IMPACT_DB=db and the given semantic manifest."""
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        for name in ("dbt_project.yml", "profiles.yml"):
            shutil.copy(PROJECT_ROOT / name, project / name)
        (project / "target").mkdir()
        shutil.copy(semantic_manifest, project / "target" / "semantic_manifest.json")
        out = project / "answer.csv"
        env = dict(dbt_environment(db), DBT_PROJECT_DIR=str(project), DBT_PROFILES_DIR=str(project))
        result = subprocess.run([str(MF), "query", *args, "--csv", str(out)], cwd=PROJECT_ROOT, env=env,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0 and out.exists(), result.stdout[-2000:] + result.stderr[-2000:]
        return list(csv.DictReader(io.StringIO(out.read_text())))
