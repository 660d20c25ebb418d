"""``extract``: run a CRM's dlt pipeline to completion, then write the snapshot.

The dlt pipeline keeps its state (the incremental cursors) and the extracted
dataset (a DuckDB file) in the state folder, one per CRM: a second run asks
the API only for what changed since the cursors and merges it by primary key.
dlt commits a cursor only with the load that carried its records, so a run
that fails or is killed part-way leaves the cursors where the last complete
run put them; the next run loads any package that was extracted but not yet
loaded, then asks again from those cursors: it resumes, and fetches nothing
twice into the dataset. The snapshot for the loader is written only after
every resource of a run completed (snapshot.py swaps it in whole).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from orchestration import paths
from orchestration.extract import hubspot, pipedrive
from orchestration.extract.common import ExtractError, RetryPolicy, describe_failure, read_token
from orchestration.extract.snapshot import Snapshot, write_snapshot
from orchestration.extract.views import Flat
from orchestration.load.mapping import Mapping, load_preset

# the most passes one extraction makes over HubSpot's 10,000-result search cap
MAX_PASSES = 50


@dataclass(frozen=True)
class CrmSource:
    """One CRM the extractor knows: where its token and API are, how to build its dlt source."""

    name: str
    label: str
    token_env: str
    base_env: str
    default_base_url: str
    token_how: str
    build: Callable[..., object]
    flats: tuple[Flat, ...]
    combined: tuple[tuple[str, str], ...]
    deleted: dict[str, tuple[tuple[str, str], ...]]

    @property
    def preset(self) -> str:
        return f"{self.name}_api"

    def mapping(self) -> Mapping:
        return load_preset(self.preset)

    def token(self) -> str:
        return read_token(self.token_env, self.label, self.token_how)

    def base_url(self) -> str:
        return (os.environ.get(self.base_env) or "").strip() or self.default_base_url


SOURCES: dict[str, CrmSource] = {
    "hubspot": CrmSource(
        "hubspot", "HubSpot", "HUBSPOT_ACCESS_TOKEN", "HUBSPOT_API_BASE", hubspot.DEFAULT_BASE_URL,
        "create a HubSpot private app with the read scopes and copy its access token",
        hubspot.hubspot_source, hubspot.FLATS, hubspot.COMBINED, hubspot.DELETED,
    ),
    "pipedrive": CrmSource(
        "pipedrive", "Pipedrive", "PIPEDRIVE_API_TOKEN", "PIPEDRIVE_API_BASE", pipedrive.DEFAULT_BASE_URL,
        "copy your personal API token from Pipedrive (Personal preferences > API)",
        pipedrive.pipedrive_source, pipedrive.FLATS, pipedrive.COMBINED, pipedrive.DELETED,
    ),
}


def source_named(name: str) -> CrmSource:
    try:
        return SOURCES[name.strip().lower()]
    except KeyError:
        raise ExtractError(f"unknown CRM {name!r}: crm-impact extracts from {' or '.join(SOURCES)}") from None


def state_path() -> Path:
    """Where the pipelines keep their cursors and datasets (``CRM_IMPACT_EXTRACT_STATE``, default warehouse/extract)."""
    path = Path(os.environ.get("CRM_IMPACT_EXTRACT_STATE") or "warehouse/extract").expanduser()
    return path if path.is_absolute() else paths.PROJECT_ROOT / path


def dataset_path(crm: CrmSource, state_dir: Path) -> Path:
    return Path(state_dir) / f"{crm.name}_extracted.duckdb"  # not <crm>.duckdb: the catalog would clash with the dataset schema


def pipeline_for(crm: CrmSource, state_dir: Path | None = None):
    """The dlt pipeline of ``crm``: its state under ``state_dir``/dlt, its dataset in ``state_dir``/<crm>_extracted.duckdb."""
    import dlt

    state_dir = Path(state_dir or state_path())
    state_dir.mkdir(parents=True, exist_ok=True)
    return dlt.pipeline(
        pipeline_name=f"crm_impact_{crm.name}",
        pipelines_dir=str(state_dir / "dlt"),
        destination=dlt.destinations.duckdb(str(dataset_path(crm, state_dir))),
        dataset_name=crm.name,
        progress=None,
    )


@dataclass
class Extraction:
    """What one ``extract`` did."""

    crm: str
    passes: int = 0
    rows_extracted: dict[str, int] = field(default_factory=dict)  # landed table -> rows loaded this run
    snapshot: Snapshot | None = None

    def summary(self) -> str:
        changed = ", ".join(f"{n:,} {t}" for t, n in sorted(self.rows_extracted.items()) if n) or "nothing new"
        text = f"Extracted from {SOURCES[self.crm].label} in {self.passes} pass(es): {changed}."
        return text + ("\n" + self.snapshot.summary() if self.snapshot else "")


def _cursors(pipeline) -> dict[str, object]:
    """resource -> its incremental cursor, from the pipeline's committed state."""
    try:
        resources = pipeline.state.get("sources", {}).get(pipeline.default_schema_name or "", {}).get("resources", {})
    except Exception:  # noqa: BLE001 - a pipeline that never ran has no state
        return {}
    out = {}
    for name, state in resources.items():
        for value in (state.get("incremental") or {}).values():
            out[name] = value.get("last_value")
    return out


