"""The dialog listing every file one import could not read, with the reason for each."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget


class FailuresDialog(QDialog):
    """Every file that failed in one import, listed once, after the import."""

    def __init__(self, failures: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Some files could not be imported")
        self.resize(640, 320)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{len(failures)} file(s) could not be imported. The others were imported."))
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setPlainText("\n".join(f"{Path(path).name}: {reason}" for path, reason in failures))
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
