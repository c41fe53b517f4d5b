"""Two people saving the same action from the window: the later save is refused, naming who, nothing lost."""

from __future__ import annotations

from knowledge.actions import create_action, get_action, update_progress
from knowledge.changelog import who_of
from knowledge.workspace import open_db


def test_a_save_from_a_stale_view_is_refused_and_the_row_reloads(qtbot, make_desk_window, db_path):
    window = make_desk_window(load_model=False)
    other = open_db(db_path)  # another person's program on the same workspace
    try:
        action_id = create_action(other, text="Publish the AI imaging audit", organisation="Trust A")
        window.refresh_all()
        page = window.go_to("actions")
        qtbot.waitUntil(lambda: page._version_of(action_id) is not None, timeout=5000)
        seen = page._version_of(action_id)
        update_progress(other, action_id, percent=40, who="Priya Shah")  # saved while the window showed it
        errors: list[tuple[str, str]] = []
        window.show_error = lambda title, text: errors.append((title, text))
        with qtbot.waitSignal(window.dataChanged, timeout=10_000):  # the failed save reloads the page
            page.save_progress(action_id, {"percent": 70, "note": "from the window"}, version=seen)
        assert errors and errors[0][0] == "Could not save"
        # The record's name for her: as given on a file; on a team workspace, the member connected.
        assert f"{who_of(other, 'Priya Shah')} changed it" in errors[0][1] and "not saved" in errors[0][1]
        assert get_action(other, action_id)["percent"] == 40  # the other person's change stands
        qtbot.waitUntil(lambda: page._version_of(action_id) == seen + 1, timeout=5000)
        with qtbot.waitSignal(page.actionSaved, timeout=10_000):  # from the reloaded row, it saves
            page.save_progress(action_id, {"percent": 70}, version=page._version_of(action_id))
        assert get_action(other, action_id)["percent"] == 70
    finally:
        other.conn.close()

