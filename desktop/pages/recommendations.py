"""Recommendations page: each recommendation with its progress, evidence, related passages and actions."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.operations import library as library_ops
from desktop.operations import tracking
from desktop.operations.changes import Changes
from desktop.pages import Page
from desktop.style import color, status_color, status_label
from desktop.widgets.common import PageHeader, PlainLabel, html_escape
from desktop.widgets.dates import display_date
from desktop.widgets.sets import SetSwitcher, import_set_dialog
from knowledge.vocab import LinkState, Status

REC_ROLE = Qt.ItemDataRole.UserRole + 1


def related_for_recommendation(db: Any, db_path: Any, rec: dict[str, Any], embedder: Any) -> list[Any]:
    """Passages near the recommendation: by meaning when the model is loaded, else by its keywords."""
    if embedder is not None:
        from indexes.related import related_to_recommendation

        return list(
            related_to_recommendation(
                db, library_ops.searcher_for(db, db_path, embedder), rec["id"], limit=6
            )
        )
    words = " ".join(json.loads(rec.get("keywords") or "[]")[:8]) or rec["title"]
    searcher = library_ops.searcher_for(db, db_path, None)
    return list(searcher.search(words, mode="keyword", limit=6, per_document=True).hits)


def _status_cell(status: str) -> str:
    """The coloured dot and the status on one line ("In progress" must not wrap in a narrow column)."""
    color = status_color(status)
    label = html_escape(status_label(status)).replace(" ", "&nbsp;")
    return f"<span style='color:{color}'>&#9679;</span>&nbsp;{label}"


class RecItem(QWidget):
    """A list row: number and title above a completion bar."""

    def __init__(self, rec: dict[str, Any]):
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(5)
        title = QLabel(f"<b>R{rec['number']}</b>  {html_escape(rec['title'])}")
        title.setWordWrap(True)
        bar = QProgressBar()
        bar.setRange(0, 100)
        bar.setValue(rec["completion"])
        # Counts first: "100%" alone read as "recommendation achieved" when one action of one
        # organisation was done; the bar is the mean completion of the confirmed actions only.
        done, actions = rec.get(Status.DONE, 0), rec["actions"]
        if actions:
            noun = "action" if actions == 1 else "actions"
            bar.setFormat(f"{done} of {actions} {noun} done · average {rec['completion']}%")
            bar.setToolTip(
                f"Average completion of the {actions} confirmed {noun}; it says how far "
                f"{'that action has' if actions == 1 else 'those actions have'} got, "
                "not that the recommendation is achieved"
            )
        else:
            bar.setFormat("No confirmed actions yet")
            bar.setToolTip("No organisation has a confirmed action against this recommendation yet")
        bar.setFixedHeight(16)
        layout.addWidget(title)
        layout.addWidget(bar)


class RecommendationsPage(Page):
    relatedLoaded = Signal(int)  # recommendation id
    shows = Changes(passages=True, actions=True, links=True, recommendations=True)

    def __init__(self, window: Any):
        super().__init__(window)
        self.current: dict[str, Any] | None = None
        self.related: list[Any] = []
        self.header = PageHeader(
            "Recommendations", "The recommendations being tracked and how far each has got"
        )
        self.set_switcher = SetSwitcher(window)
        self.set_switcher.setChanged.connect(lambda _: self.refresh())
        self.header.add_button(self.set_switcher)
        self.import_set_button = self.header.add_button(QPushButton("Import set…"))
        self.import_set_button.setToolTip("Load another report's recommendations (JSON, CSV or Excel)")
        self.import_set_button.clicked.connect(lambda: import_set_dialog(self))
        self.layout_.addWidget(self.header)
        self.list = QListWidget()
        self.list.setObjectName("recList")
        self.list.setSpacing(2)
        self.list.currentItemChanged.connect(lambda *_: self._selected())

        right = QWidget()
        r = QVBoxLayout(right)
        r.setContentsMargins(12, 0, 0, 0)
        top = QHBoxLayout()
        self.title = PlainLabel()
        self.title.setObjectName("sectionTitle")
        self.title.setWordWrap(True)
        self.export_button = QPushButton("Export report…")
        self.export_button.clicked.connect(self.export_current)
        top.addWidget(self.title, 1)
        top.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.detail.document().setIndentWidth(18)
        self.detail.setWordWrapMode(QTextOption.WrapMode.WordWrap)
        self.detail.anchorClicked.connect(self._link_clicked)
        r.addLayout(top)
        r.addWidget(self.detail, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.list)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([340, 700])
        self.layout_.addWidget(split, 1)

    def refresh(self) -> None:
        from knowledge.codebook import recommendation_rows

        super().refresh()
        slug = self.set_switcher.fill(self.db)
        same_set = self.current is not None and self.current.get("set_slug") == slug
        number = self.current["number"] if same_set else None
        self.list.blockSignals(True)
        self.list.clear()
        stored = recommendation_rows(self.db)
        for rec in tracking.recommendation_progress(self.db, slug):
            rec = {**stored[rec["id"]], **rec}
            item = QListWidgetItem()
            item.setData(REC_ROLE, rec)
            widget = RecItem(rec)
            # Height for the width the row really gets: a wrapped title's sizeHint alone leaves a gap.
            width = max(self.list.viewport().width() - 8, 300)
            item.setSizeHint(QSize(width, widget.layout().totalHeightForWidth(width)))
            self.list.addItem(item)
            self.list.setItemWidget(item, widget)
        self.list.blockSignals(False)
        self.select_number(number or 1)

    def select_number(self, number: int) -> bool:
        for row in range(self.list.count()):
            if self.list.item(row).data(REC_ROLE)["number"] == number:
                self.list.setCurrentRow(row)
                self._selected()
                return True
        return False

    def show_item(self, number: int | None = None, set_slug: str | None = None, **_: Any) -> None:
        if set_slug and set_slug != self.set_switcher.slug():
            self.window_.set_slug = set_slug
            self.refresh()
        if number is not None:
            self.select_number(number)

    def _selected(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self.current = rec = item.data(REC_ROLE)
        self.title.setText(f"Recommendation {rec['number']}: {rec['title']}")
        self.related = []
        self.detail.setHtml(self.detail_html(rec, related=None))
        self._load_related(rec)

    def _load_related(self, rec: dict[str, Any]) -> Any:
        embedder = self.window_.embedder if self.window_.model_state == "ready" else None
        db_path = self.window_.db_path

        def done(answer: tuple[int, list[Any]]) -> None:
            rec_id, hits = answer
            if self.current and self.current["id"] == rec_id:
                self.related = hits
                self.detail.setHtml(self.detail_html(self.current, related=hits))
                self.relatedLoaded.emit(rec_id)

        return self.window_.workers.read(
            lambda db, job: (rec["id"], related_for_recommendation(db, db_path, rec, embedder)),
            on_done=done,
            on_error=lambda m: self.detail.setHtml(self.detail_html(rec, related=[], note=m)),
        )

    def detail_html(self, rec: dict[str, Any], related: list[Any] | None, note: str = "") -> str:
        parts = [f"<p>{html_escape(rec['summary'])}</p>"]
        if rec.get("addressed_to_text"):
            parts.append(f"<p><b>Addressed to:</b> {html_escape(rec['addressed_to_text'])}</p>")
        includes = json.loads(rec.get("includes") or "[]")
        excludes = json.loads(rec.get("excludes") or "[]")
        if includes or excludes:
            # 99%, not 100%: Qt's rich text adds the cell padding on top and shows a sideways scrollbar.
            parts.append("<table width='99%' cellspacing='0' cellpadding='4'><tr>")
            parts.append(
                "<td width='50%' valign='top'><b>Counts</b><ul>"
                + "".join(f"<li>{html_escape(i)}</li>" for i in includes)
                + "</ul></td>"
            )
            parts.append(
                "<td width='50%' valign='top'><b>Does not count</b><ul>"
                + "".join(f"<li>{html_escape(i)}</li>" for i in excludes)
                + "</ul></td></tr></table>"
            )
        actions = [
            a
            for a in tracking.action_rows(self.db)
            if any(
                link["recommendation_id"] == rec["id"] and link["state"] == LinkState.CONFIRMED
                for link in a["links"]
            )
        ]
        parts.append(f"<h3>Actions ({len(actions)})</h3>")
        if actions:
            parts.append("<table width='99%' cellspacing='0' cellpadding='4'>")
            for a in actions:
                # Day and month held together; the year may wrap in a narrow pane (no sideways scrollbar).
                due = html_escape(display_date(a.get("due"))).replace(" ", "&nbsp;", 1)
                parts.append(
                    f"<tr><td width='22%' valign='top'>{html_escape(a['organisation'] or '—')}</td>"
                    f"<td width='40%'><a href='action:{a['id']}'>{html_escape(a['text'])}</a></td>"
                    f"<td width='17%'>{_status_cell(a['status'])}</td>"
                    f"<td width='8%' align='right'>{a['percent']}%</td>"
                    f"<td width='13%'>{due}</td></tr>"
                )
            parts.append("</table>")
        else:
            parts.append(f"<p style='color:{color('muted')}'>No confirmed actions yet.</p>")
        from knowledge.actions import list_evidence

        evidence = list_evidence(self.db, recommendation_id=rec["id"])
        if evidence:
            parts.append(f"<h3>Linked evidence ({len(evidence)})</h3>")
            for e in evidence:
                parts.append(
                    self._passage_html(e["document_title"], e["page"], e["text"], e["document_id"], e["note"])
                )
        label = "Related passages" + (
            " (by meaning)" if self.window_.model_state == "ready" else " (by keyword)"
        )
        parts.append(f"<h3>{label}</h3>")
        if related is None:
            parts.append(f"<p style='color:{color('muted')}'>Looking for related passages…</p>")
        elif not related:
            shown = html_escape(note) or "No related passages found."
            parts.append(f"<p style='color:{color('muted')}'>{shown}</p>")
        for hit in related or []:
            parts.append(self._passage_html(hit.title, hit.page, hit.text, hit.document_id))
        return "".join(parts)

    @staticmethod
    def _passage_html(title: str, page: Any, text: str, document_id: int, note: str | None = None) -> str:
        text = " ".join((text or "").split())
        if len(text) > 420:
            text = text[:417].rsplit(" ", 1)[0] + "…"
        where = f"{html_escape(title)}" + (f", p. {page}" if page else "")
        extra = f"<br><i>{html_escape(note)}</i>" if note else ""
        return (
            f"<p>“{html_escape(text)}”<br><span style='color:{color('muted')}'>— "
            f"<a href='doc:{document_id}'>{where}</a></span>{extra}</p>"
        )

    def _link_clicked(self, url: Any) -> None:
        kind, _, value = url.toString().partition(":")
        if kind == "action":
            self.window_.go_to("actions", action_id=int(value))
        elif kind == "doc":
            self.window_.go_to("library", document_id=int(value))

    def export_current(self) -> None:
        if self.current:
            self.window_.go_to(
                "export",
                kind="recommendation",
                target=self.current["number"],
                set_slug=self.current.get("set_slug"),
            )

    def prepare_screenshot(self) -> None:
        self.refresh()
        best = max(tracking.recommendation_progress(self.db), key=lambda r: r["actions"], default=None)
        if best:
            self.select_number(best["number"])