def run_pipeline(crm: CrmSource, token: str, *, base_url: str | None = None, state_dir: Path | None = None,
                 policy: RetryPolicy = RetryPolicy(), search_cap: int | None = None) -> Extraction:
    """Extract until no search query is left at HubSpot's cap; ExtractError (without the token) on failure."""
    extraction = Extraction(crm.name)
    pipeline = pipeline_for(crm, state_dir)
    base_url = base_url or crm.base_url()
    while True:
        run_key = uuid.uuid4().hex
        kwargs = {"policy": policy, "run_key": run_key}
        if search_cap is not None:
            kwargs["search_cap"] = search_cap
        before = _cursors(pipeline)
        try:
            source = crm.build(token, base_url, **kwargs)
            pipeline.run(source)
        except Exception as error:  # noqa: BLE001 - every failure becomes one line without the token
            raise ExtractError(f"extraction from {crm.label} failed, the previous snapshot is kept: "
                               f"{describe_failure(error, (token,))}") from None
        finally:
            capped = hubspot.CAPPED.pop(run_key, set())
        extraction.passes += 1
        normalized = pipeline.last_trace.last_normalize_info if pipeline.last_trace else None
        for table, count in (normalized.row_counts if normalized else {}).items():
            if not table.startswith("_dlt"):
                extraction.rows_extracted[table] = extraction.rows_extracted.get(table, 0) + count
        if not capped:
            return extraction
        after = _cursors(pipeline)
        stuck = sorted(r for r in capped if before.get(r) == after.get(r))
        if stuck or extraction.passes >= MAX_PASSES:
            raise ExtractError(f"HubSpot's search cannot page past {search_cap or hubspot.SEARCH_CAP:,} results and "
                               f"the cursor of {', '.join(stuck or sorted(capped))} did not advance: more records "
                               "were modified within one minute than one search returns")


def extract(crm_name: str, out_dir: Path, *, state_dir: Path | None = None, token: str | None = None,
            base_url: str | None = None, policy: RetryPolicy = RetryPolicy(),
            search_cap: int | None = None) -> Extraction:
    """Extract ``crm_name`` incrementally and write the complete snapshot to ``out_dir``."""
    crm = source_named(crm_name)
    token = token or crm.token()
    state_dir = Path(state_dir or state_path())
    mapping = crm.mapping()
    extraction = run_pipeline(crm, token, base_url=base_url, state_dir=state_dir, policy=policy,
                              search_cap=search_cap)
    extraction.snapshot = snapshot(crm, out_dir, state_dir=state_dir, mapping=mapping)
    return extraction


def snapshot(crm: CrmSource, out_dir: Path, *, state_dir: Path | None = None, mapping: Mapping | None = None,
             ) -> Snapshot:
    """Write the snapshot of what ``crm``'s pipeline has extracted so far."""
    state_dir = Path(state_dir or state_path())
    return write_snapshot(dataset_path(crm, state_dir), crm.name, mapping or crm.mapping(), crm.flats,
                          crm.combined, crm.deleted, Path(out_dir))
