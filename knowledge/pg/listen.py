"""Hearing other people's changes to a team workspace as they commit (PostgreSQL LISTEN/NOTIFY).

Every write to a data table notifies channel `roundtable` when its transaction commits (rt_touch in
knowledge/pg/schema.py). A Listener holds its own connection, so waiting never blocks the connection the
app reads and writes with; the window runs it on a thread and refreshes when it hears something.
"""

from __future__ import annotations

from typing import Any

CHANNEL = "roundtable"


class Listener:
    """A connection listening on the workspace's channel; wait() returns the tables changed meanwhile."""

    def __init__(self, url: str, *, password: str | None = None):
        import psycopg

        kwargs: dict[str, Any] = {"autocommit": True, "application_name": "roundtable-desk listener"}
        if password is not None:
            kwargs["password"] = password
        self._pg = psycopg.connect(url, **kwargs)
        self._pg.execute(f"LISTEN {CHANNEL}")
        self.closed = False

    def wait(self, timeout: float) -> set[str]:
        """Block up to `timeout` seconds for notifications; the set of table names heard (empty: none).
        A burst (an import's many statements) comes back as one set, so one refresh covers it."""
        heard: set[str] = set()
        for note in self._pg.notifies(timeout=timeout, stop_after=1):
            heard.add(note.payload)
        if heard:  # gather the rest of the burst without waiting
            for note in self._pg.notifies(timeout=0.05):
                heard.add(note.payload)
        return heard

    def close(self) -> None:
        self.closed = True
        self._pg.close()
