"""Small shared widgets: page headers, the task progress panel, HTML list rows, chips, status dots."""

from __future__ import annotations

from typing import Any

from PySide6 import QtGui
from PySide6.QtCore import QEvent, QModelIndex, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAbstractTextDocumentLayout, QColor, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.style import status_color, status_label


def html_escape(text: Any) -> str:
    """Stored text for a rich-text (HTML) string that Qt renders: every tag in it shows as text."""
    return (
        str(text if text is not None else "")
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def tooltip_text(text: Any) -> str:
    """A tooltip that shows `text` literally.

    Qt renders a tooltip as rich text when it looks like HTML (Qt.mightBeRichText), so a title such as
    "<b>Bold</b>" would lose its tags; such text is converted to escaped rich text, the rest stays as is.
    """
    text = str(text if text is not None else "")
    if not QtGui.Qt.mightBeRichText(text):
        return text
    return QtGui.Qt.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpaceNormal)  # wraps at spaces


class PlainLabel(QLabel):
    """A label for stored or typed text (titles, names, messages): always plain text.

    A QLabel guesses the format (Qt.AutoText), so a document titled "<b>Bold</b>" would show in bold and
    an <img> tag would be loaded; this one shows exactly the characters it is given.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)


class PageHeader(QWidget):
    """A page title with a one-line explanation and room for buttons on the right."""

    def __init__(self, title: str, subtitle: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        text = QVBoxLayout()
        text.setSpacing(2)
        self.title = QLabel(title)
        self.title.setObjectName("pageTitle")
        self.subtitle = QLabel(subtitle)
        self.subtitle.setObjectName("pageSubtitle")
        self.subtitle.setWordWrap(True)
        text.addWidget(self.title)
        text.addWidget(self.subtitle)
        layout.addLayout(text, 1)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(8)
        layout.addLayout(self.buttons)

    def add_button(self, button: QWidget) -> QWidget:
        # A squeezed button clips its own label ("mport return."): buttons keep their width, the
        # subtitle wraps instead.
        button.setMinimumWidth(button.sizeHint().width())
        text = button.text() if isinstance(button, QPushButton) else ""  # a set switcher goes here too
        if text and not button.accessibleName():
            button.setAccessibleName(text.replace("&", "").rstrip("…"))
        self.buttons.addWidget(button)
        return button


class Card(QFrame):
    """A framed panel with an optional caption."""

    def __init__(self, caption: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(14, 12, 14, 12)
        self.layout_.setSpacing(8)
        if caption:
            label = QLabel(caption)
            label.setObjectName("cardCaption")
            self.layout_.addWidget(label)

    def add(self, widget: QWidget, stretch: int = 0) -> QWidget:
        self.layout_.addWidget(widget, stretch)
        return widget


class TaskProgress(QWidget):
    """Status-bar panel for long jobs: label, file counts, a bar and Cancel; appears only after 600 ms."""

    SHOW_AFTER_MS = 600

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # Long file names end in "…" (full text in the tooltip) instead of running under the bar.
        self.label = ElidedLabel()
        self.label.setObjectName("taskLabel")
        self.label.setFixedWidth(240)
        self.label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.bar = QProgressBar()
        self.bar.setFixedWidth(150)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("smallButton")
        self.cancel_button.clicked.connect(self._cancel)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._reveal)
        self._jobs: list[Any] = []
        self.hide()

    def track(self, job: Any, title: str) -> None:
        """Follow one job's progress signals until it is done."""
        self._jobs.append(job)
        self._title = title
        self.label.setText(title)
        self.bar.setRange(0, 0)
        job.signals.progress.connect(
            lambda done, total, label: self._progress(job, title, done, total, label)
        )
        job.signals.done.connect(lambda: self._finish(job))
        if not self.isVisible() and not self._timer.isActive():
            self._timer.start(self.SHOW_AFTER_MS)

    def _progress(self, job: Any, title: str, done: int, total: int, label: str) -> None:
        if job is not (self._jobs[-1] if self._jobs else None):
            return
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
            self.bar.setFormat(f"{done} / {total}")
        name = label.rsplit("/", 1)[-1] if label else ""
        self.label.setText(f"{title}: {name}" if name else title)

    def _reveal(self) -> None:
        if self._jobs:
            self.show()

    def _finish(self, job: Any) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
        if not self._jobs:
            self._timer.stop()
            self.hide()

    def _cancel(self) -> None:
        for job in list(self._jobs):
            job.cancel()
        self.label.setText("Cancelling…")


