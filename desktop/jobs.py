"""The window's background jobs that are more than one operation call: model load, demo once, cancel check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop import operations
from desktop.operations import Result
from desktop.operations import library as library_ops
from desktop.workers import Job


def default_model_loader() -> Any:
    """Load the shared embedding model (about 5 s); runs on the model thread."""
    from indexes.embedder import get_embedder

    return get_embedder()


def load_model_and_warm_up(loader: Callable[[], Any]) -> Any:
    """The model thread's job: the embedder, then the modules the first import and search need."""
    embedder = loader()
    operations.warm_up()
    return embedder


def load_demo_once(db: Any, job: Job) -> Result[str | None]:
    """The demo loader for the write queue: None (and no change) when the demo is already in the database."""
    from knowledge.demo import DemoAlreadyLoaded

    try:
        return library_ops.load_demo(db, progress=job.progress)
    except DemoAlreadyLoaded:
        return Result(None)


def checked(job: Job, result: Result[Any]) -> Result[Any]:
    """The result, unless the user cancelled the job meanwhile (then Cancelled, as every job reports it)."""
    job.check()
    return result
