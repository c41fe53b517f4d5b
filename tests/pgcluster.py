"""A throwaway PostgreSQL cluster for the tests: initdb and pg_ctl on a local socket, no TCP, no password.

Used by the `--backend postgresql` run and the tests marked `postgres` (CI's third step). The server's
binaries come from the Debian package (`apt-get install postgresql`); as root, the cluster runs as the
`postgres` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class NoServer(RuntimeError):
    """PostgreSQL's server programs are not installed here."""


def _bindir() -> Path:
    for name in ("pg_ctl", "initdb"):
        found = shutil.which(name)
        if found:
            return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if not candidates:
        raise NoServer("PostgreSQL's initdb was not found: install it with `sudo apt-get install postgresql`")
    return Path(candidates[0]).parent


@dataclass
class Cluster:
    """A running cluster: its socket folder and superuser, and how to stop it."""

    folder: Path
    socket: Path
    bindir: Path
    as_user: list[str]

    @property
    def superuser(self) -> str:
        return "postgres"

    def url(self, database: str, login: str | None = None) -> str:
        """A connection URL for one database, as one login (the superuser by default)."""
        return f"postgresql://{login or self.superuser}@/{database}?host={self.socket}"

    def stop(self) -> None:
        subprocess.run(
            [
                *self.as_user,
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def start() -> Cluster:
    """initdb a new cluster in a temporary folder and start it listening on a socket only."""
    bindir = _bindir()
    # Socket paths are limited to about 100 characters: a short folder under /tmp.
    folder = Path(tempfile.mkdtemp(prefix="rtpg-", dir="/tmp"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        os.chmod(folder, 0o755)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    run = {"capture_output": True, "text": True, "check": False}
    made = subprocess.run(
        [*as_user, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
         "--locale", "C.UTF-8"],
        **run,
    )  # fmt: skip
    if made.returncode != 0:
        raise RuntimeError(f"initdb failed: {made.stderr.strip() or made.stdout.strip()}")
    options = (
        f"-k {folder} -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=200"
    )
    log_file = str(folder / "log")
    pg_ctl = str(bindir / "pg_ctl")
    command = [*as_user, pg_ctl, "-D", str(data), "-o", options, "-l", log_file, "-w", "start"]
    started = subprocess.run(command, **run)
    if started.returncode != 0:
        log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()} {log[-500:]}")
    return Cluster(folder, folder, bindir, as_user)
