"""`roundtable-desk`: start the window (or render one page to a PNG in screenshot mode)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SCREENSHOT_PAGES = ("library", "search", "recommendations", "actions", "dashboard", "export", "history")
SCREENSHOT_SIZE = (1280, 800)
# "preset": each page sets itself up tidily (a query typed, the busiest organisation chosen); "default": the
# page exactly as a person sees it on opening the window, which is what the README and layout checks show.
SCREENSHOT_STATES = ("preset", "default")
DEMO_DB_NAME = "demo.db"
MODEL_EXIT_WAIT_MS = 60_000  # longest a quit waits for a model still loading (it takes about 5 s)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="roundtable-desk", description="Roundtable Desk window")
    parser.add_argument("--db", metavar="PATH", help="database file (default: as the roundtable command)")
    parser.add_argument(
        "--screenshot", metavar="FILE.png", help="render one page offscreen to a PNG and exit"
    )
    parser.add_argument("--page", choices=SCREENSHOT_PAGES, default="dashboard", help="page for --screenshot")
    parser.add_argument(
        "--size", metavar="WxH", type=_size, default=SCREENSHOT_SIZE, help="window size for --screenshot"
    )
    parser.add_argument(
        "--state", choices=SCREENSHOT_STATES, default="preset", help="preset page set-up, or default (none)"
    )
    parser.add_argument("--theme", choices=("system", "light", "dark"), default=None)
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the demo workspace (demo.db next to the default database, or --db PATH), "
        "loading the demo content the first time",
    )
    return parser.parse_args(argv)


def _size(text: str) -> tuple[int, int]:
    """'1280x800' as (1280, 800); argparse turns the ValueError into one usage line."""
    width, sep, height = text.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit() or int(width) < 320 or int(height) < 240:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use WxH, e.g. 1280x800)")
    return int(width), int(height)


def is_dark(app: Any, theme: str = "system") -> bool:
    """Dark when asked for, or when the system's colour scheme is dark."""
    if theme != "system":
        return theme == "dark"
    from PySide6.QtCore import Qt

    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: Any, theme: str = "system") -> None:
    """Fusion style, a light or dark palette and the matching stylesheet from resources/."""
    from PySide6.QtGui import QColor, QPalette

    from desktop.style import PALETTES
    from resources import resource_path

    dark = is_dark(app, theme)
    app.setStyle("Fusion")
    palette = QPalette()
    colors = PALETTES["dark" if dark else "light"]
    role = QPalette.ColorRole
    for qt_role, key in (
        (role.Window, "window"),
        (role.WindowText, "text"),
        (role.Base, "base"),
        (role.AlternateBase, "alt"),
        (role.Text, "text"),
        (role.Button, "button"),
        (role.ButtonText, "text"),
        (role.Highlight, "highlight"),
        (role.HighlightedText, "hl_text"),
        (role.ToolTipBase, "base"),
        (role.ToolTipText, "text"),
        (role.PlaceholderText, "placeholder"),
        (role.Mid, "mid"),
        (role.Link, "link"),
    ):
        palette.setColor(qt_role, QColor(colors[key]))
    # Disabled entries (menus, buttons, fields) must look disabled, yet stay legible.
    for qt_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, qt_role, QColor(colors["disabled"]))
    app.setPalette(palette)
    sheet = resource_path("style-dark.qss" if dark else "style.qss")
    text = sheet.read_text(encoding="utf-8") if sheet.exists() else ""
    # Stylesheet urls are resolved against the working directory: point them at the shipped icons.
    app.setStyleSheet(text.replace("@ICONS@", resource_path("icons").as_posix()))
    app.setProperty("roundtable_dark", dark)
    app.setProperty("roundtable_theme", theme)


THEME_KEY = "view/theme"  # the Settings dialog's choice; --theme on the command line wins over it


def saved_theme() -> str:
    """The theme chosen in Settings (system, light or dark); needs the application's names set."""
    from PySide6.QtCore import QSettings

    value = str(QSettings().value(THEME_KEY, "system") or "system")
    return value if value in ("system", "light", "dark") else "system"


