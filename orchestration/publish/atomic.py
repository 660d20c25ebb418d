"""Build a file under a temporary name, then rename it into place.

Why: ``os.replace`` within one folder is atomic on POSIX. A reader that opens
the target path gets either the old inode or the new one, each complete; a
reader that already has the old file open keeps reading it (its snapshot)
until it reconnects. DuckDB's locks are per open file, so the publisher, which
only ever writes the temporary file, never waits for or breaks a reader's lock.

The temporary file sits next to the target (same folder, hence same file
system: a rename across file systems is a copy, not atomic). It is hidden
(leading dot) and unique per call, so two publishers never share one.

On Windows a file that a reader has open cannot be replaced; publishing there
fails with PermissionError while a BI tool holds the serving file open.

A publish that is killed (kill -9, a power cut) cannot remove its temporary
file. The next publish to the same target removes every such leftover whose
process is gone (the process id is part of the name); a temporary file of a
publish that is still running is left alone.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def wal_path(db_path: Path) -> Path:
    """DuckDB's write-ahead log of a database file: the file name plus ``.wal``."""
    return db_path.with_name(db_path.name + ".wal")


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def remove_leftovers(target: Path) -> list[Path]:
    """Remove the temporary files (and their WALs) of killed publishes to ``target``; return them."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+)\.[0-9a-f]+\.tmp(\.wal)?")
    removed = []
    if not target.parent.is_dir():
        return removed
    for path in target.parent.iterdir():
        match = pattern.fullmatch(path.name)
        if match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
            _remove(path)
            removed.append(path)
    return removed


@contextmanager
def replaced_atomically(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target``.

    The caller writes a complete, closed DuckDB file at the yielded path. If the
    caller raises, the temporary file (and any WAL of it) is removed and the
    target is left as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(target)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        yield temporary
        if wal_path(temporary).exists():
            # A WAL means the build did not checkpoint: renaming the file alone
            # would publish a database without its last changes.
            raise RuntimeError(f"{temporary} still has a write-ahead log; it was not checkpointed and closed")
        _fsync(temporary)
        # A stale WAL of the target (someone opened the serving file read-write)
        # would be replayed against the new file by the next reader: drop it
        # before the swap, while the old file it belongs to is still in place.
        _remove(wal_path(target))
        os.replace(temporary, target)
        if hasattr(os, "O_DIRECTORY"):
            # make the rename itself durable
            directory = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
    finally:
        _remove(temporary)
        _remove(wal_path(temporary))
