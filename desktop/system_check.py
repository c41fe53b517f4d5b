"""Before Qt starts on X11: are the system libraries its xcb platform plugin links against installed?"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

# What Qt's libqxcb.so and libQt6XcbQpa.so.6 link against (ldd), beyond Qt itself and the C/C++ runtime,
# with the Debian/Ubuntu package that ships each. Without one of them Qt aborts with a message that names
# libxcb-cursor0 whatever is really missing.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libGL.so.1": "libgl1",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
}

Loader = Callable[[str], object]


def uses_xcb(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt will start its xcb (X11) platform: on Linux, with QT_QPA_PLATFORM unset or "xcb"."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if not chosen:
        # Unset, Qt 6 tries Wayland first in a Wayland session; xcb libraries are not needed there.
        return environ.get("XDG_SESSION_TYPE", "") != "wayland"
    return chosen == "xcb"


def dlopen(name: str) -> object:
    """Load a shared library by its soname, as Qt's plugin loader would (OSError when it cannot)."""
    return ctypes.CDLL(name)


def _can_load(name: str, loader: Loader) -> bool:
    try:
        loader(name)
    except OSError:
        return False
    return True


def missing_packages(loader: Loader | None = None) -> list[str]:
    """The Debian/Ubuntu packages of the xcb libraries the dynamic loader cannot find, each named once."""
    loader = loader or dlopen
    packages: list[str] = []
    for library, package in XCB_LIBRARIES.items():
        if package not in packages and not _can_load(library, loader):
            packages.append(package)
    return packages


def install_hint(packages: list[str]) -> str:
    """The one line a person reads: what is missing and the command that installs it."""
    return (
        "roundtable-desk: Qt's X11 (xcb) platform needs system libraries that are not installed; "
        f"install them with: sudo apt-get install {' '.join(packages)}"
    )


def check_xcb(
    loader: Loader | None = None,
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
) -> str | None:
    """None when Qt can start here (or will not use xcb); otherwise the line to print before exiting 1."""
    if not uses_xcb(environ, platform):
        return None
    packages = missing_packages(loader)
    return install_hint(packages) if packages else None
