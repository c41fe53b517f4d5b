"""The window's who (asked once, kept, changeable, on every write) and its History page."""

from __future__ import annotations

import pytest

from knowledge import changelog
from knowledge.changelog import entries


@pytest.fixture
def login(monkeypatch):
    monkeypatch.setattr(changelog.getpass, "getuser", lambda: "jsmith")
    monkeypatch.delenv("ROUNDTABLE_USER", raising=False)
    return "jsmith"


def _import(qtbot, window, path):
    with qtbot.waitSignal(window.importFinished, timeout=60000) as blocker:
        window.start_import([path])
    return blocker.args[0]


def test_the_window_asks_the_name_once_and_records_every_write_with_it(
    qtbot, make_desk_window, desk_settings, corpus, login
):
    window = make_desk_window(load_model=False)
    assert window.who == login  # before anyone answers: the login name
    window.show()
    qtbot.waitUntil(lambda: window.who_dialog is not None and window.who_dialog.isVisible(), timeout=5000)
    assert window.who_dialog.name.text() == login  # offered
    window.who_dialog.name.setText("Ann Lead (Moorland ICB)")
    window.who_dialog.accept_button().click()
    assert window.who == "Ann Lead (Moorland ICB)" and "Ann Lead" in window.who_label.text()
    assert desk_settings.value("user/name") == "Ann Lead (Moorland ICB)"

    summary = _import(qtbot, window, corpus / "moorland-icb-ai-tracker.csv")
    [doc_id] = summary.document_ids
    library = window.go_to("library")
    window.confirm = lambda title, text: True
    with qtbot.waitSignal(window.dataChanged, timeout=10000):
        library.delete_selected()
    with qtbot.waitSignal(window.dataChanged, timeout=10000):
        library.undo_delete()  # the window's Undo restores from the bin
    log = entries(window.db, entity="document", entity_id=doc_id)
    assert [(e["change"], e["who"]) for e in log] == [
        ("imported", "Ann Lead (Moorland ICB)"),
        ("deleted", "Ann Lead (Moorland ICB)"),
        ("restored", "Ann Lead (Moorland ICB)"),
    ]
    # The actions and organisations the import created are the same person's.
    assert {e["who"] for e in entries(window.db, entity="action")} == {"Ann Lead (Moorland ICB)"}

    # Changed from the File menu: later writes carry the new name.
    dialog = window.ask_who()
    dialog.name.setText("Bob")
    dialog.accept_button().click()
    actions = window.go_to("actions")
    first = window.db.execute("SELECT min(id) FROM actions").fetchone()[0]
    with qtbot.waitSignal(window.dataChanged, timeout=10000):
        actions.edit_action(first, "owner", "New Owner", None)
    assert entries(window.db, entity="action", entity_id=first)[-1]["who"] == "Bob"


def test_a_second_window_does_not_ask_again(qtbot, make_desk_window, desk_settings, login):
    desk_settings.setValue("user/name", "Ann Lead")
    window = make_desk_window(load_model=False)
    window.show()
    qtbot.wait(50)
    assert window.who_dialog is None and window.who == "Ann Lead"


def test_closing_the_question_keeps_the_login_name(qtbot, make_desk_window, desk_settings, login):
    window = make_desk_window(load_model=False)
    window.show()
    qtbot.waitUntil(lambda: window.who_dialog is not None and window.who_dialog.isVisible(), timeout=5000)
    window.who_dialog.reject()
    assert desk_settings.value("user/name") == login and window.who == login


def test_the_history_page_shows_the_log_filtered(qtbot, make_desk_window, desk_settings, corpus, login):
    desk_settings.setValue("user/name", "Ann")
    window = make_desk_window(load_model=False)
    assert "History" in [window.nav.item(i).text() for i in range(window.nav.count())]
    _import(qtbot, window, corpus / "moorland-icb-ai-tracker.csv")
    window.set_who("Bob")
    first = window.db.execute("SELECT min(id) FROM actions").fetchone()[0]
    from desktop.operations import tracking

    with qtbot.waitSignal(window.dataChanged, timeout=10000):
        window.run_op(lambda db, job: tracking.update_progress(db, first, percent=55, note="board update"))

    page = window.pages["history"]
    with qtbot.waitSignal(page.loadedEntries, timeout=10000) as shown:
        window.go_to("history")
    total = len(entries(window.db))
    assert shown.args == [total] and page.model.rowCount() == total
    newest = page.model.row_dict(0)
    assert (newest["who"], newest["what"], newest["change"]) == ("Bob", f"Action {first}", "percent")
    assert "55" in newest["details"] and newest["note"] == "board update"
    assert {page.who.itemText(i) for i in range(page.who.count())} >= {"Anyone", "Ann", "Bob", login}

    with qtbot.waitSignal(page.loadedEntries, timeout=10000) as shown:
        page.who.setCurrentIndex(page.who.findData("Bob"))
    assert shown.args == [1]
    with qtbot.waitSignal(page.loadedEntries, timeout=10000) as shown:
        page.who.setCurrentIndex(0)
        page.entity.setCurrentIndex(page.entity.findData("document"))
    assert [page.model.row_dict(r)["change"] for r in range(page.model.rowCount())] == ["imported"]
    page.since.setText("1 May")
    page.refresh()
    assert "YYYY-MM-DD" in page.info.text()
    page.since.setText("2999-01-01")
    with qtbot.waitSignal(page.loadedEntries, timeout=10000) as shown:
        page.refresh()
    assert shown.args == [0]
