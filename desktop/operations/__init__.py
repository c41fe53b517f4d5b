"""Qt-free operations the window and the command line share; each returns what it changed."""

from __future__ import annotations

import importlib

from desktop.operations.changes import NOTHING, Changes, Result

# Modules the first import, index and search need, but the window does not need to show. Importing one
# compiles and runs it holding the GIL (without cached bytecode, ~10-80 ms each), so warm_up() loads them
# on the model thread while the window is idle rather than in the middle of the user's first import.
WARM_MODULES = (
    "faiss",
    "knowledge.library",
    "knowledge.extract",
    "knowledge.ingest.text",
    "knowledge.ingest.html",
    "indexes.sync",
    "indexes.search",
    "indexes.matching",
    "desktop.operations.library",
    "desktop.operations.tracking",
)


def warm_up() -> None:
    """Import WARM_MODULES now (on the model thread, after the window is shown)."""
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional library missing shows up later, where it is used
            pass


__all__ = ["NOTHING", "WARM_MODULES", "Changes", "Result", "warm_up"]
