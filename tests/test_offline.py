"""The offline guarantee: import, search, suggestion and export work with every network connection refused.

Runs the real model in a fresh process (nothing already loaded or cached in memory) whose socket layer
refuses and records every connection and name lookup, with HF_HUB_OFFLINE and TRANSFORMERS_OFFLINE
removed from its environment: the application must switch Hugging Face to offline mode by itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.model

# The child process: patch the socket layer first, then drive the command line as a user would.
CHILD = textwrap.dedent(
    """
    import contextlib, errno, io, json, socket, sys, time

    attempts = []

    def refused(name, result=None):
        def attempt(*args, **kwargs):
            attempts.append(f"{name}{args[1:2] if name.startswith('connect') else args[:2]!r}")
            if result is not None:
                return result
            raise ConnectionRefusedError(errno.ECONNREFUSED, f"network refused by the offline test ({name})")
        return attempt

    socket.socket.connect = refused("connect")
    socket.socket.connect_ex = refused("connect_ex", errno.ECONNREFUSED)
    socket.create_connection = refused("create_connection")
    socket.getaddrinfo = refused("getaddrinfo")
    socket.gethostbyname = refused("gethostbyname")

    from desktop.cli import main

    db, corpus, out = sys.argv[1:4]
    steps = {
        "import": ["import", corpus],
        "search": ["search", "who carries the risk when the algorithm is wrong?", "--json"],
        "suggest": ["action", "suggest", "Set up a multidisciplinary AI implementation team", "--json"],
        "export": ["export", "briefing", "--out", out + "/briefing.md", "--html", out + "/briefing.html"],
    }
    report = {}
    for name, argv in steps.items():
        stdout, stderr = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["--db", db, *argv])
        report[name] = {
            "code": code, "out": stdout.getvalue(), "err": stderr.getvalue(),
            "seconds": round(time.perf_counter() - start, 2),
        }
    print(json.dumps({"steps": report, "attempts": attempts}))
    """
)


def test_import_search_suggest_and_export_never_touch_the_network(corpus, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env["HF_HOME"] = str(tmp_path / "hf-home")  # an empty cache: the model must come from its package
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "offline.db"), str(corpus), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.splitlines()[-1])
    steps = result["steps"]
    assert result["attempts"] == [], f"tried to reach the network: {result['attempts']}"

    imported = steps["import"]
    assert imported["code"] == 0 and imported["err"].startswith("imported 3 document(s)"), imported

    search = steps["search"]
    assert search["code"] == 0 and search["err"] == "", search  # no "semantic search unavailable" warning
    payload = json.loads(search["out"])
    assert payload["mode"] == "hybrid" and payload["results"]
    assert any("liab" in f"{r['section']} {r['snippet']}".lower() for r in payload["results"][:3])

    suggest = steps["suggest"]
    assert suggest["code"] == 0, suggest
    assert json.loads(suggest["out"])["suggestions"][0]["rec"] == 4  # implementation teams

    export = steps["export"]
    assert export["code"] == 0, export
    html = (tmp_path / "briefing.html").read_text(encoding="utf-8")
    assert "<h1>Briefing:" in html and (tmp_path / "briefing.md").read_text(encoding="utf-8").startswith(
        "# Briefing"
    )
