"""`roundtable-desk`: start the window (or render one page to a PNG in screenshot mode)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SCREENSHOT_PAGES = ("library", "search", "recommendations", "actions", "dashboard", "export")
SCREENSHOT_SIZE = (1280, 800)
DEMO_DB_NAME = "demo.db"
MODEL_EXIT_WAIT_MS = 60_000  # longest a quit waits for a model still loading (it takes about 5 s)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="roundtable-desk", description="Roundtable Desk window")
    parser.add_argument("--db", metavar="PATH", help="database file (default: as the roundtable command)")
    parser.add_argument(
        "--screenshot", metavar="FILE.png", help="render one page offscreen to a PNG and exit"
    )
    parser.add_argument("--page", choices=SCREENSHOT_PAGES, default="dashboard", help="page for --screenshot")
    parser.add_argument("--theme", choices=("system", "light", "dark"), default="system")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the demo workspace (demo.db next to the default database, or --db PATH), "
        "loading the demo content the first time",
    )
    return parser.parse_args(argv)


def is_dark(app: Any, theme: str = "system") -> bool:
    """Dark when asked for, or when the system's colour scheme is dark."""
    if theme != "system":
        return theme == "dark"
    from PySide6.QtCore import Qt

    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: Any, theme: str = "system") -> None:
    """Fusion style, a light or dark palette and the matching stylesheet from resources/."""
    from PySide6.QtGui import QColor, QPalette

    from resources import resource_path

    dark = is_dark(app, theme)
    app.setStyle("Fusion")
    palette = QPalette()
    colors = (
        {
            "window": "#1d2229",
            "base": "#242a32",
            "alt": "#2a313a",
            "text": "#e4e7eb",
            "button": "#2d343d",
            "highlight": "#4c7ddb",
            "hl_text": "#ffffff",
            "mid": "#3a424d",
        }
        if dark
        else {
            "window": "#f4f6f9",
            "base": "#ffffff",
            "alt": "#f7f9fb",
            "text": "#1f2933",
            "button": "#ffffff",
            "highlight": "#3b6fd8",
            "hl_text": "#ffffff",
            "mid": "#d9dee5",
        }
    )
    role = QPalette.ColorRole
    palette.setColor(role.Window, QColor(colors["window"]))
    palette.setColor(role.WindowText, QColor(colors["text"]))
    palette.setColor(role.Base, QColor(colors["base"]))
    palette.setColor(role.AlternateBase, QColor(colors["alt"]))
    palette.setColor(role.Text, QColor(colors["text"]))
    palette.setColor(role.Button, QColor(colors["button"]))
    palette.setColor(role.ButtonText, QColor(colors["text"]))
    palette.setColor(role.Highlight, QColor(colors["highlight"]))
    palette.setColor(role.HighlightedText, QColor(colors["hl_text"]))
    palette.setColor(role.ToolTipBase, QColor(colors["base"]))
    palette.setColor(role.ToolTipText, QColor(colors["text"]))
    palette.setColor(role.PlaceholderText, QColor("#8a94a3"))
    palette.setColor(role.Mid, QColor(colors["mid"]))
    palette.setColor(role.Link, QColor(colors["highlight"]))
    app.setPalette(palette)
    sheet = resource_path("style-dark.qss" if dark else "style.qss")
    text = sheet.read_text(encoding="utf-8") if sheet.exists() else ""
    # Stylesheet urls are resolved against the working directory: point them at the shipped icons.
    app.setStyleSheet(text.replace("@ICONS@", resource_path("icons").as_posix()))
    app.setProperty("roundtable_dark", dark)


def make_app(argv: list[str] | None = None, theme: str = "system") -> Any:
    """The QApplication with names (for QSettings), theme, and live switching with the system scheme."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setOrganizationName("roundtable-desk")
    app.setApplicationName("Roundtable Desk")
    from PySide6.QtGui import QIcon

    from resources import resource_path

    app.setWindowIcon(QIcon(str(resource_path("icons/roundtable-desk.svg"))))
    apply_theme(app, theme)
    if theme == "system":
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_theme(app, "system"))
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


def take_screenshot(window: Any, page: str, out: str | Path) -> bool:
    """Populate one page synchronously, render the window at 1280x800 and write the PNG."""
    from PySide6.QtWidgets import QApplication

    window.resize(*SCREENSHOT_SIZE)
    window.go_to(page)
    window.pages[page].prepare_screenshot()
    # Let queued signals (worker results, layouts) settle before grabbing.
    for _ in range(3):
        window.workers.wait(60000)
        QApplication.processEvents()
    finish = getattr(window.pages[page], "prepare_screenshot_done", None)
    if finish:
        finish()
    QApplication.processEvents()
    pixmap = window.grab()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    return bool(pixmap.save(str(out), "PNG"))


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
        db_path = Path(args.db).expanduser()
    else:
        db_path = demo_db_path() if args.demo else default_db_path()
    app = make_app([sys.argv[0]], args.theme)
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
        ok = take_screenshot(window, args.page, args.screenshot)
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
