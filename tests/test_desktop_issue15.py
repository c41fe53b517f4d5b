"""Issue 15, the last items: readable dates in every table and list, vocabulary words for statuses in the
report preview, a dashboard and a history that fit from 1024x700 to 1600x1000, search hints instead of
blank panes, the link-as-evidence tree, organisation tooltips and a remembered splitter, and status-bar
messages that go away."""

from __future__ import annotations

import re
from types import SimpleNamespace

from PySide6.QtCore import Qt

from desktop.qtmodels import SORT_ROLE
from desktop.widgets.dates import display_date, display_datetime

ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
SHOWN_DAY = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}$")



def _settle(qtbot, window, width: int, height: int) -> None:
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width and window.height() == height, timeout=5000)
    qtbot.waitExposed(window)


# -- 1. dates ------------------------------------------------------------------------------------------
def test_display_forms_of_dates_and_timestamps():
    assert display_date("2027-02-28") == "28 Feb 2027"
    assert display_datetime("2026-12-02T03:27:41Z") == "2 Dec 2026 03:27"
    assert display_datetime("2026-12-02 03:27:41") == "2 Dec 2026 03:27"
    assert display_datetime(None) == "" and display_date("2024") == "2024"  # a bare year stays as it is


def test_the_actions_table_shows_due_dates_readably_and_sorts_them_by_date(qtbot, demo_window):
    page = demo_window.go_to("actions")
    due_column = [c.key for c in page.model.columns].index("due")
    rows = [r for r in range(page.proxy.rowCount()) if page.proxy.index(r, due_column).data(SORT_ROLE)]
    assert rows
    for r in rows:
        index = page.proxy.index(r, due_column)
        assert SHOWN_DAY.match(index.data()), index.data()
        assert display_date(index.data(Qt.ItemDataRole.EditRole)) == index.data()
    page.table.sortByColumn(due_column, Qt.SortOrder.AscendingOrder)
    edit = Qt.ItemDataRole.EditRole
    stored = [page.proxy.index(r, due_column).data(edit) for r in range(page.proxy.rowCount())]
    stored = [d for d in stored if d]
    assert stored == sorted(stored)  # by the date, not by "1 Apr" < "12 Nov" < "16 Jan"
    page.table.selectRow(0)
    assert not ISO_DAY.search(page.action_meta.text()) and not ISO_DAY.search(page.history.toPlainText())


def test_library_history_dashboard_recommendations_and_search_show_readable_dates(qtbot, demo_window):
    library = demo_window.go_to("library")
    library.refresh()
    shown = [library.proxy.index(r, 2).data() for r in range(library.proxy.rowCount())]
    assert any(SHOWN_DAY.match(s) for s in shown) and not any(ISO_DAY.search(s) for s in shown)
    library.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    stored = [library.proxy.index(r, 2).data(SORT_ROLE) for r in range(library.proxy.rowCount())]
    assert stored == sorted(stored, reverse=True)
    assert not ISO_DAY.search(library.doc_meta.text())

    history = demo_window.go_to("history")
    with qtbot.waitSignal(history.loadedEntries, timeout=10000):
        history.refresh()
    when = history.model.index(0, 0).data()
    assert re.match(r"^\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d$", when), when

    dashboard = demo_window.go_to("dashboard")
    dashboard.refresh()
    texts = [w.item(i).text() for w in dashboard.lists.values() for i in range(w.count())]
    assert any("due " in t for t in texts) and not any(ISO_DAY.search(t) for t in texts)

    recs = demo_window.go_to("recommendations")
    recs.refresh()
    for number in range(1, 10):
        recs.select_number(number)
        actions = recs.detail_html(recs.current, related=[]).split("<h3>Actions")[1].split("<h3>")[0]
        assert not ISO_DAY.search(actions), number

    search = demo_window.go_to("search")
    with qtbot.waitSignal(demo_window.searchFinished, timeout=10000) as blocker:
        search.run_search("roundtable", "keyword")
    dated = [h for h in blocker.args[0].hits if h.date]
    assert dated
    row = search.results_model.item(blocker.args[0].hits.index(dated[0])).text()
    assert display_date(dated[0].date) in row and str(dated[0].date) not in row


# -- 2. statuses in the report preview --------------------------------------------------------------------
def test_the_report_preview_shows_statuses_in_the_vocabularys_words(qtbot, demo_window):
    page = demo_window.go_to("export")
    with qtbot.waitSignal(page.previewReady, timeout=30000):
        page.show_item(kind="briefing")
    text = page.preview.toPlainText()
    assert "In progress" in text and "in_progress" not in text
    assert "| in progress |" not in page.markdown and "| In progress |" in page.markdown


