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

from orchestration.contract import REQUIRED_TABLES
from orchestration.load.discover import FORMATS


@dataclass(frozen=True)
class LandedExport:
    path: Path
    fingerprint: str
    newest_mtime: float


def _table_files(folder: Path) -> dict[str, Path]:
    files = {}
    for file in folder.iterdir():
        for suffix in FORMATS:
            if file.is_file() and file.name.endswith(suffix):
                files[file.name[: -len(suffix)]] = file
    return files


def ready_exports(landing: Path) -> list[LandedExport]:
    """Export folders under ``landing`` that hold every required table, oldest first."""
    if not landing.is_dir():
        return []
    exports = []
    for folder in sorted(p for p in landing.iterdir() if p.is_dir()):
        files = _table_files(folder)
        if not set(REQUIRED_TABLES) <= files.keys():
            continue
        stats = sorted((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files.values())
        fingerprint = hashlib.sha256(repr((folder.name, stats)).encode()).hexdigest()[:16]
        exports.append(LandedExport(folder, fingerprint, max(s[2] for s in stats) / 1e9))
    return sorted(exports, key=lambda e: (e.newest_mtime, e.path.name))
