"""Tracking from the window: new action with suggested recommendations, progress, dashboard, reports."""

from __future__ import annotations

from desktop.pages.actions import LINK_ROLE


def test_new_action_accept_suggestion_update_progress_and_the_dashboard_cell_changes(qtbot, corpus_window):
    window = corpus_window
    page = window.go_to("actions")
    dialog = page.new_action_dialog()
    dialog.organisation.setCurrentText("Eastbrook ICB")
    with qtbot.waitSignal(dialog.suggestionsShown, timeout=10000) as shown:
        dialog.text.setPlainText(
            "Write a system-level digital procurement strategy that includes AI imaging, for board approval"
        )
    assert shown.args[0] >= 1
    chip = dialog.chip_widgets[0]
    assert chip.text().startswith("R") and "·" in chip.text()  # number, title and score
    chip.click()
    assert chip.isChecked()
    rec_number = int(chip.text().split()[0][1:])
    with qtbot.waitSignal(page.actionSaved, timeout=10000) as saved:
        dialog._save()
    action_id = saved.args[0]
    link = window.db.execute(
        "SELECT r.number, ar.state FROM action_recommendations ar JOIN recommendations r"
        " ON r.id = ar.recommendation_id WHERE ar.action_id = ?",
        [action_id],
    ).fetchall()
    assert (rec_number, "confirmed") in [tuple(row) for row in link]

    dashboard = window.go_to("dashboard")
    before = dashboard.cell_state("Eastbrook ICB", rec_number)
    assert before["count"] == 1 and before["worst"] == "not_started"

    page = window.go_to("actions", action_id=action_id)
    assert page.selected_action()["id"] == action_id
    progress = page.progress_dialog()
    progress.status.setCurrentIndex(progress.status.findData("in_progress"))
    progress.percent.setValue(40)
    progress.note.setPlainText("Draft strategy shared with trusts")
    with qtbot.waitSignal(page.actionSaved, timeout=10000):
        progress._save()
    assert "Draft strategy shared with trusts" in page.history.toPlainText()

    dashboard = window.go_to("dashboard")
    after = dashboard.cell_state("Eastbrook ICB", rec_number)
    assert after["worst"] == "in_progress"
    assert after["color"] != before["color"]
    dashboard.open_cell(after["row"], after["column"])
    assert "Write a system-level digital procurement strategy" in dashboard.cell_list.item(0).text()


def test_inline_edit_of_status_in_the_actions_table_is_kept_in_history(qtbot, corpus_window):
    from PySide6.QtCore import Qt

    window = corpus_window
    page = window.go_to("actions")
    page.select_organisation("Moorland ICB")
    row = page.selected_action()
    index = page.proxy.index(page.table.currentIndex().row(), 4)
    new_status = "blocked" if row["status"] != "blocked" else "in_progress"
    with qtbot.waitSignal(page.actionSaved, timeout=10000):
        page.proxy.setData(index, new_status, Qt.ItemDataRole.EditRole)
    status = window.db.execute("SELECT status FROM actions WHERE id = ?", [row["id"]]).fetchone()[0]
    assert status == new_status
    history = window.db.execute(
        "SELECT new_status FROM progress_updates WHERE action_id = ? ORDER BY id DESC LIMIT 1", [row["id"]]
    ).fetchone()[0]
    assert history == new_status


def test_export_a_redacted_briefing(qtbot, corpus_window, tmp_path):
    window = corpus_window
    page = window.go_to("export")
    with qtbot.waitSignal(page.previewReady, timeout=20000) as plain:
        page.show_item(kind="briefing", redact=False)
    with qtbot.waitSignal(page.previewReady, timeout=20000) as redacted:
        page.redact.setChecked(True)
    assert "jamie.fletcher@harbourside-icb.example.nhs.uk" not in redacted.args[0]
    assert "485 777 3457" not in redacted.args[0]
    assert redacted.args[0] != plain.args[0]
    assert "Briefing" in page.preview.toPlainText()
    target = tmp_path / "briefing.md"
    with qtbot.waitSignal(page.saved, timeout=10000):
        page.save(target, "md")
    text = target.read_text(encoding="utf-8")
    assert text == redacted.args[0]
    assert "@harbourside-icb" not in text
    html_target = tmp_path / "briefing.html"
    with qtbot.waitSignal(page.saved, timeout=10000):
        page.save(html_target, "html")
    assert html_target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_recommendation_page_shows_actions_and_related_passages(qtbot, corpus_window):
    window = corpus_window
    page = window.pages["recommendations"]
    with qtbot.waitSignal(page.relatedLoaded, timeout=10000):
        window.go_to("recommendations", number=9)
    text = page.detail.toPlainText()
    assert "Actions (" in text
    assert "Related passages" in text
    assert page.related
    page.export_current()
    assert window.current_page_key() == "export"
    assert window.pages["export"].target.currentData() == 9


def test_progress_return_round_trip_from_the_actions_page(qtbot, corpus_window, tmp_path):
    import csv

    window = corpus_window
    page = window.go_to("actions")
    path = tmp_path / "moorland-return.csv"
    with qtbot.waitSignal(window.statusBar().messageChanged, timeout=10000):
        page.export_return("Moorland ICB", str(path))
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))  # the form carries a BOM for Excel
    assert len(rows) == 2
    rows[0]["New status"] = "blocked"
    rows[0]["Note"] = "Waiting for the trusts' sign-off"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    action_id = int(rows[0]["Action ID"])
    with qtbot.waitSignal(window.dataChanged, timeout=10000):
        page.import_return(str(path))
    status = window.db.execute("SELECT status FROM actions WHERE id = ?", [action_id]).fetchone()[0]
    assert status == "blocked"


def test_confirm_a_suggested_recommendation_from_the_actions_page(qtbot, corpus_window):
    window = corpus_window
    page = window.go_to("actions")
    row = window.db.execute(
        "SELECT action_id, recommendation_id FROM action_recommendations WHERE state = 'suggested' LIMIT 1"
    ).fetchone()
    assert row, "importing the notes leaves suggestions awaiting confirmation"
    page.show_item(action_id=row[0])
    assert page.selected_action()["id"] == row[0]
    for i in range(page.links.count()):
        link = page.links.item(i).data(LINK_ROLE)
        if link and link["recommendation_id"] == row[1]:
            page.links.setCurrentRow(i)
    assert page.confirm_button.isEnabled()
    with qtbot.waitSignal(page.actionSaved, timeout=10000):
        page.confirm_button.click()
    state = window.db.execute(
        "SELECT state FROM action_recommendations WHERE action_id = ? AND recommendation_id = ?", list(row)
    ).fetchone()[0]
    assert state == "confirmed"


def test_edit_document_details_from_the_library(qtbot, corpus_window):
    window = corpus_window
    library = window.go_to("library")
    doc = library.selected_document()
    with qtbot.waitSignal(window.dataChanged, timeout=10000):
        library.apply_edit(
            doc["id"],
            {
                "title": "Renamed notes",
                "kind": doc["kind"],
                "date": "2024-03-15",
                "organisation": "Harbourside ICB",
            },
        )
    assert library.selected_document()["title"] == "Renamed notes"
    assert library.selected_document()["organisation"] == "Harbourside ICB"
