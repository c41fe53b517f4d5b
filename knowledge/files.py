"""Whole-file writes: a file is replaced completely or not at all, even when two programs save at once."""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

TEMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def replacing(target: str | Path) -> Iterator[Path]:
    """A temporary path beside target to write to; renamed over target when the block ends without error.

    The name is unique per call (process id and a random token), so two programs saving the same file at
    once never write into one temporary file; whichever rename lands last wins, and a reader sees one whole
    file or the other. A killed process leaves only its temporary file (see sweep_temporary)."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}{TEMP_SUFFIX}")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def sweep_temporary(folder: str | Path, older_than_s: float = 600.0) -> int:
    """Delete temporary files left in folder by killed saves; young ones may belong to a save in progress."""
    removed = 0
    cutoff = time.time() - older_than_s
    for path in Path(folder).glob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed
