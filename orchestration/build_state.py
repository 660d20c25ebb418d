"""Whether a build has anything to do: the inputs of the last complete build, kept in the warehouse.

A build's output is a function of three inputs: what the loader put in the raw
schema, the code that turns it into marts (the dbt project and the estimator),
and the run's settings (dbt vars). ``inputs_digest`` fingerprints all three;
a complete build records its digest in ``ops.build_log``; the next build
whose digest equals the last recorded one has nothing new to compute and is
skipped (``crm-impact build`` says so and exits; in Dagster the dbt step yields
nothing, so the estimator, the marts, the publish and the report are skipped
with it). The daily schedule and the landing sensor therefore cost seconds when
no export changed, instead of a full build (docs/DECISIONLOG.md, "A build with
nothing new is skipped").

What the raw digest covers is what a build reads of the raw schema: each raw
table's row count and newest ``_loaded_at`` (the loader stamps every row it
writes; a tool that writes raw tables around it is held to the same contract),
and of the loader's log exactly what dbt reads: the file behind each raw table
(its latest ``loaded`` load: a later load that found the same file
``unchanged`` rewrote nothing), the tables the log names, and the newest
declared export date (macros/export_end.sql). A warehouse without a raw schema
has no digest, and is always built.

Anything that writes the marts outside ``crm-impact build`` and Dagster (a
hand-run ``dbt run``) is not seen; ``--force`` rebuilds regardless.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
from pathlib import Path

import duckdb

from orchestration.paths import PROJECT_ROOT

SCHEMA = "ops"
TABLE = "build_log"

# What the build's code is: the dbt project (models, macros, seeds, data tests, settings) and the estimator
# that runs between its two steps. A change to any file here rebuilds everything.
CODE_PATHS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests/dbt", "orchestration/estimate")
CODE_SUFFIXES = (".sql", ".yml", ".yaml", ".csv", ".py", ".json")
# Their versions change what the same code computes.
PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb", "statsmodels", "diff-diff", "numpy", "scipy", "pandas")
# A warehouse that has these was built; without them it is built whatever the log says.
BUILT_MARKERS = ("mart_kpi_before_after", "mart_kpi_monthly")

# What dbt reads of the loader's log (the module docstring says why).
_LOAD_LOG_DIGEST_SQL = """
select md5(
    coalesce((select string_agg(table_name || '@' || load_id, ';' order by table_name, load_id)
              from raw.load_log where status = 'loaded'), '')
    || '|' || coalesce((select string_agg(distinct table_name, ';' order by table_name) from raw.load_log), '')
    || '|' || coalesce((select cast(max(exported_at) as varchar) from raw.load_log), '')
)
"""


def code_digest(root: Path = PROJECT_ROOT) -> str:
    """sha256 of the build's code files (path and content) and the versions of the packages it runs on."""
    digest = hashlib.sha256()
    for entry in CODE_PATHS:
        path = root / entry
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in CODE_SUFFIXES)
        for file in files:
            digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
    for package in PACKAGES:
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{package}=={version}\0".encode())
    return digest.hexdigest()


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                       [schema, table]).fetchone()[0] > 0


def raw_digest(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint of the raw schema as a build reads it; None when there is no raw schema."""
    tables = [name for (name,) in con.execute(
        "select distinct table_name from information_schema.columns "
        "where table_schema = 'raw' and column_name = '_loaded_at' order by 1").fetchall()]
    if not tables:
        return None
    parts = [f"{name}:" + "/".join(str(v) for v in con.execute(
        f'select count(*), max(_loaded_at) from raw."{name}"').fetchone()) for name in tables]
    if _has_table(con, "raw", "load_log"):
        parts.append(con.execute(_LOAD_LOG_DIGEST_SQL).fetchone()[0])
    return hashlib.sha256(";".join(parts).encode()).hexdigest()


def inputs_digest(db_path: Path, run_arguments: str) -> str | None:
    """The fingerprint of what a build of ``db_path`` would read; ``run_arguments`` are its settings (dbt
    vars) and any other dbt arguments. None when the warehouse has no raw tables (nothing is known of
    what a build would read)."""
    if not Path(db_path).is_file():
        return None
    with duckdb.connect(str(db_path), read_only=True) as con:
        raw = raw_digest(con)
    if raw is None:
        return None
    return hashlib.sha256(f"{raw}|{code_digest()}|{run_arguments}".encode()).hexdigest()


def last_complete(db_path: Path) -> str | None:
    """The digest of the newest complete build recorded in ``db_path`` whose marts are still there."""
    if not Path(db_path).is_file():
        return None
    with duckdb.connect(str(db_path), read_only=True) as con:
        if not _has_table(con, SCHEMA, TABLE) or not all(_has_table(con, "marts", m) for m in BUILT_MARKERS):
            return None
        row = con.execute(f"select inputs_digest, step from {SCHEMA}.{TABLE} order by recorded_at desc limit 1"
                          ).fetchone()
    return row[0] if row and row[1] == "complete" else None


def is_up_to_date(db_path: Path, run_arguments: str) -> bool:
    """True when the last complete build of ``db_path`` read exactly what a build now would."""
    digest = inputs_digest(db_path, run_arguments)
    return digest is not None and digest == last_complete(db_path)


def record(db_path: Path, digest: str | None, step: str) -> None:
    """Append a build step to ``ops.build_log``: 'models' (the first dbt step, in Dagster) or 'complete'."""
    if digest is None:
        return
    with duckdb.connect(str(db_path)) as con:
        con.execute(f"create schema if not exists {SCHEMA}")
        con.execute(f"create table if not exists {SCHEMA}.{TABLE} "
                    "(recorded_at timestamp, inputs_digest varchar, step varchar)")
        con.execute(f"insert into {SCHEMA}.{TABLE} values (?, ?, ?)",
                    [dt.datetime.now(dt.UTC).replace(tzinfo=None), digest, step])


def models_step_recorded(db_path: Path, digest: str | None) -> bool:
    """True when the newest entry of the log is the first dbt step of a build with ``digest`` (Dagster's
    marts step then completes that build)."""
    if digest is None or not Path(db_path).is_file():
        return False
    with duckdb.connect(str(db_path), read_only=True) as con:
        if not _has_table(con, SCHEMA, TABLE):
            return False
        row = con.execute(f"select inputs_digest, step from {SCHEMA}.{TABLE} order by recorded_at desc limit 1"
                          ).fetchone()
    return row is not None and row == (digest, "models")
