"""A date field that takes dates as people write them (ISO, 28/02/2027, 28 Feb 2027) or from a calendar."""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from knowledge.dates import parse_date

DATE_HINT = "e.g. 28/02/2027, 28 Feb 2027 or 2027-02-28"


def display_date(iso: str | None) -> str:
    """One readable form for every date the window shows: '28 Feb 2027' (the stored ISO text if odd)."""
    if not iso:
        return ""
    try:
        day = date.fromisoformat(str(iso)[:10])
    except ValueError:
        return str(iso)
    return f"{day.day} {day.strftime('%b')} {day.year}"


def display_datetime(iso: str | None) -> str:
    """A stored timestamp in the same readable form, with its time to the minute: '2 Dec 2026 03:27'."""
    if not iso:
        return ""
    text = str(iso)
    time = text[11:16] if len(text) >= 16 and text[10] in "T " else ""
    return f"{display_date(text)} {time}".rstrip()


class DateField(QWidget):
    """A line edit that accepts the ways people write a date, with a calendar button beside it.

    iso() gives the stored form (YYYY-MM-DD), None when blank; is_valid() says whether the text is a date.
    Leaving the field rewrites a valid date in the window's one display form: a person sees how it was read.
    """

    dateChanged = Signal(str)  # the ISO date ("" when cleared)

    def __init__(self, iso: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(DATE_HINT)
        self.edit.setAccessibleName("Date")
        self.edit.setClearButtonEnabled(True)
        self.edit.editingFinished.connect(self._tidy)
        self.edit.textChanged.connect(self._mark)
        self.button = QToolButton()
        self.button.setText("📅")
        self.button.setToolTip("Pick a date from a calendar (Alt+Down)")
        self.button.setAccessibleName("Pick a date")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(True)
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)  # UK calendars start on Monday
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        menu = QMenu(self.button)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(self.calendar)
        menu.addAction(holder)
        menu.aboutToShow.connect(self._sync_calendar)
        self.button.setMenu(menu)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.setFocusProxy(self.edit)
        self.set_iso(iso)

    # -- values ------------------------------------------------------------------------------------
    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt naming, as QLineEdit)
        self.edit.setText(text)

    def set_iso(self, iso: str | None) -> None:
        self.edit.setText(display_date(iso))

    def is_valid(self) -> bool:
        try:
            parse_date(self.edit.text())
        except ValueError:
            return False
        return True

    def iso(self) -> str | None:
        """The date as stored (YYYY-MM-DD), None when blank; ValueError naming the text when not a date."""
        return parse_date(self.edit.text())

    # -- behaviour ---------------------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Down and event.modifiers() & Qt.KeyboardModifier.AltModifier:
            self.button.showMenu()
            return
        super().keyPressEvent(event)

    def _mark(self) -> None:
        # A red border while the text is not (yet) a date; the dialog's Save names the problem.
        self.edit.setProperty("invalid", not self.is_valid())
        self.edit.setStyleSheet("" if self.is_valid() else "border-color: #c53030;")

    def _tidy(self) -> None:
        if self.edit.text().strip() and self.is_valid():
            iso = self.iso()
            self.edit.setText(display_date(iso))
            self.dateChanged.emit(iso or "")

    def _sync_calendar(self) -> None:
        iso = self.iso() if self.is_valid() else None
        self.calendar.setSelectedDate(QDate.fromString(iso, "yyyy-MM-dd") if iso else QDate.currentDate())
        self.calendar.setFocus()

    def _picked(self, day: QDate) -> None:
        self.set_iso(day.toString("yyyy-MM-dd"))
        self.button.menu().hide()
        self.dateChanged.emit(day.toString("yyyy-MM-dd"))
        self.edit.setFocus()


_PARTIAL_ISO = re.compile(r"\d{4}(-\d{2})?")


def filter_date(text: str) -> str | None:
    """A date filter as typed, as ISO: a year or year-month stays as it is ("2024", "2024-06"), a whole date
    in any form people write becomes YYYY-MM-DD; None when blank. ValueError when it is not a date."""
    text = text.strip()
    if not text:
        return None
    if _PARTIAL_ISO.fullmatch(text):
        return text
    return parse_date(text)