# -- 3. the dashboard from 1024x700 to 1600x1000 ----------------------------------------------------------
def test_the_dashboard_fits_at_1024x700(qtbot, demo_window):
    page = demo_window.go_to("dashboard")
    _settle(qtbot, demo_window, 1024, 700)
    bar = page.tabs.tabBar()
    qtbot.waitUntil(lambda: page.cell_card.geometry().bottom() <= page.height(), timeout=5000)
    # Every tab in view, none behind scroll arrows; the map's columns all in view, none cut.
    assert not page.tabs.usesScrollButtons()
    assert sum(bar.tabRect(i).width() for i in range(bar.count())) <= bar.width()
    assert bar.tabRect(bar.count() - 1).right() <= bar.width()
    heat = page.heat
    assert not heat.horizontalScrollBar().isVisible()
    last = heat.columnCount() - 1
    assert heat.columnViewportPosition(last) + heat.columnWidth(last) <= heat.viewport().width()
    # The selected cell's card is whole, under the map (not cut off by the window's bottom edge).
    assert page.cell_list.height() >= page.cell_list.minimumHeight() > 0


def test_the_dashboard_leaves_no_empty_block_under_the_map_at_1600x1000(qtbot, demo_window):
    page = demo_window.go_to("dashboard")
    _settle(qtbot, demo_window, 1600, 1000)
    heat = page.heat
    rows = heat.rowCount() * heat.verticalHeader().defaultSectionSize()
    # Every row shows, and the map is no taller than its rows (the layout settles a moment later).
    qtbot.waitUntil(
        lambda: not heat.verticalScrollBar().isVisible() and abs(heat.viewport().height() - rows) <= 4,
        timeout=5000,
    )
    assert page.cell_list.height() > 100  # the room went to the cell's list instead


# -- 4. history columns at 1024 px ------------------------------------------------------------------------
def test_the_history_table_fits_1024_px_and_keeps_full_text_in_tooltips(qtbot, demo_window):
    page = demo_window.go_to("history")
    with qtbot.waitSignal(page.loadedEntries, timeout=10000):
        page.refresh()
    _settle(qtbot, demo_window, 1024, 700)
    table = page.table
    header = table.horizontalHeader()
    qtbot.waitUntil(lambda: header.length() <= table.viewport().width(), timeout=5000)
    assert not table.horizontalScrollBar().isVisible()
    details = [c.key for c in page.model.columns].index("details")
    others = [c for c, col in enumerate(page.model.columns) if col.key in ("who", "what", "note")]
    assert all(header.sectionSize(details) >= header.sectionSize(c) for c in others)  # the text gets the room
    for r in range(page.model.rowCount()):
        index = page.model.index(r, details)
        assert index.data(Qt.ItemDataRole.ToolTipRole) == index.data()  # elided in the cell, whole here
    placeholder = page.since.placeholderText()
    assert page.since.fontMetrics().horizontalAdvance(placeholder) < page.since.width()


# -- 5. search: hints, list structure, the link dialog ------------------------------------------------------
def test_search_says_what_to_do_before_a_search_and_after_an_empty_one(qtbot, demo_window):
    page = demo_window.go_to("search")
    assert page.hint_text().startswith("Type a question or keywords above")
    assert page.results_stack.currentWidget() is page.hint
    assert "Select a result" in page.context.toPlainText()  # the reading pane is not blank either
    with qtbot.waitSignal(demo_window.searchFinished, timeout=10000):
        page.run_search("zebra giraffe", "keyword")
    hint = page.hint_text()
    assert hint.startswith("No passages match “zebra giraffe” — try fewer words")
    with qtbot.waitSignal(demo_window.searchFinished, timeout=10000):
        page.run_search("procurement", "keyword")
    assert page.hint_text() == "" and page.results_stack.currentWidget() is page.results
    page.query.clear()  # keyword mode searches as one types: the cleared box clears after a pause
    qtbot.waitUntil(lambda: page.hint_text().startswith("Type a question"), timeout=3000)


def test_the_context_pane_keeps_list_items_on_their_own_lines(qtbot, make_desk_window):
    from conftest import insert_document

    window = make_desk_window(load_model=False)
    text = "Agreed:\n- Bring IT in early\n- Size the servers\n\nThe chair closed the\nmeeting at noon."
    _, ids = insert_document(window.db, "Notes", [text])
    page = window.go_to("search")
    html = page.context_html(SimpleNamespace(passage_id=ids[0], text=text))
    assert "<br>- Bring IT in early<br>- Size the servers<br>" in html
    assert "The chair closed the meeting at noon." in html  # a hard break inside a sentence joins


