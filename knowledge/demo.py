"""The demo workspace: project-written documents, organisations of every type, actions with histories."""

from __future__ import annotations

import json
import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

import sqlite_utils

from knowledge.db import get_setting, set_setting
from resources import resource_path

DEMO_DIR = resource_path("demo")
# Which kind each demo file is imported as (the importer would guess most of them anyway).
DEMO_FILES = {
    "workforce-capacity-briefing.md": "report",
    "ig-template-guidance.md": "guidance",
    "northshire-roundtable-notes.md": "roundtable_notes",
    "northshire-tracker.csv": "tracker",
}
_DATE_TOKEN = re.compile(r"\{\{date:([+-]\d+)\}\}")


class DemoAlreadyLoaded(Exception):
    """The demo workspace is already in this database."""


def render_template(text: str, today: date) -> str:
    """Replace {{date:+N}} / {{date:-N}} with ISO dates relative to today, so the demo never goes stale."""
    return _DATE_TOKEN.sub(lambda m: (today + timedelta(days=int(m.group(1)))).isoformat(), text)


def load_demo(db: sqlite_utils.Database, *, today: date | None = None) -> str:
    """Import the demo documents and apply their progress histories; returns a one-line summary."""
    from knowledge.actions import link_recommendation, list_actions, recommendation_id, update_progress
    from knowledge.library import import_paths

    if get_setting(db, "demo_loaded"):
        raise DemoAlreadyLoaded("the demo workspace is already loaded in this database")
    today = today or date.today()
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="roundtable-demo-") as tmp:
        for name, kind in DEMO_FILES.items():
            target = Path(tmp) / name
            target.write_text(render_template((DEMO_DIR / name).read_text(encoding="utf-8"), today), "utf-8")
            outcomes += import_paths(db, [target], kind=kind)
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:  # a broken demo is a bug in the shipped resources, not a user error
        raise RuntimeError(f"demo file failed to import: {failed[0].path}: {failed[0].reason}")

    script = json.loads((DEMO_DIR / "history.json").read_text(encoding="utf-8"))
    actions = list_actions(db)

    def find(entry: dict) -> dict | None:
        return next(
            (
                a
                for a in actions
                if a["organisation"] == entry["org"] and a["text"].startswith(entry["action"])
            ),
            None,
        )

    for entry in script.get("confirmations", []):
        match = find(entry)
        if match is not None:
            rec_id = recommendation_id(db, entry["rec"])
            link_recommendation(db, match["id"], rec_id, state="confirmed", origin="user", who=entry["who"])
    applied = 0
    for entry in sorted(script["updates"], key=lambda e: -e["days_ago"]):
        match = find(entry)
        if match is None:
            continue
        update_progress(
            db,
            match["id"],
            status=entry.get("status"),
            percent=entry.get("percent"),
            note=entry.get("note"),
            who=entry.get("who"),
            at=(today - timedelta(days=entry["days_ago"])).isoformat(),
        )
        applied += 1
    set_setting(db, "demo_loaded", today.isoformat())
    documents = sum(1 for o in outcomes if o.status == "imported")
    actions_count = len(list_actions(db))
    return (
        f"demo workspace loaded: {documents} documents, {actions_count} actions, {applied} progress updates"
    )
