"""The landing folder: where new CRM exports arrive for the Dagster sensor.

Each sub-folder of ``CRM_IMPACT_LANDING`` is one export. A folder is ready
when it holds a file for every required table; its fingerprint (names, sizes
and modification times of its files) tells a new or changed export from one
already loaded, so the sensor requests each export once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from orchestration.load.discover import missing_required_tables, table_files


@dataclass(frozen=True)
class LandedExport:
    path: Path
    fingerprint: str
    newest_mtime: float


def ready_exports(landing: Path) -> list[LandedExport]:
    """Export folders under ``landing`` that hold every required table, oldest first."""
    if not landing.is_dir():
        return []
    exports = []
    for folder in sorted(p for p in landing.iterdir() if p.is_dir()):
        if missing_required_tables(folder):
            continue
        files = [path for paths in table_files(folder).values() for path in paths]
        stats = sorted((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files)
        fingerprint = hashlib.sha256(repr((folder.name, stats)).encode()).hexdigest()[:16]
        exports.append(LandedExport(folder, fingerprint, max(s[2] for s in stats) / 1e9))
    return sorted(exports, key=lambda e: (e.newest_mtime, e.path.name))
