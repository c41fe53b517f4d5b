"""The Settings dialog (Preferences on macOS): your name, theme, stale-after days, export defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.app import THEME_KEY
from desktop.widgets.common import PlainLabel

EXPORT_FOLDER_KEY = "export/folder"  # where Save dialogs start (until a report has been saved elsewhere)
REDACT_KEY = "export/redact"  # the Reports page's "Redact personal data" box starts ticked
THEMES = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


def setting_bool(settings: Any, key: str, default: bool = False) -> bool:
    """A QSettings boolean (INI files give back the strings 'true' and 'false')."""
    value = settings.value(key, default)
    return value if isinstance(value, bool) else str(value).lower() in ("true", "1", "yes")


def export_folder(settings: Any) -> str:
    """The folder a Save dialog starts in: the last one used, else the chosen default, else home."""
    default = str(settings.value(EXPORT_FOLDER_KEY, "") or "") or str(Path.home())
    return str(settings.value("last_export_dir", "") or "") or default


class SettingsDialog(QDialog):
    """Edits what the window remembers; saved emits the values (name, theme, stale_days, folder, redact)."""

    saved = Signal(dict)

    def __init__(self, window: Any, stale_days: int, parent: QWidget | None = None):
        super().__init__(parent or window)
        self.window_ = window
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)
        settings = window.settings
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit(str(window.who or ""))
        self.name.setAccessibleName("Your name for the record")
        self.name.setToolTip("The change log records this name with every change you make")
        self.theme = QComboBox()
        self.theme.setAccessibleName("Theme")
        for key, label in THEMES.items():
            self.theme.addItem(label, key)
        current = str(settings.value(THEME_KEY, "system") or "system")
        self.theme.setCurrentIndex(max(self.theme.findData(current), 0))
        self.stale = QSpinBox()
        self.stale.setAccessibleName("Stale after days")
        self.stale.setRange(1, 3650)
        self.stale.setSuffix(" days")
        self.stale.setValue(int(stale_days))
        self.stale.setToolTip("An open action with no update for this long counts as stale (for everyone)")
        self.folder = QLineEdit(str(settings.value(EXPORT_FOLDER_KEY, "") or ""))
        self.folder.setPlaceholderText(str(Path.home()))
        self.folder.setAccessibleName("Default export folder")
        browse = QPushButton("Choose…")
        browse.setAccessibleName("Choose the default export folder")
        browse.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        self.redact = QCheckBox("Redact personal data in reports by default")
        self.redact.setAccessibleName("Redact by default")
        self.redact.setChecked(setting_bool(settings, REDACT_KEY))
        form.addRow("Your &name", self.name)
        form.addRow("&Theme", self.theme)
        form.addRow("&Stale after", self.stale)
        form.addRow("Export &folder", folder_row)
        form.addRow("", self.redact)
        layout.addLayout(form)
        note = PlainLabel(
            "The stale-after period is stored in the database, so it applies to everyone using it."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.error = PlainLabel()
        self.error.setStyleSheet("color: #c53030")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Default export folder", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.text().strip(),
            "theme": self.theme.currentData(),
            "stale_days": self.stale.value(),
            "folder": self.folder.text().strip(),
            "redact": self.redact.isChecked(),
        }

    def _save(self) -> None:
        values = self.values()
        if not values["name"]:
            self.error.setText("Give a name for the record (the change log shows it with your changes).")
            self.name.setFocus()
            return
        if values["folder"] and not Path(values["folder"]).expanduser().is_dir():
            self.error.setText(f"No such folder: {values['folder']}")
            self.folder.setFocus()
            return
        self.saved.emit(values)
        self.accept()