def make_app(argv: list[str] | None = None, theme: str | None = "system") -> Any:
    """The QApplication with names (for QSettings), theme, and live switching with the system scheme."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setOrganizationName("roundtable-desk")
    app.setApplicationName("Roundtable Desk")
    from PySide6.QtGui import QIcon

    from resources import resource_path

    app.setWindowIcon(QIcon(str(resource_path("icons/roundtable-desk.svg"))))
    apply_theme(app, theme or saved_theme())
    # Follows the system's scheme while the theme is "system" (Settings can change that while running).
    app.styleHints().colorSchemeChanged.connect(
        lambda _scheme: app.property("roundtable_theme") == "system" and apply_theme(app, "system")
    )
    return app


def _font_check() -> None:
    """Offscreen Qt finds fonts through fontconfig; point it at a fonts folder if none is configured."""
    if os.environ.get("QT_QPA_FONTDIR"):
        return
    for folder in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts"):
        if Path(folder).is_dir():
            return  # fontconfig sees the system fonts
    try:
        import matplotlib

        fonts = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf"
        if fonts.is_dir():
            os.environ["QT_QPA_FONTDIR"] = str(fonts)
    except ImportError:
        pass


def take_screenshot(
    window: Any,
    page: str,
    out: str | Path,
    size: tuple[int, int] = SCREENSHOT_SIZE,
    state: str = "preset",
) -> bool:
    """Populate one page synchronously, render the window at `size` and write the PNG."""
    from PySide6.QtWidgets import QApplication

    window.resize(*size)
    window.go_to(page)
    QApplication.processEvents()
    if state == "preset":
        window.pages[page].prepare_screenshot()
    else:
        window.pages[page].refresh()
        _settle(SETTLE_MS)  # debounced work a person would see a moment later (the report preview)
    # Let queued signals (worker results, layouts) settle before grabbing.
    for _ in range(3):
        window.workers.wait(60000)
        QApplication.processEvents()
    finish = getattr(window.pages[page], "prepare_screenshot_done", None)
    if finish and state == "preset":
        finish()
    QApplication.processEvents()
    pixmap = window.grab()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    return bool(pixmap.save(str(out), "PNG"))


SETTLE_MS = 700


def _settle(msecs: int) -> None:
    """Run the event loop for `msecs` so timers started on opening a page fire before the grab."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(msecs, loop.quit)
    loop.exec()


def wait_for_background(window: Any) -> bool:
    """After the event loop: let a model load still running finish; True once no job runs Python.

    The load runs Python on a Qt pool thread that the interpreter does not wait for; finalising underneath
    it (half-way through importing torch) printed screens of tracebacks on quit. The window is gone by now.
    """
    return bool(window.workers.wait_for_model(MODEL_EXIT_WAIT_MS))


def demo_db_path() -> Path:
    """The demo workspace's database: demo.db in the same per-user folder as the default database."""
    from desktop.cli import default_db_path

    return default_db_path().parent / DEMO_DB_NAME


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `roundtable-desk`."""
    args = parse_args(argv)
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _font_check()
    from desktop.system_check import check_xcb

    problem = check_xcb()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from desktop.cli import default_db_path
    from knowledge.db import DatabaseError

    if args.db:
        from desktop.cli import workspace_target

        db_path = workspace_target(args.db)  # a file, or a team workspace's postgresql:// URL
    else:
        db_path = demo_db_path() if args.demo else default_db_path()
    # A screenshot shows the theme asked for, never one remembered from the user's Settings.
    app = make_app([sys.argv[0]], args.theme or ("system" if args.screenshot else None))
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMessageBox

    from desktop.window import MainWindow

    if args.screenshot:
        # A screenshot must not depend on (or change) the user's remembered window state.
        settings = QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, "roundtable-desk-screenshot"
        )
        settings.clear()
    else:
        settings = QSettings()
    try:
        window = MainWindow(db_path, settings=settings, load_model=not args.screenshot)
    except (DatabaseError, OSError) as exc:
        if args.screenshot:
            print(f"roundtable-desk: {exc}", file=sys.stderr)
            return 1
        QMessageBox.critical(None, "Roundtable Desk", f"Cannot open the database:\n{exc}")
        return 1
    if args.demo:
        window.load_demo()  # on the write queue; an existing demo workspace is just opened
    if args.screenshot:
        window.show()
        ok = take_screenshot(window, args.page, args.screenshot, args.size, args.state)
        window.close()
        if not ok:
            print(f"roundtable-desk: could not write {args.screenshot}", file=sys.stderr)
            return 1
        return 0
    window.show()
    code = int(app.exec())
    if not wait_for_background(window):
        # Still loading after a minute: leave without finalising Python underneath it.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