class HtmlDelegate(QStyledItemDelegate):
    """Renders an item's DisplayRole as rich text (search hits with highlighted words)."""

    def __init__(self, parent: Any = None, width_hint: int = 600):
        super().__init__(parent)
        self.width_hint = width_hint

    def _document(self, option: QStyleOptionViewItem, index: QModelIndex) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(8)
        doc.setHtml(str(index.data(Qt.ItemDataRole.DisplayRole) or ""))
        width = option.rect.width() if option.rect.width() > 0 else self.width_hint
        doc.setTextWidth(width)
        return doc

    def paint(self, painter, option, index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        doc = self._document(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        painter.translate(opt.rect.topLeft())
        painter.setClipRect(QRectF(0, 0, opt.rect.width(), opt.rect.height()))
        ctx = QAbstractTextDocumentLayout.PaintContext()
        role = (
            QPalette.ColorRole.HighlightedText
            if opt.state & QStyle.StateFlag.State_Selected
            else (QPalette.ColorRole.Text)
        )
        ctx.palette.setColor(QPalette.ColorRole.Text, opt.palette.color(role))
        doc.documentLayout().draw(painter, ctx)
        painter.restore()

    def sizeHint(self, option, index) -> QSize:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        doc = self._document(opt, index)
        parent = self.parent()
        if hasattr(parent, "viewport"):
            doc.setTextWidth(max(parent.viewport().width() - 4, 200))
        return QSize(int(doc.idealWidth()), int(doc.size().height()) + 2)


class Chip(QPushButton):
    """A checkable pill: a suggested recommendation with its score."""

    def __init__(self, text: str, value: Any = None, parent: QWidget | None = None):
        # A button reads "&" as a shortcut marker: "R&D" would show as "RD" with an underlined D.
        super().__init__(text.replace("&", "&&"), parent)
        self.value = value
        self.setCheckable(True)
        self.setObjectName("chip")
        self.setCursor(Qt.CursorShape.PointingHandCursor)


class ClickableLabel(QLabel):
    clicked = Signal()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self.clicked.emit()
        super().mousePressEvent(event)


class HintListWidget(QListWidget):
    """A list that, while it is empty, says in its middle what will appear there (an empty white box
    otherwise reads as something that failed to load)."""

    def __init__(self, hint: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._hint = hint

    def set_hint(self, text: str) -> None:
        self._hint = text
        self.viewport().update()

    def hint(self) -> str:
        return self._hint

    def paintEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        super().paintEvent(event)
        if self.count() or not self._hint:
            return
        from desktop.style import color

        painter = QtGui.QPainter(self.viewport())
        painter.setPen(QColor(color("muted")))
        rect = self.viewport().rect().adjusted(12, 2, -12, -2)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), self._hint)
        painter.end()


def status_dot(status: str) -> str:
    """A coloured bullet plus label, as HTML."""
    return f'<span style="color:{status_color(status)}">&#9679;</span> {html_escape(status_label(status))}'


def readable_on(color: str) -> QColor:
    """Black or white text, whichever reads better on this background."""
    c = QColor(color)
    luminance = 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue()
    return QColor("#1f2933") if luminance > 150 else QColor("#ffffff")


# Standard NHS abbreviations, so narrow columns show the distinctive part of a name rather than its tail.
_ABBREVIATIONS = (
    ("Department of Health and Social Care", "DHSC"),
    ("Medicines and Healthcare products Regulatory Agency", "MHRA"),
    ("National Institute for Health and Care Excellence", "NICE"),
    ("Care Quality Commission", "CQC"),
    ("NHS Foundation Trust", "NHS FT"),
    ("Integrated Care System", "ICS"),
    ("Integrated Care Board", "ICB"),
)


def short_name(name: str) -> str:
    """An organisation's name with the usual abbreviations (the full name belongs in a tooltip)."""
    for long, short in _ABBREVIATIONS:
        if long.lower() in name.lower():
            start = name.lower().index(long.lower())
            name = name[:start] + short + name[start + len(long) :]
    return name


class ElidedLabel(PlainLabel):
    """One line of plain text that ends in "…" when narrower than its text; the full text is the tooltip."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__("", parent)  # sets _full through setText below
        self.setMinimumWidth(40)
        # Ignored: the layout decides the width and the text elides to fit, never the other way round.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt naming)
        self._full = text
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        self._elide()  # the stylesheet's font is known only once the label is polished

    def changeEvent(self, event: Any) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._elide()

    def _elide(self) -> None:
        room = max(self.contentsRect().width(), 1)
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, room)
        super().setText(shown)
        self.setToolTip(tooltip_text(self._full) if shown != self._full else "")

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 4, super().sizeHint().height())


class ReaderPane(QWidget):
    """The right-hand reading pane of a page: a heading, a muted details line, buttons, rich text."""

    def __init__(self, placeholder: str, buttons: list[QPushButton], parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 0, 0, 0)
        self.title = PlainLabel(placeholder)  # document titles and details: shown as typed
        self.title.setObjectName("sectionTitle")
        self.title.setWordWrap(True)
        self.meta = PlainLabel()
        self.meta.setObjectName("muted")
        self.meta.setWordWrap(True)
        row = QHBoxLayout()
        for button in buttons:
            row.addWidget(button)
        row.addStretch(1)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.document().setIndentWidth(18)  # the default 40 px wastes a narrow pane
        layout.addWidget(self.title)
        layout.addWidget(self.meta)
        layout.addLayout(row)
        layout.addWidget(self.browser, 1)


def side_by_side(
    left: QWidget, right: QWidget, stretch: tuple[int, int], sizes: tuple[int, int]
) -> QSplitter:
    """A list or table beside its reading pane, in a splitter the user can drag."""
    split = QSplitter(Qt.Orientation.Horizontal)
    split.addWidget(left)
    split.addWidget(right)
    split.setStretchFactor(0, stretch[0])
    split.setStretchFactor(1, stretch[1])
    split.setSizes(list(sizes))
    return split


def remember_splitter(split: QSplitter, settings: Any, key: str) -> QSplitter:
    """Put a splitter back where the person left it (QSettings `key`), and keep each move they make."""
    from PySide6.QtCore import QByteArray

    split.setObjectName(key.replace("/", "_"))
    state = settings.value(key) if settings is not None else None
    if isinstance(state, QByteArray | bytes) and state:
        split.restoreState(QByteArray(state))
    if settings is not None:
        split.splitterMoved.connect(lambda *_: settings.setValue(key, split.saveState()))
    split.setChildrenCollapsible(False)  # a pane dragged to nothing is a pane lost
    return split
