"""Which kind of filesystem holds a file: SQLite's WAL is unsafe on network drives, so they are detected."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Linux mount types that are a network or a user-space remote filesystem: their locking and shared
# memory do not hold SQLite's WAL together across machines.
NETWORK_TYPES = frozenset(
    "nfs nfs4 cifs smb smb2 smb3 smbfs 9p afs ncpfs coda ceph glusterfs lustre gpfs beegfs davfs"
    " fuse.sshfs fuse.rclone fuse.s3fs fuse.gcsfuse fuse.glusterfs fuse.cephfs fuse.davfs2 fuse.smbnetfs"
    " fuse.curlftpfs".split()
)
MOUNTS = Path("/proc/mounts")
_DRIVE_REMOTE = 4  # GetDriveTypeW's answer for a mapped network drive


def _unescape(field: str) -> str:
    """/proc/mounts writes a space in a mount point as \\040 (and tab, newline, backslash likewise)."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def linux_filesystem(path: Path, mounts: Path | None = None) -> str | None:
    """The type of the mount holding `path` (the longest mount point above it), or None if unknown."""
    try:
        lines = (mounts or MOUNTS).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    target = str(path)
    best, best_type = "", None
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = _unescape(fields[1])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, fields[2]
    return best_type


def _windows_remote(path: Path) -> bool:
    text = str(path)
    if text.startswith(("\\\\", "//")) and not text.startswith(("\\\\?\\", "\\\\.\\")):
        return True  # a UNC path: \\server\share\...
    import ctypes

    root = os.path.splitdrive(text)[0] + "\\"
    return ctypes.windll.kernel32.GetDriveTypeW(root) == _DRIVE_REMOTE  # type: ignore[attr-defined]


def network_filesystem(path: str | Path) -> str | None:
    """The network filesystem holding `path` ('nfs4', 'cifs', 'network drive'), or None for a local one or
    when it cannot be told (macOS and others: treated as local)."""
    resolved = Path(os.path.abspath(path))
    resolved = resolved.resolve() if resolved.exists() else resolved.parent.resolve() / resolved.name
    if sys.platform == "win32":
        try:
            return "network drive" if _windows_remote(resolved) else None
        except (OSError, AttributeError, ValueError):
            return None
    kind = linux_filesystem(resolved) if sys.platform.startswith("linux") else None
    return kind if kind in NETWORK_TYPES else None


def wal_refusal(path: str | Path) -> str | None:
    """Why a database at `path` must not be opened in WAL mode, or None when it may."""
    kind = network_filesystem(path)
    if kind is None:
        return None
    return (
        f"{path} is on a network drive ({kind}): SQLite's write-ahead log is not safe there and could"
        " corrupt the database when two computers use it. Share it as a team workspace"
        " (--db postgresql://LOGIN@HOST/DB; `roundtable workspace push`) or copy it to a local disk."
    )
