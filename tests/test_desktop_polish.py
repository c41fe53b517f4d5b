"""The window as shipped software (issue 15): UK dates, passages opened in place, a steady dashboard,
unconfirmed actions on the heat map, legible colours, settings, menus and keyboard."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QStyleOptionViewItem

from desktop.style import BACKGROUND_ROLES, PALETTES, TEXT_ROLES, contrast_ratio


def _click_save(dialog):
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()


# -- dates -----------------------------------------------------------------------------------------------
def test_a_due_date_typed_day_first_is_stored_as_iso(qtbot, demo_window):
    page = demo_window.go_to("actions")
    dialog = page.new_action_dialog()
    dialog.organisation.setCurrentText("Northshire ICB")
    dialog.text.setPlainText("Publish the imaging AI evaluation plan")
    qtbot.keyClicks(dialog.due.edit, "28/02/2027")
    with qtbot.waitSignal(page.actionSaved, timeout=20000) as saved:
        _click_save(dialog)
    row = demo_window.db.execute("SELECT due FROM actions WHERE id = ?", [saved.args[0]]).fetchone()
    assert row[0] == "2027-02-28"


def test_the_date_field_reads_the_ways_people_write_dates_and_refuses_the_rest(qtbot):
    from desktop.widgets.dates import DateField, display_date

    field = DateField()
    qtbot.addWidget(field)
    for typed in ("2027-02-28", "28/02/2027", "28 Feb 2027", "28 February 2027"):
        field.setText(typed)
        assert field.is_valid() and field.iso() == "2027-02-28", typed
    field.setText("31/02/2027")
    assert not field.is_valid()
    field.setText("")
    assert field.is_valid() and field.iso() is None  # blank: no due date
    assert field.button.menu() is not None and field.calendar is not None  # the picker
    assert display_date("2027-02-28") == "28 Feb 2027"


def test_the_new_action_dialog_names_a_date_it_cannot_read(qtbot, demo_window):
    page = demo_window.go_to("actions")
    dialog = page.new_action_dialog()
    dialog.organisation.setCurrentText("Northshire ICB")
    dialog.text.setPlainText("Publish the imaging AI evaluation plan")
    dialog.due.setText("31/02/2027")
    _click_save(dialog)
    assert dialog.isVisible() and "not a date" in dialog.error.text()
    dialog.reject()


# -- search → library --------------------------------------------------------------------------------------
def test_open_document_from_a_search_result_selects_that_passage(qtbot, corpus_window):
    window = corpus_window
    page = window.go_to("search")
    page.mode.setCurrentIndex(page.mode.findData("keyword"))
    with qtbot.waitSignal(window.searchFinished, timeout=10000) as blocker:
        page.run_search("medical indemnity", "keyword")
    hits = blocker.args[0].hits
    hit = max(hits, key=lambda h: h.passage_id)  # not the document's first passage, if it can be helped
    page.results.setCurrentIndex(page.results_model.index(hits.index(hit), 0))
    page.open_document()
    library = window.pages["library"]
    assert window.current_page_key() == "library"
    assert library.selected_document()["id"] == hit.document_id
    selected = library.viewer.textCursor().selectedText()
    first_words = " ".join(hit.text.split()[:6])
    assert selected and first_words in " ".join(selected.split())


# -- dashboard ---------------------------------------------------------------------------------------------
def test_a_cell_click_leaves_the_dashboard_geometry_unchanged(qtbot, demo_window):
    page = demo_window.go_to("dashboard")
    page.refresh()
    qtbot.wait(50)
    before = (page.heat.geometry(), page.cell_card.geometry(), page.tabs.geometry())
    filled = [
        (r, c)
        for r in range(page.heat.rowCount())
        for c in range(page.heat.columnCount())
        if page.heat.item(r, c) and page.heat.item(r, c).text()
    ]
    assert filled
    page.open_cell(*filled[0])
    qtbot.wait(50)
    assert page.cell_list.count() >= 1
    assert (page.heat.geometry(), page.cell_card.geometry(), page.tabs.geometry()) == before


def test_unconfirmed_actions_appear_in_the_heat_map(qtbot, demo_window):
    from desktop.operations import tracking
    from knowledge.vocab import LinkState

    page = demo_window.go_to("dashboard")
    page.refresh()
    rows = tracking.action_rows(demo_window.db)
    waiting = [r for r in rows if not any(k["state"] == LinkState.CONFIRMED for k in r.get("links") or [])]
    assert waiting  # the demo has actions only suggested so far
    column = page.heat.columnCount() - 1
    assert "Unconfirmed" in page.heat.horizontalHeaderItem(column).toolTip()
    names = [name for _id, name in page.data["organisations"]]
    org = waiting[0]["organisation"]
    row = names.index(org)
    expected = sum(1 for r in waiting if r["organisation"] == org)
    assert page.heat.item(row, column).text() == str(expected)
    page.open_cell(row, column)
    assert page.cell_list.count() == expected


# -- colours -----------------------------------------------------------------------------------------------
def test_applying_a_theme_sets_the_palette_from_the_same_colours(qtbot):
    from PySide6.QtWidgets import QApplication

    from desktop.app import apply_theme

    app = QApplication.instance()
    before = (app.palette(), app.styleSheet(), app.style().name(), app.property("roundtable_dark"))
    try:
        for theme in ("dark", "light"):
            apply_theme(app, theme)
            assert app.palette().color(QPalette.ColorRole.Text).name() == PALETTES[theme]["text"]
            assert app.palette().color(QPalette.ColorRole.Base).name() == PALETTES[theme]["base"]
    finally:  # the other tests run unthemed
        app.setPalette(before[0])
        app.setStyleSheet(before[1])
        app.setStyle(before[2])
        app.setProperty("roundtable_dark", before[3])


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_text_colour_of_the_palette_reads_at_aa_contrast(theme):
    colors = PALETTES[theme]
    for text in TEXT_ROLES:
        for background in BACKGROUND_ROLES:
            ratio = contrast_ratio(colors[text], colors[background])
            assert ratio >= 4.5, f"{theme}: {text} on {background} is {ratio:.2f}:1"
    assert contrast_ratio(colors["hl_text"], colors["highlight"]) >= 4.5
    assert contrast_ratio(colors["text"], colors["selection"]) >= 4.5


@pytest.mark.parametrize(("theme", "sheet"), [("light", "style.qss"), ("dark", "style-dark.qss")])
def test_the_stylesheets_text_colours_read_at_aa_contrast(theme, sheet):
    from resources import resource_path

    text = resource_path(sheet).read_text(encoding="utf-8")
    muted = re.search(r"#pageSubtitle, #muted \{ color: (#[0-9a-f]{6})", text)[1]
    assert muted == PALETTES[theme]["muted"]
    for background in BACKGROUND_ROLES:
        assert contrast_ratio(muted, PALETTES[theme][background]) >= 4.5
    bar_text = re.search(r"QProgressBar \{[^}]*?color: (#[0-9a-f]{6})", text)[1]
    chunk = re.search(r"QProgressBar::chunk \{ background: (#[0-9a-f]{6})", text)[1]
    assert contrast_ratio(bar_text, chunk) >= 4.5  # the label sits on the bar's filled part too
    assert "QMainWindow #sidebar" in text  # the nav style never leaks into a file dialog's sidebar
    assert "QMenu::item:disabled" in text and ":focus" in text


def test_the_selected_row_keeps_its_status_and_overdue_colours(qtbot, demo_window):
    from desktop.style import color, status_color

    page = demo_window.go_to("actions")
    page.refresh()
    proxy = page.proxy
    overdue = next(
        r for r in range(proxy.rowCount()) if proxy.index(r, 0).data(page_row_role()).get("overdue")
    )
    page.table.selectRow(overdue)
    for column in (4, 7):
        index = proxy.index(overdue, column)
        option = QStyleOptionViewItem()
        option.palette = page.table.palette()
        page.table.itemDelegateForColumn(column).initStyleOption(option, index)
        if column == 7:
            shown = option.palette.color(QPalette.ColorRole.HighlightedText).name()
            assert shown == color("danger")
        else:
            image = option.icon.pixmap(12, 12, option.icon.Mode.Selected).toImage()
            status = index.data(page_row_role())["status"]
            assert image.pixelColor(6, 6).name() == status_color(status)


def page_row_role():
    from desktop.qtmodels import ROW_ROLE

    return ROW_ROLE


# -- layout ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(1280, 800), (1024, 700)])
def test_the_actions_table_never_needs_a_sideways_scrollbar(qtbot, demo_window, size):
    demo_window.resize(*size)
    page = demo_window.go_to("actions")
    page.refresh()
    qtbot.wait(50)
    table = page.table
    shown = [c for c in range(page.model.columnCount()) if not table.isColumnHidden(c)]
    assert sum(table.columnWidth(c) for c in shown) <= table.viewport().width() + 1
    assert {4, 5, 7} <= set(shown)  # status, % and due always in view
    assert table.columnWidth(1) >= 250 if size[0] >= 1280 else table.columnWidth(1) >= 150
    assert page.selected_action()["text"] in page.action_title.text()


# -- menus, settings, keyboard ---------------------------------------------------------------------------
def test_menus_show_the_ampersand_and_list_every_shortcut(qtbot, demo_window):
    from desktop.menus import shortcut_rows

    go = next(a.menu() for a in demo_window.menuBar().actions() if a.text() == "&Go")
    assert "Organisations && actions" in [a.text() for a in go.actions()]
    rows = dict(shortcut_rows(demo_window))
    assert "Organisations & actions" in rows.values()
    assert any(what.startswith("Settings") for what in rows.values())


def test_settings_dialog_saves_name_theme_stale_days_folder_and_redaction(
    qtbot, demo_window, tmp_path, monkeypatch
):
    import desktop.app

    applied = []  # the theme is applied for real elsewhere; here it must not leak into later tests
    monkeypatch.setattr(desktop.app, "apply_theme", lambda app, theme: applied.append(theme))
    from desktop.menus import open_settings
    from desktop.widgets.settings_dialog import EXPORT_FOLDER_KEY, REDACT_KEY, setting_bool
    from knowledge.actions import stale_days

    dialog = open_settings(demo_window)
    dialog.name.setText("Priya Shah")
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.stale.setValue(45)
    dialog.folder.setText(str(tmp_path))
    dialog.redact.setChecked(True)
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: stale_days(demo_window.db) == 45, timeout=10000)  # written on the write queue
    assert demo_window.who == "Priya Shah"
    assert demo_window.settings.value("view/theme") == "dark"
    assert applied == ["dark"]
    assert stale_days(demo_window.db) == 45
    assert demo_window.settings.value(EXPORT_FOLDER_KEY) == str(tmp_path)
    assert setting_bool(demo_window.settings, REDACT_KEY)
    assert demo_window.pages["export"].redact.isChecked()


def test_settings_dialog_answers_enter_and_escape(qtbot, demo_window):
    from desktop.menus import open_settings

    dialog = open_settings(demo_window)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    dialog = open_settings(demo_window)
    dialog.name.setFocus()
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)  # Save is the default button
    assert not dialog.isVisible()


def test_actions_table_context_menu_and_action_text_editing(qtbot, demo_window, monkeypatch):
    page = demo_window.go_to("actions")
    page.refresh()
    menu = page.context_menu()
    labels = [a.text() for a in menu.actions() if a.text()]
    assert {"Update progress…", "Edit wording…", "Change due date…", "Copy action text"} <= set(labels)
    action = page.selected_action()
    with qtbot.waitSignal(page.actionSaved, timeout=10000):
        page.edit_text(action["id"], action["text"] + " (revised)")
    assert page.selected_action()["text"].endswith("(revised)")


def test_controls_have_accessible_names(qtbot, demo_window):
    page = demo_window.go_to("actions")
    assert page.table.accessibleName() == "Actions"
    assert page.filter.accessibleName() and page.tree.accessibleName()


# -- screenshot mode ---------------------------------------------------------------------------------------
def _shoot(db_path, out, *extra):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    args = [sys.executable, "-m", "desktop.app", "--db", str(db_path), "--screenshot", str(out), *extra]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, env=env)


def test_screenshot_mode_takes_a_size_and_the_default_state(tmp_path):
    from knowledge.demo import load_demo
    from knowledge.workspace import open_db

    db_path = tmp_path / "demo.db"
    db = open_db(db_path)
    load_demo(db)
    db.conn.close()
    out = tmp_path / "actions.png"
    result = _shoot(db_path, out, "--page", "actions", "--size", "1024x700", "--state", "default")
    assert result.returncode == 0, result.stderr[-2000:]
    data = out.read_bytes()
    assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (1024, 700)
    bad = _shoot(db_path, tmp_path / "x.png", "--size", "huge")
    assert bad.returncode == 2 and "not a size" in bad.stderr and "Traceback" not in bad.stderr
