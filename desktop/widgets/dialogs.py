"""Dialogs: new action with suggested recommendations, progress update, the person's name, delegates."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from desktop.style import STATUS_LABELS, dot_icon
from desktop.widgets.common import Chip, PlainLabel, tooltip_text
from desktop.widgets.dates import DATE_HINT, DateField
from desktop.widgets.flow import FlowLayout
from knowledge.vocab import LinkState, Status

# A suggestion scoring below this is no suggestion at all: it is not offered as a chip.
MIN_CHIP_SCORE = 0.05


def _wide_enough(editor: QWidget, option: Any) -> None:
    """Place an in-cell editor over its cell, but never narrower than it needs ("Plann" for Planned)."""
    rect = QRect(option.rect)
    rect.setWidth(max(rect.width(), editor.sizeHint().width()))
    editor.setGeometry(rect)


class ColourKeepingDelegate(QStyledItemDelegate):
    """Draws a cell's own colours on a selected row too: the status dot stays red for Blocked (Qt tints
    a selected icon with the highlight: mauve), an overdue date stays red (selected text turns black)."""

    def initStyleOption(self, option, index):  # noqa: N802 (Qt naming)
        super().initStyleOption(option, index)
        decoration = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(decoration, QColor):
            pixmap = dot_icon(decoration.name()).pixmap(12, 12)
            icon = QIcon()
            for mode in (QIcon.Mode.Normal, QIcon.Mode.Selected, QIcon.Mode.Active):
                icon.addPixmap(pixmap, mode)
            option.icon = icon
            option.decorationSize = pixmap.size()
        foreground = index.data(Qt.ItemDataRole.ForegroundRole)
        if foreground is not None:
            brush = QBrush(foreground) if not isinstance(foreground, QBrush) else foreground
            option.palette.setBrush(QPalette.ColorRole.HighlightedText, brush)


class StatusDelegate(ColourKeepingDelegate):
    """A combo box of the six statuses."""

    def updateEditorGeometry(self, editor, option, index):  # noqa: N802 (Qt naming)
        _wide_enough(editor, option)

    def createEditor(self, parent, option, index):  # noqa: N802 (Qt naming)
        combo = QComboBox(parent)
        for key, label in STATUS_LABELS.items():
            combo.addItem(label, key)
        return combo

    def setEditorData(self, editor, index):  # noqa: N802
        editor.setCurrentIndex(max(editor.findData(index.data(Qt.ItemDataRole.EditRole)), 0))

    def setModelData(self, editor, model, index):  # noqa: N802
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


class PercentDelegate(QStyledItemDelegate):
    def updateEditorGeometry(self, editor, option, index):  # noqa: N802
        _wide_enough(editor, option)

    def createEditor(self, parent, option, index):  # noqa: N802
        spin = QSpinBox(parent)
        spin.setRange(0, 100)
        spin.setSingleStep(5)
        spin.setSuffix("%")
        return spin

    def setEditorData(self, editor, index):  # noqa: N802
        editor.setValue(int(index.data(Qt.ItemDataRole.EditRole) or 0))

    def setModelData(self, editor, model, index):  # noqa: N802
        model.setData(index, editor.value(), Qt.ItemDataRole.EditRole)


class DateDelegate(ColourKeepingDelegate):
    """A date editor that takes ISO or UK day-first text, or a calendar pick; writes ISO dates."""

    def createEditor(self, parent, option, index):  # noqa: N802
        field = DateField(parent=parent)
        field.setAutoFillBackground(True)
        return field

    def updateEditorGeometry(self, editor, option, index):  # noqa: N802
        rect = QRect(option.rect)
        rect.setWidth(max(rect.width(), 190))  # room for "28 Feb 2027" and the calendar button
        editor.setGeometry(rect)

    def setEditorData(self, editor, index):  # noqa: N802
        editor.set_iso(index.data(Qt.ItemDataRole.EditRole))

    def setModelData(self, editor, model, index):  # noqa: N802
        if not editor.is_valid():
            return  # not a date: the stored one stays (the field showed it in red)
        model.setData(index, editor.iso() or "", Qt.ItemDataRole.EditRole)


class NewActionDialog(QDialog):
    """Record an action; suggested recommendations appear as checkable chips with scores as you type."""

    suggestionsShown = Signal(int)  # number of chips
    saveRequested = Signal(dict)

    def __init__(self, window: Any, organisation: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.window_ = window
        self.setWindowTitle("New action")
        self.setMinimumWidth(620)
        self._seq = 0
        self._waiting_for_model = False
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.organisation = QComboBox()
        self.organisation.setEditable(True)
        self._org_types: dict[str, str] = {}
        from knowledge.organisations import list_organisations

        for row in list_organisations(window.db):
            self.organisation.addItem(row["name"])
            self._org_types[row["name"].lower()] = row["type"]
        self.organisation.setCurrentText(organisation or "")
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(
            "What will be done, e.g. Set up a multidisciplinary AI implementation team"
        )
        self.text.setFixedHeight(90)
        self.owner = QLineEdit()
        self.owner.setPlaceholderText("Role or name")
        self.due = DateField()
        form.addRow("Organisation", self.organisation)
        form.addRow("Action", self.text)
        form.addRow("Owner", self.owner)
        form.addRow("Due", self.due)
        layout.addLayout(form)
        caption = QLabel("Recommendations this action serves (suggested; tick the ones that apply)")
        caption.setObjectName("cardCaption")
        layout.addWidget(caption)
        self.chips_box = QWidget()
        self.chips = FlowLayout(self.chips_box)
        self.chip_widgets: list[Chip] = []
        self.hint = PlainLabel("Type the action to see suggestions.")  # may quote an error message
        self.hint.setObjectName("muted")
        layout.addWidget(self.chips_box)
        layout.addWidget(self.hint)
        self.error = QLabel()
        self.error.setStyleSheet("color:#d64545")
        layout.addWidget(self.error)
        self.buttons = buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(350)
        self._timer.timeout.connect(self.request_suggestions)
        self.text.textChanged.connect(self._timer.start)
        self.organisation.currentTextChanged.connect(lambda _: self._timer.start())

    def org_type(self) -> str | None:
        name = self.organisation.currentText().strip()
        if name.lower() in self._org_types:
            return self._org_types[name.lower()]
        if not name:
            return None
        try:
            from knowledge.organisations import infer_type

            return infer_type(name)
        except ImportError:
            return None

    def request_suggestions(self) -> Any:
        text = self.text.toPlainText().strip()
        if len(text) < 8:
            return None
        if self.window_.model_state != "ready":
            # Suggestions need the model; ask again as soon as it is ready.
            self.hint.setText("Suggestions appear once the language model has loaded.")
            if not self._waiting_for_model:
                self._waiting_for_model = True
                self.window_.modelStateChanged.connect(self._model_state)
            return None
        self._seq += 1
        seq, org_type, embedder = self._seq, self.org_type(), self.window_.embedder

        def work(db: Any, job: Any) -> tuple[int, list[Any], bool]:
            from indexes.matching import match

            found = match(db, text, org_type, embedder=embedder, limit=5)
            return seq, list(found.suggestions), found.none

        self.hint.setText("Finding recommendations…")
        return self.window_.workers.read(
            work, on_done=self._show_suggestions, on_error=lambda m: self.hint.setText(f"No suggestions: {m}")
        )

    def _model_state(self, state: str) -> None:
        if state == "ready" and self._waiting_for_model:
            self._waiting_for_model = False
            self.window_.modelStateChanged.disconnect(self._model_state)
            self.request_suggestions()

    def _show_suggestions(self, answer: tuple[int, list[Any], bool]) -> None:
        seq, suggestions, fits_none = answer
        if seq != self._seq:
            return
        checked = {c.value for c in self.chip_widgets if c.isChecked()}
        for chip in self.chip_widgets:
            self.chips.removeWidget(chip)
            chip.deleteLater()
        self.chip_widgets = []
        for s in [s for s in suggestions if s.score >= MIN_CHIP_SCORE]:
            chip = Chip(f"R{s.number}  {s.title}  ·  {s.score:.2f}", s.rec_id)
            chip.setToolTip(tooltip_text(f"Recommendation {s.number}: {s.title} (score {s.score:.2f})"))
            chip.setChecked(s.rec_id in checked)
            self.chips.addWidget(chip)
            chip.show()  # now, not when the layout gets round to it: _fit_chips measures the chips
            self.chip_widgets.append(chip)
        self.hint.setText(
            "No recommendation fits this action; the closest are shown, tick one only if it does serve it."
            if fits_none
            else "Best match first. Ticked recommendations are confirmed when you save."
            if suggestions
            else "No suggestions for this text."
        )
        self._fit_chips()
        self.suggestionsShown.emit(len(suggestions))

    def _fit_chips(self) -> None:
        """Grow the dialog to show every chip: a dialog's layout ignores a flow layout's height-for-width."""
        width = max(self.chips_box.width(), self.minimumWidth() - 24)
        self.chips_box.setMinimumHeight(self.chips.heightForWidth(width))
        self.adjustSize()

    def values(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation.currentText().strip(),
            "text": self.text.toPlainText().strip(),
            "owner": self.owner.text().strip() or None,
            "due": self.due.iso() if self.due.is_valid() else self.due.text().strip() or None,
            "recommendation_ids": [c.value for c in self.chip_widgets if c.isChecked()],
            LinkState.SUGGESTED: [c.value for c in self.chip_widgets if not c.isChecked()],
        }

    def _save(self) -> None:
        values = self.values()
        if not values["text"]:
            self.error.setText("Describe the action.")
            return
        if not values["organisation"]:
            self.error.setText("Choose or type the organisation.")
            return
        if not self.due.is_valid():
            self.error.setText(f"The due date is not a date ({DATE_HINT}).")
            self.due.setFocus()
            return
        self.saveRequested.emit(values)
        self.accept()


class ProgressDialog(QDialog):
    """A dated progress update: status, percent and a note (kept in the action's history)."""

    saveRequested = Signal(dict)

    def __init__(self, action: dict[str, Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.action = action
        self.setWindowTitle("Update progress")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        title = PlainLabel(action.get("text") or "")
        title.setWordWrap(True)
        title.setObjectName("sectionTitle")
        layout.addWidget(title)
        form = QFormLayout()
        self.status = QComboBox()
        for key, label in STATUS_LABELS.items():
            self.status.addItem(label, key)
        self.status.setCurrentIndex(max(self.status.findData(action.get("status")), 0))
        self.percent = QSpinBox()
        self.percent.setRange(0, 100)
        self.percent.setSingleStep(5)
        self.percent.setSuffix("%")
        self.percent.setValue(int(action.get("percent") or 0))
        self.status.currentIndexChanged.connect(self._status_changed)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("What happened, what is next")
        self.note.setFixedHeight(90)
        self.who = QLineEdit()
        self.who.setPlaceholderText("Your name or role")
        # The window's name for the person (File → Your name…): a change made for someone else can say so.
        self.who.setText(str(getattr(parent.window() if parent else None, "who", "") or ""))
        form.addRow("Status", self.status)
        form.addRow("Complete", self.percent)
        form.addRow("Note", self.note)
        form.addRow("Recorded by", self.who)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(buttons)
        layout.addLayout(row)

    def _status_changed(self) -> None:
        if self.status.currentData() == Status.DONE:
            self.percent.setValue(100)

    def values(self) -> dict[str, Any]:
        return {
            "status": self.status.currentData(),
            "percent": self.percent.value(),
            "note": self.note.toPlainText().strip() or None,
            "who": self.who.text().strip() or None,
        }

    def _save(self) -> None:
        self.saveRequested.emit(self.values())
        self.accept()


class WhoDialog(QDialog):
    """Asks the person's name once (the change log records it with every change they make); the login
    name is offered, and File → Your name… opens it again."""

    nameChosen = Signal(str)

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Your name")
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        text = PlainLabel(
            "Roundtable Desk keeps a record of every change and who made it. "
            "Which name should it record for you?"
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.name = QLineEdit(name)
        self.name.selectAll()
        layout.addWidget(self.name)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self._save)
        self.name.textChanged.connect(lambda value: self.accept_button().setEnabled(bool(value.strip())))
        layout.addWidget(self.buttons)
        self._offered = name

    def accept_button(self) -> Any:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def _save(self) -> None:
        self.nameChosen.emit(self.name.text().strip())
        self.accept()

    def reject(self) -> None:
        # Closed without an answer: the name offered stands (it is asked once, changeable from the menu).
        self.nameChosen.emit(self._offered)
        super().reject()
