"""Moving a workspace between a database file and a team workspace on a server (push, pull)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop.operations.changes import Changes, Result

# (tables copied so far, tables in all, the table just copied): a progress bar's steps.
Progress = Any


def push(
    source: str | Path, url: str, *, progress: Progress = None, password: str | None = None
) -> Result[Any]:
    """Copy a database file into a new (or empty) team workspace; the value is its
    knowledge.transfer.TransferReport. Raises knowledge.transfer.TransferError (one line)."""
    from indexes.vectors import delete_index_folder
    from knowledge.transfer import push as push_workspace

    report = push_workspace(source, url, progress=progress, password=password)
    # A workspace of the same name dropped and made again would otherwise meet this machine's old caches.
    delete_index_folder(url)
    return Result(report, Changes.everything())


def pull(
    url: str,
    target: str | Path,
    *,
    overwrite: bool = False,
    who: str | None = None,
    progress: Progress = None,
    password: str | None = None,
) -> Result[Any]:
    """Copy a team workspace into a new database file (replacing one only with `overwrite`); the value is
    the TransferReport. Raises knowledge.transfer.TransferError (one line)."""
    from indexes.vectors import delete_index_folder
    from knowledge.transfer import pull as pull_workspace

    report = pull_workspace(url, target, progress=progress, overwrite=overwrite, who=who, password=password)
    # A replaced file's search index described its old passages; searchers rebuild it from the vectors.
    delete_index_folder(Path(target).expanduser())
    return Result(report, Changes.everything())
