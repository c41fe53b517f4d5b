"""Starting the window: a missing X11 library is named with its package, and quitting early is clean."""

from __future__ import annotations

import threading

import pytest

from desktop import system_check
from desktop.system_check import XCB_LIBRARIES, check_xcb

X11 = {"QT_QPA_PLATFORM": "xcb"}


def _loader_without(*missing: str):
    def load(name: str) -> object:
        if name in missing:
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        return object()

    return load


def test_a_missing_xcb_library_gives_one_line_naming_its_package():
    line = check_xcb(_loader_without("libxcb-icccm.so.4", "libxcb-keysyms.so.1"), X11, "linux")
    assert line is not None
    assert "\n" not in line
    assert "apt-get install libxcb-icccm4 libxcb-keysyms1" in line
    assert "libxcb-cursor0" not in line  # Qt's own message blames it; it is installed


def test_with_every_library_present_the_window_may_start():
    assert check_xcb(_loader_without(), X11, "linux") is None
    assert check_xcb(_loader_without(), {}, "linux") is None  # unset: Qt picks xcb


@pytest.mark.parametrize(
    ("environ", "platform"),
    [
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux"),
        ({"QT_QPA_PLATFORM": "wayland"}, "linux"),
        ({"XDG_SESSION_TYPE": "wayland"}, "linux"),
        ({}, "darwin"),
        ({}, "win32"),
    ],
)
def test_without_xcb_nothing_is_checked(environ, platform):
    def refuse(name: str) -> object:
        raise AssertionError(f"{name} should not be loaded")

    assert check_xcb(refuse, environ, platform) is None


def test_each_package_is_named_once_even_when_it_ships_two_missing_libraries():
    line = check_xcb(_loader_without("libglib-2.0.so.0", "libgthread-2.0.so.0"), X11, "linux")
    assert line is not None and line.count("libglib2.0-0") == 1


def test_every_library_qt_xcb_needs_on_this_machine_is_in_the_table():
    # Those of Qt's own xcb plugin and its libQt6XcbQpa that are not Qt or the C/C++ runtime.
    assert {"libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0", "libxkbcommon-x11.so.0"} <= set(
        XCB_LIBRARIES
    )


def test_roundtable_desk_exits_1_with_the_line_before_creating_the_application(monkeypatch, capsys):
    from desktop import app

    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(system_check, "dlopen", _loader_without("libxcb-icccm.so.4"))
    monkeypatch.setattr(app, "make_app", lambda *a, **k: pytest.fail("QApplication created"))
    assert app.main(["--demo"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "libxcb-icccm4" in err[0]


def test_closing_the_window_while_the_model_loads_exits_cleanly(qtbot, make_desk_window, capfd):
    from desktop.app import wait_for_background
    from indexes.embedder import HashingEmbedder

    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def slow_loader():
        started.set()
        release.wait(30)  # still "loading" when the window closes
        finished.set()
        return HashingEmbedder()

    window = make_desk_window(model_loader=slow_loader, hashing=False)
    window.show()
    assert started.wait(10)
    window.close()
    assert window.workers.model_pool.activeThreadCount() == 1  # the load outlives the window
    release.set()
    # What roundtable-desk does once its event loop returns: Python must not shut down under the load.
    assert wait_for_background(window)
    assert finished.is_set() and window.workers.model_pool.activeThreadCount() == 0
    qtbot.wait(0)  # deliver whatever the finished load queued for the closed window
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err and "Error" not in err
    assert window.model_state == "loading"  # the result was dropped, not delivered to a closed window