def test_the_link_dialog_is_a_tree_with_whole_texts_and_an_uncut_label(qtbot, demo_window):
    from desktop.pages.search import TARGET_ROLE, LinkEvidenceDialog
    from knowledge.actions.queries import action_choices

    dialog = LinkEvidenceDialog(demo_window.db, demo_window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.label.width() >= dialog.label.sizeHint().width()  # "Evide" no more
    tree = dialog.target
    headings = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert headings == ["Recommendations", "Actions, by organisation"]
    assert tree.topLevelItem(0).childCount() == 9
    choices = dialog.choices()
    actions = action_choices(demo_window.db)
    assert len(choices) == 9 + len(actions)
    by_target = {tuple(item.data(0, TARGET_ROLE)): item for item in choices}
    for action in actions:
        item = by_target[("action", action["id"])]
        assert item.text(0).endswith(action["text"])  # never cut mid-word
        assert action["text"] in item.toolTip(0)
        assert item.parent().text(0) == (action["name"] or "No organisation")
    longest = max(actions, key=lambda a: len(a["text"]))
    item = by_target[("action", longest["id"])]
    tree.scrollToItem(item)
    assert tree.fontMetrics().horizontalAdvance(item.text(0)) > tree.viewport().width() - 60
    assert tree.visualItemRect(item).height() > tree.fontMetrics().height() * 1.5  # wrapped, not cut
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    tree.setCurrentItem(tree.topLevelItem(1))
    assert not ok.isEnabled() and dialog.current_target() is None  # a heading is no target
    assert dialog.select(("action", longest["id"])) and ok.isEnabled()
    assert dialog.current_target() == ("action", longest["id"])
    dialog.filter.setText("indemnity")
    shown = [i for i in dialog.choices() if not i.isHidden()]
    assert shown and all("indemnity" in (i.text(0) + i.parent().text(0)).lower() for i in shown)


# -- 6. organisations tree -------------------------------------------------------------------------------
def test_organisation_names_have_tooltips_and_the_tree_splitter_is_remembered(
    qtbot, make_desk_window, desk_settings
):
    window = make_desk_window(load_model=False)
    window.resize(1280, 800)
    window.show()
    with qtbot.waitSignal(window.demoFinished, timeout=60000):
        window.load_demo()
    page = window.go_to("actions")
    everything = page.tree.topLevelItem(0)
    items = [everything.child(i) for i in range(everything.childCount())]
    assert items
    for item in items:
        assert item.data(0, Qt.ItemDataRole.UserRole + 3) in item.toolTip(0)  # the full name
    page.split.moveSplitter(290, 1)  # a width that leaves the table its ACTION_ROOM at 1280 px
    assert desk_settings.value("actions/tree_split") is not None
    window.workers.shutdown()

    again = make_desk_window(load_model=False)
    again.resize(1280, 800)
    again.show()
    split = again.go_to("actions").split
    qtbot.waitUntil(lambda: abs(split.sizes()[0] - 290) <= 2, timeout=5000)


# -- 7. status-bar messages ------------------------------------------------------------------------------
def test_status_messages_are_transient_and_cleared_on_a_page_change(qtbot, demo_window, monkeypatch):
    bar = demo_window.statusBar()
    shown: list[tuple[str, int]] = []
    real = bar.showMessage
    monkeypatch.setattr(
        bar, "showMessage", lambda text, msecs=0: (shown.append((text, msecs)), real(text, msecs))
    )
    demo_window.go_to("library")
    demo_window.show_message("Citation copied to the clipboard.")
    assert shown[-1] == ("Citation copied to the clipboard.", 5000)
    assert bar.currentMessage() == "Citation copied to the clipboard."
    demo_window.go_to("search")
    assert bar.currentMessage() == ""  # it belonged to the page left behind
    demo_window.show_message("Saved", 50)
    qtbot.waitUntil(lambda: bar.currentMessage() == "", timeout=3000)


def test_at_1024_page_names_and_status_messages_are_not_cut(qtbot, make_desk_window):
    window = make_desk_window(load_model=False)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    metrics = window.nav.fontMetrics()
    for i in range(window.nav.count()):
        item = window.nav.item(i)
        assert metrics.horizontalAdvance(item.text()) <= window.nav.visualItemRect(item).width() - 20
    window.show_message("The demo workspace is already loaded in this database.")
    assert not window.counts_label.isVisible()  # steps aside while the message shows
    window.statusBar().clearMessage()
    assert window.counts_label.isVisible()
