"""What the pages must show legibly at 1280x800: no clipped names, full action text, readable timelines."""

from __future__ import annotations

from PySide6.QtGui import QFontMetrics

from desktop.pages.actions import LINK_ROLE


def test_short_name_uses_the_usual_nhs_abbreviations():
    from desktop.widgets.common import short_name

    assert short_name("Bramley General Hospital NHS Foundation Trust") == "Bramley General Hospital NHS FT"
    assert short_name("Department of Health and Social Care") == "DHSC"
    assert short_name("Northshire Integrated Care System") == "Northshire ICS"
    assert short_name("Moorland ICB") == "Moorland ICB"


def test_elided_label_ends_in_an_ellipsis_and_keeps_the_full_text_in_its_tooltip(qtbot):
    from desktop.widgets.common import ElidedLabel

    label = ElidedLabel("Clinical input throughout the product lifecycle")
    qtbot.addWidget(label)
    label.show()  # a hidden widget gets its resize events only when shown
    label.resize(90, 20)
    assert label.text().endswith("…")
    assert label.toolTip() == label.full_text() == "Clinical input throughout the product lifecycle"
    label.resize(600, 20)
    assert label.text() == label.full_text() and label.toolTip() == ""


def test_dashboard_organisation_names_fit_their_column(qtbot, demo_window):
    page = demo_window.go_to("dashboard")
    page.refresh()
    qtbot.wait(50)  # one event-loop turn for the layout to give the table its size
    page._fit_heat()
    header = page.heat.verticalHeader()
    metrics = QFontMetrics(header.font())
    names = []
    for row in range(page.heat.rowCount()):
        item = page.heat.verticalHeaderItem(row)
        names.append(item.text())
        assert metrics.horizontalAdvance(item.text()) <= header.width() - 12, item.text()
        assert item.toolTip()  # the full name, for the elided or abbreviated ones
    assert "DHSC" in names and any(n.startswith("Bramley General Hospital NHS") for n in names)
    assert all(not n.endswith("…") or len(n) > 12 for n in names)


def test_actions_page_shows_the_whole_selected_action_and_a_readable_history(qtbot, demo_window):
    page = demo_window.go_to("actions")
    page.refresh()
    action = page.selected_action()
    assert action is not None
    assert action["text"] in page.action_title.text()  # the table elides it; the line below does not
    page.tabs.setCurrentIndex(1)
    history = page.history.toPlainText()
    assert "recorded as" in history  # the first entry is a creation, not "— → In progress"
    assert " — → " not in history
    # An action with a suggestion waiting: it is selected in the list, so Confirm works straight away.
    from knowledge.actions import link_recommendation, recommendation_id

    with demo_window.db.atomic():
        link_recommendation(demo_window.db, action["id"], recommendation_id(demo_window.db, 7), score=0.4)
    page.refresh()
    page.select_action(action["id"])
    item = page.links.currentItem()
    assert item is not None and item.data(LINK_ROLE)["state"] == "suggested"
    assert page.confirm_button.isEnabled()


def test_new_action_dialog_grows_to_show_every_suggested_chip(qtbot, make_desk_window):
    window = make_desk_window()
    window.show()
    qtbot.waitUntil(lambda: window.model_state == "ready", timeout=10000)
    page = window.go_to("actions")
    dialog = page.new_action_dialog()
    with qtbot.waitSignal(dialog.suggestionsShown, timeout=10000) as shown:
        dialog.text.setPlainText("Set up a multidisciplinary AI implementation team with radiology and IT")
    assert shown.args[0] >= 3
    bottom = max(chip.geometry().bottom() for chip in dialog.chip_widgets)
    assert dialog.chips_box.height() >= bottom  # no chip is cut off
    dialog.reject()


def test_report_preview_fits_without_a_sideways_scrollbar(qtbot, demo_window):
    page = demo_window.go_to("export")
    with qtbot.waitSignal(page.previewReady, timeout=30000):
        page.show_item(kind="briefing")
    qtbot.wait(50)
    assert page.preview.horizontalScrollBar().maximum() == 0
    assert "Organisations and recommendations" in page.preview.toPlainText()


def test_library_gives_the_title_the_room_of_columns_nobody_filled(qtbot, demo_window):
    library = demo_window.go_to("library")
    library.refresh()
    qtbot.wait(50)
    docs = [library.model.row_dict(r) for r in range(library.model.rowCount())]
    assert not any(d.get("pages") for d in docs)  # the demo is markdown and CSV: no page numbers
    assert library.table.isColumnHidden(4)
    assert library.table.columnWidth(0) >= 250
    from desktop.widgets.dates import display_date

    # Dates in the window's one readable form ("8 Nov 2026"); blanks read "—".
    assert library.proxy.index(0, 2).data() in {display_date(d["date"]) or "—" for d in docs}
