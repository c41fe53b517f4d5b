"""The window's pages; create_pages builds one of each, keyed as in desktop.window.PAGES."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.operations.changes import Changes


class Page(QWidget):
    """Base of every page: a margin, a reference to the window, refresh() and prepare_screenshot()."""

    # What the page shows: it refreshes after an operation that changed any of these.
    shows: Changes = Changes.everything()

    def __init__(self, window: Any):
        super().__init__()
        self.window_ = window
        self.loaded = False
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(24, 20, 24, 16)
        self.layout_.setSpacing(12)

    @property
    def db(self) -> Any:
        return self.window_.db

    def refresh(self) -> None:
        """Reload what the page shows from the database."""
        self.loaded = True

    def prepare_screenshot(self) -> None:
        """Populate the page synchronously with something representative (screenshot mode)."""
        self.refresh()


def create_pages(window: Any) -> dict[str, Page]:
    from desktop.pages.actions import ActionsPage
    from desktop.pages.dashboard import DashboardPage
    from desktop.pages.history import HistoryPage
    from desktop.pages.library import LibraryPage
    from desktop.pages.recommendations import RecommendationsPage
    from desktop.pages.reports import ReportsPage
    from desktop.pages.search import SearchPage

    return {
        "library": LibraryPage(window),
        "search": SearchPage(window),
        "recommendations": RecommendationsPage(window),
        "actions": ActionsPage(window),
        "dashboard": DashboardPage(window),
        "export": ReportsPage(window),
        "history": HistoryPage(window),
    }
