"""The recommendation-set switcher the Recommendations, Dashboard and Reports pages share."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QWidget

from desktop.operations import codebook as codebook_ops

CODEBOOK_FILTER = "Recommendation sets (*.json *.csv *.xlsx);;JSON (*.json);;Spreadsheets (*.csv *.xlsx)"


def current_set(window: Any) -> str:
    """The set the window is showing (one choice for every page), the built-in set until one is picked."""
    from knowledge.codebook import BUILTIN_SET

    return getattr(window, "set_slug", None) or BUILTIN_SET


class SetSwitcher(QComboBox):
    """Pick the recommendation set a page shows; the choice is the window's, so every page follows it.
    Hidden while the workspace holds only the built-in set."""

    setChanged = Signal(str)  # slug

    def __init__(self, window: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.window_ = window
        self.setObjectName("setSwitcher")
        self.setToolTip("The recommendation set shown here")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.currentIndexChanged.connect(self._picked)

    def fill(self, db: Any) -> str:
        """List the sets of `db` and select the window's current one (the built-in set if it has gone);
        returns the slug selected."""
        choices = codebook_ops.set_choices(db)
        slugs = [slug for _, slug in choices]
        wanted = current_set(self.window_)
        if wanted not in slugs and slugs:
            wanted = slugs[0]
            self.window_.set_slug = wanted
        self.blockSignals(True)
        self.clear()
        for label, slug in choices:
            self.addItem(label, slug)
        if wanted in slugs:
            self.setCurrentIndex(slugs.index(wanted))
        self.blockSignals(False)
        self.setVisible(len(choices) > 1)
        return wanted

    def slug(self) -> str:
        return self.currentData() or current_set(self.window_)

    def choose(self, slug: str) -> bool:
        index = self.findData(slug)
        if index < 0:
            return False
        self.setCurrentIndex(index)
        return True

    def _picked(self, index: int) -> None:
        if index >= 0:
            self.window_.set_slug = self.itemData(index)
            self.setChanged.emit(self.itemData(index))


def import_set_dialog(page: Any) -> None:
    """Ask for a codebook file (and, optionally, the report it comes from), then import it off the UI
    thread; the new set becomes the one shown."""
    path, _ = QFileDialog.getOpenFileName(page, "Import a recommendation set", "", CODEBOOK_FILTER)
    if path:
        import_set(page, path)


def import_set(page: Any, path: str, source: str | None = None) -> Any:
    """Import the codebook at `path` through the operations layer; a refused file is one message."""
    window = page.window_

    def landed(summary: Any) -> None:
        window.set_slug = summary.slug
        window.show_message(summary.message())
        page.refresh()

    return window.run_op(
        lambda db, job: codebook_ops.import_codebook(db, path, source=source),
        label="Importing a recommendation set",
        on_done=landed,
        on_error=lambda m: window.show_error("Could not import the recommendation set", m),
    )
