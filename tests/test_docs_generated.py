"""The repository stands alone and documents itself.

The user docs of the KPI catalog and the export format are generated from the
seeds and the raw contract, so a test can tell when they drift; and no file of
the repository points outside it, so a clone with nothing beside it is whole.
Fast: no warehouse is built.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from orchestration import catalog, contract, docs_gen

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Folders of a working copy that are not the repository's files (when git cannot list them).
UNTRACKED_DIRS = {".git", ".venv", "target", "logs", "warehouse", "reports", ".pytest_cache", "__pycache__",
                  "dbt_packages", ".dagster", "build", "dist"}


def test_committed_docs_are_what_the_sources_generate():
    stale = docs_gen.stale_docs(write=False)
    assert not stale, f"docs/{', docs/'.join(stale)} differ from the seeds or the contract: run `make docs-md`"


def test_a_stale_block_is_noticed_and_rewritten():
    """The check can fail: a table edited by hand (or left behind by a seed change) is found and replaced."""
    text = (docs_gen.DOCS / "kpis.md").read_text(encoding="utf-8")
    tampered = text.replace("| `nps` | Net promoter score", "| `nps` | Net happiness score")
    assert tampered != text
    assert docs_gen.render(tampered, docs_gen.DOCS_BLOCKS["kpis.md"]) == text
    with pytest.raises(ValueError, match="markers"):
        docs_gen.render("no markers here", docs_gen.DOCS_BLOCKS["kpis.md"], "kpis.md")


def test_docs_cover_every_metric_and_every_contract_column():
    kpis = (docs_gen.DOCS / "kpis.md").read_text(encoding="utf-8")
    for d in catalog.kpi_definitions():
        assert f"| `{d.metric_id}` | {d.label_en} / {d.label_uk}" in kpis, d.metric_id
    for f in catalog.kpi_families():
        assert f"### {f.label_en} (`{f.family}`)" in kpis
    export = (docs_gen.DOCS / "export_format.md").read_text(encoding="utf-8")
    for t in contract.TABLES:
        section = export.split(f"\n### {t.name}\n", 1)[1].split("\n### ", 1)[0]
        for c in t.columns:
            assert f"| `{c.name}` | {c.type} |" in section, (t.name, c.name)


def test_a_unit_without_a_description_stops_the_generator(monkeypatch):
    monkeypatch.delitem(docs_gen.UNITS, "points")
    with pytest.raises(ValueError, match="unit points"):
        docs_gen.kpi_tables()


def _repository_files() -> list[Path]:
    """The files of the repository: git's list when this is a checkout, else the tree minus build output."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=PROJECT_ROOT, capture_output=True, check=True).stdout
        return [PROJECT_ROOT / name for name in out.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        return [p for p in PROJECT_ROOT.rglob("*")
                if p.is_file() and not UNTRACKED_DIRS & set(p.relative_to(PROJECT_ROOT).parts)
                and not any(part.endswith(".egg-info") for part in p.parts)]


def test_no_file_of_the_repository_points_outside_it():
    """A user's clone has nothing beside it: no file may send a reader or a test to a sibling folder."""
    outside = ("../" + "shared", "shared" + "/spec", "shared" + "/seed", "/" + "work/")
    files = _repository_files()
    assert len(files) > 50  # the listing found the repository
    hits = []
    for path in files:
        if not path.is_file():  # deleted in the working copy, not yet committed
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if any(marker in line for marker in outside):
                hits.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()[:100]}")
    assert not hits, "files that point outside the repository:\n" + "\n".join(hits)
